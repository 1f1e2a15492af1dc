// Package ingesttest runs intops collectors for tests and benchmarks and
// sends them spans with the OpenTelemetry Go SDK's own OTLP exporters.
package ingesttest

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/intops/intops/ingest"
	"github.com/intops/intops/internal/testtier"
)

// Options shape a collector configuration.
type Options = ingest.LocalConfig

// WriteConfig fills in free ports and writes the configuration to
// Dir/collector.yaml, returning its path.
func WriteConfig(o *Options) (string, error) { return o.Write() }

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
	testtier.NeedsServer(t, "a collector")
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
