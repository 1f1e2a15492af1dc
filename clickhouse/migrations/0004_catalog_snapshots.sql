-- Every catalog load that changed something, kept for drift and maturity
-- trends: counts for quick charts, the whole model as JSON for diffs.
CREATE TABLE IF NOT EXISTS {{.DB}}.catalog_snapshots (
    date          Date,
    taken_at      DateTime,
    version       String,
    teams         UInt32,
    systems       UInt32,
    integrations  UInt32,
    slos          UInt32,
    lint_errors   UInt32,
    lint_warnings UInt32,
    model         String
) ENGINE = MergeTree()
PARTITION BY toYYYYMM(date)
ORDER BY (taken_at, version);
