-- Pre-aggregated minutes (the simulator's history backfill, imports from
-- other tools) enter the rollup through this Null table: nothing is stored
-- in it, its materialized view turns each row into aggregate states.
CREATE TABLE IF NOT EXISTS {{.DB}}.flow_rollup_input (
    date            Date,
    minute          DateTime,
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
    durations       Array(UInt64)
) ENGINE = Null;

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
    arrayReduce('quantilesTDigestIfState(0.5, 0.9, 0.95, 0.99)', durations, arrayMap(x -> toUInt8(1), durations)) AS duration_q
FROM {{.DB}}.flow_rollup_input;
