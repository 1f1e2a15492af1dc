package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// TestCatalogLintSLOSeverities: an SLO on another metric source is a
// warning and lint exits 0; an OpenSLO document that breaks the
// specification is an error with its place, and lint exits 1.
func TestCatalogLintSLOSeverities(t *testing.T) {
	var out bytes.Buffer
	if err := runLint([]string{"../../catalog/testdata/lint/slo.not-evaluated", "--now", "2026-11-22"}, &out); err != nil {
		t.Errorf("lint of a Datadog SLO: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "estate.yaml:26:13: warning: SLO \"crm-to-erp-availability\" is not evaluated") ||
		!strings.Contains(out.String(), "0 errors, 1 warnings") {
		t.Errorf("lint output:\n%s", out.String())
	}
	out.Reset()
	err := runLint([]string{"../../catalog/testdata/lint/openslo.invalid", "--now", "2026-11-22"}, &out)
	var le lintExit
	if !errors.As(err, &le) || le.code != 1 {
		t.Errorf("lint of an invalid SLO: %v", err)
	}
	if !strings.Contains(out.String(), "estate.yaml:25:9: error: SLO \"crm-to-erp-availability\": spec.indicator.spec.ratioMetric: good and bad exclude each other") {
		t.Errorf("lint output:\n%s", out.String())
	}
}
