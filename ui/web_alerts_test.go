package ui_test

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

// alertsFake is an AlertsSource holding incidents and silences in memory;
// it records the actions it is asked for.
type alertsFake struct {
	mu           sync.Mutex
	open, recent []alerting.IncidentStatus
	silences     []alerting.Silence
	calls        []string
	now          func() time.Time
}

var _ ui.AlertsSource = (*alertsFake)(nil)

func (f *alertsFake) record(format string, args ...any) {
	f.calls = append(f.calls, fmt.Sprintf(format, args...))
}

// Calls returns the actions done so far.
func (f *alertsFake) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

func (f *alertsFake) Incidents(_ context.Context, since time.Time) (open, recent []alerting.IncidentStatus, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, st := range f.recent {
		if !st.ResolvedAt.Before(since) {
			recent = append(recent, st)
		}
	}
	return slices.Clone(f.open), recent, nil
}

func (f *alertsFake) find(id string) int {
	return slices.IndexFunc(f.open, func(st alerting.IncidentStatus) bool { return st.ID == id })
}

func (f *alertsFake) Acknowledge(_ context.Context, id, actor string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	i := f.find(id)
	if i < 0 {
		return fmt.Errorf("%w: no open incident %q", alerting.ErrNotFound, id)
	}
	f.record("ack %s by %s", id, actor)
	in := &f.open[i]
	if in.State != alerting.StateAcknowledged {
		in.State, in.AckedAt, in.AckedBy = alerting.StateAcknowledged, f.now(), actor
		in.Timeline = append(in.Timeline, alerting.TimelineEntry{At: f.now(), Kind: "acknowledged", Text: "acknowledged by " + actor, Actor: actor})
	}
	return nil
}

func (f *alertsFake) Resolve(_ context.Context, id, actor string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	i := f.find(id)
	if i < 0 {
		return fmt.Errorf("%w: no open incident %q", alerting.ErrNotFound, id)
	}
	f.record("resolve %s by %s", id, actor)
	in := f.open[i]
	in.State, in.ResolvedAt, in.ResolvedBy = alerting.StateResolved, f.now(), actor
	in.Timeline = append(in.Timeline, alerting.TimelineEntry{At: f.now(), Kind: "resolved", Text: "resolved by " + actor, Actor: actor})
	f.open = slices.Delete(f.open, i, i+1)
	f.recent = append([]alerting.IncidentStatus{in}, f.recent...)
	return nil
}

func (f *alertsFake) Silence(_ context.Context, r alerting.SilenceRequest) (alerting.Silence, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.Incident != "" {
		i := f.find(r.Incident)
		if i < 0 {
			return alerting.Silence{}, fmt.Errorf("%w: no incident %q", alerting.ErrNotFound, r.Incident)
		}
		r.Integration = f.open[i].Integration
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
	for i := range f.open {
		in := &f.open[i]
		if (s.Integration == "" || in.Integration == s.Integration) && (s.Team == "" || in.Team == s.Team) && s.System == "" {
			in.SilenceID, in.SilenceEnds, in.SilencedBy, in.View.Silenced = s.ID, s.Ends, s.Creator, true
		}
	}
	return s, nil
}

func (f *alertsFake) Silences(context.Context) ([]alerting.Silence, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.silences), nil
}

func (f *alertsFake) Windows(_ context.Context, within time.Duration) ([]alerting.Window, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	var out []alerting.Window
	for _, s := range f.silences {
		if s.Ends.After(now) && s.Starts.Before(now.Add(within)) {
			out = append(out, alerting.Window{Silence: s, From: s.Starts, To: s.Ends, Active: !now.Before(s.Starts)})
		}
	}
	return out, nil
}

func (f *alertsFake) Expire(_ context.Context, id, actor string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	i := slices.IndexFunc(f.silences, func(s alerting.Silence) bool { return s.ID == id })
	if i < 0 {
		return fmt.Errorf("%w: no silence %q", alerting.ErrNotFound, id)
	}
	f.record("expire %s by %s", id, actor)
	f.silences[i].Ends = f.now()
	return nil
}

