package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sloRulesEstate = `
apiVersion: intops.dev/v1alpha1
kind: Team
metadata: {name: ops}
---
apiVersion: intops.dev/v1alpha1
kind: Integration
metadata: {name: shop-to-erp-orders}
spec: {source: shop, targets: [erp], owner: ops, mechanism: event, tier: 1}
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: orders-http}
spec:
  service: shop-to-erp-orders
  indicator:
    metadata: {name: orders-http-ok}
    spec:
      ratioMetric:
        counter: true
        bad: {metricSource: {type: Prometheus, spec: {query: 'http_requests_total{code=~"5.."}'}}}
        total: {metricSource: {type: Prometheus, spec: {query: 'http_requests_total'}}}
  timeWindow: [{duration: 30d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.999}]
`

// TestSLORulesCommand: intops slo rules writes Sloth-format rules for a
// Prometheus-sourced SLO.
func TestSLORulesCommand(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "estate.yaml"), []byte(sloRulesEstate), 0o644)
	var out bytes.Buffer
	if err := runSLO([]string{"rules", "--catalog", dir}, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"name: sloth-slo-sli-recordings-shop-to-erp-orders-orders-http", "record: slo:sli_error:ratio_rate5m",
		`sum(rate(http_requests_total{code=~"5.."}[1h]))`, "alert: IntopsSLOBurnRate", "sloth_severity: page"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("rules lack %q:\n%s", want, out.String())
		}
	}
}

func TestSLOPrometheusURLFlag(t *testing.T) {
	for _, ok := range []string{"", "http://prometheus:9090", "https://user:pw@mimir.example/prometheus"} {
		if err := checkPrometheusURL(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"prometheus:9090", "ftp://x", "http://", "https://user:s3cret@/x"} {
		err := checkPrometheusURL(bad)
		if err == nil || !strings.Contains(err.Error(), "--prometheus-url") || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
