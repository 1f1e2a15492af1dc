-- Cumulative latency buckets per minute: duration_le[i] counts executions
-- that took at most latencyBounds[i] (see rollup.go), so latency SLIs can
-- count "good" executions under a threshold. The views are recreated to
-- fill the new column.
ALTER TABLE {{.DB}}.flow_rollup_1m ADD COLUMN duration_le AggregateFunction(sumForEach, Array(UInt64));

DROP TABLE IF EXISTS {{.DB}}.flow_rollup_1m_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{.DB}}.flow_rollup_1m_mv TO {{.DB}}.flow_rollup_1m AS
SELECT
    date,
    toStartOfMinute(start) AS minute,
    integration_id,
    if(integration_id = '', service_name, '') AS service_name,
    if(integration_id = '', peer_service, '') AS peer_service,
    sumState(toUInt64(1)) AS spans,
    sumState(toUInt64(status = 2)) AS error_spans,
    sumState(toUInt64(execution)) AS executions,
    sumState(toUInt64(execution AND status = 2)) AS failed,
    sumState(toUInt64(execution AND status = 2 AND error_class = 'transient')) AS err_transient,
    sumState(toUInt64(execution AND status = 2 AND error_class = 'timeout')) AS err_timeout,
    sumState(toUInt64(execution AND status = 2 AND error_class = 'auth')) AS err_auth,
    sumState(toUInt64(execution AND status = 2 AND error_class = 'rate_limit')) AS err_rate_limit,
    sumState(toUInt64(execution AND status = 2 AND error_class = 'validation')) AS err_validation,
    sumState(toUInt64(execution AND status = 2 AND error_class = 'unavailable')) AS err_unavailable,
    sumState(toUInt64(execution AND status = 2 AND error_class = 'unknown')) AS err_unknown,
    sumState(toUInt64(execution * records)) AS records,
    quantilesTDigestIfState(0.5, 0.9, 0.95, 0.99)(duration_ns, toUInt8(execution)) AS duration_q,
    sumForEachState(arrayMap(b -> toUInt64(execution AND duration_ns <= b), [{{.LatencyBounds}}])) AS duration_le
FROM {{.DB}}.flow_spans
GROUP BY date, minute, integration_id, service_name, peer_service;

ALTER TABLE {{.DB}}.flow_rollup_input ADD COLUMN duration_le Array(UInt64);

DROP TABLE IF EXISTS {{.DB}}.flow_rollup_input_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{.DB}}.flow_rollup_input_mv TO {{.DB}}.flow_rollup_1m AS
SELECT
    date, minute, integration_id, service_name, peer_service,
    arrayReduce('sumState', [spans]) AS spans,
    arrayReduce('sumState', [error_spans]) AS error_spans,
    arrayReduce('sumState', [executions]) AS executions,
    arrayReduce('sumState', [failed]) AS failed,
    arrayReduce('sumState', [err_transient]) AS err_transient,
    arrayReduce('sumState', [err_timeout]) AS err_timeout,
    arrayReduce('sumState', [err_auth]) AS err_auth,
    arrayReduce('sumState', [err_rate_limit]) AS err_rate_limit,
    arrayReduce('sumState', [err_validation]) AS err_validation,
    arrayReduce('sumState', [err_unavailable]) AS err_unavailable,
    arrayReduce('sumState', [err_unknown]) AS err_unknown,
    arrayReduce('sumState', [records]) AS records,
    arrayReduce('quantilesTDigestIfState(0.5, 0.9, 0.95, 0.99)', durations, arrayMap(x -> toUInt8(1), durations)) AS duration_q,
    arrayReduce('sumForEachState', [if(empty(duration_le), arrayMap(b -> toUInt64(0), [{{.LatencyBounds}}]), duration_le)]) AS duration_le
FROM {{.DB}}.flow_rollup_input;