func (f *alertsFake) Stats(context.Context, time.Time) ([]alerting.TeamStats, error) { return nil, nil }

// alertsServer is the pages' fixture with incidents that can be acted on:
// inc-42 (page, acknowledged), inc-43 (ticket, open), inc-40 resolved two
// days ago, inc-30 resolved ten days ago; one active and one expired
// silence. Some SLOs are made ticket and no data to sort.
func alertsServer(t testing.TB, tune ...func(*ui.Options)) (*ui.Server, *alertsFake, *catalog.Catalog) {
	t.Helper()
	cat, err := catalog.Load("../examples/estate")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, in := range cat.All() {
		ids = append(ids, in.ID)
	}
	opened := webNow.Add(-40 * time.Minute)
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
	i43 := inc("inc-43", "wms-to-oms-stock-levels", "ticket", alerting.StateOpen, webNow.Add(-20*time.Minute))
	i43.View.Alerts = []alerting.AlertView{{Key: "anomaly/wms-to-oms-stock-levels/executions/low", Source: "anomaly", Severity: "ticket",
		State: "firing", Summary: "12 executions in the last 30 min, expected 90–190 at this hour"}}
	i43.Delivery = "failed: channel_not_found"
	i40 := inc("inc-40", "shop-to-erp-orders", "ticket", alerting.StateResolved, webNow.Add(-50*time.Hour))
	i40.ResolvedAt, i40.ResolvedBy = webNow.Add(-48*time.Hour), "tom.becker"
	i30 := inc("inc-30", "shop-to-erp-orders", "page", alerting.StateResolved, webNow.Add(-10*24*time.Hour))
	i30.ResolvedAt, i30.ResolvedBy = webNow.Add(-10*24*time.Hour+time.Hour), "tom.becker"
	fake := &alertsFake{now: func() time.Time { return webNow },
		open: []alerting.IncidentStatus{i42, i43}, recent: []alerting.IncidentStatus{i40, i30},
		silences: []alerting.Silence{
			{ID: "sil-a", Team: "customer-systems", Starts: webNow.Add(-time.Hour), Ends: webNow.Add(3 * time.Hour), Creator: "lena", Reason: "CRM upgrade"},
			{ID: "sil-b", System: "sap-erp", Starts: webNow.Add(-30 * time.Hour), Ends: webNow.Add(-26 * time.Hour), Creator: "max", Reason: "ERP patch night"},
		}}
	slos := sloResults(cat)
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
	o := ui.Options{Store: estateStore{ids}, Catalog: catalog.Fixed(cat), SLOs: slos, Alerts: fake,
		Now: func() time.Time { return webNow }}
	for _, f := range tune {
		f(&o)
	}
	return ui.New(o), fake, cat
}

var sloRowRE = regexp.MustCompile(`data-testid="slo-row" data-id="([^"]+)" data-status="([^"]+)"`)

