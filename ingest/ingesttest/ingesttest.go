// Package ingesttest runs intops collectors for tests and benchmarks and
// sends them spans with the OpenTelemetry Go SDK's own OTLP exporters.
package ingesttest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"text/template"
	"time"

	"github.com/intops/intops/clickhouse"
	"github.com/intops/intops/ingest"
)

// Options shape a collector configuration.
type Options struct {
	Dir      string // queue storage lives in Dir/queue
	DSN      string // ClickHouse; empty means the discarding (nop) exporter
	Catalog  string // optional catalog path for match rules
	GRPCPort int    // zero picks a free port
	HTTPPort int
	FSync    bool
	// NumConsumers of the sending queue; zero keeps the default.
	NumConsumers int
}

var configTemplate = template.Must(template.New("collector").Parse(`
extensions:
  file_storage:
    directory: {{.Dir}}/queue
    create_directory: true
    fsync: {{.FSync}}
    timeout: 10s
  intops_otlp_guard:
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
processors:
  intops_flow:
{{- if .Catalog}}
    catalog: {{.Catalog}}
{{- end}}
exporters:
{{- if .DSN}}
  intops_clickhouse:
    dsn: "{{.DSN}}"
    sending_queue:
      storage: file_storage
{{- if .NumConsumers}}
      num_consumers: {{.NumConsumers}}
{{- end}}
{{- else}}
  nop:
{{- end}}
service:
  extensions: [file_storage, intops_otlp_guard]
  telemetry:
    logs:
      level: warn
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      processors: [intops_flow]
      exporters: [{{if .DSN}}intops_clickhouse{{else}}nop{{end}}]
`))

// WriteConfig fills in free ports and writes the configuration to
// Dir/collector.yaml, returning its path.
func WriteConfig(o *Options) (string, error) {
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

// Collector is a collector running in this process.
type Collector struct {
	Options
	cancel context.CancelFunc
	done   chan error
}

// GRPCEndpoint is host:port of the OTLP gRPC receiver.
func (c *Collector) GRPCEndpoint() string { return fmt.Sprintf("127.0.0.1:%d", c.GRPCPort) }

// HTTPEndpoint is host:port of the OTLP HTTP receiver.
func (c *Collector) HTTPEndpoint() string { return fmt.Sprintf("127.0.0.1:%d", c.HTTPPort) }

// Start runs a collector in this process until Stop (or the test's end).
func Start(t testing.TB, o Options) *Collector {
	t.Helper()
	if o.Dir == "" {
		o.Dir = t.TempDir()
	}
	path, err := WriteConfig(&o)
	if err != nil {
		t.Fatal(err)
	}
	col, err := ingest.NewCollector(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &Collector{Options: o, cancel: cancel, done: make(chan error, 1)}
	go func() { c.done <- col.Run(ctx) }()
	if err := WaitPort(c.GRPCEndpoint(), c.done, 30*time.Second); err != nil {
		cancel()
		t.Fatal(err)
	}
	if err := WaitPort(c.HTTPEndpoint(), c.done, 10*time.Second); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(c.Stop)
	return c
}

// Stop shuts the collector down and waits for it.
func (c *Collector) Stop() {
	if c.cancel == nil {
		return
	}
	c.cancel()
	c.cancel = nil
	select {
	case <-c.done:
	case <-time.After(60 * time.Second):
	}
}

// WaitPort waits until something listens on addr, or exited reports.
func WaitPort(addr string, exited <-chan error, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("collector exited: %v", err)
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("nothing listens on %s after %v", addr, timeout)
}

// GRPCEndpointAddr is host:port of the OTLP gRPC receiver these options
// configure.
func (o *Options) GRPCEndpointAddr() string { return fmt.Sprintf("127.0.0.1:%d", o.GRPCPort) }
