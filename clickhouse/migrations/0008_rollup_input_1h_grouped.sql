-- Pre-aggregated minutes reach the hourly rollup one row per hour and
-- integration per insert (0007's view wrote one row per minute, leaving
-- the merging to background merges).
DROP TABLE IF EXISTS {{.DB}}.flow_rollup_input_1h_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{.DB}}.flow_rollup_input_1h_mv TO {{.DB}}.flow_rollup_1h AS
SELECT
    date, toStartOfHour(minute) AS hour, integration_id, service_name, peer_service,
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
FROM {{.DB}}.flow_rollup_input
GROUP BY date, hour, integration_id, service_name, peer_service;