func TestSLOsPage(t *testing.T) {
	srv, _, cat := alertsServer(t)
	resp, body := get(t, srv, "/slos")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	rows := sloRowRE.FindAllStringSubmatch(body, -1)
	if len(rows) != len(cat.SLOs) {
		t.Fatalf("%d rows, want %d", len(rows), len(cat.SLOs))
	}
	var statuses []string
	for _, r := range rows {
		statuses = append(statuses, r[2])
	}
	rank := map[string]int{"page": 0, "ticket": 1, "no_data": 2, "ok": 3}
	if !slices.IsSortedFunc(statuses, func(a, b string) int { return rank[a] - rank[b] }) {
		t.Errorf("not worst first: %v", statuses)
	}
	if statuses[0] != "page" || statuses[1] != "ticket" || statuses[2] != "ticket" || statuses[3] != "no_data" {
		t.Errorf("order starts %v, want page, ticket, ticket, no_data", statuses[:4])
	}
	// Of the two tickets, the one with less budget (30%) comes first.
	if i := strings.Index(body, "30.0%"); i < 0 || i > strings.Index(body, "50.0%") {
		t.Error("tickets are not sorted by budget left")
	}
	for _, want := range []string{`href="/integrations/shop-to-erp-orders"`, "budget runs out", "Budget per day"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}

	for _, tc := range []struct {
		name, query string
		want        func(id, status string) bool
	}{
		{"status", "?status=ticket", func(_, st string) bool { return st == "ticket" }},
		{"team", "?team=customer-systems", func(id, _ string) bool {
			return cat.Integration(sloOf(cat, id).Integration).Owner == "customer-systems"
		}},
		{"integration", "?integration=shop-to-erp-orders", func(id, _ string) bool { return sloOf(cat, id).Integration == "shop-to-erp-orders" }},
		{"status and team", "?status=no_data&team=customer-systems", func(_, st string) bool { return st == "no_data" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, body := get(t, srv, "/slos"+tc.query)
			got := sloRowRE.FindAllStringSubmatch(body, -1)
			if len(got) == 0 || len(got) == len(cat.SLOs) {
				t.Fatalf("%d rows", len(got))
			}
			for _, r := range got {
				if !tc.want(r[1], r[2]) {
					t.Errorf("%s (%s) should be filtered out", r[1], r[2])
				}
			}
			// the filter is reflected in the form
			q, _ := url.ParseQuery(strings.TrimPrefix(tc.query, "?"))
			for k := range q {
				if !regexp.MustCompile(`name="` + k + `"[^>]*>(?s:.*?)<option value="` + regexp.QuoteMeta(q.Get(k)) + `" selected`).MatchString(body) {
					t.Errorf("the %s select does not show %s", k, q.Get(k))
				}
			}
		})
	}
	if _, body := get(t, srv, "/slos?status=page&team=customer-systems"); !strings.Contains(body, `data-testid="slo-empty"`) {
		t.Error("no empty message")
	}
}

func sloOf(cat *catalog.Catalog, name string) *struct{ Integration string } {
	for _, s := range cat.SLOs {
		if s.Name == name {
			return &struct{ Integration string }{s.Integration}
		}
	}
	return &struct{ Integration string }{}
}

var incidentRE = regexp.MustCompile(`data-testid="alert-incident" data-id="([^"]+)" data-state="([^"]+)"`)

