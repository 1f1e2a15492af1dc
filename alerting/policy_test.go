package alerting_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/alerting"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/clickhouse/chtest"
)

// Transient failures are the runtime's to retry: an anomaly of them opens
// no incident; the same integration burning its budget (an SLO alert)
// does, and an anomaly of another class does too.
func TestTransientAlertsOnlyWhenBurningBudget(t *testing.T) {
	db := chtest.Shared(t).Open(t)
	ctx := context.Background()
	cat, err := catalog.Parse("estate.yaml", []byte(estate))
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)}
	m := &alerting.Manager{Store: db, Catalog: func() *catalog.Catalog { return cat }, Now: c.now}
	emit := func(key, integration, source, sev, evidence, summary string) {
		t.Helper()
		if err := db.AppendAlertEvents(ctx, []intops.AlertEvent{{At: c.add(time.Second), Key: key, Source: source, Integration: integration,
			Severity: intops.Severity(sev), State: "firing", Summary: summary, Evidence: evidence}}); err != nil {
			t.Fatal(err)
		}
	}
	count := func() int {
		t.Helper()
		if err := m.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		open, _, err := m.Incidents(ctx, c.t.Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		return len(open)
	}
	emit("anomaly/shop-to-erp-orders/error_class/transient", "shop-to-erp-orders", "anomaly", "warning",
		`{"signal":"error_class","class":"transient"}`, "transient failures 4x normal")
	if n := count(); n != 0 {
		t.Fatalf("a transient anomaly opened %d incidents, want none", n)
	}
	emit("anomaly/erp-to-shop-stock/error_class/auth", "erp-to-shop-stock", "anomaly", "warning",
		`{"signal":"error_class","class":"auth"}`, "auth failures 10x normal")
	if n := count(); n != 1 {
		t.Fatalf("an auth anomaly: %d incidents, want 1", n)
	}
	emit("slo/orders-booked", "shop-to-erp-orders", "slo", "page", "{}", "orders booked: burning the budget 14.4x")
	if n := count(); n != 2 {
		t.Fatalf("the budget burning: %d incidents, want 2", n)
	}
}

// The catalog's ErrorClassPolicy overrides the default handling: here
// unavailable escalates at once and names the data steward.
func TestCatalogClassPolicy(t *testing.T) {
	db := chtest.Shared(t).Open(t)
	ctx := context.Background()
	cat, err := catalog.Parse("estate.yaml", []byte(estate+`---
apiVersion: intops.dev/v1alpha1
kind: ErrorClassPolicy
metadata: {name: unavailable}
spec: {escalate: now, notify: [technical_owner], advice: "{system} is down: call the ERP basis team on 555-0100."}
`))
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)}
	m := &alerting.Manager{Store: db, Catalog: func() *catalog.Catalog { return cat }, Now: c.now}
	if err := db.AppendAlertEvents(ctx, []intops.AlertEvent{{At: c.add(time.Second), Key: "anomaly/shop-to-erp-orders/error_class/unavailable",
		Source: "anomaly", Integration: "shop-to-erp-orders", Severity: "warning", State: "firing", Summary: "unavailable failures 20x normal",
		Evidence: `{"signal":"error_class","class":"unavailable"}`}}); err != nil {
		t.Fatal(err)
	}
	if err := m.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	open, _, err := m.Incidents(ctx, c.t.Add(-time.Hour))
	if err != nil || len(open) != 1 {
		t.Fatalf("%d incidents, %v", len(open), err)
	}
	in := open[0]
	if !in.Escalated || !strings.Contains(in.View.Advice, "SAP ERP is down: call the ERP basis team") || !slices.Contains(in.View.Told, "@ana") {
		t.Errorf("incident escalated %v, advice %q, told %v; want the catalog's policy", in.Escalated, in.View.Advice, in.View.Told)
	}
}
