package clickhouse_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/clickhouse/chtest"
)

// BenchmarkInsertSpans measures native batch inserts of 20,000 spans.
func BenchmarkInsertSpans(b *testing.B) {
	db := chtest.Shared(b).Open(b)
	now := time.Now()
	spans := make([]intops.FlowSpan, 20000)
	for i := range spans {
		spans[i] = span(fmt.Sprintf("%016x", i), fmt.Sprintf("integration-%02d", i%25), now.Add(-time.Duration(i)*time.Millisecond), true, intops.StatusOK, "", time.Millisecond, 3)
		spans[i].AttrKeys = []string{"peer.service", "integration.records", "order.batch", "integration.id", "intops.attribution", "http.response.status_code"}
		spans[i].AttrValues = []string{"sap-erp", "42", fmt.Sprintf("b-%d", i), "integration-01", "explicit", "200"}
		spans[i].ResourceKeys = []string{"service.name", "host.name"}
		spans[i].ResourceValues = []string{"orders-sync-worker", "worker-1"}
	}
	if os.Getenv("NO_MV") != "" {
		if err := db.Exec(context.Background(), "DROP TABLE "+db.Database()+".flow_rollup_1m_mv"); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := db.InsertSpans(context.Background(), spans); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(spans)*b.N)/b.Elapsed().Seconds(), "spans/s")
}
