-- On-call's marks on anomaly episodes: an integration's signal from start
-- to end (the zero time while it is open) marked expected (left out of
-- learning) or not_anomaly (a false alarm), with a note and who marked
-- it. A later mark of the same episode (integration, signal, start)
-- replaces the earlier: reads take the latest row of each.
CREATE TABLE IF NOT EXISTS {{.DB}}.anomaly_feedback (
    at          DateTime,
    version     UInt64, -- when marked, in nanoseconds: the latest wins
    integration String,
    signal      String,
    start       DateTime,
    end         DateTime,
    verdict     String,
    note        String,
    user        String
) ENGINE = ReplacingMergeTree(version)
ORDER BY (integration, signal, start);
