package ingesttest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/intops/intops/ingest"

	"github.com/intops/intops/internal/proc"
)

// childEnv names the configuration a test binary started as a collector
// process runs.
const childEnv = "INTOPS_TEST_COLLECTOR"

// Main lets the test binary double as a collector process for the tests
// that kill one: started by StartProcess, it runs a collector instead of
// the tests. Otherwise it calls tests (e.g. chtest.Main). Call it from
// TestMain.
func Main(m *testing.M, tests func(*testing.M)) {
	if cfg := os.Getenv(childEnv); cfg != "" {
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
		defer stop()
		if err := ingest.Run(ctx, cfg); err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	tests(m)
}

// Process is a collector in a process of its own (this test binary, see
// Main), on a configuration written once, so that it can be killed and
// started again on the same queue.
type Process struct {
	Options
	config string
	cmd    *exec.Cmd
	exited chan error
}

// StartProcess writes the configuration (free ports, Dir a temporary
// directory unless set) and starts the collector process; it is stopped
// at the end of the test.
func StartProcess(t testing.TB, o Options) *Process {
	t.Helper()
	if o.Dir == "" {
		o.Dir = t.TempDir()
	}
	cfg, err := WriteConfig(&o)
	if err != nil {
		t.Fatal(err)
	}
	p := &Process{Options: o, config: cfg}
	p.Start(t)
	t.Cleanup(p.Stop)
	return p
}

// Endpoint is host:port of the OTLP gRPC receiver.
func (p *Process) Endpoint() string { return p.GRPCEndpointAddr() }

// Start starts the process (again) and waits until it listens.
func (p *Process) Start(t testing.TB) {
	t.Helper()
	p.cmd = exec.Command(os.Args[0], "-test.run=^$")
	p.cmd.Env = append(os.Environ(), childEnv+"="+p.config)
	p.cmd.Stdout, p.cmd.Stderr = os.Stderr, os.Stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p.exited = make(chan error, 1)
	go func() { p.exited <- p.cmd.Wait() }()
	if err := WaitPort(p.Endpoint(), p.exited, 60*time.Second); err != nil {
		t.Fatal(err)
	}
}

// PeakRSS is the most resident memory the running process has had
// (VmHWM), in bytes.
func (p *Process) PeakRSS(t testing.TB) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				t.Fatalf("VmHWM %q: %v", rest, err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc/PID/status")
	return 0
}

// Kill ends the process with SIGKILL, as a crash would.
func (p *Process) Kill(t testing.TB) {
	t.Helper()
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-p.exited
	p.cmd = nil
}

// Stop asks the process to shut down and waits for it.
func (p *Process) Stop() {
	if p.cmd == nil {
		return
	}
	proc.Stop(p.cmd.Process, os.Interrupt, p.exited, 60*time.Second)
	p.cmd = nil
}

// Stream sends batches of generated spans until stop closes, and records
// the span ids the collector acknowledged.
type Stream struct {
	mu    sync.Mutex
	acked map[string]bool
	sent  int
	fails int
}

// Run sends a batch every interval over OTLP/gRPC to endpoint() until
// stop closes.
func (s *Stream) Run(t testing.TB, endpoint func() string, seed uint64, batch int, every time.Duration, stop <-chan struct{}) {
	ctx := context.Background()
	gen := NewGenerator(seed)
	var exp Exporter
	defer func() {
		if exp != nil {
			exp.Shutdown(ctx)
		}
	}()
	ticker := time.NewTicker(every)
	defer ticker.Stop()
	for {
		select {
		case <-stop:
			return
		case <-ticker.C:
		}
		if exp == nil {
			var err error
			if exp, err = NewGRPCExporter(ctx, endpoint()); err != nil {
				t.Errorf("exporter: %v", err)
				return
			}
		}
		spans, specs := gen.Batch(batch)
		err := exp.ExportSpans(ctx, spans)
		s.mu.Lock()
		s.sent += len(specs)
		if err != nil {
			s.fails++
		} else {
			if s.acked == nil {
				s.acked = map[string]bool{}
			}
			for _, sp := range specs {
				s.acked[sp.SpanID] = true
			}
		}
		s.mu.Unlock()
	}
}

// Acked returns the acknowledged span ids (a copy), how many spans were
// sent and how many requests were refused.
func (s *Stream) Acked() (acked map[string]bool, sent, fails int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	acked = make(map[string]bool, len(s.acked))
	for id := range s.acked {
		acked[id] = true
	}
	return acked, s.sent, s.fails
}

// AckedCount is how many spans were acknowledged so far.
func (s *Stream) AckedCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.acked)
}
