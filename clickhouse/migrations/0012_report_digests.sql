-- Every step of posting a report digest to Slack: "posted" (the message
-- is up, its PDF not yet attached), "sent" (done) or "failed" (will be
-- retried), with where the message is. A period's digest is posted once
-- per channel, also across restarts: the latest row of (period, channel)
-- says how far it got.
CREATE TABLE IF NOT EXISTS {{.DB}}.report_digests (
    date        Date,
    at          DateTime,
    period      String,
    channel     String,
    status      String,
    ref_channel String,
    ref_ts      String,
    error       String
) ENGINE = MergeTree()
PARTITION BY toYYYYMM(date)
ORDER BY (period, channel, at);
