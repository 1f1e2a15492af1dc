package uitest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/intops/intops/alerting"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/ui"
)

// AlertsFake is an AlertsSource holding incidents and silences in memory;
// it records the actions it is asked for.
type AlertsFake struct {
	Mu           sync.Mutex
	Open, Recent []alerting.IncidentStatus
	silences     []alerting.Silence
	calls        []string
	now          func() time.Time
}

var _ ui.AlertsSource = (*AlertsFake)(nil)

func (f *AlertsFake) record(format string, args ...any) {
	f.calls = append(f.calls, fmt.Sprintf(format, args...))
}

// Calls returns the actions done so far.
func (f *AlertsFake) Calls() []string {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	return slices.Clone(f.calls)
}

// Incidents returns the open incidents and those resolved since.
func (f *AlertsFake) Incidents(_ context.Context, since time.Time) (open, recent []alerting.IncidentStatus, err error) {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	for _, st := range f.Recent {
		if !st.ResolvedAt.Before(since) {
			recent = append(recent, st)
		}
	}
	return slices.Clone(f.Open), recent, nil
}

func (f *AlertsFake) find(id string) int {
	return slices.IndexFunc(f.Open, func(st alerting.IncidentStatus) bool { return st.ID == id })
}

// Acknowledge acknowledges an open incident.
func (f *AlertsFake) Acknowledge(_ context.Context, id, actor string) error {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	i := f.find(id)
	if i < 0 {
		return fmt.Errorf("%w: no open incident %q", alerting.ErrNotFound, id)
	}
	f.record("ack %s by %s", id, actor)
	in := &f.Open[i]
	if in.State != alerting.StateAcknowledged {
		in.State, in.AckedAt, in.AckedBy = alerting.StateAcknowledged, f.now(), actor
		in.Timeline = append(in.Timeline, alerting.TimelineEntry{At: f.now(), Kind: "acknowledged", Text: "acknowledged by " + actor, Actor: actor})
	}
	return nil
}

// Resolve resolves an open incident.
func (f *AlertsFake) Resolve(_ context.Context, id, actor string) error {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	i := f.find(id)
	if i < 0 {
		return fmt.Errorf("%w: no open incident %q", alerting.ErrNotFound, id)
	}
	f.record("resolve %s by %s", id, actor)
	in := f.Open[i]
	in.State, in.ResolvedAt, in.ResolvedBy = alerting.StateResolved, f.now(), actor
	in.Timeline = append(in.Timeline, alerting.TimelineEntry{At: f.now(), Kind: "resolved", Text: "resolved by " + actor, Actor: actor})
	f.Open = slices.Delete(f.Open, i, i+1)
	f.Recent = append([]alerting.IncidentStatus{in}, f.Recent...)
	return nil
}

// Silence records and makes a silence, which silences the open incidents
// it matches.
func (f *AlertsFake) Silence(_ context.Context, r alerting.SilenceRequest) (alerting.Silence, error) {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	if r.Incident != "" {
		i := f.find(r.Incident)
		if i < 0 {
			return alerting.Silence{}, fmt.Errorf("%w: no incident %q", alerting.ErrNotFound, r.Incident)
		}
		r.Integration = f.Open[i].Integration
	}
	if r.Schedule != "" || !r.Starts.IsZero() {
		f.record("silence integration=%s system=%s team=%s for %s from %s schedule=%q until %s by %s: %s", r.Integration, r.System, r.Team, r.Duration,
			r.Starts.Format(time.RFC3339), r.Schedule, r.Until.Format(time.RFC3339), r.Creator, r.Reason)
	} else {
		f.record("silence incident=%s integration=%s system=%s team=%s for %s by %s: %s", r.Incident, r.Integration, r.System, r.Team, r.Duration, r.Creator, r.Reason)
	}
	now := f.now()
	s := alerting.Silence{ID: fmt.Sprintf("sil-%d", len(f.silences)+1), Integration: r.Integration, System: r.System, Team: r.Team,
		Starts: now, Ends: now.Add(r.Duration), Creator: r.Creator, Reason: r.Reason}
	if !r.Starts.IsZero() {
		s.Starts, s.Ends = r.Starts, r.Starts.Add(r.Duration)
	}
	if r.Schedule != "" {
		s.Schedule, s.Length, s.Ends = r.Schedule, r.Duration, r.Until
	}
	f.silences = append([]alerting.Silence{s}, f.silences...)
	for i := range f.Open {
		in := &f.Open[i]
		if (s.Integration == "" || in.Integration == s.Integration) && (s.Team == "" || in.Team == s.Team) && s.System == "" {
			in.SilenceID, in.SilenceEnds, in.SilencedBy, in.View.Silenced = s.ID, s.Ends, s.Creator, true
		}
	}
	return s, nil
}

