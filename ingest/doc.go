// Package ingest is intops' OpenTelemetry Collector distribution: the OTLP
// receiver, the intops_flow processor and the intops_clickhouse exporter,
// with the file storage extension for a persistent sending queue.
package ingest
