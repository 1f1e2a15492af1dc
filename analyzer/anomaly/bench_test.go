package anomaly_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/intops/intops/analyzer/anomaly"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/clickhouse/chtest"
	"github.com/intops/intops/internal/benchreport"
)

// BenchmarkEvaluate: one anomaly evaluation of 1,000 integrations with 28
// days of per-minute rollups stored: cold (the baselines learned from the
// hourly rollup, as at start and once an hour) and warm (the evaluation
// the server repeats every minute: the last 13 hours read and tested).
func BenchmarkEvaluate(b *testing.B) {
	const integrations = 1000
	db := chtest.Shared(b).Open(b)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Minute)
	start := now.Add(-28 * 24 * time.Hour)
	chtest.SeedRollups(b, db, integrations, 28, start)
	var y []byte
	y = append(y, "apiVersion: intops.dev/v1alpha1\nkind: Team\nmetadata: {name: t}\n---\napiVersion: intops.dev/v1alpha1\nkind: System\nmetadata: {name: a}\n---\napiVersion: intops.dev/v1alpha1\nkind: System\nmetadata: {name: b}\n"...)
	for i := 0; i < integrations; i++ {
		y = fmt.Appendf(y, "---\napiVersion: intops.dev/v1alpha1\nkind: Integration\nmetadata: {name: flow-%d}\nspec: {source: a, targets: [b], owner: t}\n", i)
	}
	cat, err := catalog.Parse("bench.yaml", y)
	if err != nil {
		b.Fatal(err)
	}
	clock := now
	ev := &anomaly.Evaluator{Store: db, Catalog: func() *catalog.Catalog { return cat }, Now: func() time.Time { return clock }}
	t1 := time.Now()
	if err := ev.EvaluateOnce(ctx); err != nil {
		b.Fatal(err)
	}
	cold := time.Since(t1)
	var warm time.Duration
	const rounds = 5
	for r := 0; r < rounds; r++ {
		// The same minute again: the stored data ends at now, and inside
		// the hour nothing is learned again: the work of every minute.
		t2 := time.Now()
		if err := ev.EvaluateOnce(ctx); err != nil {
			b.Fatal(err)
		}
		warm += time.Since(t2)
	}
	warm /= rounds
	open := ev.Open()
	b.Logf("%d integrations: cold %v (baselines learned), warm %v; %d anomalies open", integrations, cold.Round(time.Millisecond), warm.Round(time.Millisecond), len(open))
	for _, s := range open[:min(3, len(open))] {
		b.Logf("  %s: %s", s.Key, s.Anomaly.Summary)
	}
	b.ReportMetric(cold.Seconds(), "s/cold-eval-1k")
	b.ReportMetric(warm.Seconds(), "s/warm-eval-1k")
	if path := os.Getenv("INTOPS_BENCH_REPORT"); path != "" {
		body := fmt.Sprintf(`## Anomaly evaluation

Command: `+"`make bench-anomaly`"+` (BenchmarkEvaluate in analyzer/anomaly/bench_test.go), run %s.
Machine: %s, ClickHouse 18.16 (Debian) started by the test helper.

Stored: 28 days of per-minute rollups for 1,000 integrations (40.3 million
minutes, a daily cycle with noise), merged. *Cold* learns every baseline
from the hourly rollup of the 28 days (672,000 hours), as the server does
at start and once an hour, then tests every integration; *warm* is the
evaluation repeated every minute: the hours of the last 13 and the minutes
of the last two read, and every signal tested over the five windows.

| integrations | cold (baselines learned) | warm (every minute) |
|---:|---:|---:|
| 1,000 | %.2f s | %.3f s |

Goal: one evaluation of 1,000 integrations with 28 days of history in
under 2 s.
`, time.Now().UTC().Format("2006-01-02"), benchreport.Machine(), cold.Seconds(), warm.Seconds())
		if err := benchreport.Write(path, "bench-anomaly", body); err != nil {
			b.Fatal(err)
		}
	}
}
