// Package promtest starts a throwaway Prometheus for tests, its TSDB
// backfilled from OpenMetrics history with promtool, and fails loudly when
// the binaries are missing.
package promtest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/intops/intops/internal/proc"
	"github.com/intops/intops/internal/testtier"
)

// Server is a running Prometheus.
type Server struct {
	URL string // http://127.0.0.1:port
	Dir string // its configuration, history and TSDB
}

// Options say what the Prometheus holds.
type Options struct {
	// History is OpenMetrics text (ending in # EOF) backfilled into the
	// TSDB before Prometheus starts; see OpenMetrics.
	History []byte
	// Rules, when set, is a rule file Prometheus loads (rule_files),
	// evaluated every EvaluationInterval (default 1m) from when it starts.
	Rules []byte
	// EvaluationInterval of the rules; default 1m.
	EvaluationInterval time.Duration
}

// Binary finds a Prometheus binary (prometheus, promtool), failing the
// test when it is missing: install Debian's prometheus package
// (make deps does it as root).
func Binary(t testing.TB, name string) string {
	t.Helper()
	testtier.NeedsServer(t, name)
	for _, p := range []string{name, "/usr/bin/" + name} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	t.Fatalf("promtest: %s not found: install Debian's prometheus package (apt-get install prometheus; make deps does it as root)", name)
	return ""
}

// Start backfills the history, starts Prometheus on a free loopback port
// and waits until it is ready; it is stopped when the test ends.
func Start(t testing.TB, o Options) *Server {
	testtier.NeedsServer(t, "a Prometheus server")
	t.Helper()
	promtool, prometheus := Binary(t, "promtool"), Binary(t, "prometheus")
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		t.Fatalf("promtest: %v", err)
	}
	started := time.Now()
	if len(o.History) > 0 {
		file := filepath.Join(dir, "history.om")
		if err := os.WriteFile(file, o.History, 0o644); err != nil {
			t.Fatalf("promtest: %v", err)
		}
		out, err := exec.Command(promtool, "tsdb", "create-blocks-from", "openmetrics", "--quiet", file, data).CombinedOutput()
		if err != nil {
			t.Fatalf("promtest: promtool tsdb create-blocks-from openmetrics: %v\n%s", err, out)
		}
	}
	iv := o.EvaluationInterval
	if iv <= 0 {
		iv = time.Minute
	}
	cfg := fmt.Sprintf("global:\n  scrape_interval: 1m\n  evaluation_interval: %s\n", durationText(iv))
	if len(o.Rules) > 0 {
		if err := os.WriteFile(filepath.Join(dir, "rules.yaml"), o.Rules, 0o644); err != nil {
			t.Fatalf("promtest: %v", err)
		}
		cfg += "rule_files: [rules.yaml]\n"
	}
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o644); err != nil {
		t.Fatalf("promtest: %v", err)
	}
	logFile, err := os.Create(filepath.Join(dir, "prometheus.log"))
	if err != nil {
		t.Fatalf("promtest: %v", err)
	}
	defer logFile.Close()
	var s *Server
	for attempt := 0; attempt < 3 && s == nil; attempt++ {
		addr := freeAddr(t)
		cmd := exec.Command(prometheus,
			"--config.file="+filepath.Join(dir, "prometheus.yml"),
			"--storage.tsdb.path="+data,
			// The backfilled history may be old: keep all of it.
			"--storage.tsdb.retention.time=100y",
			"--web.listen-address="+addr,
			"--log.level=warn")
		cmd.Dir = dir
		cmd.Stdout, cmd.Stderr = logFile, logFile
		if err := cmd.Start(); err != nil {
			t.Fatalf("promtest: start prometheus: %v", err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		url := "http://" + addr
		if ready(url, done, 60*time.Second) {
			s = &Server{URL: url, Dir: dir}
			t.Cleanup(func() { proc.Stop(cmd.Process, syscall.SIGTERM, done, 10*time.Second) })
			break
		}
		proc.Stop(cmd.Process, syscall.SIGTERM, done, 5*time.Second)
	}
	if s == nil {
		log, _ := os.ReadFile(filepath.Join(dir, "prometheus.log"))
		t.Fatalf("promtest: prometheus did not become ready:\n%s", tail(log, 3000))
	}
	t.Logf("promtest: prometheus on %s ready in %v", s.URL, time.Since(started).Round(time.Millisecond))
	return s
}

// ready polls /-/ready until it answers 200, the process exits or the
// timeout passes.
func ready(url string, done <-chan error, timeout time.Duration) bool {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/-/ready", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return true
			}
		}
		select {
		case <-done:
			return false
		case <-ctx.Done():
			return false
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func freeAddr(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("promtest: %v", err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

func durationText(d time.Duration) string {
	if d%time.Minute == 0 {
		return strconv.Itoa(int(d/time.Minute)) + "m"
	}
	return strconv.Itoa(int(d/time.Second)) + "s"
}

// Sample is one value of a series at a time.
type Sample struct {
	At    time.Time
	Value float64
}

// Series is one series of a metric family.
type Series struct {
	Labels  map[string]string
	Samples []Sample // oldest first
}

// Family is a metric family of OpenMetrics history: Type counter writes
// Name_total samples, gauge writes Name.
type Family struct {
	Name   string
	Type   string // counter, gauge
	Series []Series
}

// OpenMetrics writes families as OpenMetrics text with timestamps, as
// promtool tsdb create-blocks-from openmetrics reads it.
func OpenMetrics(families ...Family) []byte {
	var b bytes.Buffer
	for _, f := range families {
		fmt.Fprintf(&b, "# TYPE %s %s\n", f.Name, f.Type)
		name := f.Name
		if f.Type == "counter" {
			name += "_total"
		}
		for _, s := range f.Series {
			ls := labelText(s.Labels)
			for _, smp := range s.Samples {
				fmt.Fprintf(&b, "%s%s %s %s\n", name, ls, strconv.FormatFloat(smp.Value, 'g', -1, 64),
					strconv.FormatFloat(float64(smp.At.UnixMilli())/1000, 'f', -1, 64))
			}
		}
	}
	b.WriteString("# EOF\n")
	return b.Bytes()
}

func labelText(ls map[string]string) string {
	if len(ls) == 0 {
		return ""
	}
	keys := make([]string, 0, len(ls))
	for k := range ls {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + strconv.Quote(ls[k])
	}
	return "{" + strings.Join(parts, ",") + "}"
}
