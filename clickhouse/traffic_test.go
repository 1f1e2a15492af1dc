package clickhouse_test

import (
	"context"
	"testing"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/clickhouse"
	"github.com/intops/intops/clickhouse/chtest"
)

func TestTrafficSumsTheHoursPerFlow(t *testing.T) {
	db := chtest.Shared(t).Open(t)
	ctx := context.Background()
	to := time.Now().UTC().Truncate(time.Hour)
	from := to.Add(-72 * time.Hour) // three days: the range crosses dates
	mk := func(at time.Time, integ, svc, peer string, exec, failed, records uint64) clickhouse.Minute {
		return clickhouse.Minute{Minute: at, IntegrationID: integ, ServiceName: svc, PeerService: peer,
			Spans: 2 * exec, ErrorSpans: failed, Executions: exec, Failed: failed,
			ByClass: map[intops.ErrorClass]uint64{intops.ErrorTimeout: failed}, Records: records}
	}
	ms := []clickhouse.Minute{
		mk(from.Add(5*time.Minute), "orders", "", "", 10, 1, 30),
		mk(from.Add(5*time.Minute+time.Minute), "orders", "", "", 5, 0, 10), // same hour
		mk(to.Add(-2*time.Hour+30*time.Minute), "orders", "", "", 20, 2, 40),
		mk(from.Add(-time.Hour), "orders", "", "", 1000, 0, 0),   // before the range
		mk(to.Add(10*time.Minute), "orders", "", "", 1000, 0, 0), // after it
		mk(from.Add(26*time.Hour), "", "export-script", "salesforce-crm", 7, 0, 0),
		mk(from.Add(50*time.Hour+59*time.Minute), "", "export-script", "salesforce-crm", 3, 1, 0),
		mk(from.Add(30*time.Hour), "", "export-script", "sap-erp", 1, 0, 0),
	}
	if err := db.InsertMinutes(ctx, ms); err != nil {
		t.Fatal(err)
	}
	// A raw unattributed span reaches the hourly rollup with its service
	// and peer too.
	span := intops.FlowSpan{TraceID: "0a0b", SpanID: "s1", Start: to.Add(-time.Hour + time.Minute), Duration: time.Second,
		Status: intops.StatusError, Execution: true, Attribution: intops.Unattributed,
		ServiceName: "export-script", PeerService: "sap-erp"}
	if err := db.InsertSpans(ctx, []intops.FlowSpan{span}); err != nil {
		t.Fatal(err)
	}

	got, err := db.Traffic(ctx, from, to)
	if err != nil {
		t.Fatal(err)
	}
	want := []clickhouse.TrafficRow{
		{IntegrationID: "", ServiceName: "export-script", PeerService: "salesforce-crm", Spans: 20, ErrorSpans: 1,
			Executions: 10, Failed: 1, FirstSeen: from.Add(26 * time.Hour), LastSeen: from.Add(50 * time.Hour)},
		{IntegrationID: "", ServiceName: "export-script", PeerService: "sap-erp", Spans: 3, ErrorSpans: 1,
			Executions: 2, Failed: 1, FirstSeen: from.Add(30 * time.Hour), LastSeen: to.Add(-time.Hour)},
		{IntegrationID: "orders", Spans: 70, ErrorSpans: 3, Executions: 35, Failed: 3, Records: 80,
			FirstSeen: from, LastSeen: to.Add(-2 * time.Hour)},
	}
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}

	// An empty range is no rows, not an error.
	none, err := db.Traffic(ctx, to.Add(24*time.Hour), to.Add(48*time.Hour))
	if err != nil || len(none) != 0 {
		t.Errorf("future range: %+v, %v", none, err)
	}
}
