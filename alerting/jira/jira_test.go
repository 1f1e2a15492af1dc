package jira_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/intops/intops/alerting"
	"github.com/intops/intops/alerting/alertingtest"
	"github.com/intops/intops/alerting/jira"
	"github.com/intops/intops/alerting/jira/jiratest"
	"github.com/intops/intops/catalog/catalogtest"
	"github.com/intops/intops/clickhouse/chtest"
)

func TestMain(m *testing.M) { chtest.Main(m) }

// rig is intops' alerting over a real ClickHouse, restartable, with a
// Jira receiver built by newReceiver.
type rig struct {
	*alertingtest.Rig
	newReceiver func() *jira.Receiver
}

func newRig(t *testing.T, newReceiver func() *jira.Receiver) *rig {
	return &rig{newReceiver: newReceiver, Rig: &alertingtest.Rig{T: t, Store: chtest.Shared(t).Open(t), Catalog: catalogtest.Orders(2).Build(t),
		Now: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC), NewReceiver: func() alerting.Receiver { return newReceiver() }}}
}

// start is intops (re)started.
func (g *rig) start() (*alerting.Manager, *jira.Receiver) {
	m, r := g.Start()
	return m, r.(*jira.Receiver)
}

func receiverFor(f *jiratest.Server) func() *jira.Receiver {
	return func() *jira.Receiver { return jira.New(f.URL, jiratest.User, jiratest.Token, jiratest.Project) }
}

// Jira down while a ticket incident opens, and intops restarted
// meanwhile: once Jira is back there is one issue, one acknowledgement
// comment, one resolution comment, and the issue is done; another restart
// changes nothing.
func TestJiraOutageAndRestart(t *testing.T) {
	f := jiratest.New(t)
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
		t.Fatal("Jira is down, yet the trigger went")
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
	// intops restarts between the acknowledgement and its delivery.
	m, r = g.start()
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

	issues := f.Issues()
	if len(issues) != 1 {
		t.Fatalf("Jira has %d issues, want 1: %+v", len(issues), issues)
	}
	is := issues[0]
	if is.Type != "Task" || !strings.HasPrefix(is.Summary, "Webshop orders to ERP: orders booked") {
		t.Errorf("issue %+v", is)
	}
	if len(is.Labels) != 2 || is.Labels[0] != "intops" || is.Labels[1] != jira.Label(id) {
		t.Errorf("labels %v, want intops and %s", is.Labels, jira.Label(id))
	}
	for _, want := range []string{"Team orders", "technical owner ana", "Webshop → SAP ERP", "[firing] orders booked", "Open in intops", "Runbook", id} {
		if !strings.Contains(is.Description, want) {
			t.Errorf("description %q lacks %q", is.Description, want)
		}
	}
	if len(is.Comments) != 2 || !strings.HasPrefix(is.Comments[0], "Acknowledged by @ana") || !strings.HasPrefix(is.Comments[1], "Resolved") {
		t.Errorf("comments %q, want one acknowledgement and one resolution", is.Comments)
	}
	if is.Status != "Done" || is.Transitions != 1 {
		t.Errorf("status %s after %d transitions, want Done after 1", is.Status, is.Transitions)
	}
}

