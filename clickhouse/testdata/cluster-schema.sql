CREATE TABLE IF NOT EXISTS intops.flow_spans_local ON CLUSTER intops (
    date            Date,
    start           DateTime,
    start_ns        UInt64,
    duration_ns     UInt64,
    trace_id        String,
    span_id         String,
    parent_span_id  String,
    name            String,
    kind            LowCardinality(String),
    status          UInt8,
    status_message  String,
    integration_id  LowCardinality(String),
    attribution     LowCardinality(String),
    execution       UInt8,
    source_system   LowCardinality(String),
    target_system   LowCardinality(String),
    operation       String,
    records         UInt64,
    error_class     LowCardinality(String),
    service_name    LowCardinality(String),
    peer_service    LowCardinality(String),
    resource_keys   Array(String),
    resource_values Array(String),
    attr_keys       Array(String),
    attr_values     Array(String)
) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/intops/flow_spans', '{replica}')
PARTITION BY date
ORDER BY (integration_id, start, trace_id, span_id)
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS intops.flow_spans ON CLUSTER intops AS intops.flow_spans_local ENGINE = Distributed(intops, intops, flow_spans_local, cityHash64(integration_id));

CREATE TABLE IF NOT EXISTS intops.flow_rollup_1m_local ON CLUSTER intops (
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
) ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/intops/flow_rollup_1m', '{replica}')
PARTITION BY date
ORDER BY (integration_id, minute, service_name, peer_service);

CREATE TABLE IF NOT EXISTS intops.flow_rollup_1m ON CLUSTER intops AS intops.flow_rollup_1m_local ENGINE = Distributed(intops, intops, flow_rollup_1m_local, cityHash64(integration_id));

CREATE MATERIALIZED VIEW IF NOT EXISTS intops.flow_rollup_1m_mv ON CLUSTER intops TO intops.flow_rollup_1m_local AS SELECT
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
FROM intops.flow_spans_local
GROUP BY date, minute, integration_id, service_name, peer_service;

