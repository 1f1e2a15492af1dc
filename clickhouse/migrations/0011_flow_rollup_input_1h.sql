-- Pre-aggregated hours (the simulator's long history backfill, imports of
-- old data) enter the hourly rollup only, through this Null table: months
-- of history cost a row per hour and integration, and the per-minute
-- rollup keeps only what was sent as minutes (flow_rollup_input).
CREATE TABLE IF NOT EXISTS {{.DB}}.flow_rollup_input_1h (
    date            Date,
    hour            DateTime,
    integration_id  String,
    service_name    String,
    peer_service    String,
    spans           UInt64,
    error_spans     UInt64,
    executions      UInt64,
    failed          UInt64,
    err_transient   UInt64,
    err_timeout     UInt64,
    err_auth        UInt64,
    err_rate_limit  UInt64,
    err_validation  UInt64,
    err_unavailable UInt64,
    err_unknown     UInt64,
    records         UInt64,
    durations       Array(UInt64),
    duration_le     Array(UInt64)
) ENGINE = Null;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{.DB}}.flow_rollup_input_1h_only_mv TO {{.DB}}.flow_rollup_1h AS
SELECT
    date, hour, integration_id, service_name, peer_service,
    sumState(spans) AS spans,
    sumState(error_spans) AS error_spans,
    sumState(executions) AS executions,
    sumState(failed) AS failed,
    sumState(err_transient) AS err_transient,
    sumState(err_timeout) AS err_timeout,
    sumState(err_auth) AS err_auth,
    sumState(err_rate_limit) AS err_rate_limit,
    sumState(err_validation) AS err_validation,
    sumState(err_unavailable) AS err_unavailable,
    sumState(err_unknown) AS err_unknown,
    sumState(records) AS records,
    quantilesTDigestIfMergeState(0.5, 0.9, 0.95, 0.99)(arrayReduce('quantilesTDigestIfState(0.5, 0.9, 0.95, 0.99)', durations, arrayMap(x -> toUInt8(1), durations))) AS duration_q,
    sumForEachState(if(empty(duration_le), arrayMap(b -> toUInt64(0), [{{.LatencyBounds}}]), duration_le)) AS duration_le
FROM {{.DB}}.flow_rollup_input_1h
GROUP BY date, hour, integration_id, service_name, peer_service;
