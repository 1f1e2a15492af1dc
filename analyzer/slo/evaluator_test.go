package slo_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/analyzer/slo"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/clickhouse/chtest"
	"github.com/intops/intops/simulate"
	"github.com/intops/intops/ui"
)

func TestMain(m *testing.M) { chtest.Main(m) }

const estate = `
apiVersion: intops.dev/v1alpha1
kind: Team
metadata: {name: ops}
---
apiVersion: intops.dev/v1alpha1
kind: System
metadata: {name: shop}
---
apiVersion: intops.dev/v1alpha1
kind: System
metadata: {name: erp}
---
apiVersion: intops.dev/v1alpha1
kind: Integration
metadata: {name: shop-to-erp-orders}
spec: {source: shop, targets: [erp], owner: ops, mechanism: event, tier: 1}
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: orders-booked}
spec:
  service: shop-to-erp-orders
  indicator:
    metadata: {name: orders-ok}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: intops, spec: {sli: success_ratio}}}
        total: {metricSource: {type: intops, spec: {sli: success_ratio}}}
  timeWindow: [{duration: 30d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.999}]
`

// TestOutageFiresAndResolves: thirty days of simulated traffic with a
// 10-minute outage, stored in a real ClickHouse as rollups; the evaluator
// pages during the outage, resolves after it, records both with evidence,
// does not fire twice after a restart, and the API shows the burn.
func TestOutageFiresAndResolves(t *testing.T) {
	db := chtest.Shared(t).Open(t)
	ctx := context.Background()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "estate.yaml"), []byte(estate), 0o644)
	cat, err := catalog.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	outageAt := time.Date(2026, 11, 20, 14, 0, 0, 0, time.UTC)
	prof := &simulate.Profile{
		Integration: cat.Integration("shop-to-erp-orders"), PeakPerMinute: 300, ErrorRate: 0.0002,
		ErrorMix: map[intops.ErrorClass]float64{intops.ErrorTransient: 1}, MedianLatency: 80 * time.Millisecond, Records: 1,
		Incidents: []simulate.Incident{{Name: "erp down", From: outageAt, To: outageAt.Add(10 * time.Minute), ErrorRate: 1, Class: intops.ErrorUnavailable}},
	}
	gen := simulate.NewGenerator([]*simulate.Profile{prof}, 42)
	if _, err := simulate.Backfill(ctx, gen, db, outageAt.Add(-30*24*time.Hour), outageAt.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	now := outageAt.Add(-5 * time.Minute)
	ev := &slo.Evaluator{Store: db, Catalog: func() *catalog.Catalog { return cat }, Now: func() time.Time { return now }}
	steps := []struct {
		at   time.Duration
		want string
	}{{-5, "ok"}, {3, "page"}, {10, "page"}, {30, "page"}, {41, "ticket"}, {119, "ticket"}}
	for _, s := range steps {
		now = outageAt.Add(s.at * time.Minute)
		if err := ev.EvaluateOnce(ctx); err != nil {
			t.Fatal(err)
		}
		r := ev.Results()
		if len(r) != 1 || r[0].Result.Status != s.want {
			t.Fatalf("at outage%+dm: %+v, want %s", s.at, r, s.want)
		}
		if s.at == 10 {
			srv := ui.New(ui.Options{Store: db, Catalog: catalog.Fixed(cat), SLOs: ev})
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/slos", nil))
			var doc struct {
				SLOs []struct {
					ID              string             `json:"id"`
					Status          string             `json:"status"`
					BudgetRemaining float64            `json:"budget_remaining"`
					BurnRates       map[string]float64 `json:"burn_rates"`
					Forecast        struct {
						Text string `json:"text"`
					} `json:"forecast"`
				} `json:"slos"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil || len(doc.SLOs) != 1 {
				t.Fatalf("api: %v %s", err, rec.Body.String())
			}
			got := doc.SLOs[0]
			if got.Status != "page" || got.BurnRates["1h"] < 14.4 || got.BudgetRemaining >= 1 || !strings.Contains(got.Forecast.Text, "runs out") {
				t.Errorf("api during the outage: %+v", got)
			}
			t.Logf("API during the outage: status %s, 1h burn %.1f, budget left %.3f, %s", got.Status, got.BurnRates["1h"], got.BudgetRemaining, got.Forecast.Text)
		}
	}
	// A restarted evaluator reads the log and does not fire again.
	again := &slo.Evaluator{Store: db, Catalog: func() *catalog.Catalog { return cat }, Now: func() time.Time { return now }}
	if err := again.EvaluateOnce(ctx); err != nil {
		t.Fatal(err)
	}
	events, err := db.AlertEvents(ctx, slo.Key("orders-booked"), outageAt.Add(-time.Hour), outageAt.Add(3*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var seq []string
	for _, e := range events {
		seq = append(seq, string(e.State)+":"+string(e.Severity))
	}
	if strings.Join(seq, " ") != "firing:page firing:ticket" {
		t.Fatalf("event log %v", seq)
	}
	var evidence slo.Evidence
	if err := json.Unmarshal([]byte(events[0].Evidence), &evidence); err != nil || evidence.BurnRates["1h"] < 14.4 || len(evidence.Firing) == 0 {
		t.Errorf("evidence %s", events[0].Evidence)
	}
	t.Logf("first event: %s", events[0].Summary)

	// Five days later the ticket windows are clear too: resolved.
	now = outageAt.Add(2 * time.Hour)
	later := outageAt.Add(5 * 24 * time.Hour)
	if _, err := simulate.Backfill(ctx, gen, db, now, later); err != nil {
		t.Fatal(err)
	}
	now = later
	if err := again.EvaluateOnce(ctx); err != nil {
		t.Fatal(err)
	}
	events, _ = db.AlertEvents(ctx, slo.Key("orders-booked"), outageAt.Add(-time.Hour), later.Add(time.Hour))
	if last := events[len(events)-1]; last.State != "resolved" {
		t.Errorf("after five days: %+v", last)
	}
	hist, err := again.History(ctx, "orders-booked", outageAt.Add(-time.Hour), outageAt.Add(time.Hour))
	if err != nil || len(hist) == 0 {
		t.Fatalf("history: %v", err)
	}
	if hist[0].BudgetRemaining <= hist[len(hist)-1].BudgetRemaining {
		t.Errorf("the outage should consume budget: %+v … %+v", hist[0], hist[len(hist)-1])
	}
}
