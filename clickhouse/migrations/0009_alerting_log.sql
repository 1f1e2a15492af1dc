-- The alerting state as an append-only log: incident events, the
-- notification outbox, delivery results and silences, one stream each.
-- The current state is the fold of each stream, in seq order; nothing is
-- ever updated in place, so a restart or a replacement server loses nothing.
CREATE TABLE IF NOT EXISTS {{.DB}}.alerting_log (
    date    Date,
    at_ns   UInt64,
    seq     UInt64,
    stream  {{lc "String"}},
    key     String,
    body    String
) ENGINE = MergeTree()
PARTITION BY toYYYYMM(date)
ORDER BY (stream, seq);
