package anomaly_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/analyzer/anomaly"
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
apiVersion: intops.dev/v1alpha1
kind: Integration
metadata: {name: erp-to-shop-stock}
spec: {source: erp, targets: [shop], owner: ops, mechanism: api, tier: 2}
`

// TestDropOpensAndCloses: 28 days of simulated history in a real
// ClickHouse, then a 30% drop of one flow for an hour: the evaluator opens
// one anomaly for it (not for the healthy flow), records it with
// evidence, keeps it across a restart without firing again, and closes it
// after the drop ends.
func TestDropOpensAndCloses(t *testing.T) {
	db := chtest.Shared(t).Open(t)
	ctx := context.Background()
	cat, err := catalog.Parse("estate.yaml", []byte(estate))
	if err != nil {
		t.Fatal(err)
	}
	dropAt := time.Date(2026, 11, 18, 11, 0, 0, 0, time.UTC) // a Wednesday morning
	orders := &simulate.Profile{Integration: cat.Integration("shop-to-erp-orders"), PeakPerMinute: 600, ErrorRate: 0.0005,
		ErrorMix: map[intops.ErrorClass]float64{intops.ErrorTransient: 1}, MedianLatency: 80 * time.Millisecond, Records: 1,
		Incidents: []simulate.Incident{{Name: "token expired upstream", From: dropAt, To: dropAt.Add(time.Hour), RateFactor: 0.7}}}
	stock := &simulate.Profile{Integration: cat.Integration("erp-to-shop-stock"), PeakPerMinute: 60, ErrorRate: 0.001,
		ErrorMix: map[intops.ErrorClass]float64{intops.ErrorTimeout: 1}, MedianLatency: 300 * time.Millisecond, Records: 1}
	gen := simulate.NewGenerator([]*simulate.Profile{orders, stock}, 7)
	if _, err := simulate.Backfill(ctx, gen, db, dropAt.Add(-28*24*time.Hour), dropAt.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	now := dropAt.Add(-10 * time.Minute)
	newEvaluator := func() *anomaly.Evaluator {
		return &anomaly.Evaluator{Store: db, Catalog: func() *catalog.Catalog { return cat }, Now: func() time.Time { return now }}
	}
	ev := newEvaluator()
	var openedAt time.Duration = -1
	for m := -10; m <= 15; m++ {
		now = dropAt.Add(time.Duration(m) * time.Minute)
		if err := ev.EvaluateOnce(ctx); err != nil {
			t.Fatal(err)
		}
		open := ev.Open()
		for _, s := range open {
			if s.Integration != "shop-to-erp-orders" {
				t.Fatalf("anomaly on the healthy flow at %+dm: %+v", m, s)
			}
		}
		if m < 0 && len(open) > 0 {
			t.Fatalf("anomaly before the drop at %+dm: %+v", m, open)
		}
		if openedAt < 0 && len(open) > 0 {
			openedAt = time.Duration(m) * time.Minute
		}
	}
	if openedAt < 0 || openedAt > 10*time.Minute {
		t.Fatalf("the drop was not found within 10 minutes (opened at %v)", openedAt)
	}
	t.Logf("30%% drop found %v after it began", openedAt)
	// The chart's band: the drop's minutes fall below the normal range.
	starts := []time.Time{dropAt.Add(5 * time.Minute), dropAt.Add(6 * time.Minute)}
	exp, lo, hi, ok := ev.Band("shop-to-erp-orders", starts, time.Minute)
	if !ok || !(lo[0] < exp[0] && exp[0] < hi[0]) || exp[0] < 300 {
		t.Errorf("band: %v %v %v %v", exp, lo, hi, ok)
	}
	if _, _, _, ok := ev.Band("no-such-flow", starts, time.Minute); ok {
		t.Error("a band for an unknown integration")
	}
	srv := ui.New(ui.Options{Store: db, Catalog: catalog.Fixed(cat), Anomalies: ev})
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/anomalies", nil))
	var doc struct {
		Anomalies []struct {
			ID, Integration, Signal, Kind, Direction, Summary string
			Observed, Expected                                float64
		} `json:"anomalies"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil || len(doc.Anomalies) == 0 {
		t.Fatalf("api: %v %s", err, rec.Body.String())
	}
	a := doc.Anomalies[0]
	if a.Signal != anomaly.SignalExecutions || a.Direction != "low" || a.Observed >= 0.9*a.Expected || !strings.Contains(a.Summary, "below normal") {
		t.Errorf("api: %+v", a)
	}
	t.Logf("API: %s", a.Summary)
	// Restart mid-drop: no second firing.
	ev = newEvaluator()
	now = dropAt.Add(20 * time.Minute)
	if err := ev.EvaluateOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if len(ev.Open()) == 0 {
		t.Fatal("the restarted evaluator lost the open anomaly")
	}
	// After the drop: closed.
	for m := 60; m <= 100; m += 5 {
		now = dropAt.Add(time.Duration(m) * time.Minute)
		if err := ev.EvaluateOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if open := ev.Open(); len(open) != 0 {
		t.Errorf("still open 40 minutes after the drop: %+v", open)
	}
	const key = "anomaly/shop-to-erp-orders/executions/low"
	states, err := db.LatestAlertStates(ctx, anomaly.Source)
	if err != nil || len(states) != 1 || states[key].State != "resolved" {
		t.Fatalf("anomaly alerts: %v %+v", err, states)
	}
	events, err := db.AlertEvents(ctx, key, dropAt.Add(-time.Hour), dropAt.Add(3*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var seq []string
	for _, e := range events {
		seq = append(seq, string(e.State))
	}
	if strings.Join(seq, " ") != "firing resolved" {
		t.Errorf("event log %v, want firing then resolved", seq)
	}
	var evidence struct {
		Observed, Expected float64
		OpenedAt           time.Time `json:"opened_at"`
	}
	if err := json.Unmarshal([]byte(events[0].Evidence), &evidence); err != nil || evidence.Observed >= evidence.Expected || evidence.OpenedAt.IsZero() {
		t.Errorf("evidence %s", events[0].Evidence)
	}
	t.Logf("events: %s / %s", events[0].Summary, events[1].Summary)
}
