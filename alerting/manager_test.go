package alerting_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/alerting"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/clickhouse"
	"github.com/intops/intops/clickhouse/chtest"
)

func TestMain(m *testing.M) { chtest.Main(m) }

const estate = `
apiVersion: intops.dev/v1alpha1
kind: Team
metadata: {name: orders}
spec: {slackChannel: "#orders-alerts", onCall: "@orders-oncall", escalationChannel: "#orders-escalation"}
---
apiVersion: intops.dev/v1alpha1
kind: System
metadata: {name: shop, title: Webshop}
---
apiVersion: intops.dev/v1alpha1
kind: System
metadata: {name: erp, title: SAP ERP}
---
apiVersion: intops.dev/v1alpha1
kind: Integration
metadata: {name: shop-to-erp-orders, title: Webshop orders to ERP}
spec: {source: shop, targets: [erp], owner: orders, technicalOwner: ana, businessOwner: tom, tier: 1, runbook: "https://wiki/runbooks/orders"}
---
apiVersion: intops.dev/v1alpha1
kind: Integration
metadata: {name: erp-to-shop-stock}
spec: {source: erp, targets: [shop], owner: orders}
---
apiVersion: intops.dev/v1alpha1
kind: Integration
metadata: {name: orphan-feed}
spec: {source: erp, targets: [shop]}
`

type clock struct{ t time.Time }

func (c *clock) now() time.Time                { return c.t }
func (c *clock) add(d time.Duration) time.Time { c.t = c.t.Add(d); return c.t }

func fire(t *testing.T, db *clickhouse.DB, at time.Time, key, integration, severity, state, summary string) {
	t.Helper()
	src := strings.SplitN(key, "/", 2)[0]
	if err := db.AppendAlertEvents(context.Background(), []clickhouse.AlertEvent{{At: at, Key: key, Source: src, Integration: integration,
		Severity: intops.Severity(severity), State: intops.AlertState(state), Summary: summary, Evidence: "{}"}}); err != nil {
		t.Fatal(err)
	}
}

// TestInbox: without Slack, alerts of one integration form one incident
// (grouped, deduplicated) with its timeline; acknowledging and silencing
// work; resolution closes it; MTTA/MTTR come out per team; a restarted
// manager rebuilds the same state from the log.
func TestInbox(t *testing.T) {
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
	fire(t, db, c.add(time.Second), "slo/orders-booked", "shop-to-erp-orders", "page", "firing", "burning 14x")
	fire(t, db, c.add(time.Second), "anomaly/shop-to-erp-orders/executions/low", "shop-to-erp-orders", "warning", "firing", "executions dropped 40%")
	fire(t, db, c.add(time.Second), "anomaly/orphan-feed/executions/low", "orphan-feed", "warning", "firing", "stopped")
	if err := m.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	// The same alert again (a duplicate transition) changes nothing.
	fire(t, db, c.add(time.Second), "slo/orders-booked", "shop-to-erp-orders", "page", "firing", "burning 14x")
	if err := m.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	open, _, err := m.Incidents(ctx, c.t.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(open) != 2 {
		t.Fatalf("%d incidents, want 2 (one per integration): %+v", len(open), open)
	}
	orders, orphan := open[0], open[1]
	if orders.Integration != "shop-to-erp-orders" || orders.Severity != "page" || len(orders.Alerts) != 2 || orders.Channel != "#orders-alerts" || orders.Delivery != "inbox" {
		t.Errorf("orders incident %+v", orders)
	}
	if orphan.Channel != "#integration-coe" || orphan.Team != "" {
		t.Errorf("an unowned integration's incident goes to the ICoE: %+v", orphan)
	}
	if err := m.Acknowledge(ctx, orders.ID, "@ana"); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Silence(ctx, alerting.SilenceRequest{Team: "orders", Duration: time.Hour, Reason: "ERP maintenance", Creator: "@tom"}); err != nil {
		t.Fatal(err)
	}
	if err := m.Acknowledge(ctx, "inc-nope", "@ana"); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("ack of an unknown incident: %v", err)
	}
	c.add(20 * time.Minute)
	fire(t, db, c.t, "slo/orders-booked", "shop-to-erp-orders", "", "resolved", "no longer burning")
	fire(t, db, c.t, "anomaly/shop-to-erp-orders/executions/low", "shop-to-erp-orders", "", "resolved", "back to normal")
	if err := m.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	open, recent, err := m.Incidents(ctx, c.t.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(open) != 1 || len(recent) != 1 || recent[0].ID != orders.ID || recent[0].ResolvedBy != "intops" {
		t.Fatalf("after resolution: open %+v, recent %+v", open, recent)
	}
	var kinds []string
	for _, e := range recent[0].Timeline {
		kinds = append(kinds, e.Kind)
	}
	if got := strings.Join(kinds, " "); got != "opened alert alert acknowledged silenced alert alert resolved" {
		t.Errorf("timeline %s", got)
	}
	// A new alert within the grouping window reopens the same incident.
	fire(t, db, c.add(5*time.Minute), "slo/orders-booked", "shop-to-erp-orders", "ticket", "firing", "burning 3x")
	if err := m.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	open, _, _ = m.Incidents(ctx, c.t.Add(-time.Hour))
	if len(open) != 2 || open[0].ID != orders.ID || open[0].State != "open" {
		t.Errorf("reopened: %+v", open)
	}
	stats, err := m.Stats(ctx, c.t.Add(-24*time.Hour))
	if err != nil || len(stats) != 2 || stats[0].Team != "(unowned)" || stats[1].Team != "orders" || stats[1].Acknowledged != 1 {
		t.Errorf("stats %+v %v", stats, err)
	}
	// A restarted manager folds the log into the same state.
	again := newManager()
	open2, recent2, err := again.Incidents(ctx, c.t.Add(-time.Hour))
	if err != nil || len(open2) != len(open) || len(recent2) != 0 || open2[0].ID != open[0].ID || len(open2[0].Timeline) != len(open[0].Timeline) {
		t.Errorf("after restart: %+v / %+v", open2, recent2)
	}
	sils, _ := again.Silences(ctx)
	if len(sils) != 1 || sils[0].Team != "orders" || sils[0].Creator != "@tom" {
		t.Errorf("silences after restart %+v", sils)
	}
}
