-- The hourly rollup: the same figures per hour, for windows of a day and
-- more (SLO budgets, trends, reports), so that a 30-day window reads 720
-- rows per integration instead of 43,200. ClickHouse 18.16 does not chain
-- materialized views, so it is fed from the same sources as the minutes.
CREATE TABLE IF NOT EXISTS {{.DB}}.flow_rollup_1h (
    date            Date,
    hour            DateTime,
    integration_id  String,
    service_name    String,
    peer_service    String,
    spans           AggregateFunction(sum, UInt64),
    error_spans     AggregateFunction(sum, UInt64),
    executions      AggregateFunction(sum, UInt64),
    failed          AggregateFunction(sum, UInt64),
    err_transient   AggregateFunction(sum, UInt64),
    err_timeout     AggregateFunction(sum, UInt64),
    err_auth        AggregateFunction(sum, UInt64),
    err_rate_limit  AggregateFunction(sum, UInt64),
    err_validation  AggregateFunction(sum, UInt64),
    err_unavailable AggregateFunction(sum, UInt64),
    err_unknown     AggregateFunction(sum, UInt64),
    records         AggregateFunction(sum, UInt64),
    duration_q      AggregateFunction(quantilesTDigestIf(0.5, 0.9, 0.95, 0.99), UInt64, UInt8),
    duration_le     AggregateFunction(sumForEach, Array(UInt64))
) ENGINE = AggregatingMergeTree()
PARTITION BY date
ORDER BY (integration_id, hour, service_name, peer_service);

CREATE MATERIALIZED VIEW IF NOT EXISTS {{.DB}}.flow_rollup_1h_mv TO {{.DB}}.flow_rollup_1h AS
SELECT
    date,
    toStartOfHour(start) AS hour,
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
GROUP BY date, hour, integration_id, service_name, peer_service;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{.DB}}.flow_rollup_input_1h_mv TO {{.DB}}.flow_rollup_1h AS
SELECT
    date, toStartOfHour(minute) AS hour, integration_id, service_name, peer_service,
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

-- What the minutes already hold, once.
INSERT INTO {{.DB}}.flow_rollup_1h (date, hour, integration_id, service_name, peer_service, spans, error_spans,
    executions, failed, err_transient, err_timeout, err_auth, err_rate_limit, err_validation, err_unavailable,
    err_unknown, records, duration_q, duration_le)
SELECT date, toStartOfHour(minute) AS h, integration_id, service_name, peer_service,
    sumMergeState(spans), sumMergeState(error_spans), sumMergeState(executions), sumMergeState(failed),
    sumMergeState(err_transient), sumMergeState(err_timeout), sumMergeState(err_auth), sumMergeState(err_rate_limit),
    sumMergeState(err_validation), sumMergeState(err_unavailable), sumMergeState(err_unknown), sumMergeState(records),
    quantilesTDigestIfMergeState(0.5, 0.9, 0.95, 0.99)(duration_q), sumForEachMergeState(duration_le)
FROM {{.DB}}.flow_rollup_1m
GROUP BY date, h, integration_id, service_name, peer_service;
