package uitest

import (
	"regexp"
	"testing"
	"time"

	"github.com/intops/intops/alerting"
	"github.com/intops/intops/analyzer/estate"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/clickhouse"
	"github.com/intops/intops/ui"
)

// CatalogServer is WebServer's estate with the estate analysis: every
// integration runs but the zombie candidates, and one shadow flow calls
// Salesforce.
func CatalogServer(t testing.TB) (*ui.Server, *catalog.Catalog) {
	t.Helper()
	cat, err := catalog.Load(Examples)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	var rows []clickhouse.TrafficRow
	for _, in := range cat.All() {
		ids = append(ids, in.ID)
		if in.Annotations["intops.dev/expected-traffic"] != "none" {
			rows = append(rows, clickhouse.TrafficRow{IntegrationID: in.ID, Spans: 20, Executions: 10,
				FirstSeen: Now.Add(-48 * time.Hour), LastSeen: Now.Add(-time.Hour)})
		}
	}
	rows = append(rows, clickhouse.TrafficRow{ServiceName: "marketing-export-script", PeerService: "salesforce-crm", Spans: 8, Executions: 4,
		FirstSeen: Now.Add(-5 * time.Hour), LastSeen: Now.Add(-time.Hour)})
	svc := &estate.Service{Store: TrafficStore{Rows: rows}, Catalog: func() *catalog.Catalog { return cat }, Now: func() time.Time { return Now }}
	incident := alerting.IncidentStatus{Incident: alerting.Incident{ID: "inc-7", Integration: "wms-to-oms-stock-levels",
		Severity: "ticket", State: alerting.StateOpen, OpenedAt: Now.Add(-time.Hour)}}
	srv := ui.New(ui.Options{Store: EstateStore{IDs: ids}, Catalog: catalog.Fixed(cat), SLOs: SLOResults(cat), Findings: svc,
		Alerts: FixedIncidents{open: []alerting.IncidentStatus{incident}}, Now: func() time.Time { return Now }})
	return srv, cat
}

// LintRowRE finds the lint rows of the catalog review: their rule and
// severity.
var LintRowRE = regexp.MustCompile(`data-testid="lint-row" data-rule="([^"]+)" data-severity="([^"]+)"`)

// MapDoc is the part of GET /map/data.json the tests read.
type MapDoc struct {
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
