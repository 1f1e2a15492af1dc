package ingest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"text/template"
	"time"

	"github.com/intops/intops/clickhouse"
)

// LocalConfig is a complete collector configuration for one machine:
// OTLP on loopback, the flow processor, and ClickHouse behind a
// persistent queue (or the discarding nop exporter when DSN is empty).
type LocalConfig struct {
	Dir      string // queue storage lives in Dir/queue
	DSN      string // ClickHouse; empty means the discarding (nop) exporter
	Catalog  string // optional catalog path for match rules
	GRPCPort int    // zero picks a free port
	HTTPPort int
	FSync    bool
	// MemoryQueue keeps the sending queue in memory only (a crash loses
	// what it holds); for comparison in benchmarks.
	MemoryQueue bool
	// NumConsumers and QueueSize (requests) of the sending queue; zero
	// keeps the default.
	NumConsumers int
	QueueSize    int
	// LogLevel of the collector's own log (default warn).
	LogLevel string
	// MemoryLimitMiB of the process: above it less MemorySpikeMiB, the
	// memory limiter refuses data and clients are told to retry (defaults
	// 2048 and a quarter of the limit).
	MemoryLimitMiB int
	MemorySpikeMiB int
	// MaxSpansPerRequest and MaxInflightBytes override the guard's
	// limits (0: the default).
	MaxSpansPerRequest int
	MaxInflightBytes   int64
	// HeartbeatInterval of the collector's health rows (0: the default,
	// 15s).
	HeartbeatInterval time.Duration
}

var configTemplate = template.Must(template.New("collector").Parse(`
extensions:
  file_storage:
    directory: {{.Dir}}/queue
    create_directory: true
    fsync: {{.FSync}}
    timeout: 10s
  intops_otlp_guard:
    memory_limit_mib: {{.MemoryLimit}}
{{- if .MaxInflightBytes}}
    max_inflight_bytes: {{.MaxInflightBytes}}
{{- end}}
{{- if .MaxSpansPerRequest}}
    limits:
      max_spans_per_request: {{.MaxSpansPerRequest}}
{{- end}}
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:{{.GRPCPort}}
        max_recv_msg_size_mib: 16
        middlewares: [{id: intops_otlp_guard}]
      http:
        endpoint: 127.0.0.1:{{.HTTPPort}}
        max_request_body_size: 16777216
        middlewares: [{id: intops_otlp_guard}]
processors:
  memory_limiter:
    check_interval: 1s
    limit_mib: {{.MemoryLimit}}
    spike_limit_mib: {{.MemorySpike}}
  intops_flow:
{{- if .Catalog}}
    catalog: {{.Catalog}}
{{- end}}
exporters:
{{- if .DSN}}
  intops_clickhouse:
    dsn: "{{.DSN}}"
{{- if .HeartbeatInterval}}
    heartbeat_interval: {{.HeartbeatInterval}}
{{- end}}
    sending_queue:
{{- if not .MemoryQueue}}
      storage: file_storage
{{- end}}
{{- if .NumConsumers}}
      num_consumers: {{.NumConsumers}}
{{- end}}
{{- if .QueueSize}}
      queue_size: {{.QueueSize}}
{{- end}}
{{- else}}
  nop:
{{- end}}
service:
  extensions: [file_storage, intops_otlp_guard]
  telemetry:
    logs:
      level: {{if .LogLevel}}{{.LogLevel}}{{else}}warn{{end}}
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      processors: [memory_limiter, intops_flow]
      exporters: [{{if .DSN}}intops_clickhouse{{else}}nop{{end}}]
`))

// Write fills in free ports and writes the configuration to
// Dir/collector.yaml, returning its path.
func (o *LocalConfig) Write() (string, error) {
	for _, p := range []*int{&o.GRPCPort, &o.HTTPPort} {
		if *p == 0 {
			port, err := clickhouse.FreePort()
			if err != nil {
				return "", err
			}
			*p = port
		}
	}
	var buf bytes.Buffer
	if err := configTemplate.Execute(&buf, o); err != nil {
		return "", err
	}
	path := filepath.Join(o.Dir, "collector.yaml")
	return path, os.WriteFile(path, buf.Bytes(), 0o600)
}

// MemoryLimit is the memory limiter's limit in MiB.
func (o *LocalConfig) MemoryLimit() int {
	if o.MemoryLimitMiB > 0 {
		return o.MemoryLimitMiB
	}
	return 2048
}

// MemorySpike is the memory limiter's spike allowance in MiB.
func (o *LocalConfig) MemorySpike() int {
	if o.MemorySpikeMiB > 0 {
		return o.MemorySpikeMiB
	}
	return o.MemoryLimit() / 4
}

// GRPCEndpointAddr is host:port of the OTLP gRPC receiver.
func (o *LocalConfig) GRPCEndpointAddr() string { return fmt.Sprintf("127.0.0.1:%d", o.GRPCPort) }
