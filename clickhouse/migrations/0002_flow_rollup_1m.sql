-- Per-minute rollup per integration, what the analyzer reads. Unattributed
-- spans (integration_id = '') keep their service and peer so that shadow
-- flows can be told apart; attributed ones roll up to one row per minute.
-- Counts of executions (root or entry spans) drive SLIs; spans counts every
-- stored span.
CREATE TABLE IF NOT EXISTS {{.DB}}.flow_rollup_1m (
    date            Date,
    minute          DateTime,
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
    duration_q      AggregateFunction(quantilesTDigestIf(0.5, 0.9, 0.95, 0.99), UInt64, UInt8)
) ENGINE = AggregatingMergeTree()
PARTITION BY date
ORDER BY (integration_id, minute, service_name, peer_service);

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
    quantilesTDigestIfState(0.5, 0.9, 0.95, 0.99)(duration_ns, toUInt8(execution)) AS duration_q
FROM {{.DB}}.flow_spans
GROUP BY date, minute, integration_id, service_name, peer_service;
