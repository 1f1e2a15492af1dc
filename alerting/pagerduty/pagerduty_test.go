package pagerduty_test

import (
	"context"
	"testing"
	"time"

	"github.com/intops/intops/alerting"
	"github.com/intops/intops/alerting/alertingtest"
	"github.com/intops/intops/alerting/pagerduty"
	"github.com/intops/intops/alerting/pagerduty/pdtest"
	"github.com/intops/intops/catalog/catalogtest"
	"github.com/intops/intops/clickhouse/chtest"
)

func TestMain(m *testing.M) { chtest.Main(m) }

// PagerDuty down while a page opens, and intops restarted meanwhile: once
// it is back, PagerDuty gets the trigger, the acknowledgement and the
// resolution, each once, in order, under the incident's dedup key.
func TestPagerDutyOutageAndRestart(t *testing.T) {
	pd := pdtest.New(t)
	g := &alertingtest.Rig{T: t, Store: chtest.Shared(t).Open(t), Catalog: catalogtest.Orders(1).Build(t),
		Now: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC), NewReceiver: func() alerting.Receiver {
			r := pagerduty.New(pdtest.RoutingKey)
			r.URL = pd.URL
			return r
		}}
	m, r, id := g.OpenThroughOutage("page", pd.SetDown)
	g.ResolveThroughRestarts(m, r, id)
	got := pd.Events()
	want := []string{"trigger", "acknowledge", "resolve"}
	if len(got) != len(want) {
		t.Fatalf("PagerDuty got %+v, want %v once each", got, want)
	}
	for i, e := range got {
		if e.Action != want[i] || e.DedupKey != id {
			t.Errorf("event %d: %+v, want %s of %s", i, e, want[i], id)
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
