package ui_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/intops/intops/analyzer/slo"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/ui"
)

// noResults is an SLO evaluator that has evaluated nothing yet.
type noResults struct{}

func (noResults) Results() []slo.Status { return nil }
func (noResults) History(context.Context, string, time.Time, time.Time) ([]slo.Point, error) {
	return nil, slo.ErrUnknownSLO
}

const datadogEstate = `
apiVersion: intops.dev/v1alpha1
kind: Integration
metadata: {name: crm-to-erp-accounts}
spec: {source: crm, targets: [erp], owner: ops}
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: accounts-synced, displayName: Accounts reach the ERP}
spec:
  service: crm-to-erp-accounts
  indicator:
    metadata: {name: accounts-ok}
    spec:
      thresholdMetric:
        metricSource: {type: Datadog, spec: {query: "avg:sync.lag{*}"}}
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{op: lte, value: 2, target: 0.99}]
`

// TestNotEvaluatedSLOIsListedWithItsReason: the API and the SLO page list
// an SLO measured in Datadog as not evaluated, and say why.
func TestNotEvaluatedSLOIsListedWithItsReason(t *testing.T) {
	cat, err := catalog.Parse("estate.yaml", []byte(datadogEstate))
	if err != nil {
		t.Fatal(err)
	}
	srv := ui.New(ui.Options{Store: downStore{}, Catalog: catalog.Fixed(cat), SLOs: noResults{}})
	_, body := get(t, srv, "/api/v1/slos")
	var doc struct {
		SLOs []struct {
			ID           string `json:"id"`
			Status       string `json:"status"`
			NotEvaluated string `json:"not_evaluated"`
		} `json:"slos"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.SLOs) != 1 || doc.SLOs[0].ID != "accounts-synced" || doc.SLOs[0].Status != "not_evaluated" || !strings.Contains(doc.SLOs[0].NotEvaluated, "Datadog") {
		t.Errorf("/api/v1/slos: %s", body)
	}
	if _, page := get(t, srv, "/slos"); !strings.Contains(page, "SLO accounts-synced (crm-to-erp-accounts) is not evaluated: metric source Datadog") {
		t.Errorf("/slos does not say the SLO is not evaluated:\n%s", page)
	}
}
