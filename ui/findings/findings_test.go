package findings_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/intops/intops/analyzer/estate"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/clickhouse"
	"github.com/intops/intops/ui"
	"github.com/intops/intops/ui/internal/uitest"
)

func TestFindingsAPI(t *testing.T) {
	srv := uitest.FindingsServer(t, uitest.TrafficStore{})
	resp, body := uitest.Get(t, srv, "/api/v1/findings")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	kinds := map[string]int{}
	for _, f := range uitest.DecodeFindings(t, body) {
		kinds[f["kind"].(string)]++
		for _, k := range []string{"id", "severity", "systems", "team", "summary", "first_seen", "last_seen", "volume"} {
			if _, ok := f[k]; !ok {
				t.Errorf("finding lacks %q: %v", k, f)
			}
		}
	}
	if kinds["zombie"] != 2 || kinds["shadow"] != 1 || kinds["duplicate"] != 4 || kinds["complexity"] != 1 || kinds["retired_with_traffic"] != 1 {
		t.Errorf("kinds %v", kinds)
	}

	_, body = uitest.Get(t, srv, "/api/v1/findings?kind=zombie")
	zs := uitest.DecodeFindings(t, body)
	if len(zs) != 2 || zs[0]["kind"] != "zombie" || zs[0]["integration"] == "" {
		t.Errorf("zombies %v", zs)
	}
	_, body = uitest.Get(t, srv, "/api/v1/findings?kind=shadow,complexity")
	if fs := uitest.DecodeFindings(t, body); len(fs) != 2 {
		t.Errorf("shadow and complexity: %v", fs)
	} else if d := fs[0]["shadow"].(map[string]any); !strings.Contains(d["draft_entry"].(string), "service.name: marketing-export-script") {
		t.Errorf("shadow detail %v", d)
	}

	resp, body = uitest.Get(t, srv, "/api/v1/findings?kind=zombies")
	if resp.StatusCode != 400 || !strings.Contains(body, `unknown kind \"zombies\": want one of shadow, zombie`) {
		t.Errorf("unknown kind: %d %s", resp.StatusCode, body)
	}
}

func TestSystemImpactAPI(t *testing.T) {
	srv := uitest.FindingsServer(t, uitest.TrafficStore{})
	resp, body := uitest.Get(t, srv, "/api/v1/systems/salesforce-crm/impact")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	var im estate.SystemImpact
	if err := json.Unmarshal([]byte(body), &im); err != nil {
		t.Fatal(err)
	}
	if im.System != "salesforce-crm" || !im.Catalogued || len(im.Integrations) < 10 || len(im.Teams) < 3 || len(im.SLOs) == 0 || len(im.ShadowFlows) != 1 {
		t.Errorf("impact: %d integrations, teams %v, %d SLOs, shadow flows %v", len(im.Integrations), im.Teams, len(im.SLOs), im.ShadowFlows)
	}
	found := false
	for _, in := range im.Integrations {
		if in.ID == "crm-to-erp-customers" {
			found = true
			if in.Role != "source" || in.Team != "customer-systems" || in.Tier != 1 || in.Lifecycle != "production" || len(in.SLOs) == 0 {
				t.Errorf("crm-to-erp-customers %+v", in)
			}
		}
	}
	if !found {
		t.Error("crm-to-erp-customers missing")
	}
	if resp, body := uitest.Get(t, srv, "/api/v1/systems/nowhere/impact"); resp.StatusCode != 404 || !strings.Contains(body, "no system nowhere") {
		t.Errorf("unknown system: %d %s", resp.StatusCode, body)
	}
}

func TestFindingsAPIWithoutSourceOrClickHouse(t *testing.T) {
	srv := ui.New(ui.Options{Store: uitest.DownStore{}, Catalog: catalog.Fixed(&catalog.Catalog{})})
	if resp, body := uitest.Get(t, srv, "/api/v1/findings"); resp.StatusCode != 200 || len(uitest.DecodeFindings(t, body)) != 0 {
		t.Errorf("no source: %d %s", resp.StatusCode, body)
	}
	if resp, _ := uitest.Get(t, srv, "/api/v1/systems/sap-erp/impact"); resp.StatusCode != 404 {
		t.Errorf("no source, impact: %d", resp.StatusCode)
	}
	if resp, _ := uitest.Get(t, srv, "/api/v1/findings?kind=nope"); resp.StatusCode != 400 {
		t.Errorf("no source, bad kind: %d", resp.StatusCode)
	}

	down := uitest.FindingsServer(t, uitest.TrafficStore{Rows: []clickhouse.TrafficRow{}, Err: errors.New("dial tcp 127.0.0.1:9000: connection refused")})
	for _, path := range []string{"/api/v1/findings", "/api/v1/systems/sap-erp/impact"} {
		if resp, body := uitest.Get(t, down, path); resp.StatusCode != 503 || strings.Contains(body, "127.0.0.1") {
			t.Errorf("%s with ClickHouse down: %d %s", path, resp.StatusCode, body)
		}
	}
	// An unknown system stays a 404 while ClickHouse is down.
	if resp, _ := uitest.Get(t, down, "/api/v1/systems/nowhere/impact"); resp.StatusCode != 404 {
		t.Errorf("unknown system, ClickHouse down: %d", resp.StatusCode)
	}
}