// Silences returns the silences.
func (f *AlertsFake) Silences(context.Context) ([]alerting.Silence, error) {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	return slices.Clone(f.silences), nil
}

// Windows returns the windows of the silences in force or ahead within.
func (f *AlertsFake) Windows(_ context.Context, within time.Duration) ([]alerting.Window, error) {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	now := f.now()
	var out []alerting.Window
	for _, s := range f.silences {
		if s.Ends.After(now) && s.Starts.Before(now.Add(within)) {
			out = append(out, alerting.Window{Silence: s, From: s.Starts, To: s.Ends, Active: !now.Before(s.Starts)})
		}
	}
	return out, nil
}

// Expire ends a silence.
func (f *AlertsFake) Expire(_ context.Context, id, actor string) error {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	i := slices.IndexFunc(f.silences, func(s alerting.Silence) bool { return s.ID == id })
	if i < 0 {
		return fmt.Errorf("%w: no silence %q", alerting.ErrNotFound, id)
	}
	f.record("expire %s by %s", id, actor)
	f.silences[i].Ends = f.now()
	return nil
}

// Stats returns no statistics.
func (f *AlertsFake) Stats(context.Context, time.Time) ([]alerting.TeamStats, error) { return nil, nil }

// AlertsServer is the pages' fixture with incidents that can be acted on:
// inc-42 (page, acknowledged), inc-43 (ticket, open), inc-40 resolved two
// days ago, inc-30 resolved ten days ago; one active and one expired
// silence. Some SLOs are made ticket and no data to sort.
func AlertsServer(t testing.TB, tune ...func(*ui.Options)) (*ui.Server, *AlertsFake, *catalog.Catalog) {
	t.Helper()
	cat, err := catalog.Load(Examples)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, in := range cat.All() {
		ids = append(ids, in.ID)
	}
	opened := Now.Add(-40 * time.Minute)
	inc := func(id, integration, severity, state string, opened time.Time) alerting.IncidentStatus {
		in := cat.Integration(integration)
		return alerting.IncidentStatus{Incident: alerting.Incident{ID: id, Integration: integration, Team: in.Owner, Severity: severity,
			State: state, OpenedAt: opened, Timeline: []alerting.TimelineEntry{{At: opened, Kind: "opened", Text: "opened"}}},
			View: alerting.IncidentView{Title: in.Title}, Delivery: "sent"}
	}
	i42 := inc("inc-42", "shop-to-erp-orders", "page", alerting.StateAcknowledged, opened)
	i42.AckedAt, i42.AckedBy = opened.Add(6*time.Minute), "ana.silva"
	i42.View.Alerts = []alerting.AlertView{{Key: "slo/shop-to-erp-orders-availability", Source: "slo", Severity: "page", State: "firing",
		Summary: "burns 14.4× its budget over 1h"}}
	i42.View.TopErrors = []alerting.ErrorSample{{Class: "timeout", Message: "ERP did not answer in 30s", Count: 17}}
	i43 := inc("inc-43", "wms-to-oms-stock-levels", "ticket", alerting.StateOpen, Now.Add(-20*time.Minute))
	i43.View.Alerts = []alerting.AlertView{{Key: "anomaly/wms-to-oms-stock-levels/executions/low", Source: "anomaly", Severity: "ticket",
		State: "firing", Summary: "12 executions in the last 30 min, expected 90–190 at this hour"}}
	i43.Delivery = "failed: channel_not_found"
	i40 := inc("inc-40", "shop-to-erp-orders", "ticket", alerting.StateResolved, Now.Add(-50*time.Hour))
	i40.ResolvedAt, i40.ResolvedBy = Now.Add(-48*time.Hour), "tom.becker"
	i30 := inc("inc-30", "shop-to-erp-orders", "page", alerting.StateResolved, Now.Add(-10*24*time.Hour))
	i30.ResolvedAt, i30.ResolvedBy = Now.Add(-10*24*time.Hour+time.Hour), "tom.becker"
	fake := &AlertsFake{now: func() time.Time { return Now },
		Open: []alerting.IncidentStatus{i42, i43}, Recent: []alerting.IncidentStatus{i40, i30},
		silences: []alerting.Silence{
			{ID: "sil-a", Team: "customer-systems", Starts: Now.Add(-time.Hour), Ends: Now.Add(3 * time.Hour), Creator: "lena", Reason: "CRM upgrade"},
			{ID: "sil-b", System: "sap-erp", Starts: Now.Add(-30 * time.Hour), Ends: Now.Add(-26 * time.Hour), Creator: "max", Reason: "ERP patch night"},
		}}
	slos := SLOResults(cat)
	tickets, nodata := 0, 0
	for i := range slos {
		in := cat.Integration(slos[i].SLO.Integration)
		if in == nil || in.Owner != "customer-systems" {
			continue
		}
		switch {
		case tickets < 2:
			slos[i].Result.Status, slos[i].Result.BudgetRemaining = "ticket", 0.5-float64(tickets)*0.2
			tickets++
		case nodata < 1:
			slos[i].Result.Status = "no_data"
			nodata++
		}
	}
	o := ui.Options{Store: EstateStore{IDs: ids}, Catalog: catalog.Fixed(cat), SLOs: slos, Alerts: fake,
		Now: func() time.Time { return Now }}
	for _, f := range tune {
		f(&o)
	}
	return ui.New(o), fake, cat
}

