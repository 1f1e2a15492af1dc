package ingest_test

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/intops/intops/clickhouse/chtest"
	"github.com/intops/intops/ingest/ingesttest"
)

// BenchmarkIngest measures end-to-end spans/s (OTLP gRPC → rows
// queryable in ClickHouse) and, in the same run, the same collector with
// the discarding nop exporter. With INTOPS_BENCH_REPORT set it writes both
// and their ratio into that Markdown file.
func BenchmarkIngest(b *testing.B) {
	const (
		batches   = 300
		batchSize = 1000
		senders   = 4
	)
	gen := ingesttest.NewGenerator(77)
	var work [][]sdktrace.ReadOnlySpan
	for i := 0; i < batches; i++ {
		spans, _ := gen.Batch(batchSize)
		work = append(work, spans)
	}
	total := batches * batchSize
	srv := chtest.Shared(b)

	run := func(withClickHouse bool, fsync bool) float64 {
		opts := ingesttest.Options{FSync: fsync, MemoryQueue: os.Getenv("INTOPS_BENCH_MEMQ") != ""}
		db := srv.Open(b)
		if withClickHouse {
			opts.DSN = srv.DSN(db.Database())
		}
		col := ingesttest.Start(b, opts)
		defer col.Stop()
		ctx := context.Background()
		start := time.Now()
		var wg sync.WaitGroup
		next := make(chan []sdktrace.ReadOnlySpan)
		for s := 0; s < senders; s++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				exp, err := ingesttest.NewGRPCExporter(ctx, col.GRPCEndpoint())
				if err != nil {
					b.Error(err)
					return
				}
				defer exp.Shutdown(ctx)
				for spans := range next {
					for exp.ExportSpans(ctx, spans) != nil { // refused (queue full): send again
						time.Sleep(10 * time.Millisecond)
					}
				}
			}()
		}
		for _, w := range work {
			next <- w
		}
		close(next)
		wg.Wait()
		if withClickHouse {
			for {
				st, err := db.CountSpans(ctx)
				if err == nil && st.Rows >= uint64(total) {
					break
				}
				if time.Since(start) > 10*time.Minute {
					b.Fatalf("only %d of %d rows after 10 minutes", st.Rows, total)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
		return float64(total) / time.Since(start).Seconds()
	}

	for i := 0; i < b.N; i++ {
		nop := run(false, false)
		ch := run(true, false)
		chSync := run(true, true)
		b.ReportMetric(nop, "nop-spans/s")
		b.ReportMetric(ch, "clickhouse-spans/s")
		b.ReportMetric(chSync, "clickhouse-fsync-spans/s")
		b.ReportMetric(ch/nop, "ratio")
		if path := os.Getenv("INTOPS_BENCH_REPORT"); path != "" && i == b.N-1 {
			if err := writeReport(path, total, senders, nop, ch, chSync); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func writeReport(path string, total, senders int, nop, ch, chSync float64) error {
	cpu := "unknown CPU"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		if m := regexp.MustCompile(`model name\s*:\s*(.*)`).FindSubmatch(data); m != nil {
			cpu = strings.TrimSpace(string(m[1]))
		}
	}
	section := fmt.Sprintf(`<!-- bench-ingest:start -->
## Ingest: OTLP gRPC → ClickHouse

Command: `+"`make bench-ingest`"+` (BenchmarkIngest in ingest/bench_test.go), run %s.
Machine: %d cores (%s), %s/%s, ClickHouse 18.16 (Debian) started by the test helper.

Load: %d spans (%d requests of 1,000) sent by %d concurrent OTel Go SDK OTLP/gRPC
exporters to one in-process collector; the senders, the collector and ClickHouse
share the machine. Time runs from the first request to the last row being
queryable (ClickHouse) or the last request acknowledged (discarding nop exporter).

| pipeline | spans/s | ratio to discarding |
|---|---:|---:|
| otlp → intops_flow → nop (discarding ceiling) | %.0f | 1.00 |
| otlp → intops_flow → intops_clickhouse (persistent queue, no fsync) | %.0f | %.2f |
| otlp → intops_flow → intops_clickhouse (persistent queue, fsync) | %.0f | %.2f |

Goal: the ClickHouse path at ≥ 0.7 of the discarding ceiling.
<!-- bench-ingest:end -->
`, time.Now().UTC().Format("2006-01-02"), runtime.NumCPU(), cpu, runtime.GOOS, runtime.GOARCH,
		total, total/1000, senders, nop, ch, ch/nop, chSync, chSync/nop)
	old, _ := os.ReadFile(path)
	doc := string(old)
	if doc == "" {
		doc = "# Benchmarks\n\nFigures measured on this project's machines. Compare ratios from one run, not absolute times.\n\n"
	}
	re := regexp.MustCompile(`(?s)<!-- bench-ingest:start -->.*<!-- bench-ingest:end -->\n?`)
	if re.MatchString(doc) {
		doc = re.ReplaceAllLiteralString(doc, section)
	} else {
		doc += section
	}
	return os.WriteFile(path, []byte(doc), 0o644)
}
