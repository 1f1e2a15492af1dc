package estate_test

import (
	"strings"
	"testing"

	"github.com/intops/intops/ui/internal/uitest"
)

func TestEstatePage(t *testing.T) {
	srv, cat := uitest.WebServer(t)
	resp, body := uitest.Get(t, srv, "/")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("status %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	ids := uitest.RowIDs(body)
	if len(ids) != len(cat.Integrations) {
		t.Fatalf("%d rows, want %d", len(ids), len(cat.Integrations))
	}
	if ids[0] != "shop-to-erp-orders" || ids[1] != "wms-to-oms-stock-levels" {
		t.Errorf("worst first starts %v, want the paging SLO then the anomaly", ids[:2])
	}
	for _, tc := range []struct {
		query string
		want  func(id string) bool
	}{
		{"?team=order-platform", func(id string) bool { return cat.Integration(id).Owner == "order-platform" }},
		{"?tier=1&lifecycle=production", func(id string) bool {
			in := cat.Integration(id)
			return in.Tier == 1 && in.Lifecycle == "production"
		}},
		{"?system=sap-erp", func(id string) bool {
			in := cat.Integration(id)
			return in.Source == "sap-erp" || strings.Contains(strings.Join(in.Targets, ","), "sap-erp")
		}},
		{"?q=ERP", func(id string) bool {
			in := cat.Integration(id)
			return strings.Contains(strings.ToLower(in.ID+in.Title), "erp")
		}},
	} {
		_, body := uitest.Get(t, srv, "/"+tc.query)
		got := uitest.RowIDs(body)
		want := 0
		for _, in := range cat.All() {
			if tc.want(in.ID) {
				want++
			}
		}
		if len(got) != want || want == 0 || want == len(cat.Integrations) {
			t.Errorf("%s: %d rows, want %d (of %d)", tc.query, len(got), want, len(cat.Integrations))
		}
		for _, id := range got {
			if !tc.want(id) {
				t.Errorf("%s: %s should be filtered out", tc.query, id)
			}
		}
	}
	_, body = uitest.Get(t, srv, "/?sort=name")
	if ids := uitest.RowIDs(body); ids[0] > ids[1] {
		t.Errorf("sort=name: %v", ids[:2])
	}
	if !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'self'") {
		t.Errorf("CSP %q", resp.Header.Get("Content-Security-Policy"))
	}
	if strings.Contains(body, "<script>") || strings.Contains(body, " style=") {
		t.Error("the page has inline script or style the CSP would block")
	}
}

func BenchmarkEstatePage(b *testing.B) {
	srv, _ := uitest.WebServer(b)
	for b.Loop() {
		uitest.Get(b, srv, "/")
	}
}