// A creation carried out whose answer was lost, while the search does not
// show the new issue yet, and a comment whose answer was lost: still one
// issue and one comment.
func TestJiraLostAnswers(t *testing.T) {
	f := jiratest.New(t)
	g := newRig(t, func() *jira.Receiver {
		r := receiverFor(f)()
		r.IndexLag = 4 * time.Second
		return r
	})
	ctx := context.Background()
	m, r := g.start()
	f.LoseAnswers(1)
	f.SetSearchLag(2 * time.Second)
	g.Fire("firing", "ticket")
	g.Tick(m)
	if err := alertingtest.Drain(m, r, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	if n := len(f.Issues()); n != 1 {
		t.Fatalf("a lost answer made %d issues, want 1", n)
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
	if err := alertingtest.Drain(m, r, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	if cs := f.Issues()[0].Comments; len(cs) != 1 {
		t.Fatalf("comments %q, want one acknowledgement", cs)
	}
}

// A wrong token is a refusal for good, recorded as jira_401.
func TestJiraRefusal(t *testing.T) {
	f := jiratest.New(t)
	r := jira.New(f.URL, jiratest.User, "wrong-token", jiratest.Project)
	err := r.Send(context.Background(), alerting.PageEvent{ID: "p1-inc-1", Incident: "inc-1", Action: alerting.PageTrigger, Severity: "ticket",
		View: alerting.IncidentView{Title: "t", Integration: "x"}})
	var pe *alerting.PermanentError
	if !errors.As(err, &pe) || pe.Code != "jira_401" {
		t.Fatalf("got %v, want a permanent jira_401", err)
	}
	if strings.Contains(err.Error(), "wrong-token") {
		t.Errorf("the token is in the error: %v", err)
	}
	// A project that does not exist is refused too, saying which field.
	r = jira.New(f.URL, jiratest.User, jiratest.Token, "NOPE")
	err = r.Send(context.Background(), alerting.PageEvent{ID: "p1-inc-1", Incident: "inc-1", Action: alerting.PageTrigger, Severity: "ticket",
		View: alerting.IncidentView{Title: "t", Integration: "x"}})
	if !errors.As(err, &pe) || pe.Code != "jira_400" || !strings.Contains(err.Error(), "project") {
		t.Fatalf("got %v, want a permanent jira_400 about the project", err)
	}
	if len(f.Issues()) != 0 {
		t.Errorf("issues %+v", f.Issues())
	}
}

// Pages are not ticketed unless the receiver is told to.
func TestJiraWantsTickets(t *testing.T) {
	f := jiratest.New(t)
	g := newRig(t, receiverFor(f))
	m, _ := g.start()
	g.Fire("firing", "page")
	g.Tick(m)
	if n := m.PendingPages(); n != 0 {
		t.Errorf("%d page events pending for a page, want none", n)
	}
	r := jira.New(f.URL, jiratest.User, jiratest.Token, jiratest.Project)
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

func TestLabel(t *testing.T) {
	if got := jira.Label("inc-shop to erp-1763805601"); got != "intops-inc-shop_to_erp-1763805601" {
		t.Errorf("label %q", got)
	}
}

// An incident reopened after its resolution reopens its issue, with a
// comment; Jira's 429 is a retry after its Retry-After.
func TestJiraReopenAndRateLimit(t *testing.T) {
	f := jiratest.New(t)
	r := receiverFor(f)()
	ctx := context.Background()
	e := alerting.PageEvent{ID: "p1-inc-1", Incident: "inc-1", Action: alerting.PageTrigger, Severity: "ticket",
		View: alerting.IncidentView{Title: "Webshop orders to ERP", Integration: "shop-to-erp-orders", URL: "http://intops/integrations/shop-to-erp-orders"}}
	for i, action := range []string{alerting.PageTrigger, alerting.PageResolve, alerting.PageTrigger} {
		e.ID, e.Action = fmt.Sprintf("p%d-inc-1", i+1), action
		if err := r.Send(ctx, e); err != nil {
			t.Fatalf("%s: %v", action, err)
		}
	}
	is := f.Issues()
	if len(is) != 1 || is[0].Status == "Done" || len(is[0].Comments) != 2 || !strings.HasPrefix(is[0].Comments[1], "Open again") {
		t.Fatalf("issues %+v, want one, open again, with the resolution and the reopening as comments", is)
	}

	limited := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "7")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer limited.Close()
	r = jira.New(limited.URL, jiratest.User, jiratest.Token, jiratest.Project)
	var ra *alerting.RetryAfterError
	if err := r.Send(ctx, e); !errors.As(err, &ra) || ra.After != 7*time.Second {
		t.Fatalf("429: %v, want a retry after 7s", err)
	}
}
