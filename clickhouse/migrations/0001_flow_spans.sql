-- Raw flow spans: one row per span, a partition per day, ordered so that a
-- time scan of one integration reads a contiguous range.
CREATE TABLE IF NOT EXISTS {{.DB}}.flow_spans (
    date            Date,
    start           DateTime,
    start_ns        UInt64,
    duration_ns     UInt64,
    trace_id        String,
    span_id         String,
    parent_span_id  String,
    name            String,
    kind            {{lc "String"}},
    status          UInt8,
    status_message  String,
    integration_id  {{lc "String"}},
    attribution     {{lc "String"}},
    execution       UInt8,
    source_system   {{lc "String"}},
    target_system   {{lc "String"}},
    operation       String,
    records         UInt64,
    error_class     {{lc "String"}},
    service_name    {{lc "String"}},
    peer_service    {{lc "String"}},
    resource_keys   Array(String),
    resource_values Array(String),
    attr_keys       Array(String),
    attr_values     Array(String)
) ENGINE = MergeTree()
PARTITION BY date
ORDER BY (integration_id, start, trace_id, span_id)
SETTINGS index_granularity = 8192;
