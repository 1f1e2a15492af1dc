package clickhouse_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/clickhouse"
	"github.com/intops/intops/clickhouse/chtest"
)

func TestMain(m *testing.M) { chtest.Main(m) }

func TestMigrateIsIdempotent(t *testing.T) {
	srv := chtest.Shared(t)
	ctx := context.Background()
	db, err := clickhouse.Open(ctx, srv.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	first, err := db.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	all, _ := clickhouse.Migrations()
	if len(first) != len(all) {
		t.Fatalf("first run applied %v, want all %d migrations", first, len(all))
	}
	again, err := db.Migrate(ctx)
	if err != nil || len(again) != 0 {
		t.Fatalf("second run applied %v (err %v), want none", again, err)
	}
}

func span(id, integ string, at time.Time, exec bool, status intops.SpanStatus, class intops.ErrorClass, dur time.Duration, records uint64) intops.FlowSpan {
	return intops.FlowSpan{
		TraceID: fmt.Sprintf("%032x", len(id)), SpanID: id, Name: "sync", Kind: "server",
		Start: at, Duration: dur, Status: status, IntegrationID: integ, Attribution: intops.AttributedExplicit,
		Execution: exec, ErrorClass: class, Records: records, ServiceName: "svc",
		AttrKeys: []string{"k"}, AttrValues: []string{"v"},
	}
}

func TestSpansRollUpPerMinute(t *testing.T) {
	db := chtest.Shared(t).Open(t)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Minute)
	spans := []intops.FlowSpan{
		span("a1", "crm-to-erp", now.Add(-10*time.Minute), true, intops.StatusOK, "", 100*time.Millisecond, 10),
		span("a2", "crm-to-erp", now.Add(-10*time.Minute), true, intops.StatusError, intops.ErrorAuth, 300*time.Millisecond, 0),
		span("a3", "crm-to-erp", now.Add(-9*time.Minute), false, intops.StatusError, intops.ErrorAuth, 50*time.Millisecond, 0),
		span("a4", "crm-to-erp", now.Add(-2*time.Hour), true, intops.StatusOK, "", 100*time.Millisecond, 5),
		span("b1", "", now.Add(-5*time.Minute), true, intops.StatusOK, "", time.Second, 0),
	}
	if err := db.InsertSpans(ctx, spans); err != nil {
		t.Fatal(err)
	}
	got, err := db.IntegrationCounts(ctx, now.Add(-time.Hour), now)
	if err != nil {
		t.Fatal(err)
	}
	want := clickhouse.Counts{IntegrationID: "crm-to-erp", Spans: 3, ErrorSpans: 2, Executions: 2, Failed: 1, Records: 10}
	if got["crm-to-erp"] != want {
		t.Errorf("crm-to-erp last hour = %+v, want %+v", got["crm-to-erp"], want)
	}
	if got[""].Spans != 1 {
		t.Errorf("unattributed = %+v, want 1 span", got[""])
	}
	stats, err := db.CountSpans(ctx)
	if err != nil || stats.Rows != 5 || stats.Distinct != 5 {
		t.Errorf("CountSpans = %+v, %v; want 5 rows, 5 distinct", stats, err)
	}
	mins, err := db.Minutes(ctx, []string{"crm-to-erp"}, now.Add(-time.Hour), now)
	if err != nil {
		t.Fatal(err)
	}
	ms := mins["crm-to-erp"]
	if len(ms) != 2 || !ms[0].Minute.Equal(now.Add(-10*time.Minute)) || ms[0].Executions != 2 || ms[0].Failed != 1 || ms[0].ByClass.Get(intops.ErrorAuth) != 1 {
		t.Fatalf("minutes %+v", ms)
	}
	// 100 ms and 300 ms executions: one under 250 ms, both under 500 ms.
	b250, b500 := clickhouse.LatencyBucket(250*time.Millisecond), clickhouse.LatencyBucket(500*time.Millisecond)
	if ms[0].LE[b250] != 1 || ms[0].LE[b500] != 2 || ms[1].Executions != 0 {
		t.Errorf("latency buckets %v (250ms at %d, 500ms at %d), second minute %+v", ms[0].LE, b250, b500, ms[1])
	}
	hours, err := db.Hours(ctx, []string{"crm-to-erp"}, now.Add(-3*time.Hour).Truncate(time.Hour), now.Add(time.Hour).Truncate(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var hexec, hfail uint64
	for _, h := range hours["crm-to-erp"] {
		hexec += h.Executions
		hfail += h.Failed
	}
	if hexec != 3 || hfail != 1 {
		t.Errorf("hourly rollup: %+v", hours["crm-to-erp"])
	}
}

func TestRollupReadsOldHoursAsDays(t *testing.T) {
	db := chtest.Shared(t).Open(t)
	ctx := context.Background()
	day := time.Now().UTC().Truncate(24 * time.Hour).Add(-3 * 24 * time.Hour)
	var ms []clickhouse.Minute
	for h := 0; h < 72; h += 5 { // three days, a minute every 5 hours
		ms = append(ms, clickhouse.Minute{Minute: day.Add(time.Duration(h)*time.Hour + 7*time.Minute), IntegrationID: "orders",
			Executions: 10, Failed: 1, ByClass: map[intops.ErrorClass]uint64{intops.ErrorTimeout: 1}, Records: 3,
			Durations: []uint64{uint64(20 * time.Millisecond), uint64(3 * time.Second)}})
	}
	if err := db.InsertMinutes(ctx, ms); err != nil {
		t.Fatal(err)
	}
	b := clickhouse.LatencyBucket(time.Second)
	got, err := db.Rollup(ctx, clickhouse.RollupQuery{Integrations: []string{"orders"}, From: day, To: day.Add(72 * time.Hour),
		Hourly: true, DaysFrom: day, DaysTo: day.Add(48 * time.Hour), LE: []int{b}})
	if err != nil {
		t.Fatal(err)
	}
	rs := got["orders"]
	// Days 1 and 2 as days (hours 0..20 and 25..45), day 3 as its hours (50..70).
	// InsertMinutes scales the duration sample to the executions: half are under 1 s.
	if len(rs) != 2+5 {
		t.Fatalf("%d buckets: %+v", len(rs), rs)
	}
	if !rs[0].Minute.Equal(day) || rs[0].Width != 24*time.Hour || rs[0].Executions != 50 || rs[0].ByClass.Get(intops.ErrorTimeout) != 5 || rs[0].LE[b] != 25 || rs[0].LE[b+1] != 0 {
		t.Errorf("first day %+v", rs[0])
	}
	if !rs[2].Minute.Equal(day.Add(50*time.Hour)) || rs[2].Width != time.Hour || rs[2].Executions != 10 || rs[2].Records != 3 {
		t.Errorf("first hour of day 3 %+v", rs[2])
	}
	total, err := db.Rollup(ctx, clickhouse.RollupQuery{Integrations: []string{"orders"}, From: day, To: day.Add(72 * time.Hour), Hourly: true, Total: true})
	if err != nil {
		t.Fatal(err)
	}
	if ts := total["orders"]; len(ts) != 1 || ts[0].Executions != 150 || ts[0].LE[b] != 75 || ts[0].Width != 72*time.Hour || !ts[0].Minute.Equal(day) {
		t.Errorf("total %+v", ts)
	}
}

func TestInsertMinutesMergesWithSpans(t *testing.T) {
	db := chtest.Shared(t).Open(t)
	ctx := context.Background()
	m := time.Now().UTC().Truncate(time.Minute).Add(-3 * time.Minute)
	if err := db.InsertSpans(ctx, []intops.FlowSpan{span("s1", "orders", m.Add(time.Second), true, intops.StatusOK, "", time.Millisecond, 1)}); err != nil {
		t.Fatal(err)
	}
	err := db.InsertMinutes(ctx, []clickhouse.Minute{{
		Minute: m, IntegrationID: "orders", Spans: 100, ErrorSpans: 4, Executions: 100, Failed: 4,
		ByClass: map[intops.ErrorClass]uint64{intops.ErrorTimeout: 3, intops.ErrorUnknown: 1},
		Records: 250, Durations: []uint64{1e6, 2e6, 3e6},
	}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.IntegrationCounts(ctx, m, m.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	want := clickhouse.Counts{IntegrationID: "orders", Spans: 101, ErrorSpans: 4, Executions: 101, Failed: 4, Records: 251}
	if got["orders"] != want {
		t.Errorf("merged minute = %+v, want %+v", got["orders"], want)
	}
}

func TestRetentionDropsOldDayPartitions(t *testing.T) {
	db := chtest.Shared(t).Open(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	var spans []intops.FlowSpan
	for d := 0; d < 5; d++ {
		spans = append(spans, span(fmt.Sprintf("d%d", d), "x", now.AddDate(0, 0, -d), true, intops.StatusOK, "", time.Millisecond, 0))
	}
	if err := db.InsertSpans(ctx, spans); err != nil {
		t.Fatal(err)
	}
	dropped, err := db.ApplyRetention(ctx, clickhouse.Retention{SpanDays: 2, RollupDays: 3}, now)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"flow_spans/20261118", "flow_spans/20261119", "flow_rollup_1m/20261118", "flow_rollup_1h/20261118"}
	if fmt.Sprint(dropped) != fmt.Sprint(want) {
		t.Errorf("dropped %v, want %v", dropped, want)
	}
	stats, _ := db.CountSpans(ctx)
	if stats.Rows != 3 {
		t.Errorf("%d spans left, want 3 (the last three days)", stats.Rows)
	}
}

func TestOpenRejectsBadDSN(t *testing.T) {
	_, err := clickhouse.Open(context.Background(), "clickhouse://u:secret@127.0.0.1:1/bad-name!")
	if err == nil {
		t.Fatal("want an error")
	}
	if got := err.Error(); strings.Contains(got, "secret") {
		t.Errorf("error leaks the password: %s", got)
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"clickhouse://user:pw@host:9000/db":         "clickhouse://user:xxxxx@host:9000/db",
		"clickhouse://host:9000/db?password=pw&x=1": "clickhouse://host:9000/db?password=xxxxx&x=1",
		"clickhouse://host:9000/db?username=a":      "clickhouse://host:9000/db?username=a",
	} {
		if got := clickhouse.Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}
