-- The maturity of the estate and of each team, one row per day and scope
-- (taken once a day, after the day ends in the estate's time zone): the
-- level and each dimension's level as scored then, and the evidence
-- (measure → value, JSON) they were scored from, so that reports can score
-- history again with the thresholds in force. Taking a day again replaces
-- it: the newest taken_at wins (readers pick it; merges drop the others).
CREATE TABLE IF NOT EXISTS {{.DB}}.maturity_snapshots (
    day        Date,
    scope      String,
    taken_at   DateTime,
    level      UInt8,
    dimensions String,
    evidence   String
) ENGINE = ReplacingMergeTree(taken_at)
PARTITION BY toYYYYMM(day)
ORDER BY (day, scope);
