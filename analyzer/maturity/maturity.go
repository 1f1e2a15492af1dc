// Package maturity scores an integration estate, or one team's part of it,
// on the five maturity levels (1 ad hoc, 2 standardized, 3 managed,
// 4 optimized, 5 autonomous) from measures the platform has, one
// dimension at a time, and says what is missing for the next level.
package maturity

import (
	_ "embed"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Levels names the five levels, by number.
var Levels = map[int]string{1: "ad hoc", 2: "standardized", 3: "managed", 4: "optimized", 5: "autonomous"}

// Dimensions in report order.
var Dimensions = []string{"ownership", "slo", "observability", "architecture", "operations", "governance"}

// Measures are what criteria read, with their unit and meaning.
var Measures = map[string]string{
	"owner_share":             "share of integrations with an owning team",
	"business_owner_share":    "share of integrations with a business owner",
	"data_steward_share":      "share of integrations with a data steward",
	"retirement_plan_share":   "share of integrations with a retirement date",
	"slo_coverage_tier12":     "share of tier-1 and tier-2 integrations with an SLO",
	"slo_attainment":          "share of SLOs that met their objective over the period",
	"emitting_share":          "share of production integrations that sent spans in the last 7 days",
	"shadow_integrations":     "uncatalogued flows seen in the traffic",
	"api_event_share":         "share of integrations that are API- or event-driven (not file, batch, RPA, DB link)",
	"connection_ratio":        "actual system connections / n(n-1)/2",
	"mtta_minutes":            "mean time to acknowledge incidents, minutes",
	"mttr_hours":              "mean time to resolve incidents, hours",
	"anomaly_first_share":     "share of SLO pages whose integration had an anomaly first",
	"lint_errors_per_100":     "catalog lint errors per 100 integrations",
	"contract_test_share":     "share of integrations with passing contract tests",
	"deprecated_with_traffic": "deprecated or retired integrations still carrying traffic",
}

// Criterion is one rule of the model.
type Criterion struct {
	Level     int     `yaml:"level" json:"level"`
	Dimension string  `yaml:"dimension" json:"dimension"`
	Measure   string  `yaml:"measure" json:"measure"`
	Op        string  `yaml:"op" json:"op"` // >= or <=
	Threshold float64 `yaml:"threshold" json:"threshold"`
}

// Model is the set of criteria.
type Model struct {
	Criteria []Criterion `yaml:"criteria" json:"criteria"`
}

//go:embed thresholds.yaml
var defaultThresholds []byte

// Default returns the built-in model (thresholds.yaml).
func Default() Model {
	m, err := Parse("thresholds.yaml", defaultThresholds)
	if err != nil {
		panic(err) // the embedded file is checked by the tests
	}
	return m
}

// Parse reads a model, checking every criterion.
func Parse(name string, data []byte) (Model, error) {
	var m Model
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&m); err != nil && err != io.EOF {
		return m, fmt.Errorf("%s: %v", name, err)
	}
	if len(m.Criteria) == 0 {
		return m, fmt.Errorf("%s: no criteria", name)
	}
	for i, c := range m.Criteria {
		where := fmt.Sprintf("%s: criterion %d (%s %s)", name, i+1, c.Dimension, c.Measure)
		switch {
		case c.Level < 2 || c.Level > 5:
			return m, fmt.Errorf("%s: level %d: want 2 to 5 (level 1 has no criteria)", where, c.Level)
		case !contains(Dimensions, c.Dimension):
			return m, fmt.Errorf("%s: unknown dimension (want one of %s)", where, strings.Join(Dimensions, ", "))
		case Measures[c.Measure] == "":
			return m, fmt.Errorf("%s: unknown measure", where)
		case c.Op != ">=" && c.Op != "<=":
			return m, fmt.Errorf("%s: op %q: want >= or <=", where, c.Op)
		}
	}
	return m, nil
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// Evidence are the measured values of a scope, by measure. A measure
// without a value (no data: no incidents for MTTR, no SLOs for
// attainment) fails its criteria: a level is not reached on no evidence.
type Evidence map[string]float64

// Result is one criterion checked against the evidence.
type Result struct {
	Criterion
	Value float64 `json:"value"`
	Known bool    `json:"known"`
	Met   bool    `json:"met"`
}

// Text says the result in words: "owner share 0.72 (needs >= 0.80)".
func (r Result) Text() string {
	v := "no data"
	if r.Known {
		v = trim(r.Value)
	}
	mark := "missing"
	if r.Met {
		mark = "met"
	}
	return fmt.Sprintf("%s %s: %s %s (needs %s %s)", mark, r.Dimension, r.Measure, v, r.Op, trim(r.Threshold))
}

func trim(x float64) string {
	if x == math.Trunc(x) && math.Abs(x) < 1e9 {
		return fmt.Sprintf("%.0f", x)
	}
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.3f", x), "0"), ".")
}

// Score is a scope's maturity.
type Score struct {
	Scope string `json:"scope"` // "estate" or a team
	Level int    `json:"level"`
	Name  string `json:"name"`
	// Dimensions: each dimension's level (its criteria alone).
	Dimensions map[string]int `json:"dimensions"`
	Results    []Result       `json:"criteria"`
	// Missing are the criteria that keep the scope from the next level
	// (those of it and below that do not hold).
	Missing []Result `json:"missing_for_next_level"`
}

// Assess scores evidence against the model.
func (m Model) Assess(scope string, ev Evidence) Score {
	s := Score{Scope: scope, Dimensions: map[string]int{}}
	for _, c := range m.Criteria {
		v, ok := ev[c.Measure]
		r := Result{Criterion: c, Value: v, Known: ok}
		if ok {
			switch c.Op {
			case ">=":
				r.Met = v >= c.Threshold-1e-9
			case "<=":
				r.Met = v <= c.Threshold+1e-9
			}
		}
		s.Results = append(s.Results, r)
	}
	sort.SliceStable(s.Results, func(i, j int) bool {
		if s.Results[i].Level != s.Results[j].Level {
			return s.Results[i].Level < s.Results[j].Level
		}
		return index(s.Results[i].Dimension) < index(s.Results[j].Dimension)
	})
	s.Level = reached(s.Results, "")
	for _, d := range Dimensions {
		s.Dimensions[d] = reached(s.Results, d)
	}
	s.Name = Levels[s.Level]
	if s.Level < 5 {
		for _, r := range s.Results {
			if r.Level <= s.Level+1 && !r.Met {
				s.Missing = append(s.Missing, r)
			}
		}
	}
	return s
}

func index(d string) int {
	for i, x := range Dimensions {
		if x == d {
			return i
		}
	}
	return len(Dimensions)
}

// reached is the highest level whose criteria and those below all hold
// (in one dimension, or in all when dim is "").
func reached(rs []Result, dim string) int {
	level := 1
	for l := 2; l <= 5; l++ {
		for _, r := range rs {
			if r.Level <= l && (dim == "" || r.Dimension == dim) && !r.Met {
				return level
			}
		}
		level = l
	}
	return level
}

// Explain writes a score as text: the level, each dimension's level, and
// what is missing for the next level.
func (s Score) Explain(w io.Writer) {
	fmt.Fprintf(w, "%s: level %d, %s\n", s.Scope, s.Level, s.Name)
	for _, d := range Dimensions {
		fmt.Fprintf(w, "  %-14s %d %s\n", d, s.Dimensions[d], Levels[s.Dimensions[d]])
	}
	if s.Level == 5 {
		fmt.Fprintln(w, "  every criterion holds")
		return
	}
	fmt.Fprintf(w, "  missing for level %d (%s):\n", s.Level+1, Levels[s.Level+1])
	for _, r := range s.Missing {
		fmt.Fprintf(w, "    L%d %s\n", r.Level, r.Text())
	}
}
