package estate

import (
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/intops/intops/ui/internal/web"
)

// BenchmarkOverviewRender: the overview's rendering alone, 1,000 rows
// from a model built in memory: the part of the page's time that is not
// ClickHouse's (BenchmarkPages in ui/ measures the whole request).
func BenchmarkOverviewRender(b *testing.B) {
	m := estateModel{Total: 1000}
	for i := 0; i < 1000; i++ {
		m.Rows = append(m.Rows, estateRow{ID: fmt.Sprintf("flow-%d", i), Title: "Flow", Source: "a", Targets: "b", Team: "t", Lifecycle: "production", Tier: 1 + i%3, SLO: web.SLOSummary{Status: "ok", Budget: 0.5, Count: 1}, Executions: 5000, Failures: 3})
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := estatePage(m).Render(context.Background(), io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