func TestAlertsPage(t *testing.T) {
	srv, _, _ := alertsServer(t)
	resp, body := get(t, srv, "/alerts")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	var got []string
	for _, m := range incidentRE.FindAllStringSubmatch(body, -1) {
		got = append(got, m[1]+" "+m[2])
	}
	if want := []string{"inc-42 acknowledged", "inc-43 open", "inc-40 resolved"}; !slices.Equal(got, want) {
		t.Errorf("incidents %v, want %v (inc-30 is older than 7 days)", got, want)
	}
	for _, want := range []string{"ERP did not answer in 30s", "burns 14.4× its budget", "failed: channel_not_found",
		`href="/integrations/wms-to-oms-stock-levels"`, "Order Platform", "acknowledged by ana.silva", "resolved by tom.becker", "<details"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	// Buttons where they apply: no ack on inc-42 (acknowledged), none at all on inc-40.
	for _, tc := range []struct{ path string }{{"/alerts/inc-43/ack"}, {"/alerts/inc-43/resolve"}, {"/alerts/inc-43/silence"},
		{"/alerts/inc-42/resolve"}, {"/alerts/inc-42/silence"}, {"/alerts/inc-43/merge"}, {"/alerts/inc-42/merge"}} {
		if !strings.Contains(body, `action="`+tc.path+`"`) {
			t.Errorf("no form for %s", tc.path)
		}
	}
	for _, path := range []string{"/alerts/inc-42/ack", "/alerts/inc-40/resolve", "/alerts/inc-40/silence"} {
		if strings.Contains(body, `action="`+path+`"`) {
			t.Errorf("a form for %s, which does not apply", path)
		}
	}
	if n, forms := strings.Count(body, `name="csrf" value="`), strings.Count(body, `method="post"`); n != forms || n != 7 {
		t.Errorf("%d CSRF fields for %d forms, want 7", n, forms)
	}
	if !strings.Contains(body, `<option value="inc-42">`) || strings.Contains(body, `action="/alerts/inc-40/merge"`) {
		t.Error("the merge form of an open incident does not offer the other open one, or a resolved incident has one")
	}
	if !strings.Contains(resp.Header.Get("Set-Cookie"), "intops_session=") {
		t.Error("no CSRF cookie set")
	}

	_, body = get(t, srv, "/alerts?since=30d")
	if !strings.Contains(body, `data-id="inc-30"`) {
		t.Error("since=30d does not show inc-30")
	}
	_, body = get(t, srv, "/alerts?since=1h")
	if strings.Contains(body, `data-id="inc-40"`) {
		t.Error("since=1h shows inc-40")
	}
	_, body = get(t, srv, "/alerts?since=soon")
	if !strings.Contains(body, "since=soon is not a duration") || !strings.Contains(body, `data-id="inc-40"`) {
		t.Error("a bad since is not reported, or the default window not used")
	}
}

// session is a browser without JavaScript: it keeps the session cookie and
// posts forms.
type session struct {
	t      *testing.T
	srv    http.Handler
	cookie *http.Cookie
}

var csrfFieldRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// token loads a page and returns its forms' CSRF token.
func (s *session) token(path string) string {
	s.t.Helper()
	rec := httptest.NewRecorder()
	s.srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	for _, c := range rec.Result().Cookies() {
		if c.Name == "intops_session" {
			s.cookie = c
		}
	}
	m := csrfFieldRE.FindStringSubmatch(rec.Body.String())
	if m == nil || s.cookie == nil {
		s.t.Fatalf("%s: no CSRF token or no session cookie", path)
	}
	return m[1]
}

func (s *session) post(path string, form url.Values, referer string) (*http.Response, string) {
	s.t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if s.cookie != nil {
		req.AddCookie(s.cookie)
	}
	if referer != "" {
		req.Header.Set("Referer", referer)
	}
	rec := httptest.NewRecorder()
	s.srv.ServeHTTP(rec, req)
	b, _ := io.ReadAll(rec.Result().Body)
	return rec.Result(), string(b)
}

func TestAlertActions(t *testing.T) {
	srv, fake, _ := alertsServer(t)
	s := &session{t: t, srv: srv}
	tok := s.token("/alerts")

	if resp, _ := s.post("/alerts/inc-43/ack", url.Values{}, ""); resp.StatusCode != http.StatusForbidden {
		t.Errorf("without a token: %d, want 403", resp.StatusCode)
	}
	// The wrong token differs from the right one in its first character
	// whatever that character is.
	wrong := "x" + tok[1:]
	if tok[0] == 'x' {
		wrong = "y" + tok[1:]
	}
	if resp, _ := s.post("/alerts/inc-43/ack", url.Values{"csrf": {wrong}}, ""); resp.StatusCode != http.StatusForbidden {
		t.Errorf("with a wrong token: %d, want 403", resp.StatusCode)
	}
	if c := fake.Calls(); len(c) != 0 {
		t.Fatalf("refused posts acted: %v", c)
	}

	for _, tc := range []struct {
		name, path string
		form       url.Values
		referer    string
		location   string
		call       string
	}{
		{"ack", "/alerts/inc-43/ack", url.Values{}, "", "/alerts?done=ack&id=inc-43", "ack inc-43 by api"},
		{"silence", "/alerts/inc-43/silence", url.Values{"duration": {"4h"}, "reason": {"deploying a fix"}}, "http://example.com/alerts?since=30d&done=ack&id=inc-43",
			"/alerts?since=30d&done=silence&id=inc-43", "silence incident=inc-43 integration=wms-to-oms-stock-levels system= team= for 4h0m0s by api: deploying a fix"},
		{"resolve from the integration page", "/alerts/inc-42/resolve", url.Values{}, "http://example.com/integrations/shop-to-erp-orders",
			"/integrations/shop-to-erp-orders", "resolve inc-42 by api"},
		{"another site's referer is not followed", "/alerts/inc-43/resolve", url.Values{}, "https://evil.example/x", "/alerts?done=resolve&id=inc-43", "resolve inc-43 by api"},
		{"merge", "/alerts/inc-43/merge", url.Values{"from": {"inc-42"}}, "", "/alerts?done=merge&id=inc-43", "merge inc-43 inc-42 api"},
		{"split", "/alerts/inc-43/split", url.Values{"integration": {"shop-to-erp-orders"}}, "", "/alerts?done=split&id=inc-43", "split inc-43 shop-to-erp-orders api"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(fake.Calls())
			tc.form.Set("csrf", tok)
			resp, _ := s.post(tc.path, tc.form, tc.referer)
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != tc.location {
				t.Errorf("%d to %q, want 303 to %q", resp.StatusCode, resp.Header.Get("Location"), tc.location)
			}
			if c := fake.Calls(); len(c) != before+1 || c[before] != tc.call {
				t.Errorf("calls %v, want %q", c[before:], tc.call)
			}
		})
	}
	_, body := get(t, srv, "/alerts?done=resolve&id=inc-43")
	if !strings.Contains(body, `data-testid="flash">Resolved inc-43.`) {
		t.Error("no flash after resolving")
	}

	for _, tc := range []struct {
		name, path string
		form       url.Values
		code       int
		want       string
	}{
		{"unknown incident", "/alerts/inc-99/ack", url.Values{}, 404, `no open incident &#34;inc-99&#34;`},
		{"resolved incident", "/alerts/inc-42/silence", url.Values{"duration": {"1h"}}, 404, "Cannot act on incident inc-42"},
		{"bad duration", "/alerts/inc-43/silence", url.Values{"duration": {"2h"}}, 400, "want 1h, 4h or 24h"},
		{"unknown silence", "/silences/sil-zz/expire", url.Values{}, 404, "no silence"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.form.Set("csrf", tok)
			resp, body := s.post(tc.path, tc.form, "")
			if resp.StatusCode != tc.code || !strings.Contains(body, tc.want) {
				t.Errorf("%d, want %d with %q:\n%s", resp.StatusCode, tc.code, tc.want, body)
			}
		})
	}
}

