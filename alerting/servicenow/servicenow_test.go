package servicenow_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/intops/intops/alerting"
	"github.com/intops/intops/alerting/alertingtest"
	"github.com/intops/intops/alerting/servicenow"
	"github.com/intops/intops/alerting/servicenow/sntest"
	"github.com/intops/intops/catalog/catalogtest"
	"github.com/intops/intops/clickhouse/chtest"
)

func TestMain(m *testing.M) { chtest.Main(m) }

// rig is intops' alerting over a real ClickHouse, restartable, with a
// ServiceNow receiver built by newReceiver.
type rig struct {
	*alertingtest.Rig
	newReceiver func() *servicenow.Receiver
}

func newRig(t *testing.T, newReceiver func() *servicenow.Receiver) *rig {
	return &rig{newReceiver: newReceiver, Rig: &alertingtest.Rig{T: t, Store: chtest.Shared(t).Open(t), Catalog: catalogtest.Orders(2).Build(t),
		Now: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC), NewReceiver: func() alerting.Receiver { return newReceiver() }}}
}

// start is intops (re)started.
func (g *rig) start() (*alerting.Manager, *servicenow.Receiver) {
	m, r := g.Start()
	return m, r.(*servicenow.Receiver)
}

func receiverFor(f *sntest.Server) func() *servicenow.Receiver {
	return func() *servicenow.Receiver {
		r := servicenow.New(f.URL, sntest.User, sntest.Password)
		r.AssignmentGroup = "Integration Support"
		return r
	}
}

