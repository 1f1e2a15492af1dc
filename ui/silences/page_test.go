package silences_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/intops/intops/ui/internal/uitest"
)

func TestSilencesPage(t *testing.T) {
	srv, fake, cat := uitest.AlertsServer(t)
	resp, body := uitest.Get(t, srv, "/silences")
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
	if _, body := uitest.Get(t, srv, "/silences?integration=shop-to-erp-orders"); !strings.Contains(body, `<option value="shop-to-erp-orders" selected>`) {
		t.Error("?integration= does not preselect the integration")
	}
	if len(cat.Teams) == 0 {
		t.Fatal("no teams")
	}

	s := &uitest.Session{T: t, Srv: srv}
	tok := s.Token("/silences")
	if resp, _ := s.Post("/silences", url.Values{"team": {"order-platform"}, "duration": {"1h"}, "reason": {"x"}}, ""); resp.StatusCode != 403 {
		t.Errorf("create without a token: %d, want 403", resp.StatusCode)
	}
	if resp, _ := s.Post("/silences/sil-a/expire", url.Values{}, ""); resp.StatusCode != 403 {
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
			resp, body := s.Post("/silences", tc.form, "")
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

	resp, _ = s.Post("/silences", url.Values{"csrf": {tok}, "system": {"sap-erp"}, "duration": {"7d"}, "reason": {"ERP migration"}}, "")
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/silences?done=create&id=sil-3" {
		t.Errorf("create: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	// A weekly maintenance window, planned ahead.
	resp, _ = s.Post("/silences", url.Values{"csrf": {tok}, "system": {"sap-erp"}, "duration": {"4h"}, "reason": {"SAP patching"},
		"starts": {"2030-01-05T02:00"}, "repeat": {"weekly"}, "until": {"2030-02-28"}}, "")
	if resp.StatusCode != 303 {
		t.Errorf("a maintenance window: %d", resp.StatusCode)
	}
	_, body = uitest.Get(t, srv, "/silences")
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
		if resp, body := s.Post("/silences", f, ""); resp.StatusCode != 400 || !strings.Contains(body, want) {
			t.Errorf("%s: %d, want 400 saying %q", form, resp.StatusCode, want)
		}
	}
	resp, _ = s.Post("/silences/sil-a/expire", url.Values{"csrf": {tok}}, "http://example.com/silences")
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/silences?done=expire&id=sil-a" {
		t.Errorf("expire: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	want := []string{"silence incident= integration= system=sap-erp team= for 168h0m0s by api: ERP migration",
		`silence integration= system=sap-erp team= for 4h0m0s from 2030-01-05T02:00:00Z schedule="0 2 * * 6" until 2030-03-01T00:00:00Z by api: SAP patching`,
		"expire sil-a by api"}
	if c := fake.Calls(); !slices.Equal(c, want) {
		t.Errorf("calls %q, want %q", c, want)
	}
	_, body = uitest.Get(t, srv, "/silences?done=create&id=sil-3")
	active, _, _ = strings.Cut(body, `data-testid="expired-silences"`)
	if !strings.Contains(body, "Created silence sil-3.") || !strings.Contains(active, `data-id="sil-3"`) || strings.Contains(active, `data-id="sil-a"`) {
		t.Error("after create and expire: want sil-3 active, sil-a expired, and the flash")
	}
}
