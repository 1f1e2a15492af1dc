-- The analyzer's leader lease: server replicas claim a term, the holder of
-- a term's first claim leads until its latest renewal expires (server
-- clock). Rows are only appended; old days are dropped by retention.
CREATE TABLE IF NOT EXISTS {{.DB}}.leases (
    date    Date,
    name    String,
    term    UInt64,
    holder  String,
    url     String,
    at      DateTime,
    expires DateTime
) ENGINE = MergeTree()
PARTITION BY date
ORDER BY (name, term, at, holder);

-- Each alerting log entry carries the lease term of its writer: entries a
-- deposed leader wrote after its successor's first entry are ignored.
ALTER TABLE {{.DB}}.alerting_log ADD COLUMN term UInt64 DEFAULT 0;
