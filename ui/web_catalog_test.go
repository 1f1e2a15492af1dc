package ui_test

import (
	"encoding/csv"
	"encoding/json"
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/intops/intops/alerting"
	"github.com/intops/intops/analyzer/estate"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/clickhouse"
	"github.com/intops/intops/ui"
)

// catalogServer is webServer's estate with the estate analysis: every
// integration runs but the zombie candidates, and one shadow flow calls
// Salesforce.
func catalogServer(t testing.TB) (*ui.Server, *catalog.Catalog) {
	t.Helper()
	cat, err := catalog.Load("../examples/estate")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	var rows []clickhouse.TrafficRow
	for _, in := range cat.All() {
		ids = append(ids, in.ID)
		if in.Annotations["intops.dev/expected-traffic"] != "none" {
			rows = append(rows, clickhouse.TrafficRow{IntegrationID: in.ID, Spans: 20, Executions: 10,
				FirstSeen: webNow.Add(-48 * time.Hour), LastSeen: webNow.Add(-time.Hour)})
		}
	}
	rows = append(rows, clickhouse.TrafficRow{ServiceName: "marketing-export-script", PeerService: "salesforce-crm", Spans: 8, Executions: 4,
		FirstSeen: webNow.Add(-5 * time.Hour), LastSeen: webNow.Add(-time.Hour)})
	svc := &estate.Service{Store: trafficStore{rows: rows}, Catalog: func() *catalog.Catalog { return cat }, Now: func() time.Time { return webNow }}
	incident := alerting.IncidentStatus{Incident: alerting.Incident{ID: "inc-7", Integration: "wms-to-oms-stock-levels",
		Severity: "ticket", State: alerting.StateOpen, OpenedAt: webNow.Add(-time.Hour)}}
	srv := ui.New(ui.Options{Store: estateStore{ids}, Catalog: catalog.Fixed(cat), SLOs: sloResults(cat), Findings: svc,
		Alerts: fixedIncidents{open: []alerting.IncidentStatus{incident}}, Now: func() time.Time { return webNow }})
	return srv, cat
}

var lintRowRE = regexp.MustCompile(`data-testid="lint-row" data-rule="([^"]+)" data-severity="([^"]+)"`)

func TestCatalogPage(t *testing.T) {
	srv, cat := catalogServer(t)
	lint := catalog.Lint(cat, catalog.LintConfig{}, webNow)
	resp, body := get(t, srv, "/catalog")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("status %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if got := len(lintRowRE.FindAllString(body, -1)); got != len(lint) || got == 0 {
		t.Errorf("%d lint rows, want %d", got, len(lint))
	}
	for _, want := range []string{
		`data-testid="shadow" data-id="shadow:marketing-export-script-&gt;salesforce-crm"`,
		"apiVersion: intops.dev/v1alpha1", "service.name: marketing-export-script", `data-copy="draft-shadow:`,
		`data-testid="zombies"`, `data-testid="duplicates"`, `data-kind="retired_with_traffic"`,
		`data-testid="retirement-row" data-id="`, `href="/catalog/export.csv"`, `src="/static/catalog.js"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	// the draft is in a <pre>, escaped, whole
	draft := regexp.MustCompile(`(?s)<pre id="draft-[^"]+" data-testid="draft-entry" tabindex="0">(.*?)</pre>`).FindStringSubmatch(body)
	if draft == nil || !strings.Contains(html.UnescapeString(draft[1]), "owner: TODO") {
		t.Errorf("draft entry: %v", draft)
	}
	// retirements due: 2027-01-15 is 54 days after webNow; 2027-02-28 is 98
	due := regexp.MustCompile(`data-testid="retirement-row" data-id="([^"]+)"`).FindAllStringSubmatch(body, -1)
	var dueIDs []string
	for _, m := range due {
		dueIDs = append(dueIDs, m[1])
		in := cat.Integration(m[1])
		if in.Retirement.After(webNow.Add(90 * 24 * time.Hour)) {
			t.Errorf("%s retires on %s, after the 90 days", in.ID, in.Retirement.Format(time.DateOnly))
		}
	}
	var want []string
	for _, in := range cat.All() {
		if in.Retirement.Format(time.DateOnly) == "2027-01-15" {
			want = append(want, in.ID)
		}
	}
	if len(want) != 1 || !strings.Contains(strings.Join(dueIDs, ","), want[0]) {
		t.Errorf("retirements due %v, want to include %v", dueIDs, want)
	}
	if strings.Contains(body, "<script>") || strings.Contains(body, " style=") {
		t.Error("the page has inline script or style the CSP would block")
	}

	for _, tc := range []struct{ query, rule, severity string }{
		{"?severity=error", "", "error"},
		{"?severity=warning", "", "warning"},
		{"?rule=ownership.team", "ownership.team", ""},
	} {
		_, body := get(t, srv, "/catalog"+tc.query)
		wantN := 0
		for _, l := range lint {
			if (tc.rule == "" || l.Rule == tc.rule) && (tc.severity == "" || string(l.Severity) == tc.severity) {
				wantN++
			}
		}
		got := lintRowRE.FindAllStringSubmatch(body, -1)
		if len(got) != wantN || wantN == 0 || wantN == len(lint) {
			t.Errorf("%s: %d lint rows, want %d of %d", tc.query, len(got), wantN, len(lint))
		}
		for _, m := range got {
			if (tc.rule != "" && m[1] != tc.rule) || (tc.severity != "" && m[2] != tc.severity) {
				t.Errorf("%s: row %v should be filtered out", tc.query, m)
			}
		}
		if !strings.Contains(body, `href="/catalog/export.csv`+html.EscapeString(tc.query)+`"`) {
			t.Errorf("%s: the export link does not carry the filter", tc.query)
		}
	}
	_, body = get(t, srv, "/catalog?kind=zombie")
	if lintRowRE.MatchString(body) || strings.Contains(body, `data-testid="shadow"`) || strings.Count(body, `data-kind="zombie"`) != 2 {
		t.Errorf("kind=zombie: shows lint, shadows or not the 2 zombies")
	}
}

