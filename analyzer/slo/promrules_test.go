package slo_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/intops/intops/analyzer/slo"
	"github.com/intops/intops/catalog"
)

// promtool finds Debian's promtool (package prometheus, installed by
// make test). It fails, never skips, when it is missing.
func promtool(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"promtool", "/usr/bin/promtool"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	t.Fatal("promtool not found: install Debian's prometheus package (apt-get install prometheus; make test does it as root)")
	return ""
}

func TestPrometheusRulesPassPromtool(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"backstage/org.yaml", "backstage/systems.yaml", "openslo/slos.yaml"} {
		data, err := os.ReadFile(filepath.Join("../../catalog/testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, strings.ReplaceAll(f, "/", "-")), data, 0o644)
	}
	data, _ := os.ReadFile("../../catalog/testdata/lint/slo.clean/estate.yaml")
	base, _ := os.ReadFile("../../catalog/testdata/lint/slo.clean/base.yaml")
	os.WriteFile(filepath.Join(dir, "clean.yaml"), append(append(base, []byte("\n---\n")...), data...), 0o644)
	cat, err := catalog.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	rules, err := slo.PrometheusRules(cat)
	if err != nil {
		t.Fatal(err)
	}
	text := string(rules)
	for _, want := range []string{
		"name: intops-slo-royalty-sync-latency", "record: intops_slo:error_ratio:rate5m", "record: intops_slo:error_ratio:rate3d",
		"alert: IntopsSLOBurnRate", "severity: page", "severity: ticket", "> 0.072", // 14.4 × 0.5% budget
		`rate(intops_slo_good_events_total{slo="crm-to-erp-availability"}[1h])`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("rules lack %q:\n%s", want, text)
		}
	}
	path := filepath.Join(t.TempDir(), "rules.yaml")
	os.WriteFile(path, rules, 0o644)
	out, err := exec.Command(promtool(t), "check", "rules", path).CombinedOutput()
	if err != nil || strings.Contains(string(out), "FAILED") {
		t.Fatalf("promtool check rules: %v\n%s\n%s", err, out, text)
	}
	t.Logf("promtool: %s", strings.TrimSpace(string(out)))
}
