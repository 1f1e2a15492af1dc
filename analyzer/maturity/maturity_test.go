package maturity

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestGolden: each testdata/<case>/evidence.yaml scored with the default
// model must explain itself exactly as its want.txt says.
func TestGolden(t *testing.T) {
	dirs, _ := filepath.Glob("testdata/*")
	if len(dirs) < 6 {
		t.Fatalf("want the golden cases in testdata, found %v", dirs)
	}
	m := Default()
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, "evidence.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			var ev Evidence
			if err := yaml.Unmarshal(data, &ev); err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			m.Assess("estate", ev).Explain(&b)
			want := filepath.Join(dir, "want.txt")
			if *update {
				os.WriteFile(want, []byte(b.String()), 0o644)
			}
			w, err := os.ReadFile(want)
			if err != nil {
				t.Fatal(err)
			}
			if b.String() != string(w) {
				t.Errorf("got\n%s\nwant\n%s", b.String(), w)
			}
		})
	}
}

func TestLevelBoundaries(t *testing.T) {
	m := Default()
	for name, want := range map[string]int{"1-ad-hoc": 1, "2-standardized": 2, "3-managed": 3, "4-optimized": 4, "5-autonomous": 5, "no-incidents": 1} {
		data, _ := os.ReadFile(filepath.Join("testdata", name, "evidence.yaml"))
		var ev Evidence
		yaml.Unmarshal(data, &ev)
		if got := m.Assess("x", ev).Level; got != want {
			t.Errorf("%s: level %d, want %d", name, got, want)
		}
	}
}

func TestParseRejectsBadModels(t *testing.T) {
	for in, want := range map[string]string{
		"criteria: [{level: 1, dimension: slo, measure: slo_attainment, op: '>=', threshold: 1}]":   "level 1",
		"criteria: [{level: 3, dimension: money, measure: slo_attainment, op: '>=', threshold: 1}]": "unknown dimension",
		"criteria: [{level: 3, dimension: slo, measure: vibes, op: '>=', threshold: 1}]":            "unknown measure",
		"criteria: [{level: 3, dimension: slo, measure: slo_attainment, op: '>', threshold: 1}]":    "op",
		"criteria: [{level: 3, dimension: slo, measure: slo_attainment, op: '>=', limit: 1}]":       "field limit not found",
		"criteria: []": "no criteria",
	} {
		if _, err := Parse("m.yaml", []byte(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", in, err, want)
		}
	}
}
