package alerting_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/alerting"
	"github.com/intops/intops/analyzer/watchdog"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/clickhouse"
	"github.com/intops/intops/clickhouse/chtest"
)

// When intops is blind (no spans from the estate), one ingest incident
// opens for the platform team and the alerts of missing traffic the gap
// causes are held: dropped when they resolve with the spans' return,
// judged again when they still fire after the grace. Other alerts go on
// as usual.
func TestIngestGapInhibitsMissingTraffic(t *testing.T) {
	if watchdog.Source != alerting.IngestSource || watchdog.Integration != alerting.IngestSubject {
		t.Fatal("the watchdog's alerts are not the ones alerting knows as ingest alerts")
	}
	db := chtest.Shared(t).Open(t)
	ctx := context.Background()
	cat, err := catalog.Parse("estate.yaml", []byte(estate))
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
	newManager := func() *alerting.Manager {
		return &alerting.Manager{Store: db, Catalog: func() *catalog.Catalog { return cat }, Now: c.now,
			Config: alerting.Config{InhibitGrace: 10 * time.Minute}}
	}
	m := newManager()
	gap := c.t
	emit := func(key, integration, source, sev, state, summary string, evidence any) {
		t.Helper()
		b, _ := json.Marshal(evidence)
		if err := db.AppendAlertEvents(ctx, []clickhouse.AlertEvent{{At: c.add(time.Second), Key: key, Source: source, Integration: integration,
			Severity: intops.Severity(sev), State: intops.AlertState(state), Summary: summary, Evidence: string(b)}}); err != nil {
			t.Fatal(err)
		}
	}
	drop := map[string]any{"signal": "executions", "direction": "low", "since": gap}
	c.add(90 * time.Second)
	emit(watchdog.Key, watchdog.Integration, watchdog.Source, "page", "firing", "No spans from any integration since 10:00 UTC", map[string]any{"since": gap})
	c.add(4 * time.Minute)
	emit("anomaly/shop-to-erp-orders/executions/low", "shop-to-erp-orders", "anomaly", "warning", "firing", "executions 90% below normal", drop)
	emit("anomaly/erp-to-shop-stock/executions/low", "erp-to-shop-stock", "anomaly", "warning", "firing", "executions 95% below normal", drop)
	emit("anomaly/orphan-feed/executions/low", "orphan-feed", "anomaly", "warning", "firing", "executions 100% below normal", drop)
	// Not missing traffic: latency, which the gap does not explain.
	emit("anomaly/erp-to-shop-stock/latency_p95/high", "erp-to-shop-stock", "anomaly", "warning", "firing", "p95 latency 3x normal",
		map[string]any{"signal": "latency_p95", "direction": "high", "since": gap.Add(-time.Hour)})
	if err := m.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	open := func(m *alerting.Manager, when string) map[string]alerting.IncidentStatus {
		t.Helper()
		o, _, err := m.Incidents(ctx, c.t.Add(-2*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]alerting.IncidentStatus{}
		for _, in := range o {
			out[in.Integration] = in
		}
		return out
	}
	got := open(m, "in the gap")
	if len(got) != 2 {
		t.Fatalf("in the gap: %d open incidents %v, want the ingest one and the latency one", len(got), got)
	}
	ing, ok := got[alerting.IngestSubject]
	if !ok || ing.Channel != "#intops-platform" || ing.Team != "intops-platform" {
		t.Fatalf("ingest incident %+v, want it for the platform team in #intops-platform", ing)
	}
	if _, ok := got["erp-to-shop-stock"]; !ok {
		t.Fatalf("the latency alert was held: %v", got)
	}
	if n := len(open(newManager(), "after a restart")); n != 2 {
		t.Fatalf("after a restart: %d open incidents, want 2", n)
	}

	// Spans return; two of the drops resolve within the grace.
	c.add(5 * time.Minute)
	emit(watchdog.Key, watchdog.Integration, watchdog.Source, "", "resolved", "Spans arrive again", map[string]any{"since": gap})
	emit("anomaly/shop-to-erp-orders/executions/low", "shop-to-erp-orders", "anomaly", "", "resolved", "back to normal", drop)
	emit("anomaly/orphan-feed/executions/low", "orphan-feed", "anomaly", "", "resolved", "back to normal", drop)
	if err := m.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	got = open(m, "after recovery")
	if _, ok := got[alerting.IngestSubject]; ok || len(got) != 1 {
		t.Fatalf("after recovery: %v, want the latency incident only", got)
	}
	// After the grace, the drop that still fires is judged again: an
	// incident of its own, under the integration's team.
	c.add(11 * time.Minute)
	m2 := newManager() // a restarted manager holds what the first held
	if err := m2.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	got = open(m2, "after the grace")
	if len(got) != 1 {
		t.Fatalf("after the grace: %d open incidents %v, want 1 (the latency one, now with the drop that still fires)", len(got), got)
	}
	in := got["erp-to-shop-stock"]
	found := false
	for _, a := range in.Alerts {
		found = found || a.Key == "anomaly/erp-to-shop-stock/executions/low"
	}
	if !found {
		t.Errorf("the drop that still fires after the grace is not in an incident: %+v", in)
	}
	// Nothing more on the next tick.
	if err := m2.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(open(m2, "again")); n != 1 {
		t.Errorf("%d open incidents on the next tick, want 1", n)
	}
}

// After intops sees again, a drop that begins later than the gap is a new
// problem: it opens at once, grace or not.
func TestNewDropAfterAGapIsNotHeld(t *testing.T) {
	db := chtest.Shared(t).Open(t)
	ctx := context.Background()
	cat, err := catalog.Parse("estate.yaml", []byte(estate))
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)}
	m := &alerting.Manager{Store: db, Catalog: func() *catalog.Catalog { return cat }, Now: c.now}
	gap := c.t
	emit := func(key, integration, source, sev, state string, since time.Time) {
		t.Helper()
		b, _ := json.Marshal(map[string]any{"signal": "executions", "direction": "low", "since": since})
		if err := db.AppendAlertEvents(ctx, []intops.AlertEvent{{At: c.add(time.Second), Key: key, Source: source, Integration: integration,
			Severity: intops.Severity(sev), State: intops.AlertState(state), Summary: key, Evidence: string(b)}}); err != nil {
			t.Fatal(err)
		}
	}
	c.add(time.Minute)
	emit(watchdog.Key, watchdog.Integration, watchdog.Source, "page", "firing", gap)
	c.add(10 * time.Minute)
	emit(watchdog.Key, watchdog.Integration, watchdog.Source, "", "resolved", gap)
	if err := m.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	c.add(8 * time.Minute) // within the grace, well after the gap
	emit("anomaly/shop-to-erp-orders/executions/low", "shop-to-erp-orders", "anomaly", "warning", "firing", c.t.Add(-time.Minute))
	if err := m.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	open, _, err := m.Incidents(ctx, c.t.Add(-time.Hour))
	if err != nil || len(open) != 1 || open[0].Integration != "shop-to-erp-orders" {
		t.Fatalf("open incidents %+v (%v), want the new drop's", open, err)
	}
}
