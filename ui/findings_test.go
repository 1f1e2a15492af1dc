package ui_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/intops/intops/analyzer/estate"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/clickhouse"
	"github.com/intops/intops/ui"
)

// trafficStore serves fixed traffic to an estate.Service.
type trafficStore struct {
	rows []clickhouse.TrafficRow
	err  error
}

func (s trafficStore) Traffic(context.Context, time.Time, time.Time) ([]clickhouse.TrafficRow, error) {
	return s.rows, s.err
}

func findingsServer(t *testing.T, store trafficStore) *ui.Server {
	t.Helper()
	cat, err := catalog.Load("../examples/estate")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	var rows []clickhouse.TrafficRow
	for _, in := range cat.Integrations { // everything runs but the zombie candidates
		if in.Annotations["intops.dev/expected-traffic"] != "none" {
			rows = append(rows, clickhouse.TrafficRow{IntegrationID: in.ID, Spans: 20, Executions: 10, FirstSeen: now.Add(-48 * time.Hour), LastSeen: now.Add(-time.Hour)})
		}
	}
	rows = append(rows, clickhouse.TrafficRow{ServiceName: "marketing-export-script", PeerService: "salesforce-crm", Spans: 8, Executions: 4,
		FirstSeen: now.Add(-5 * time.Hour), LastSeen: now.Add(-time.Hour)})
	if store.rows == nil {
		store.rows = rows
	}
	svc := &estate.Service{Store: store, Catalog: func() *catalog.Catalog { return cat }, Now: func() time.Time { return now }}
	return ui.New(ui.Options{Store: downStore{}, Catalog: catalog.Fixed(cat), Findings: svc, Now: func() time.Time { return now }})
}

type findingsDoc struct {
	Findings []map[string]any `json:"findings"`
}

func decodeFindings(t *testing.T, body string) []map[string]any {
	t.Helper()
	var doc findingsDoc
	if err := json.Unmarshal([]byte(body), &doc); err != nil || doc.Findings == nil {
		t.Fatalf("body %s: %v", body, err)
	}
	return doc.Findings
}

func TestFindingsAPI(t *testing.T) {
	srv := findingsServer(t, trafficStore{})
	resp, body := get(t, srv, "/api/v1/findings")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	kinds := map[string]int{}
	for _, f := range decodeFindings(t, body) {
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

	_, body = get(t, srv, "/api/v1/findings?kind=zombie")
	zs := decodeFindings(t, body)
	if len(zs) != 2 || zs[0]["kind"] != "zombie" || zs[0]["integration"] == "" {
		t.Errorf("zombies %v", zs)
	}
	_, body = get(t, srv, "/api/v1/findings?kind=shadow,complexity")
	if fs := decodeFindings(t, body); len(fs) != 2 {
		t.Errorf("shadow and complexity: %v", fs)
	} else if d := fs[0]["shadow"].(map[string]any); !strings.Contains(d["draft_entry"].(string), "service.name: marketing-export-script") {
		t.Errorf("shadow detail %v", d)
	}

	resp, body = get(t, srv, "/api/v1/findings?kind=zombies")
	if resp.StatusCode != 400 || !strings.Contains(body, `unknown kind \"zombies\": want one of shadow, zombie`) {
		t.Errorf("unknown kind: %d %s", resp.StatusCode, body)
	}
}

func TestSystemImpactAPI(t *testing.T) {
	srv := findingsServer(t, trafficStore{})
	resp, body := get(t, srv, "/api/v1/systems/salesforce-crm/impact")
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
	if resp, body := get(t, srv, "/api/v1/systems/nowhere/impact"); resp.StatusCode != 404 || !strings.Contains(body, "no system nowhere") {
		t.Errorf("unknown system: %d %s", resp.StatusCode, body)
	}
}

func TestFindingsAPIWithoutSourceOrClickHouse(t *testing.T) {
	srv := ui.New(ui.Options{Store: downStore{}, Catalog: catalog.Fixed(&catalog.Catalog{})})
	if resp, body := get(t, srv, "/api/v1/findings"); resp.StatusCode != 200 || len(decodeFindings(t, body)) != 0 {
		t.Errorf("no source: %d %s", resp.StatusCode, body)
	}
	if resp, _ := get(t, srv, "/api/v1/systems/sap-erp/impact"); resp.StatusCode != 404 {
		t.Errorf("no source, impact: %d", resp.StatusCode)
	}
	if resp, _ := get(t, srv, "/api/v1/findings?kind=nope"); resp.StatusCode != 400 {
		t.Errorf("no source, bad kind: %d", resp.StatusCode)
	}

	down := findingsServer(t, trafficStore{rows: []clickhouse.TrafficRow{}, err: errors.New("dial tcp 127.0.0.1:9000: connection refused")})
	for _, path := range []string{"/api/v1/findings", "/api/v1/systems/sap-erp/impact"} {
		if resp, body := get(t, down, path); resp.StatusCode != 503 || strings.Contains(body, "127.0.0.1") {
			t.Errorf("%s with ClickHouse down: %d %s", path, resp.StatusCode, body)
		}
	}
	// An unknown system stays a 404 while ClickHouse is down.
	if resp, _ := get(t, down, "/api/v1/systems/nowhere/impact"); resp.StatusCode != 404 {
		t.Errorf("unknown system, ClickHouse down: %d", resp.StatusCode)
	}
}