// SLORowRE finds the rows of the /slos page: their SLO and status.
var SLORowRE = regexp.MustCompile(`data-testid="slo-row" data-id="([^"]+)" data-status="([^"]+)"`)

// SLOOf returns the integration of a catalogued SLO (empty when there is
// none).
func SLOOf(cat *catalog.Catalog, name string) *struct{ Integration string } {
	for _, s := range cat.SLOs {
		if s.Name == name {
			return &struct{ Integration string }{s.Integration}
		}
	}
	return &struct{ Integration string }{}
}

// IncidentRE finds the incidents of the /alerts page: their id and state.
var IncidentRE = regexp.MustCompile(`data-testid="alert-incident" data-id="([^"]+)" data-state="([^"]+)"`)

// Session is a browser without JavaScript: it keeps the session cookie and
// posts forms.
type Session struct {
	T      *testing.T
	Srv    http.Handler
	cookie *http.Cookie
}

// CSRFFieldRE finds a form's CSRF token.
var CSRFFieldRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// Token loads a page and returns its forms' CSRF token.
func (s *Session) Token(path string) string {
	s.T.Helper()
	rec := httptest.NewRecorder()
	s.Srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	for _, c := range rec.Result().Cookies() {
		if c.Name == "intops_session" {
			s.cookie = c
		}
	}
	m := CSRFFieldRE.FindStringSubmatch(rec.Body.String())
	if m == nil || s.cookie == nil {
		s.T.Fatalf("%s: no CSRF token or no session cookie", path)
	}
	return m[1]
}

// Post posts a form with the session's cookie and the Referer given,
// without following the redirect.
func (s *Session) Post(path string, form url.Values, referer string) (*http.Response, string) {
	s.T.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if s.cookie != nil {
		req.AddCookie(s.cookie)
	}
	if referer != "" {
		req.Header.Set("Referer", referer)
	}
	rec := httptest.NewRecorder()
	s.Srv.ServeHTTP(rec, req)
	b, _ := io.ReadAll(rec.Result().Body)
	return rec.Result(), string(b)
}

// Merge records a merge of two incidents.
func (f *AlertsFake) Merge(_ context.Context, into, from, actor string) error {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	f.record("merge %s %s %s", into, from, actor)
	return nil
}

// Split records that an integration was split out of an incident.
func (f *AlertsFake) Split(_ context.Context, id, integration, actor string) error {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	f.record("split %s %s %s", id, integration, actor)
	return nil
}
