package slos_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/analyzer/slo"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/ui"
	"github.com/intops/intops/ui/internal/uitest"
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
	srv := ui.New(ui.Options{Store: uitest.DownStore{}, Catalog: catalog.Fixed(cat), SLOs: noResults{}})
	_, body := uitest.Get(t, srv, "/api/v1/slos")
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
	if _, page := uitest.Get(t, srv, "/slos"); !strings.Contains(page, "SLO accounts-synced (crm-to-erp-accounts) is not evaluated: metric source Datadog") {
		t.Errorf("/slos does not say the SLO is not evaluated:\n%s", page)
	}
}

// someResults is an SLO evaluator with fixed results.
type someResults []slo.Status

func (r someResults) Results() []slo.Status { return r }

func (someResults) History(context.Context, string, time.Time, time.Time) ([]slo.Point, error) {
	return nil, slo.ErrUnknownSLO
}

const prometheusEstate = `
apiVersion: intops.dev/v1alpha1
kind: Integration
metadata: {name: crm-to-erp-accounts}
spec: {source: crm, targets: [erp], owner: ops}
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: accounts-http}
spec:
  service: crm-to-erp-accounts
  indicator:
    metadata: {name: accounts-http-ok}
    spec:
      ratioMetric:
        counter: true
        bad: {metricSource: {type: Prometheus, spec: {query: 'http_requests_total{code=~"5.."}'}}}
        total: {metricSource: {type: Prometheus, spec: {query: 'http_requests_total'}}}
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.99}]
`

// TestPrometheusSLOListedOnceEvaluated: a Prometheus SLO is listed as not
// evaluated until the evaluator has a result for it (it has a Prometheus
// to query), then once, with that result.
func TestPrometheusSLOListedOnceEvaluated(t *testing.T) {
	cat, err := catalog.Parse("estate.yaml", []byte(prometheusEstate))
	if err != nil {
		t.Fatal(err)
	}
	statuses := func(src ui.SLOSource) []string {
		srv := ui.New(ui.Options{Store: uitest.DownStore{}, Catalog: catalog.Fixed(cat), SLOs: src})
		_, body := uitest.Get(t, srv, "/api/v1/slos")
		var doc struct {
			SLOs []struct {
				ID, Status string
			} `json:"slos"`
		}
		if err := json.Unmarshal([]byte(body), &doc); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, s := range doc.SLOs {
			out = append(out, s.ID+" "+s.Status)
		}
		return out
	}
	if got := statuses(noResults{}); strings.Join(got, ",") != "accounts-http not_evaluated" {
		t.Errorf("without a Prometheus: %v", got)
	}
	evaluated := someResults{{SLO: cat.SLOs[0], SLI: intops.SLI{Kind: slo.SLIPrometheus}, Result: slo.Result{Status: "ok", SLI: 1, BudgetRemaining: 1}}}
	if got := statuses(evaluated); strings.Join(got, ",") != "accounts-http ok" {
		t.Errorf("evaluated: %v", got)
	}
}
