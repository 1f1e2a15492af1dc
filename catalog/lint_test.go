package catalog_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/intops/intops/catalog"
)

var update = flag.Bool("update", false, "rewrite golden files")

var lintNow = time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)

// TestLintRules lints each testdata/lint/<case> directory and compares the
// text report with its want.txt: every rule has a case named after it that
// breaks it once, and clean cases that break nothing.
func TestLintRules(t *testing.T) {
	dirs, _ := filepath.Glob("testdata/lint/*")
	covered := map[string]bool{}
	for _, dir := range dirs {
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			cat, err := catalog.Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := catalog.LoadLintConfig(dir)
			if err != nil {
				t.Fatal(err)
			}
			findings := catalog.Lint(cat, cfg, lintNow)
			var buf bytes.Buffer
			catalog.WriteText(&buf, findings)
			golden := filepath.Join(dir, "want.txt")
			if *update {
				os.WriteFile(golden, buf.Bytes(), 0o644)
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if buf.String() != string(want) {
				t.Errorf("lint %s:\n%s\nwant:\n%s", dir, buf.String(), want)
			}
			if r := catalog.RuleByID(name); r != nil {
				if len(findings) == 0 || findings[0].Rule != name {
					t.Errorf("case %s does not show its rule: %v", name, findings)
				}
				for _, f := range findings {
					if f.Rule != name {
						t.Errorf("case %s also breaks %s", name, f.Rule)
					}
				}
			}
			for _, f := range findings {
				covered[f.Rule] = true
			}
		})
	}
	for _, r := range catalog.Rules() {
		if !covered[r.ID] {
			t.Errorf("rule %s has no golden case", r.ID)
		}
	}
}

func TestLintFormats(t *testing.T) {
	dir := "testdata/lint/ref.unknown-system"
	cat, err := catalog.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	findings := catalog.Lint(cat, catalog.LintConfig{}, lintNow)
	var js bytes.Buffer
	if err := catalog.WriteJSON(&js, findings); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Findings []catalog.Finding `json:"findings"`
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil || len(doc.Findings) != 1 || doc.Findings[0].Rule != "ref.unknown-system" || doc.Findings[0].Line == 0 {
		t.Errorf("json: %v %s", err, js.String())
	}
	var sarif bytes.Buffer
	if err := catalog.WriteSARIF(&sarif, findings, dir, "test"); err != nil {
		t.Fatal(err)
	}
	var s struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID string `json:"id"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				Level     string `json:"level"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
						Region struct {
							StartLine, StartColumn int
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(sarif.Bytes(), &s); err != nil {
		t.Fatal(err)
	}
	if s.Version != "2.1.0" || len(s.Runs) != 1 || len(s.Runs[0].Tool.Driver.Rules) != len(catalog.Rules()) || len(s.Runs[0].Results) != 1 {
		t.Fatalf("sarif: %s", sarif.String())
	}
	r := s.Runs[0].Results[0]
	if r.RuleID != "ref.unknown-system" || r.Level != "error" || r.Locations[0].PhysicalLocation.ArtifactLocation.URI != "estate.yaml" || r.Locations[0].PhysicalLocation.Region.StartLine != 6 {
		t.Errorf("sarif result %+v", r)
	}
}

func TestLintConfigErrors(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, ".intops-lint.yaml"), []byte("rules:\n  no.such-rule: {severity: fatal}\n  ownership.team: {sevrity: note}\n"), 0o600)
	_, err := catalog.LoadLintConfig(dir)
	if err == nil {
		t.Fatal("want errors")
	}
	for _, want := range []string{`unknown rule "no.such-rule"`, `severity "fatal": want error, warning or note`, `:3:20: rules.ownership.team.sevrity: unknown field "sevrity"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

// TestDemoEstateLint: the demo estate's deliberate gaps, and nothing else
// (examples/estate/README.md lists them).
func TestDemoEstateLint(t *testing.T) {
	cat, err := catalog.Load("../examples/estate")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := catalog.LoadLintConfig("../examples/estate")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	catalog.WriteText(&buf, catalog.Lint(cat, cfg, lintNow))
	golden := "testdata/estate-lint.txt"
	if *update {
		os.WriteFile(golden, buf.Bytes(), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if buf.String() != string(want) {
		t.Errorf("lint of the demo estate:\n%s\nwant:\n%s", buf.String(), want)
	}
}

// TestForeignSLOBesideTheDemoEstate: one SLO measured in Datadog, added to
// the demo estate, is one more lint warning and nothing else: every other
// finding is as before and every other SLO is still evaluated.
func TestForeignSLOBesideTheDemoEstate(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../examples/estate")); err != nil {
		t.Fatal(err)
	}
	const datadog = `apiVersion: openslo/v1
kind: SLO
metadata: {name: shop-to-erp-orders-datadog}
spec:
  service: shop-to-erp-orders
  indicator:
    metadata: {name: shop-to-erp-orders-datadog-ok}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: Datadog, spec: {query: "sum:orders.booked{*}.as_count()"}}}
        total: {metricSource: {type: Datadog, spec: {query: "sum:orders.received{*}.as_count()"}}}
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.999}]
`
	if err := os.WriteFile(filepath.Join(dir, "slos", "datadog.yaml"), []byte(datadog), 0o600); err != nil {
		t.Fatal(err)
	}
	demo, err := catalog.Load("../examples/estate")
	if err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.Load(dir)
	if err != nil {
		t.Fatalf("a Datadog SLO makes the catalog unusable: %v", err)
	}
	cfg, err := catalog.LoadLintConfig(dir)
	if err != nil {
		t.Fatal(err)
	}
	before := map[string]bool{}
	for _, f := range catalog.Lint(demo, cfg, lintNow) {
		before[f.Rule+" "+f.Message] = true
	}
	var added []catalog.Finding
	n := 0
	for _, f := range catalog.Lint(cat, cfg, lintNow) {
		if before[f.Rule+" "+f.Message] {
			n++
			continue
		}
		added = append(added, f)
	}
	if n != len(before) {
		t.Errorf("%d of the demo estate's %d findings are left", n, len(before))
	}
	if len(added) != 1 || added[0].Severity != catalog.SeverityWarning || !strings.Contains(added[0].Message, `"shop-to-erp-orders-datadog" is not evaluated`) ||
		!strings.HasSuffix(added[0].File, "datadog.yaml") {
		t.Fatalf("findings beyond the demo estate's: %+v", added)
	}
	evaluated := func(c *catalog.Catalog) (n int) {
		for _, s := range c.SLOs {
			if s.NotEvaluated == "" {
				n++
			}
		}
		return n
	}
	if len(cat.SLOs) != len(demo.SLOs)+1 || evaluated(cat) != evaluated(demo) {
		t.Errorf("SLOs: %d (%d evaluated), the demo estate's %d (%d evaluated)", len(cat.SLOs), evaluated(cat), len(demo.SLOs), evaluated(demo))
	}
}
