package alerts_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/intops/intops/catalog"
	"github.com/intops/intops/ui"
	"github.com/intops/intops/ui/internal/uitest"
)

func TestAlertsPage(t *testing.T) {
	srv, _, _ := uitest.AlertsServer(t)
	resp, body := uitest.Get(t, srv, "/alerts")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	var got []string
	for _, m := range uitest.IncidentRE.FindAllStringSubmatch(body, -1) {
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
	if n, forms := strings.Count(body, `name="csrf" value="`), strings.Count(body, `method="post"`); n != forms || n != 9 {
		t.Errorf("%d CSRF fields for %d forms, want 9 (7 and the anomaly alert's two marks)", n, forms)
	}
	if !strings.Contains(body, `<option value="inc-42">`) || strings.Contains(body, `action="/alerts/inc-40/merge"`) {
		t.Error("the merge form of an open incident does not offer the other open one, or a resolved incident has one")
	}
	if !strings.Contains(resp.Header.Get("Set-Cookie"), "intops_session=") {
		t.Error("no CSRF cookie set")
	}

	_, body = uitest.Get(t, srv, "/alerts?since=30d")
	if !strings.Contains(body, `data-id="inc-30"`) {
		t.Error("since=30d does not show inc-30")
	}
	_, body = uitest.Get(t, srv, "/alerts?since=1h")
	if strings.Contains(body, `data-id="inc-40"`) {
		t.Error("since=1h shows inc-40")
	}
	_, body = uitest.Get(t, srv, "/alerts?since=soon")
	if !strings.Contains(body, "since=soon is not a duration") || !strings.Contains(body, `data-id="inc-40"`) {
		t.Error("a bad since is not reported, or the default window not used")
	}
}

func TestAlertActions(t *testing.T) {
	srv, fake, _ := uitest.AlertsServer(t)
	s := &uitest.Session{T: t, Srv: srv}
	tok := s.Token("/alerts")

	if resp, _ := s.Post("/alerts/inc-43/ack", url.Values{}, ""); resp.StatusCode != http.StatusForbidden {
		t.Errorf("without a token: %d, want 403", resp.StatusCode)
	}
	// The wrong token differs from the right one in its first character
	// whatever that character is.
	wrong := "x" + tok[1:]
	if tok[0] == 'x' {
		wrong = "y" + tok[1:]
	}
	if resp, _ := s.Post("/alerts/inc-43/ack", url.Values{"csrf": {wrong}}, ""); resp.StatusCode != http.StatusForbidden {
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
			resp, _ := s.Post(tc.path, tc.form, tc.referer)
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != tc.location {
				t.Errorf("%d to %q, want 303 to %q", resp.StatusCode, resp.Header.Get("Location"), tc.location)
			}
			if c := fake.Calls(); len(c) != before+1 || c[before] != tc.call {
				t.Errorf("calls %v, want %q", c[before:], tc.call)
			}
		})
	}
	_, body := uitest.Get(t, srv, "/alerts?done=resolve&id=inc-43")
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
			resp, body := s.Post(tc.path, tc.form, "")
			if resp.StatusCode != tc.code || !strings.Contains(body, tc.want) {
				t.Errorf("%d, want %d with %q:\n%s", resp.StatusCode, tc.code, tc.want, body)
			}
		})
	}
}

func TestAlertPagesWithoutAlerting(t *testing.T) {
	cat, err := catalog.Load(uitest.Examples)
	if err != nil {
		t.Fatal(err)
	}
	srv := ui.New(ui.Options{Store: uitest.EstateStore{}, Catalog: catalog.Fixed(cat), Now: func() time.Time { return uitest.Now }})
	for path, want := range map[string]string{"/slos": "SLO evaluation is not running", "/alerts": "Alerting is not running",
		"/silences": "Alerting is not running"} {
		if resp, body := uitest.Get(t, srv, path); resp.StatusCode != 200 || !strings.Contains(body, want) {
			t.Errorf("%s: %d, want 200 saying %q", path, resp.StatusCode, want)
		}
	}
	s := &uitest.Session{T: t, Srv: srv}
	tok := s.Token("/silences") // /alerts has no form without alerting
	if resp, _ := s.Post("/alerts/inc-1/ack", url.Values{"csrf": {tok}}, ""); resp.StatusCode != 404 {
		t.Errorf("ack without alerting: %d, want 404", resp.StatusCode)
	}
}