CREATE TABLE IF NOT EXISTS intops.flow_rollup_input_local ON CLUSTER intops (
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

CREATE TABLE IF NOT EXISTS intops.flow_rollup_input ON CLUSTER intops AS intops.flow_rollup_input_local ENGINE = Distributed(intops, intops, flow_rollup_input_local, cityHash64(integration_id));

CREATE MATERIALIZED VIEW IF NOT EXISTS intops.flow_rollup_input_mv ON CLUSTER intops TO intops.flow_rollup_1m_local AS SELECT
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
FROM intops.flow_rollup_input_local;

CREATE TABLE IF NOT EXISTS intops.catalog_snapshots_local ON CLUSTER intops (
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
) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/intops/catalog_snapshots', '{replica}')
PARTITION BY toYYYYMM(date)
ORDER BY (taken_at, version);

CREATE TABLE IF NOT EXISTS intops.catalog_snapshots ON CLUSTER intops AS intops.catalog_snapshots_local ENGINE = Distributed(intops, intops, catalog_snapshots_local, 0);

ALTER TABLE intops.flow_rollup_1m_local ON CLUSTER intops ADD COLUMN duration_le AggregateFunction(sumForEach, Array(UInt64));

DROP TABLE IF EXISTS intops.flow_rollup_1m ON CLUSTER intops;

CREATE TABLE IF NOT EXISTS intops.flow_rollup_1m ON CLUSTER intops AS intops.flow_rollup_1m_local ENGINE = Distributed(intops, intops, flow_rollup_1m_local, cityHash64(integration_id));

DROP TABLE IF EXISTS intops.flow_rollup_1m_mv ON CLUSTER intops;

CREATE MATERIALIZED VIEW IF NOT EXISTS intops.flow_rollup_1m_mv ON CLUSTER intops TO intops.flow_rollup_1m_local AS SELECT
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
    sumForEachState(arrayMap(b -> toUInt64(execution AND duration_ns <= b), [10000000, 25000000, 50000000, 100000000, 250000000, 500000000, 1000000000, 2000000000, 5000000000, 10000000000, 30000000000, 60000000000, 300000000000, 900000000000, 3600000000000])) AS duration_le
FROM intops.flow_spans_local
GROUP BY date, minute, integration_id, service_name, peer_service;

DROP TABLE IF EXISTS intops.flow_rollup_input_local ON CLUSTER intops;

CREATE TABLE IF NOT EXISTS intops.flow_rollup_input_local ON CLUSTER intops (
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
,
    duration_le Array(UInt64)
) ENGINE = Null;

DROP TABLE IF EXISTS intops.flow_rollup_input ON CLUSTER intops;

CREATE TABLE IF NOT EXISTS intops.flow_rollup_input ON CLUSTER intops AS intops.flow_rollup_input_local ENGINE = Distributed(intops, intops, flow_rollup_input_local, cityHash64(integration_id));

DROP TABLE IF EXISTS intops.flow_rollup_input_mv ON CLUSTER intops;

CREATE MATERIALIZED VIEW IF NOT EXISTS intops.flow_rollup_input_mv ON CLUSTER intops TO intops.flow_rollup_1m_local AS SELECT
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
    arrayReduce('sumForEachState', [if(empty(duration_le), arrayMap(b -> toUInt64(0), [10000000, 25000000, 50000000, 100000000, 250000000, 500000000, 1000000000, 2000000000, 5000000000, 10000000000, 30000000000, 60000000000, 300000000000, 900000000000, 3600000000000]), duration_le)]) AS duration_le
FROM intops.flow_rollup_input_local;

CREATE TABLE IF NOT EXISTS intops.alert_events_local ON CLUSTER intops (
    date        Date,
    at          DateTime,
    at_ns       UInt64,
    key         String,
    source      String,
    integration String,
    severity    String,
    state       String,
    summary     String,
    evidence    String
) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/intops/alert_events', '{replica}')
PARTITION BY toYYYYMM(date)
ORDER BY (key, at_ns);

CREATE TABLE IF NOT EXISTS intops.alert_events ON CLUSTER intops AS intops.alert_events_local ENGINE = Distributed(intops, intops, alert_events_local, cityHash64(integration));

CREATE TABLE IF NOT EXISTS intops.flow_rollup_1h_local ON CLUSTER intops (
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
) ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/intops/flow_rollup_1h', '{replica}')
PARTITION BY date
ORDER BY (integration_id, hour, service_name, peer_service);

CREATE TABLE IF NOT EXISTS intops.flow_rollup_1h ON CLUSTER intops AS intops.flow_rollup_1h_local ENGINE = Distributed(intops, intops, flow_rollup_1h_local, cityHash64(integration_id));

CREATE MATERIALIZED VIEW IF NOT EXISTS intops.flow_rollup_1h_mv ON CLUSTER intops TO intops.flow_rollup_1h_local AS SELECT
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
    sumForEachState(arrayMap(b -> toUInt64(execution AND duration_ns <= b), [10000000, 25000000, 50000000, 100000000, 250000000, 500000000, 1000000000, 2000000000, 5000000000, 10000000000, 30000000000, 60000000000, 300000000000, 900000000000, 3600000000000])) AS duration_le
FROM intops.flow_spans_local
GROUP BY date, hour, integration_id, service_name, peer_service;

CREATE MATERIALIZED VIEW IF NOT EXISTS intops.flow_rollup_input_1h_mv ON CLUSTER intops TO intops.flow_rollup_1h_local AS SELECT
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
    arrayReduce('sumForEachState', [if(empty(duration_le), arrayMap(b -> toUInt64(0), [10000000, 25000000, 50000000, 100000000, 250000000, 500000000, 1000000000, 2000000000, 5000000000, 10000000000, 30000000000, 60000000000, 300000000000, 900000000000, 3600000000000]), duration_le)]) AS duration_le
FROM intops.flow_rollup_input_local;

INSERT INTO intops.flow_rollup_1h (date, hour, integration_id, service_name, peer_service, spans, error_spans,
    executions, failed, err_transient, err_timeout, err_auth, err_rate_limit, err_validation, err_unavailable,
    err_unknown, records, duration_q, duration_le)
SELECT date, toStartOfHour(minute) AS h, integration_id, service_name, peer_service,
    sumMergeState(spans), sumMergeState(error_spans), sumMergeState(executions), sumMergeState(failed),
    sumMergeState(err_transient), sumMergeState(err_timeout), sumMergeState(err_auth), sumMergeState(err_rate_limit),
    sumMergeState(err_validation), sumMergeState(err_unavailable), sumMergeState(err_unknown), sumMergeState(records),
    quantilesTDigestIfMergeState(0.5, 0.9, 0.95, 0.99)(duration_q), sumForEachMergeState(duration_le)
FROM intops.flow_rollup_1m
GROUP BY date, h, integration_id, service_name, peer_service;

DROP TABLE IF EXISTS intops.flow_rollup_input_1h_mv ON CLUSTER intops;

CREATE MATERIALIZED VIEW IF NOT EXISTS intops.flow_rollup_input_1h_mv ON CLUSTER intops TO intops.flow_rollup_1h_local AS SELECT
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
    sumForEachState(if(empty(duration_le), arrayMap(b -> toUInt64(0), [10000000, 25000000, 50000000, 100000000, 250000000, 500000000, 1000000000, 2000000000, 5000000000, 10000000000, 30000000000, 60000000000, 300000000000, 900000000000, 3600000000000]), duration_le)) AS duration_le
FROM intops.flow_rollup_input_local
GROUP BY date, hour, integration_id, service_name, peer_service;

CREATE TABLE IF NOT EXISTS intops.alerting_log_local ON CLUSTER intops (
    date    Date,
    at_ns   UInt64,
    seq     UInt64,
    stream  LowCardinality(String),
    key     String,
    body    String
) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/intops/alerting_log', '{replica}')
PARTITION BY toYYYYMM(date)
ORDER BY (stream, seq);

CREATE TABLE IF NOT EXISTS intops.alerting_log ON CLUSTER intops AS intops.alerting_log_local ENGINE = Distributed(intops, intops, alerting_log_local, 0);

CREATE TABLE IF NOT EXISTS intops.maturity_snapshots_local ON CLUSTER intops (
    day        Date,
    scope      String,
    taken_at   DateTime,
    level      UInt8,
    dimensions String,
    evidence   String
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/intops/maturity_snapshots', '{replica}', taken_at)
PARTITION BY toYYYYMM(day)
ORDER BY (day, scope);

CREATE TABLE IF NOT EXISTS intops.maturity_snapshots ON CLUSTER intops AS intops.maturity_snapshots_local ENGINE = Distributed(intops, intops, maturity_snapshots_local, 0);

CREATE TABLE IF NOT EXISTS intops.flow_rollup_input_1h_local ON CLUSTER intops (
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

CREATE TABLE IF NOT EXISTS intops.flow_rollup_input_1h ON CLUSTER intops AS intops.flow_rollup_input_1h_local ENGINE = Distributed(intops, intops, flow_rollup_input_1h_local, cityHash64(integration_id));

CREATE MATERIALIZED VIEW IF NOT EXISTS intops.flow_rollup_input_1h_only_mv ON CLUSTER intops TO intops.flow_rollup_1h_local AS SELECT
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
    sumForEachState(if(empty(duration_le), arrayMap(b -> toUInt64(0), [10000000, 25000000, 50000000, 100000000, 250000000, 500000000, 1000000000, 2000000000, 5000000000, 10000000000, 30000000000, 60000000000, 300000000000, 900000000000, 3600000000000]), duration_le)) AS duration_le
FROM intops.flow_rollup_input_1h_local
GROUP BY date, hour, integration_id, service_name, peer_service;

CREATE TABLE IF NOT EXISTS intops.report_digests_local ON CLUSTER intops (
    date        Date,
    at          DateTime,
    period      String,
    channel     String,
    status      String,
    ref_channel String,
    ref_ts      String,
    error       String
) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/intops/report_digests', '{replica}')
PARTITION BY toYYYYMM(date)
ORDER BY (period, channel, at);

CREATE TABLE IF NOT EXISTS intops.report_digests ON CLUSTER intops AS intops.report_digests_local ENGINE = Distributed(intops, intops, report_digests_local, 0);

CREATE TABLE IF NOT EXISTS intops.leases_local ON CLUSTER intops (
    date    Date,
    name    String,
    term    UInt64,
    holder  String,
    url     String,
    at      DateTime,
    expires DateTime
) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/intops/leases', '{replica}')
PARTITION BY date
ORDER BY (name, term, at, holder);

CREATE TABLE IF NOT EXISTS intops.leases ON CLUSTER intops AS intops.leases_local ENGINE = Distributed(intops, intops, leases_local, 0);

ALTER TABLE intops.alerting_log_local ON CLUSTER intops ADD COLUMN term UInt64 DEFAULT 0;

DROP TABLE IF EXISTS intops.alerting_log ON CLUSTER intops;

CREATE TABLE IF NOT EXISTS intops.alerting_log ON CLUSTER intops AS intops.alerting_log_local ENGINE = Distributed(intops, intops, alerting_log_local, 0);

CREATE TABLE IF NOT EXISTS intops.collector_health_local ON CLUSTER intops (
    date        Date,
    at          DateTime,
    instance    String,
    received    UInt64,
    exported    UInt64,
    failed      UInt64,
    refused     UInt64,
    queued      UInt64,
    last_error  String
) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/intops/collector_health', '{replica}')
PARTITION BY date
ORDER BY (at, instance);

CREATE TABLE IF NOT EXISTS intops.collector_health ON CLUSTER intops AS intops.collector_health_local ENGINE = Distributed(intops, intops, collector_health_local, 0);

CREATE TABLE IF NOT EXISTS intops.anomaly_feedback_local ON CLUSTER intops (
    at          DateTime,
    version     UInt64, -- when marked, in nanoseconds: the latest wins
    integration String,
    signal      String,
    start       DateTime,
    end         DateTime,
    verdict     String,
    note        String,
    user        String
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/intops/anomaly_feedback', '{replica}', version)
ORDER BY (integration, signal, start);

CREATE TABLE IF NOT EXISTS intops.anomaly_feedback ON CLUSTER intops AS intops.anomaly_feedback_local ENGINE = Distributed(intops, intops, anomaly_feedback_local, 0);