func TestSilencesPage(t *testing.T) {
	srv, fake, cat := alertsServer(t)
	resp, body := get(t, srv, "/silences")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	active, expired, _ := strings.Cut(body, `data-testid="expired-silences"`)
	if !strings.Contains(active, `data-id="sil-a"`) || !strings.Contains(expired, `data-id="sil-b"`) || strings.Contains(active, `data-id="sil-b"`) {
		t.Error("sil-a should be active, sil-b expired")
	}
	if !strings.Contains(active, "3 h left") || !strings.Contains(expired, "ended 26 h ago") {
		t.Error("the silences do not say how long they have left or since when they ended")
	}
	if !strings.Contains(body, `action="/silences/sil-a/expire"`) || strings.Contains(body, `action="/silences/sil-b/expire"`) {
		t.Error("Expire should be offered for the active silence only")
	}
	for _, want := range []string{`<option value="shop-to-erp-orders">`, `<option value="sap-erp">`, `<option value="customer-systems">Customer Systems</option>`, `<option value="7d">`} {
		if !strings.Contains(body, want) {
			t.Errorf("form lacks %s", want)
		}
	}
	if _, body := get(t, srv, "/silences?integration=shop-to-erp-orders"); !strings.Contains(body, `<option value="shop-to-erp-orders" selected>`) {
		t.Error("?integration= does not preselect the integration")
	}
	if len(cat.Teams) == 0 {
		t.Fatal("no teams")
	}

	s := &session{t: t, srv: srv}
	tok := s.token("/silences")
	if resp, _ := s.post("/silences", url.Values{"team": {"order-platform"}, "duration": {"1h"}, "reason": {"x"}}, ""); resp.StatusCode != 403 {
		t.Errorf("create without a token: %d, want 403", resp.StatusCode)
	}
	if resp, _ := s.post("/silences/sil-a/expire", url.Values{}, ""); resp.StatusCode != 403 {
		t.Errorf("expire without a token: %d, want 403", resp.StatusCode)
	}

	for _, tc := range []struct {
		name string
		form url.Values
		want []string
	}{
		{"nothing chosen", url.Values{"duration": {"1h"}, "reason": {"maintenance"}}, []string{"Choose an integration, a system or a team"}},
		{"no reason", url.Values{"team": {"order-platform"}, "duration": {"1h"}, "reason": {"  "}}, []string{"Reason: say why"}},
		{"bad duration", url.Values{"team": {"order-platform"}, "duration": {"90d"}, "reason": {"long"}}, []string{"Duration: choose"}},
		{"all wrong", url.Values{"reason": {""}}, []string{"Choose an integration", "Reason: say why", "Duration: choose"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.form.Set("csrf", tok)
			resp, body := s.post("/silences", tc.form, "")
			if resp.StatusCode != 400 || !strings.Contains(body, `data-testid="form-errors"`) {
				t.Fatalf("%d, want 400 with the errors", resp.StatusCode)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("lacks %q", w)
				}
			}
			if tc.form.Get("team") != "" && !strings.Contains(body, `<option value="order-platform" selected>`) {
				t.Error("the form lost its team")
			}
		})
	}
	if c := fake.Calls(); len(c) != 0 {
		t.Fatalf("invalid forms acted: %v", c)
	}

	resp, _ = s.post("/silences", url.Values{"csrf": {tok}, "system": {"sap-erp"}, "duration": {"7d"}, "reason": {"ERP migration"}}, "")
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/silences?done=create&id=sil-3" {
		t.Errorf("create: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	// A weekly maintenance window, planned ahead.
	resp, _ = s.post("/silences", url.Values{"csrf": {tok}, "system": {"sap-erp"}, "duration": {"4h"}, "reason": {"SAP patching"},
		"starts": {"2030-01-05T02:00"}, "repeat": {"weekly"}, "until": {"2030-02-28"}}, "")
	if resp.StatusCode != 303 {
		t.Errorf("a maintenance window: %d", resp.StatusCode)
	}
	_, body = get(t, srv, "/silences")
	scheduled, _, _ := strings.Cut(body, `id="expired-sil-h"`)
	if _, scheduled, _ = strings.Cut(scheduled, `id="scheduled-sil-h"`); !strings.Contains(scheduled, "every Saturday at 02:00") || !strings.Contains(scheduled, "begins in") {
		t.Error("the maintenance window is not listed as scheduled, repeating every Saturday")
	}
	for form, want := range map[string]string{"until": "Until: only a repeating silence", "starts": "Starts: want a date and time"} {
		f := url.Values{"csrf": {tok}, "system": {"sap-erp"}, "duration": {"4h"}, "reason": {"x"}}
		if form == "until" {
			f.Set("until", "2030-02-28")
		} else {
			f.Set("starts", "next saturday")
		}
		if resp, body := s.post("/silences", f, ""); resp.StatusCode != 400 || !strings.Contains(body, want) {
			t.Errorf("%s: %d, want 400 saying %q", form, resp.StatusCode, want)
		}
	}
	resp, _ = s.post("/silences/sil-a/expire", url.Values{"csrf": {tok}}, "http://example.com/silences")
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/silences?done=expire&id=sil-a" {
		t.Errorf("expire: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	want := []string{"silence incident= integration= system=sap-erp team= for 168h0m0s by api: ERP migration",
		`silence integration= system=sap-erp team= for 4h0m0s from 2030-01-05T02:00:00Z schedule="0 2 * * 6" until 2030-03-01T00:00:00Z by api: SAP patching`,
		"expire sil-a by api"}
	if c := fake.Calls(); !slices.Equal(c, want) {
		t.Errorf("calls %q, want %q", c, want)
	}
	_, body = get(t, srv, "/silences?done=create&id=sil-3")
	active, _, _ = strings.Cut(body, `data-testid="expired-silences"`)
	if !strings.Contains(body, "Created silence sil-3.") || !strings.Contains(active, `data-id="sil-3"`) || strings.Contains(active, `data-id="sil-a"`) {
		t.Error("after create and expire: want sil-3 active, sil-a expired, and the flash")
	}
}

