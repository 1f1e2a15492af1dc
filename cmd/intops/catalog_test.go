package main

import (
	"bytes"
	"context"
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

// TestCatalogImportSLOs: Sloth and Pyrra files import into a directory
// that lint passes (warnings only: intops does not evaluate Prometheus
// SLOs); an SLO that cannot be imported exits 1, an invalid file exits
// with its file:line, a bad flag is a usage error.
func TestCatalogImportSLOs(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	if err := runCatalog(context.Background(), []string{"import", "sloth", "../../catalog/importer/testdata/sloth/checkout.yaml", "--out", dir, "--period", "28d"}, &out); err != nil {
		t.Fatalf("sloth import: %v", err)
	}
	var le lintExit
	if err := runCatalog(context.Background(), []string{"import", "pyrra", "--out", dir, "../../catalog/importer/testdata/pyrra/slos.yaml"}, &out); !errors.As(err, &le) || le.code != 1 {
		t.Errorf("pyrra import with a native-histogram SLO left out: %v", err)
	}
	if out.Len() != 0 {
		t.Errorf("--out writes nothing to standard output: %s", out.String())
	}
	if err := runLint([]string{dir, "--now", "2026-12-01"}, &out); err != nil {
		t.Errorf("lint of the import: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "0 errors, 5 warnings") || !strings.Contains(out.String(), "sloth-checkout.yaml") || !strings.Contains(out.String(), "pyrra-slos.yaml") {
		t.Errorf("lint output:\n%s", out.String())
	}
	out.Reset()
	if err := runCatalog(context.Background(), []string{"import", "sloth", "../../catalog/importer/testdata/sloth/checkout.yaml"}, &out); err != nil || !strings.Contains(out.String(), "duration: 30d") {
		t.Errorf("sloth import to standard output: %v\n%s", err, out.String())
	}
	err := runCatalog(context.Background(), []string{"import", "sloth", "../../catalog/importer/testdata/sloth/bad-version.yaml"}, &out)
	var u unusable
	if !errors.As(err, &u) || !strings.Contains(err.Error(), "bad-version.yaml:1:10: version \"prometheus/v2\": want prometheus/v1") {
		t.Errorf("invalid file: %v", err)
	}
	var ue usageError
	if err := runCatalog(context.Background(), []string{"import", "sloth", "x.yaml", "--period", "1M"}, &out); !errors.As(err, &ue) {
		t.Errorf("--period 1M: %v", err)
	}
	if err := runCatalog(context.Background(), []string{"import", "pyrra", "x.yaml", "--service", "Not_A_Name"}, &out); !errors.As(err, &ue) {
		t.Errorf("--service Not_A_Name: %v", err)
	}
}
