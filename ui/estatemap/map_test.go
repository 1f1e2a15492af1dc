package estatemap_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/intops/intops/ui/internal/uitest"
)

func TestMapData(t *testing.T) {
	srv, cat := uitest.CatalogServer(t)
	resp, body := uitest.Get(t, srv, "/map/data.json")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	var doc uitest.MapDoc
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
	srv, _ := uitest.CatalogServer(t)
	resp, body := uitest.Get(t, srv, "/map")
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
	_, body = uitest.Get(t, srv, "/map?system=sap-erp")
	rows := regexp.MustCompile(`data-testid="impact-row" data-id="([^"]+)"`).FindAllStringSubmatch(body, -1)
	if len(rows) == 0 || !strings.Contains(body, `data-testid="impact-table"`) || !strings.Contains(body, "Change impact: sap-erp") {
		t.Fatalf("?system=sap-erp: %d impact rows", len(rows))
	}
	for _, want := range []string{"shop-to-erp-orders", "order-platform", `"selected":"sap-erp"`} {
		if !strings.Contains(body, want) {
			t.Errorf("?system=sap-erp lacks %q", want)
		}
	}
	if resp, body := uitest.Get(t, srv, "/map?system=no-such-system"); resp.StatusCode != 404 || !strings.Contains(body, "No system no-such-system") {
		t.Errorf("unknown system: %d", resp.StatusCode)
	}
	if resp, _ := uitest.Get(t, srv, "/static/cytoscape.min.js"); resp.StatusCode != 200 {
		t.Errorf("static cytoscape: %d", resp.StatusCode)
	}
}
