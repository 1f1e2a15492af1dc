package main

import (
	"fmt"
	"io"
	"os"

	"github.com/intops/intops/analyzer/slo"
	"github.com/intops/intops/catalog"
)

// runSLO handles `intops slo rules`.
func runSLO(args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "rules" {
		return usageError{fmt.Errorf("want: intops slo rules --catalog DIR [--out FILE]")}
	}
	fs := newFlags("slo rules")
	dir := fs.String("catalog", envOr("INTOPS_CATALOG", "examples/estate"), "estate catalog `dir`")
	out := fs.String("out", "", "write the rules to `file` (default: standard output)")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	cat, err := catalog.Load(*dir)
	if err != nil {
		return unusable{err}
	}
	rules, err := slo.PrometheusRules(cat)
	if err != nil {
		return err
	}
	if *out != "" {
		return os.WriteFile(*out, rules, 0o644)
	}
	_, err = stdout.Write(rules)
	return err
}