func TestCatalogExport(t *testing.T) {
	srv, cat := catalogServer(t)
	resp, body := get(t, srv, "/catalog/export.csv")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
		!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment;") {
		t.Fatalf("status %d, %s, %s", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
	}
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(recs[0], ",") != "kind,severity,subject,summary,file,line" {
		t.Fatalf("header %v", recs[0])
	}
	kinds := map[string]int{}
	for _, r := range recs[1:] {
		kinds[r[0]]++
		if r[0] == "lint" && (r[4] == "" || r[5] == "") {
			t.Errorf("lint row without file:line: %v", r)
		}
		if r[0] == "shadow" && r[2] != "marketing-export-script->salesforce-crm" {
			t.Errorf("shadow subject %q", r[2])
		}
	}
	lint := catalog.Lint(cat, catalog.LintConfig{}, webNow)
	if kinds["lint"] != len(lint) || kinds["shadow"] != 1 || kinds["zombie"] != 2 || kinds["duplicate"] != 4 ||
		kinds["retired_with_traffic"] != 1 || kinds["retirement"] == 0 {
		t.Errorf("kinds %v (lint %d)", kinds, len(lint))
	}
	_, body = get(t, srv, "/catalog/export.csv?severity=error")
	recs, err = csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(recs) < 2 {
		t.Fatalf("severity=error: %d records, %v", len(recs), err)
	}
	for _, r := range recs[1:] {
		if r[1] != "error" {
			t.Errorf("severity=error exports %v", r)
		}
	}
}

type mapDoc struct {
	Nodes []struct {
		ID     string  `json:"id"`
		Degree int     `json:"degree"`
		Hub    bool    `json:"hub"`
		Share  float64 `json:"share"`
	} `json:"nodes"`
	Edges []struct {
		Source, Target, Integration, Health string
		Volume                              uint64
	} `json:"edges"`
	Integrations int `json:"integrations"`
}

func TestMapData(t *testing.T) {
	srv, cat := catalogServer(t)
	resp, body := get(t, srv, "/map/data.json")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	var doc mapDoc
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Nodes) < len(cat.Systems) || len(doc.Edges) < doc.Integrations || doc.Integrations == 0 {
		t.Fatalf("%d nodes, %d edges, %d integrations", len(doc.Nodes), len(doc.Edges), doc.Integrations)
	}
	hubs := 0
	for i, n := range doc.Nodes {
		if n.Hub {
			hubs++
		}
		if i > 0 && n.Degree > doc.Nodes[i-1].Degree {
			t.Errorf("nodes not by degree: %s after %s", n.ID, doc.Nodes[i-1].ID)
		}
	}
	if hubs != 5 || !doc.Nodes[0].Hub || doc.Nodes[0].Share <= 0 {
		t.Errorf("%d hubs, first %+v", hubs, doc.Nodes[0])
	}
	health := map[string]string{}
	for _, e := range doc.Edges {
		health[e.Integration] = e.Health
		if e.Volume == 0 && cat.Integration(e.Integration).Lifecycle != "retired" {
			t.Errorf("%s has no volume", e.Integration)
		}
	}
	if health["shop-to-erp-orders"] != "page" || health["wms-to-oms-stock-levels"] != "ticket" {
		t.Errorf("health: shop-to-erp-orders %s (SLO page), wms-to-oms-stock-levels %s (ticket incident)",
			health["shop-to-erp-orders"], health["wms-to-oms-stock-levels"])
	}
}

func TestMapPage(t *testing.T) {
	srv, _ := catalogServer(t)
	resp, body := get(t, srv, "/map")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	for _, want := range []string{`id="map-data"`, `data-testid="systems-table"`, `data-testid="system-row" data-id="sap-erp"`,
		`href="/map?system=sap-erp"`, `data-testid="hubs"`, `src="/static/map.js"`, `src="/static/cytoscape.min.js"`} {
		if !strings.Contains(body, want) {
			t.Errorf("/map lacks %q", want)
		}
	}
	if strings.Contains(body, `data-testid="impact"`) {
		t.Error("/map shows an impact without ?system=")
	}
	_, body = get(t, srv, "/map?system=sap-erp")
	rows := regexp.MustCompile(`data-testid="impact-row" data-id="([^"]+)"`).FindAllStringSubmatch(body, -1)
	if len(rows) == 0 || !strings.Contains(body, `data-testid="impact-table"`) || !strings.Contains(body, "Change impact: sap-erp") {
		t.Fatalf("?system=sap-erp: %d impact rows", len(rows))
	}
	for _, want := range []string{"shop-to-erp-orders", "order-platform", `"selected":"sap-erp"`} {
		if !strings.Contains(body, want) {
			t.Errorf("?system=sap-erp lacks %q", want)
		}
	}
	if resp, body := get(t, srv, "/map?system=no-such-system"); resp.StatusCode != 404 || !strings.Contains(body, "No system no-such-system") {
		t.Errorf("unknown system: %d", resp.StatusCode)
	}
	if resp, _ := get(t, srv, "/static/cytoscape.min.js"); resp.StatusCode != 200 {
		t.Errorf("static cytoscape: %d", resp.StatusCode)
	}
}
