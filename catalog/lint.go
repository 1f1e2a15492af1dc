package catalog

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"gopkg.in/yaml.v3"
)

// Severity of a lint finding.
type Severity string

const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
	SeverityNote    Severity = "note"
)

// Rule is one governance rule of the catalog.
type Rule struct {
	ID        string
	Severity  Severity
	Rationale string // why the rule exists, one line
	Fix       string // how to fix a finding, one line
	check     func(c *Catalog, env *lintEnv, report func(Pos, string))
}

// Finding is one place where the catalog breaks a rule.
type Finding struct {
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	File     string   `json:"file"`
	Line     int      `json:"line"`
	Column   int      `json:"column"`
	Message  string   `json:"message"`
	Fix      string   `json:"fix"`
}

// Pos returns where the finding is.
func (f Finding) Pos() Pos { return Pos{File: f.File, Line: f.Line, Column: f.Column} }

// LintConfig adjusts rules: a rule's severity, or whether it runs. It is
// read from .intops-lint.yaml in the catalog directory.
type LintConfig struct {
	Rules map[string]RuleConfig `yaml:"rules"`
}

// RuleConfig is one rule's setting.
type RuleConfig struct {
	Severity Severity `yaml:"severity"`
	Disabled bool     `yaml:"disabled"`
}

// LintConfigFile is the name of the lint configuration in a catalog dir.
const LintConfigFile = ".intops-lint.yaml"

// LoadLintConfig reads dir/.intops-lint.yaml; a missing file is no config.
func LoadLintConfig(dir string) (LintConfig, error) {
	var cfg LintConfig
	path := filepath.Join(dir, LintConfigFile)
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return cfg, nil
	}
	if err != nil {
		return cfg, fmt.Errorf("lint config: %w", err)
	}
	var n yaml.Node
	if err := yaml.Unmarshal(data, &n); err != nil {
		return cfg, fmt.Errorf("%s: invalid YAML: %v", path, err)
	}
	if len(n.Content) == 0 {
		return cfg, nil
	}
	var errs []string
	checkKeys(n.Content[0], reflectTypeOf(&cfg), "", func(line, col int, msg string) {
		errs = append(errs, fmt.Sprintf("%s:%d:%d: %s", path, line, col, msg))
	})
	if err := n.Content[0].Decode(&cfg); err != nil {
		errs = append(errs, fmt.Sprintf("%s:%d: %s", path, yamlErrorLine(err), typeError("", err)))
	}
	for id, rc := range cfg.Rules {
		if RuleByID(id) == nil {
			errs = append(errs, fmt.Sprintf("%s: rules: unknown rule %q", path, id))
		}
		switch rc.Severity {
		case "", SeverityError, SeverityWarning, SeverityNote:
		default:
			errs = append(errs, fmt.Sprintf("%s: rules.%s.severity %q: want error, warning or note", path, id, rc.Severity))
		}
	}
	if len(errs) > 0 {
		return cfg, fmt.Errorf("%s", joinLines(errs))
	}
	return cfg, nil
}

type lintEnv struct {
	now time.Time
}

// Lint checks the catalog against every rule, as of now, and returns the
// findings sorted by file, line and column.
func Lint(c *Catalog, cfg LintConfig, now time.Time) []Finding {
	env := &lintEnv{now: now}
	var out []Finding
	for _, r := range Rules() {
		sev := r.Severity
		if rc, ok := cfg.Rules[r.ID]; ok {
			if rc.Disabled {
				continue
			}
			if rc.Severity != "" {
				sev = rc.Severity
			}
		}
		r.check(c, env, func(p Pos, msg string) {
			out = append(out, Finding{Rule: r.ID, Severity: sev, File: p.File, Line: p.Line, Column: p.Column, Message: msg, Fix: r.Fix})
		})
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		return a.Rule < b.Rule
	})
	return out
}

// HasErrors reports whether any finding is an error.
func HasErrors(fs []Finding) bool {
	for _, f := range fs {
		if f.Severity == SeverityError {
			return true
		}
	}
	return false
}

func joinLines(s []string) string {
	sort.Strings(s)
	out := ""
	for i, l := range s {
		if i > 0 {
			out += "\n"
		}
		out += l
	}
	return out
}
