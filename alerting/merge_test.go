package alerting_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/intops/intops/alerting"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/clickhouse/chtest"
)

// A person merges two incidents intops kept apart, then splits one
// integration out again; both are in the log, and a restarted manager
// folds them the same.
func TestMergeAndSplit(t *testing.T) {
	db := chtest.Shared(t).Open(t)
	ctx := context.Background()
	cat, err := catalog.Parse("estate.yaml", []byte(estate))
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
	newManager := func() *alerting.Manager {
		return &alerting.Manager{Store: db, Catalog: func() *catalog.Catalog { return cat }, Now: c.now}
	}
	m := newManager()
	// Alerts of kinds correlation does not join: two incidents.
	fire(t, db, c.add(time.Second), "anomaly/shop-to-erp-orders/executions/low", "shop-to-erp-orders", "warning", "firing", "executions dropped 40%")
	fire(t, db, c.add(time.Second), "slo/stock-fresh", "erp-to-shop-stock", "ticket", "firing", "stock levels 3h old")
	if err := m.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	open, _, err := m.Incidents(ctx, c.t.Add(-time.Hour))
	if err != nil || len(open) != 2 {
		t.Fatalf("%d incidents (%v), want 2", len(open), err)
	}
	byIntegration := map[string]string{}
	for _, in := range open {
		byIntegration[in.Integration] = in.ID
	}
	orders, stock := byIntegration["shop-to-erp-orders"], byIntegration["erp-to-shop-stock"]
	if err := m.Merge(ctx, orders, orders, "@ana"); !errors.Is(err, alerting.ErrInvalid) {
		t.Errorf("merge into itself: %v", err)
	}
	if err := m.Merge(ctx, orders, "inc-nope", "@ana"); !errors.Is(err, alerting.ErrNotFound) {
		t.Errorf("merge of an unknown incident: %v", err)
	}
	c.add(time.Minute)
	if err := m.Merge(ctx, orders, stock, "@ana"); err != nil {
		t.Fatal(err)
	}
	check := func(m *alerting.Manager, when string, wantOpen int, members map[string]int) {
		t.Helper()
		open, _, err := m.Incidents(ctx, c.t.Add(-time.Hour))
		if err != nil || len(open) != wantOpen {
			t.Fatalf("%s: %d open incidents (%v), want %d", when, len(open), err, wantOpen)
		}
		for _, in := range open {
			if want, ok := members[in.Integration]; ok && (len(in.Members) != want || len(in.Alerts) != want) {
				t.Errorf("%s: %s has %d integrations and %d alerts, want %d", when, in.ID, len(in.Members), len(in.Alerts), want)
			}
		}
	}
	check(m, "merged", 1, map[string]int{"shop-to-erp-orders": 2})
	check(newManager(), "merged, after a restart", 1, map[string]int{"shop-to-erp-orders": 2})
	// An alert of the merged-in integration now lands in the merged incident.
	fire(t, db, c.add(time.Second), "slo/stock-fresh", "erp-to-shop-stock", "page", "firing", "stock levels 6h old")
	if err := m.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	check(m, "after a new alert", 1, map[string]int{"shop-to-erp-orders": 2})

	if err := m.Split(ctx, orders, "orphan-feed", "@ana"); !errors.Is(err, alerting.ErrInvalid) {
		t.Errorf("split of an integration not in the incident: %v", err)
	}
	c.add(time.Minute)
	if err := m.Split(ctx, orders, "erp-to-shop-stock", "@ana"); err != nil {
		t.Fatal(err)
	}
	check(m, "split", 2, map[string]int{"shop-to-erp-orders": 1, "erp-to-shop-stock": 1})
	check(newManager(), "split, after a restart", 2, map[string]int{"shop-to-erp-orders": 1, "erp-to-shop-stock": 1})
	open, recent, _ := m.Incidents(ctx, c.t.Add(-time.Hour))
	for _, in := range open {
		if in.Integration == "erp-to-shop-stock" && (in.ID == stock || in.Severity != "page" || in.Channel != "#orders-alerts") {
			t.Errorf("the split-out incident %+v", in)
		}
	}
	if len(recent) != 1 || recent[0].ID != stock || recent[0].ResolvedBy != "@ana" {
		t.Errorf("the merged-in incident resolves, by who merged it: %+v", recent)
	}
}