func TestAlertPagesWithoutAlerting(t *testing.T) {
	cat, err := catalog.Load("../examples/estate")
	if err != nil {
		t.Fatal(err)
	}
	srv := ui.New(ui.Options{Store: estateStore{}, Catalog: catalog.Fixed(cat), Now: func() time.Time { return webNow }})
	for path, want := range map[string]string{"/slos": "SLO evaluation is not running", "/alerts": "Alerting is not running",
		"/silences": "Alerting is not running"} {
		if resp, body := get(t, srv, path); resp.StatusCode != 200 || !strings.Contains(body, want) {
			t.Errorf("%s: %d, want 200 saying %q", path, resp.StatusCode, want)
		}
	}
	s := &session{t: t, srv: srv}
	tok := s.token("/silences") // /alerts has no form without alerting
	if resp, _ := s.post("/alerts/inc-1/ack", url.Values{"csrf": {tok}}, ""); resp.StatusCode != 404 {
		t.Errorf("ack without alerting: %d, want 404", resp.StatusCode)
	}
}

func (f *alertsFake) Merge(_ context.Context, into, from, actor string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("merge %s %s %s", into, from, actor)
	return nil
}

func (f *alertsFake) Split(_ context.Context, id, integration, actor string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("split %s %s %s", id, integration, actor)
	return nil
}

