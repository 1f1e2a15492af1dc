package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/intops/intops/catalog"
	"github.com/intops/intops/catalog/importer"
)

// runCatalog handles `intops catalog lint|import`.
func runCatalog(_ context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return usageError{fmt.Errorf("want: intops catalog lint DIR | intops catalog import backstage|csv|sloth|pyrra SRC")}
	}
	switch args[0] {
	case "lint":
		return runLint(args[1:], stdout)
	case "import":
		return runImport(args[1:], stdout)
	}
	return usageError{fmt.Errorf("unknown catalog command %q (want lint or import)", args[0])}
}

// lintExit carries lint's exit code: 1 when findings include errors.
type lintExit struct{ code int }

func (e lintExit) Error() string { return fmt.Sprintf("catalog has errors (exit %d)", e.code) }

func runLint(args []string, stdout io.Writer) error {
	fs := newFlags("catalog lint")
	format := fs.String("format", "text", "output `format`: text, json or sarif")
	now := fs.String("now", "", "lint as of this `date` (YYYY-MM-DD; default today)")
	dir, rest := splitPositional(args)
	if err := parse(fs, rest); err != nil {
		return err
	}
	if dir == "" {
		return usageError{fmt.Errorf("want: intops catalog lint DIR [--format text|json|sarif]")}
	}
	at := time.Now()
	if *now != "" {
		t, err := time.Parse(time.DateOnly, *now)
		if err != nil {
			return usageError{fmt.Errorf("--now %q: want YYYY-MM-DD", *now)}
		}
		at = t
	}
	cat, err := catalog.Load(dir)
	if err != nil {
		return unusable{err}
	}
	cfgDir := dir
	if info, err := os.Stat(dir); err == nil && !info.IsDir() {
		cfgDir = filepath.Dir(dir)
	}
	cfg, err := catalog.LoadLintConfig(cfgDir)
	if err != nil {
		return unusable{err}
	}
	findings := catalog.Lint(cat, cfg, at)
	switch *format {
	case "text":
		err = catalog.WriteText(stdout, findings)
	case "json":
		err = catalog.WriteJSON(stdout, findings)
	case "sarif":
		err = catalog.WriteSARIF(stdout, findings, cfgDir, version)
	default:
		return usageError{fmt.Errorf("--format %q: want text, json or sarif", *format)}
	}
	if err != nil {
		return err
	}
	if catalog.HasErrors(findings) {
		return lintExit{1}
	}
	return nil
}

// unusable is input lint cannot read: exit code 2.
type unusable struct{ error }

func runImport(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return usageError{fmt.Errorf("want: intops catalog import backstage DIR|FILE | csv FILE [--out FILE] | sloth|pyrra FILE [--out DIR] [--service ID] [--period 30d]")}
	}
	kind := args[0]
	if kind == "sloth" || kind == "pyrra" {
		return runImportSLOs(kind, args[1:], stdout)
	}
	fs := newFlags("catalog import " + kind)
	out := fs.String("out", "", "write the catalog YAML to `file` (default: standard output)")
	src, rest := splitPositional(args[1:])
	if err := parse(fs, rest); err != nil {
		return err
	}
	if src == "" {
		return usageError{fmt.Errorf("catalog import %s: name the source", kind)}
	}
	var res *importer.Result
	var err error
	switch kind {
	case "backstage":
		res, err = importer.Backstage(src)
	case "csv":
		res, err = importer.CSV(src)
	default:
		return usageError{fmt.Errorf("catalog import %q: want backstage, csv, sloth or pyrra", kind)}
	}
	if err != nil {
		return unusable{err}
	}
	w := stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	if _, err := w.Write(res.YAML); err != nil {
		return err
	}
	for _, p := range res.Problems {
		fmt.Fprintln(os.Stderr, p)
	}
	fmt.Fprintf(os.Stderr, "imported %d teams, %d systems, %d integrations; %d rows or documents not mapped\n",
		res.Teams, res.Systems, res.Integrations, len(res.Problems))
	if len(res.Problems) > 0 {
		return lintExit{1}
	}
	return nil
}

// runImportSLOs handles `intops catalog import sloth|pyrra FILE`: OpenSLO
// documents on standard output, or in DIR/<file>.yaml with --out DIR.
func runImportSLOs(kind string, args []string, stdout io.Writer) error {
	fs := newFlags("catalog import " + kind)
	out := fs.String("out", "", "write the OpenSLO documents into `dir` (default: standard output)")
	service := fs.String("service", "", "the OpenSLO service, an intops integration `id`, every SLO measures (default: the source's service, or a Pyrra SLO's namespace)")
	period := fs.String("period", "30d", "the SLO `window` of Sloth SLOs, which name none (Sloth's --default-slo-period)")
	src, rest := splitPositional(args)
	if err := parse(fs, rest); err != nil {
		return err
	}
	if src == "" {
		return usageError{fmt.Errorf("catalog import %s: name the file", kind)}
	}
	opts := importer.SLOOptions{Service: *service}
	if *service != "" && !catalog.ValidName(*service) {
		return usageError{fmt.Errorf("--service %q: want an RFC 1123 name (lowercase letters, digits and '-')", *service)}
	}
	if kind == "sloth" {
		d, err := importer.ParsePeriod(*period)
		if err != nil {
			return usageError{fmt.Errorf("--period %q: %v", *period, err)}
		}
		opts.Period = d
	}
	var res *importer.Result
	var err error
	if kind == "sloth" {
		res, err = importer.Sloth(src, opts)
	} else {
		res, err = importer.Pyrra(src, opts)
	}
	if err != nil {
		return unusable{err}
	}
	w := stdout
	if *out != "" {
		if err := os.MkdirAll(*out, 0o755); err != nil {
			return err
		}
		name := strings.TrimSuffix(filepath.Base(src), filepath.Ext(src))
		path := filepath.Join(*out, kind+"-"+name+".yaml")
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
		defer fmt.Fprintf(os.Stderr, "wrote %s\n", path)
	}
	if _, err := w.Write(res.YAML); err != nil {
		return err
	}
	for _, p := range res.Problems {
		fmt.Fprintln(os.Stderr, p)
	}
	fmt.Fprintf(os.Stderr, "imported %d services, %d SLOs, %d alert policies; %d SLOs not imported\n",
		res.Services, res.SLOs, res.AlertPolicies, len(res.Problems))
	if len(res.Problems) > 0 {
		return lintExit{1}
	}
	return nil
}

// splitPositional takes the first non-flag argument out of args, so that
// flags may stand before or after it.
func splitPositional(args []string) (string, []string) {
	for i, a := range args {
		if len(a) > 0 && a[0] != '-' {
			if i > 0 && isValueFlag(args[i-1]) {
				continue
			}
			return a, append(append([]string{}, args[:i]...), args[i+1:]...)
		}
	}
	return "", args
}

func isValueFlag(a string) bool {
	for _, f := range []string{"-format", "--format", "-now", "--now", "-out", "--out", "-service", "--service", "-period", "--period"} {
		if a == f {
			return true
		}
	}
	return false
}
