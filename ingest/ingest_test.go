package ingest_test

import (
	"context"
	"testing"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/clickhouse"
	"github.com/intops/intops/clickhouse/chtest"
	"github.com/intops/intops/ingest/ingesttest"
)

// TestMain doubles as a collector process for the crash test.
func TestMain(m *testing.M) { ingesttest.Main(m, chtest.Main) }

// waitRows waits until the table holds want rows (or the time runs out)
// and returns the last count.
func waitRows(t *testing.T, db *clickhouse.DB, want uint64, timeout time.Duration) clickhouse.SpanStats {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var st clickhouse.SpanStats
	for {
		var err error
		st, err = db.CountSpans(context.Background())
		if err != nil {
			t.Logf("count: %v", err)
		}
		if st.Rows >= want || time.Now().After(deadline) {
			return st
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestTenThousandSpansArriveIntact(t *testing.T) {
	srv := chtest.Shared(t)
	db := srv.Open(t)
	col := ingesttest.Start(t, ingesttest.Options{DSN: srv.DSN(db.Database())})
	ctx := context.Background()
	grpcExp, err := ingesttest.NewGRPCExporter(ctx, col.GRPCEndpoint())
	if err != nil {
		t.Fatal(err)
	}
	defer grpcExp.Shutdown(ctx)
	httpExp, err := ingesttest.NewHTTPExporter(ctx, col.HTTPEndpoint())
	if err != nil {
		t.Fatal(err)
	}
	defer httpExp.Shutdown(ctx)

	gen := ingesttest.NewGenerator(1)
	want := map[string]ingesttest.Spec{}
	for i := 0; i < 20; i++ { // 20 requests of 500 spans, alternating gRPC and HTTP
		spans, specs := gen.Batch(500)
		exp := grpcExp
		if i%2 == 1 {
			exp = httpExp
		}
		if err := exp.ExportSpans(ctx, spans); err != nil {
			t.Fatalf("export %d: %v", i, err)
		}
		for _, s := range specs {
			want[s.SpanID] = s
		}
	}
	st := waitRows(t, db, 10000, 60*time.Second)
	time.Sleep(time.Second) // anything beyond 10,000 would have arrived by now
	st, _ = db.CountSpans(ctx)
	if st.Rows != 10000 || st.Distinct != 10000 {
		t.Fatalf("stored %d rows (%d distinct), want exactly 10000", st.Rows, st.Distinct)
	}
	rows, err := db.Spans(ctx, clickhouse.SpanQuery{})
	if err != nil {
		t.Fatal(err)
	}
	unattributed := 0
	for _, r := range rows {
		w, ok := want[r.SpanID]
		if !ok {
			t.Fatalf("unexpected span %s", r.SpanID)
		}
		if r.TraceID != w.TraceID || !r.Start.Equal(w.Start) || r.Duration != w.Duration {
			t.Fatalf("span %s: got trace %s start %v dur %v, want %s %v %v", r.SpanID, r.TraceID, r.Start, r.Duration, w.TraceID, w.Start, w.Duration)
		}
		if r.IntegrationID != w.Integration {
			t.Fatalf("span %s: integration %q, want %q", r.SpanID, r.IntegrationID, w.Integration)
		}
		if w.Integration == "" {
			unattributed++
			if r.Attribution != intops.Unattributed || r.ServiceName != "orders-sync-worker" || r.PeerService != "sap-erp" {
				t.Fatalf("unattributed span %s stored as %s with service %q peer %q", r.SpanID, r.Attribution, r.ServiceName, r.PeerService)
			}
		} else if r.Attribution != intops.AttributedExplicit {
			t.Fatalf("span %s: attribution %s, want explicit", r.SpanID, r.Attribution)
		}
		if r.Failed() != w.Failed || string(r.ErrorClass) != w.WantClass {
			t.Fatalf("span %s: failed=%v class %q, want failed=%v class %q", r.SpanID, r.Failed(), r.ErrorClass, w.Failed, w.WantClass)
		}
		if !r.Execution || r.Kind != "consumer" || r.Name != "sync order" {
			t.Fatalf("span %s: execution=%v kind %q name %q", r.SpanID, r.Execution, r.Kind, r.Name)
		}
		if attr(r, "order.batch") == "" || attr(r, "integration.records") == "" {
			t.Fatalf("span %s lost attributes: %v", r.SpanID, r.AttrKeys)
		}
	}
	if unattributed == 0 {
		t.Fatal("no unattributed spans were generated")
	}
	t.Logf("10000 spans stored intact, %d unattributed", unattributed)
}

func attr(s intops.FlowSpan, key string) string {
	for i, k := range s.AttrKeys {
		if k == key {
			return s.AttrValues[i]
		}
	}
	return ""
}

// checkAcked verifies that every acknowledged span is stored, and, with
// once, that none is stored twice.
func checkAcked(t *testing.T, db *clickhouse.DB, s *ingesttest.Stream, once bool) {
	t.Helper()
	ctx := context.Background()
	acked, sent, fails := s.Acked()
	st := waitRows(t, db, uint64(len(acked)), 120*time.Second)
	time.Sleep(2 * time.Second)
	st, _ = db.CountSpans(ctx)
	rows, err := db.Spans(ctx, clickhouse.SpanQuery{})
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]bool{}
	for _, r := range rows {
		stored[r.SpanID] = true
	}
	missing := 0
	for id := range acked {
		if !stored[id] {
			missing++
		}
	}
	t.Logf("sent %d spans, %d acknowledged, %d refused requests; stored %d rows, %d distinct", sent, len(acked), fails, st.Rows, st.Distinct)
	if missing > 0 {
		t.Errorf("%d acknowledged spans are not stored", missing)
	}
	if fails == 0 && len(acked) != sent {
		t.Errorf("acked %d of %d with no failures", len(acked), sent)
	}
	if len(acked) == 0 {
		t.Error("nothing was acknowledged")
	}
	if once && st.Rows != st.Distinct {
		t.Errorf("%d rows but %d distinct spans: duplicates stored", st.Rows, st.Distinct)
	}
}
