package catalog_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/intops/intops/catalog"
	"github.com/intops/intops/internal/benchreport"
)

// generateEstate writes a catalog of n integrations over n/10 systems and
// n/50 teams, with an SLO for every tier-1 integration, in files of 100
// integrations.
func generateEstate(tb testing.TB, dir string, n int) {
	tb.Helper()
	teams, systems := max(n/50, 2), max(n/10, 4)
	var b strings.Builder
	for i := 0; i < teams; i++ {
		fmt.Fprintf(&b, "---\napiVersion: intops.dev/v1alpha1\nkind: Team\nmetadata: {name: team-%d}\nspec: {slackChannel: \"#team-%d\", members: [a, b]}\n", i, i)
	}
	for i := 0; i < systems; i++ {
		fmt.Fprintf(&b, "---\napiVersion: intops.dev/v1alpha1\nkind: System\nmetadata: {name: system-%d}\nspec: {kind: ERP, owner: team-%d, systemOfRecordFor: [domain-%d]}\n", i, i%teams, i)
	}
	os.WriteFile(filepath.Join(dir, "org.yaml"), []byte(b.String()), 0o644)
	for f := 0; f*100 < n; f++ {
		b.Reset()
		for i := f * 100; i < min((f+1)*100, n); i++ {
			src, dst := i%systems, (i*7+1)%systems
			fmt.Fprintf(&b, `---
apiVersion: intops.dev/v1alpha1
kind: Integration
metadata: {name: flow-%d, title: Flow %d}
spec:
  source: system-%d
  targets: [system-%d]
  dataDomains: [domain-%d]
  mechanism: api
  owner: team-%d
  technicalOwner: t
  businessOwner: b
  dataSteward: d
  retirement: "2030-01-01"
  tier: %d
  match:
    - service.name: svc-%d
      peer.service: system-%d
`, i, i, src, dst, src, i%teams, 1+i%3, i, dst)
			if i%3 == 0 {
				fmt.Fprintf(&b, `---
apiVersion: openslo/v1
kind: SLO
metadata: {name: flow-%d-availability}
spec:
  service: flow-%d
  indicator:
    metadata: {name: flow-%d-success}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: intops, spec: {sli: success_ratio}}}
        total: {metricSource: {type: intops, spec: {sli: success_ratio}}}
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.999}]
`, i, i, i)
			}
		}
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("flows-%03d.yaml", f)), []byte(b.String()), 0o644)
	}
}

// BenchmarkLint5000 loads and lints a generated 5,000-integration catalog,
// as `intops catalog lint` does. With INTOPS_BENCH_REPORT set it writes
// the time into that Markdown file.
func BenchmarkLint5000(b *testing.B) {
	dir := b.TempDir()
	generateEstate(b, dir, 5000)
	var findings int
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		cat, err := catalog.Load(dir)
		if err != nil {
			b.Fatal(err)
		}
		if len(cat.Integrations) != 5000 {
			b.Fatalf("%d integrations", len(cat.Integrations))
		}
		findings = len(catalog.Lint(cat, catalog.LintConfig{}, time.Now()))
	}
	per := time.Since(start) / time.Duration(b.N)
	b.ReportMetric(per.Seconds(), "s/lint")
	if findings != 0 {
		b.Fatalf("%d findings on a clean generated catalog", findings)
	}
	if path := os.Getenv("INTOPS_BENCH_REPORT"); path != "" {
		body := fmt.Sprintf(`## Catalog lint: 5,000 integrations

Command: `+"`make bench-catalog`"+` (BenchmarkLint5000 in catalog/bench_test.go), run %s.
Machine: %s.

A generated catalog of 5,000 integrations, 500 systems, 100 teams and 1,667
OpenSLO SLOs in 51 files is loaded (YAML parse, strict key checks, mapping)
and linted with every rule, %d times.

| step | time per run | goal |
|---|---:|---:|
| load + lint | %.0f ms | < 2,000 ms |
`, time.Now().UTC().Format("2006-01-02"), benchreport.Machine(), b.N, float64(per.Microseconds())/1000)
		if err := benchreport.Write(path, "bench-catalog", body); err != nil {
			b.Fatal(err)
		}
	}
}
