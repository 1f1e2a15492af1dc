package alerting_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/intops/intops/alerting"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/clickhouse/chtest"
)

// Maintenance windows ahead of time: a weekly window of the ERP (Saturday
// 02:00 for two hours, Berlin time) leaves Friday's incident alone,
// silences it when the window begins and every ERP incident opened in
// it, and lets alerts through again when it ends; a one-off silence
// tomorrow is listed ahead and not in force today; schedules that cannot
// work are refused with the reason.
func TestMaintenanceWindows(t *testing.T) {
	db := chtest.Shared(t).Open(t)
	ctx := context.Background()
	cat, err := catalog.Parse("estate.yaml", []byte(estate))
	if err != nil {
		t.Fatal(err)
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	c := &clock{time.Date(2026, 11, 27, 18, 0, 0, 0, berlin).UTC()} // a Friday
	newManager := func() *alerting.Manager {
		return &alerting.Manager{Store: db, Catalog: func() *catalog.Catalog { return cat }, Now: c.now,
			Config: alerting.Config{Location: berlin}}
	}
	m := newManager()
	weekly, err := m.Silence(ctx, alerting.SilenceRequest{System: "erp", Schedule: "0 2 * * sat", Duration: 2 * time.Hour,
		Reason: "SAP patching", Creator: "@basis"})
	if err != nil {
		t.Fatal(err)
	}
	tomorrow := c.t.Add(24 * time.Hour)
	if _, err := m.Silence(ctx, alerting.SilenceRequest{Integration: "shop-to-erp-orders", Starts: tomorrow, Duration: 30 * time.Minute,
		Reason: "webshop release", Creator: "@ana"}); err != nil {
		t.Fatal(err)
	}
	for req, want := range map[*alerting.SilenceRequest]string{
		{System: "erp", Schedule: "61 * * * *", Duration: time.Hour}:                              "schedule",
		{System: "erp", Schedule: "0 0 30 2 *", Duration: time.Hour}:                              "has no window",
		{System: "erp", Schedule: "0 2 * * sat", Duration: 8 * 24 * time.Hour}:                    "at most 7 days",
		{System: "erp", Starts: c.t.Add(400 * 24 * time.Hour), Duration: time.Hour}:               "a year ahead",
		{System: "erp", Schedule: "0 2 * * sat", Duration: time.Hour, Until: c.t.Add(-time.Hour)}: "ends after it starts",
	} {
		req.Reason, req.Creator = "x", "@x"
		if _, err := m.Silence(ctx, *req); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%+v: %v, want an error saying %q", *req, err, want)
		}
	}
	ws, err := m.Windows(ctx, 7*24*time.Hour)
	if err != nil || len(ws) != 2 {
		t.Fatalf("windows ahead: %+v %v, want the weekly one and tomorrow's", ws, err)
	}
	if first := ws[0]; first.ID != weekly.ID || first.Active || first.From.In(berlin).Format("Mon 15:04") != "Sat 02:00" || first.To.Sub(first.From) != 2*time.Hour {
		t.Errorf("next window %+v, want Saturday 02:00–04:00", first)
	}

	open := func(integration string) alerting.IncidentStatus {
		t.Helper()
		o, _, err := m.Incidents(ctx, c.t.Add(-48*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range o {
			if in.Integration == integration {
				return in
			}
		}
		t.Fatalf("no open incident of %s", integration)
		return alerting.IncidentStatus{}
	}
	fire(t, db, c.add(time.Second), "slo/orders-booked", "shop-to-erp-orders", "page", "firing", "orders booked: burning")
	if err := m.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if in := open("shop-to-erp-orders"); in.Silenced(c.t) {
		t.Fatalf("Friday's incident is silenced before the window: %+v", in.Incident)
	}
	// Saturday 02:05: the window is in force.
	c.t = time.Date(2026, 11, 28, 2, 5, 0, 0, berlin).UTC()
	if err := m.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	in := open("shop-to-erp-orders")
	if !in.Silenced(c.t) || in.SilenceEnds.In(berlin).Format("15:04") != "04:00" {
		t.Fatalf("in the window: silenced %v until %s, want until 04:00", in.Silenced(c.t), in.SilenceEnds.In(berlin))
	}
	fire(t, db, c.add(time.Second), "slo/stock-fresh", "erp-to-shop-stock", "ticket", "firing", "stock levels 3h old")
	if err := m.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if in := open("erp-to-shop-stock"); !in.Silenced(c.t) {
		t.Errorf("an ERP incident opened in the window is not silenced: %+v", in.Incident)
	}
	// 04:10: the window is over; a restarted manager agrees.
	c.t = time.Date(2026, 11, 28, 4, 10, 0, 0, berlin).UTC()
	m = newManager()
	if err := m.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if in := open("shop-to-erp-orders"); in.Silenced(c.t) {
		t.Errorf("still silenced after the window: %+v", in.Incident)
	}
	ws, _ = m.Windows(ctx, 7*24*time.Hour)
	if len(ws) == 0 || ws[0].ID == weekly.ID && ws[0].From.In(berlin).Format("Jan 2 15:04") != "Dec 5 02:00" {
		t.Errorf("windows after the first: %+v, want the next Saturday's", ws)
	}
}
