-- The collector's own health, written by each collector instance every
-- heartbeat: spans received from clients, stored, failed to store (each
-- attempt), refused as invalid, waiting in its queue, and its last export
-- error. The server's ingest watchdog tells from it a stopped collector
-- from one that cannot store what it receives. Old days are dropped by
-- retention.
CREATE TABLE IF NOT EXISTS {{.DB}}.collector_health (
    date        Date,
    at          DateTime,
    instance    String,
    received    UInt64,
    exported    UInt64,
    failed      UInt64,
    refused     UInt64,
    queued      UInt64,
    last_error  String
) ENGINE = MergeTree()
PARTITION BY date
ORDER BY (at, instance);
