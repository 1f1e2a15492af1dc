-- The alert event log: every state change of an alert (firing, resolved,
-- no_data) with its evidence. Append-only; the current state of an alert
-- is its latest event, so restarts and replacements lose nothing.
CREATE TABLE IF NOT EXISTS {{.DB}}.alert_events (
    date        Date,
    at          DateTime,
    at_ns       UInt64,
    key         String,
    source      String,
    integration String,
    severity    String,
    state       String,
    summary     String,
    evidence    String
) ENGINE = MergeTree()
PARTITION BY toYYYYMM(date)
ORDER BY (key, at_ns);