// The integration page shows the incidents of a cause it is part of, the
// maintenance windows that cover it, and shades the times intops was
// blind; the map lists the windows with what they cover.
func TestIntegrationPageWindowsGapsAndCauses(t *testing.T) {
	srv, fake, cat := alertsServer(t)
	var owned string
	for _, in := range cat.All() {
		if in.Owner == "customer-systems" && in.ID != "shop-to-erp-orders" {
			owned = in.ID
			break
		}
	}
	if owned == "" {
		t.Fatal("no integration of customer-systems in the example estate")
	}
	fake.mu.Lock()
	fake.open = append(fake.open,
		alerting.IncidentStatus{Incident: alerting.Incident{ID: "inc-ingest-1", Integration: alerting.IngestSubject, Members: []string{alerting.IngestSubject},
			Team: "intops-platform", Severity: "page", State: alerting.StateOpen, OpenedAt: webNow.Add(-30 * time.Minute),
			Alerts: []*alerting.AlertView{{Key: "ingest/estate", Source: "ingest", State: "firing", Since: webNow.Add(-32 * time.Minute)}}},
			View: alerting.IncidentView{Title: "intops ingest: no spans from the estate"}},
		alerting.IncidentStatus{Incident: alerting.Incident{ID: "inc-sap-erp-1", Integration: "shop-to-erp-orders", Members: []string{"shop-to-erp-orders", owned},
			Team: "order-platform", Severity: "page", State: alerting.StateOpen, OpenedAt: webNow.Add(-10 * time.Minute)},
			View: alerting.IncidentView{Title: "SAP S/4HANA unavailable: 2 integrations failing with unavailable since 09:50"}})
	fake.mu.Unlock()

	_, body := get(t, srv, "/integrations/"+owned)
	for _, want := range []string{`data-testid="maintenance"`, "CRM upgrade", "In force", "SAP S/4HANA unavailable: 2 integrations", `data-testid="chart-gaps"`, `"gaps":[[`} {
		if !strings.Contains(body, want) {
			t.Errorf("the page of %s lacks %q", owned, want)
		}
	}
	_, body = get(t, srv, "/integrations/shop-to-erp-orders")
	if strings.Contains(body, `data-testid="maintenance"`) {
		t.Error("shop-to-erp-orders shows a window of another team")
	}
	_, body = get(t, srv, "/map")
	if !strings.Contains(body, `data-testid="map-maintenance"`) || !strings.Contains(body, "CRM upgrade") || !strings.Contains(body, "integrations silenced") {
		t.Error("the map does not list the window in force")
	}
}
