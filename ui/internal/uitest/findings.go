package uitest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/intops/intops/analyzer/estate"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/clickhouse"
	"github.com/intops/intops/ui"
)

// TrafficStore serves fixed traffic to an estate.Service.
type TrafficStore struct {
	Rows []clickhouse.TrafficRow
	Err  error
}

// Traffic returns the rows, or the error.
func (s TrafficStore) Traffic(context.Context, time.Time, time.Time) ([]clickhouse.TrafficRow, error) {
	return s.Rows, s.Err
}

// FindingsServer serves the example estate with the estate analysis over
// store.
func FindingsServer(t *testing.T, store TrafficStore) *ui.Server {
	t.Helper()
	cat, err := catalog.Load(Examples)
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
	if store.Rows == nil {
		store.Rows = rows
	}
	svc := &estate.Service{Store: store, Catalog: func() *catalog.Catalog { return cat }, Now: func() time.Time { return now }}
	return ui.New(ui.Options{Store: DownStore{}, Catalog: catalog.Fixed(cat), Findings: svc, Now: func() time.Time { return now }})
}

// FindingsDoc is GET /api/v1/findings.
type FindingsDoc struct {
	Findings []map[string]any `json:"findings"`
}

// DecodeFindings decodes GET /api/v1/findings.
func DecodeFindings(t *testing.T, body string) []map[string]any {
	t.Helper()
	var doc FindingsDoc
	if err := json.Unmarshal([]byte(body), &doc); err != nil || doc.Findings == nil {
		t.Fatalf("body %s: %v", body, err)
	}
	return doc.Findings
}
