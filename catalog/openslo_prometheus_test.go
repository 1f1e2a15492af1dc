package catalog_test

import (
	"strings"
	"testing"

	"github.com/intops/intops"
	"github.com/intops/intops/catalog"
)

const promSources = `
apiVersion: openslo/v1
kind: DataSource
metadata: {name: prom-eu}
spec: {type: Prometheus, url: "http://prometheus-eu:9090"}
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: good-ratio}
spec:
  service: crm-to-erp
  indicator:
    metadata: {name: good-ratio}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {metricSourceRef: prom-eu, spec: {query: 'http_requests_total{code!~"5.."}'}}}
        total: {metricSource: {metricSourceRef: prom-eu, spec: {query: 'http_requests_total'}}}
  timeWindow: [{duration: 30d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.999}]
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: p99-latency}
spec:
  service: crm-to-erp
  indicator:
    metadata: {name: p99}
    spec:
      thresholdMetric:
        metricSource: {type: Prometheus, spec: {query: 'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))'}}
  timeWindow: [{duration: 7d, isRolling: true}]
  budgetingMethod: Timeslices
  objectives: [{op: lte, value: 0.5, target: 0.99, timeSliceTarget: 1, timeSliceWindow: 1m}]
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: raw-ratio}
spec:
  service: crm-to-erp
  indicator:
    metadata: {name: raw}
    spec:
      ratioMetric:
        raw: {metricSource: {type: Prometheus, spec: {query: 'job:availability:ratio'}}}
        rawType: success
  timeWindow: [{duration: 30d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.99}]
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: mixed}
spec:
  service: crm-to-erp
  indicator:
    metadata: {name: mixed}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: Prometheus, spec: {query: 'ok_total'}}}
        total: {metricSource: {type: Datadog, spec: {query: 'sum:all{*}.as_count()'}}}
  timeWindow: [{duration: 30d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.99}]
`

// TestPrometheusSources: the forms of Prometheus indicator intops
// evaluates keep their queries, the DataSource's spec.url and a
// threshold's op and value; a raw ratio and a mix of sources stay not
// evaluated, with why.
func TestPrometheusSources(t *testing.T) {
	estate := `
apiVersion: intops.dev/v1alpha1
kind: Team
metadata: {name: ops}
---
apiVersion: intops.dev/v1alpha1
kind: Integration
metadata: {name: crm-to-erp}
spec: {source: crm, targets: [erp], owner: ops, mechanism: api, tier: 2}
---
`
	cat, err := catalog.Parse("estate.yaml", []byte(estate+promSources))
	if err != nil {
		t.Fatal(err)
	}
	slos := map[string]*intops.SLO{}
	for _, s := range cat.SLOs {
		slos[s.Name] = s
	}
	if p := slos["good-ratio"].Prometheus; p == nil || *p != (intops.PrometheusSLI{DataSource: "prom-eu", URL: "http://prometheus-eu:9090",
		Good: `http_requests_total{code!~"5.."}`, Total: "http_requests_total"}) {
		t.Errorf("good ratio: %+v", p)
	}
	if p := slos["p99-latency"].Prometheus; p == nil || p.Op != "lte" || p.Value != 0.5 || !strings.HasPrefix(p.Query, "histogram_quantile") || p.URL != "" {
		t.Errorf("threshold: %+v", p)
	}
	for name, why := range map[string]string{"raw-ratio": "not a raw ratio", "mixed": "Prometheus, Datadog"} {
		if s := slos[name]; s.Prometheus != nil || !strings.Contains(s.NotEvaluated, why) {
			t.Errorf("%s: Prometheus %+v, NotEvaluated %q", name, s.Prometheus, s.NotEvaluated)
		}
	}
}
