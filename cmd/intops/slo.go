package main

import (
	"fmt"
	"io"
	"net/url"
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

// checkPrometheusURL checks --prometheus-url: empty, or an http(s) URL of
// a host. The error never repeats a password the URL carries.
func checkPrometheusURL(s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		shown := "the value given"
		if err == nil {
			shown = fmt.Sprintf("%q", u.Redacted())
		}
		return fmt.Errorf("--prometheus-url %s: want the http:// or https:// URL of a Prometheus-compatible API, e.g. http://prometheus:9090", shown)
	}
	return nil
}