// ServiceNow down while a ticket incident opens, and intops restarted
// meanwhile: once it is back there is one record, put In Progress with
// one work note, then resolved once; another restart changes nothing.
func TestServiceNowOutageAndRestart(t *testing.T) {
	f := sntest.New(t)
	g := newRig(t, receiverFor(f))
	ctx := context.Background()

	f.SetDown(true)
	m, r := g.start()
	g.Fire("firing", "ticket")
	g.Tick(m)
	if m.PendingPages() != 1 {
		t.Fatalf("%d page events pending, want the trigger", m.PendingPages())
	}
	if err := alertingtest.Drain(m, r, 2500*time.Millisecond); err == nil {
		t.Fatal("ServiceNow is down, yet the trigger went")
	}
	m, r = g.start()
	g.Tick(m)
	if m.PendingPages() != 1 {
		t.Fatalf("after the restart %d page events pending, want the trigger", m.PendingPages())
	}
	f.SetDown(false)
	if err := alertingtest.Drain(m, r, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	open, _, err := m.Incidents(ctx, g.Now.Add(-time.Hour))
	if err != nil || len(open) != 1 {
		t.Fatalf("incidents %+v %v", open, err)
	}
	id := open[0].ID
	if err := m.Acknowledge(ctx, id, "@ana"); err != nil {
		t.Fatal(err)
	}
	g.Tick(m)
	m, r = g.start() // restarted between the acknowledgement and its delivery
	g.Tick(m)
	if err := alertingtest.Drain(m, r, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	g.Fire("resolved", "")
	g.Tick(m)
	if err := alertingtest.Drain(m, r, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	m, r = g.start()
	g.Tick(m)
	if err := alertingtest.Drain(m, r, 5*time.Second); err != nil {
		t.Fatal(err)
	}

	recs := f.Records()
	if len(recs) != 1 {
		t.Fatalf("ServiceNow has %d incidents, want 1: %+v", len(recs), recs)
	}
	rec := recs[0]
	if rec.CorrelationID != id || rec.CorrelationDisplay != "intops" || rec.Urgency != "2" || rec.Impact != "2" || rec.AssignmentGroup != "Integration Support" {
		t.Errorf("record %+v", rec)
	}
	if !strings.HasPrefix(rec.ShortDescription, "Webshop orders to ERP: orders booked") {
		t.Errorf("short_description %q", rec.ShortDescription)
	}
	for _, want := range []string{"Team: orders, technical owner ana, tier 2", "Flow: Webshop → SAP ERP", "- [firing] orders booked", "Runbook: https://wiki.example.com/runbooks/orders", id} {
		if !strings.Contains(rec.Description, want) {
			t.Errorf("description %q lacks %q", rec.Description, want)
		}
	}
	if len(rec.WorkNotes) != 1 || !strings.HasPrefix(rec.WorkNotes[0], "Acknowledged by @ana") {
		t.Errorf("work notes %q, want one acknowledgement", rec.WorkNotes)
	}
	if rec.State != servicenow.StateResolved || rec.CloseCode != servicenow.DefaultCloseCode || !strings.HasPrefix(rec.CloseNotes, "Resolved") || rec.Updates != 2 {
		t.Errorf("record %s after %d updates, close %q %q; want resolved after 2", rec.State, rec.Updates, rec.CloseCode, rec.CloseNotes)
	}
}

// A creation and an acknowledgement carried out whose answers were lost:
// still one record and one work note.
func TestServiceNowLostAnswers(t *testing.T) {
	f := sntest.New(t)
	g := newRig(t, receiverFor(f))
	ctx := context.Background()
	m, r := g.start()
	f.LoseAnswers(1)
	g.Fire("firing", "ticket")
	g.Tick(m)
	if err := alertingtest.Drain(m, r, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	if n := len(f.Records()); n != 1 {
		t.Fatalf("a lost answer made %d records, want 1", n)
	}
	open, _, err := m.Incidents(ctx, g.Now.Add(-time.Hour))
	if err != nil || len(open) != 1 {
		t.Fatalf("incidents %+v %v", open, err)
	}
	f.LoseAnswers(1)
	if err := m.Acknowledge(ctx, open[0].ID, "@ana"); err != nil {
		t.Fatal(err)
	}
	g.Tick(m)
	m, r = g.start() // and nothing remembered of it
	g.Tick(m)
	if err := alertingtest.Drain(m, r, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	if rec := f.Records()[0]; len(rec.WorkNotes) != 1 || rec.State != servicenow.StateInProgress {
		t.Fatalf("record %+v, want In Progress with one work note", rec)
	}
}

// A wrong password is a refusal for good, recorded as servicenow_401; so
// is a close code the instance does not have.
func TestServiceNowRefusal(t *testing.T) {
	f := sntest.New(t)
	r := servicenow.New(f.URL, sntest.User, "wrong-password")
	e := alerting.PageEvent{ID: "p1-inc-1", Incident: "inc-1", Action: alerting.PageTrigger, Severity: "ticket",
		View: alerting.IncidentView{Title: "t", Integration: "x"}}
	err := r.Send(context.Background(), e)
	var pe *alerting.PermanentError
	if !errors.As(err, &pe) || pe.Code != "servicenow_401" {
		t.Fatalf("got %v, want a permanent servicenow_401", err)
	}
	if strings.Contains(err.Error(), "wrong-password") {
		t.Errorf("the password is in the error: %v", err)
	}
	r = servicenow.New(f.URL, sntest.User, sntest.Password)
	r.CloseCode = "Fixed it"
	if err := r.Send(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	e.Action = alerting.PageResolve
	if err := r.Send(context.Background(), e); !errors.As(err, &pe) || pe.Code != "servicenow_400" || !strings.Contains(err.Error(), "close_code") {
		t.Fatalf("got %v, want a permanent servicenow_400 about close_code", err)
	}
}

// Pages are not ticketed unless the receiver is told to.
func TestServiceNowWantsTickets(t *testing.T) {
	f := sntest.New(t)
	g := newRig(t, receiverFor(f))
	m, _ := g.start()
	g.Fire("firing", "page")
	g.Tick(m)
	if n := m.PendingPages(); n != 0 {
		t.Errorf("%d page events pending for a page, want none", n)
	}
	r := servicenow.New(f.URL, sntest.User, sntest.Password)
	for sev, want := range map[string]bool{"ticket": true, "page": false, "warning": false} {
		if r.Wants(sev) != want {
			t.Errorf("Wants(%s) = %v", sev, !want)
		}
	}
	r.Severities = []string{"page", "ticket"}
	if !r.Wants("page") {
		t.Error("Severities page: pages not wanted")
	}
}

func TestCorrelationID(t *testing.T) {
	long := "inc-" + strings.Repeat("x", 120)
	if got := servicenow.CorrelationID(long); len(got) != 100 || servicenow.CorrelationID(long+"y") == got {
		t.Errorf("correlation id %q (%d)", got, len(got))
	}
}

// An incident reopened after its resolution puts its record back In
// Progress; one closed meanwhile gets a new record. ServiceNow's 429 is a
// retry after its Retry-After.
func TestServiceNowReopenAndRateLimit(t *testing.T) {
	f := sntest.New(t)
	r := receiverFor(f)()
	ctx := context.Background()
	e := alerting.PageEvent{Incident: "inc-1", Severity: "ticket", View: alerting.IncidentView{Title: "Webshop orders to ERP", Integration: "shop-to-erp-orders"}}
	for _, action := range []string{alerting.PageTrigger, alerting.PageResolve, alerting.PageTrigger} {
		e.Action = action
		if err := r.Send(ctx, e); err != nil {
			t.Fatalf("%s: %v", action, err)
		}
	}
	recs := f.Records()
	if len(recs) != 1 || recs[0].State != servicenow.StateInProgress || len(recs[0].WorkNotes) != 1 || !strings.HasPrefix(recs[0].WorkNotes[0], "Open again") {
		t.Fatalf("records %+v, want one, back In Progress with a work note", recs)
	}
	e.Action = alerting.PageResolve
	if err := r.Send(ctx, e); err != nil {
		t.Fatal(err)
	}
	closeRecord(t, f, recs[0].SysID)
	e.Action = alerting.PageTrigger
	if err := r.Send(ctx, e); err != nil {
		t.Fatal(err)
	}
	if recs := f.Records(); len(recs) != 2 || recs[1].State != servicenow.StateNew || recs[1].CorrelationID != "inc-1" {
		t.Fatalf("records %+v, want a new one after the first was closed", recs)
	}

	limited := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "7")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer limited.Close()
	r = servicenow.New(limited.URL, sntest.User, sntest.Password)
	var ra *alerting.RetryAfterError
	if err := r.Send(ctx, e); !errors.As(err, &ra) || ra.After != 7*time.Second {
		t.Fatalf("429: %v, want a retry after 7s", err)
	}
}

// closeRecord closes a record as the service desk would.
func closeRecord(t *testing.T, f *sntest.Server, sysID string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPatch, f.URL+"/api/now/table/incident/"+sysID, strings.NewReader(`{"state":"7"}`))
	req.SetBasicAuth(sntest.User, sntest.Password)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("close: %v %v", resp, err)
	}
	resp.Body.Close()
}
