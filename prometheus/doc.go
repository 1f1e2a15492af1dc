// Package prometheus reads range queries from a Prometheus-compatible
// HTTP API (/api/v1/query_range): Prometheus, Thanos, Mimir, VictoriaMetrics.
package prometheus
