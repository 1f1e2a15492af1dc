package pagerduty_test

import (
	"context"
	"testing"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/alerting"
	"github.com/intops/intops/alerting/pagerduty"
	"github.com/intops/intops/alerting/pagerduty/pdtest"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/catalog/catalogtest"
	"github.com/intops/intops/clickhouse"
	"github.com/intops/intops/clickhouse/chtest"
)

func TestMain(m *testing.M) { chtest.Main(m) }

// PagerDuty down while a page opens, and intops restarted meanwhile: once
// it is back, PagerDuty gets the trigger, the acknowledgement and the
// resolution, each once, in order, under the incident's dedup key.
func TestPagerDutyOutageAndRestart(t *testing.T) {
	db := chtest.Shared(t).Open(t)
	ctx := context.Background()
	cat := catalogtest.Orders(1).Build(t)
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	pd := pdtest.New(t)
	newManager := func() (*alerting.Manager, *pagerduty.Receiver) {
		r := pagerduty.New(pdtest.RoutingKey)
		r.URL = pd.URL
		return &alerting.Manager{Store: db, Catalog: func() *catalog.Catalog { return cat }, Now: func() time.Time { return now },
			Receivers: []alerting.Receiver{r}}, r
	}
	fire := func(state, severity string) {
		t.Helper()
		now = now.Add(time.Second)
		if err := db.AppendAlertEvents(ctx, []clickhouse.AlertEvent{{At: now, Key: "slo/orders-booked", Source: "slo", Integration: "shop-to-erp-orders",
			Severity: intops.Severity(severity), State: intops.AlertState(state), Summary: "orders booked: burning the budget 14.4x", Evidence: "{}"}}); err != nil {
			t.Fatal(err)
		}
	}
	drain := func(m *alerting.Manager, r alerting.Receiver, within time.Duration) error {
		ctx, cancel := context.WithTimeout(ctx, within)
		defer cancel()
		for {
			sent, err := m.PageOnce(ctx, r)
			if err != nil || !sent {
				return err
			}
		}
	}

	pd.SetDown(true)
	m, r := newManager()
	fire("firing", "page")
	if err := m.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if m.PendingPages() != 1 {
		t.Fatalf("%d page events pending, want the trigger", m.PendingPages())
	}
	if err := drain(m, r, 2500*time.Millisecond); err == nil {
		t.Fatal("PagerDuty is down, yet the trigger went")
	}
	// intops restarts while PagerDuty is still down; then it is back.
	m, r = newManager()
	if err := m.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if m.PendingPages() != 1 {
		t.Fatalf("after the restart %d page events pending, want the trigger", m.PendingPages())
	}
	pd.SetDown(false)
	if err := drain(m, r, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	open, _, err := m.Incidents(ctx, now.Add(-time.Hour))
	if err != nil || len(open) != 1 {
		t.Fatalf("incidents %+v %v", open, err)
	}
	if err := m.Acknowledge(ctx, open[0].ID, "@ana"); err != nil {
		t.Fatal(err)
	}
	fire("resolved", "")
	if err := m.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if err := drain(m, r, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	// Another restart sends nothing again.
	m, r = newManager()
	if err := m.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if err := drain(m, r, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	got := pd.Events()
	want := []string{"trigger", "acknowledge", "resolve"}
	if len(got) != len(want) {
		t.Fatalf("PagerDuty got %+v, want %v once each", got, want)
	}
	for i, e := range got {
		if e.Action != want[i] || e.DedupKey != open[0].ID {
			t.Errorf("event %d: %+v, want %s of %s", i, e, want[i], open[0].ID)
		}
	}
	if got[0].Severity != "critical" || got[0].Source != "shop-to-erp-orders" {
		t.Errorf("trigger %+v", got[0])
	}
}

// A page refused for good (a wrong routing key) is recorded as failed and
// not sent again.
func TestPagerDutyRefusal(t *testing.T) {
	pd := pdtest.New(t)
	r := pagerduty.New("wrong-key")
	r.URL = pd.URL
	err := r.Send(context.Background(), alerting.PageEvent{Incident: "inc-1", Action: alerting.PageTrigger, Severity: "page",
		View: alerting.IncidentView{Title: "t", Integration: "x"}})
	if !alerting.IsPermanent(err) {
		t.Fatalf("got %v, want a permanent refusal", err)
	}
}
