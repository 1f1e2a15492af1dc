package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/intops/intops/catalog"
	"github.com/intops/intops/catalog/importer"
)

// runCatalog handles `intops catalog lint|import`.
func runCatalog(_ context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return usageError{fmt.Errorf("want: intops catalog lint DIR | intops catalog import backstage|csv SRC")}
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
		return usageError{fmt.Errorf("want: intops catalog import backstage DIR|FILE | intops catalog import csv FILE [--out FILE]")}
	}
	kind := args[0]
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
		return usageError{fmt.Errorf("catalog import %q: want backstage or csv", kind)}
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
	for _, f := range []string{"-format", "--format", "-now", "--now", "-out", "--out"} {
		if a == f {
			return true
		}
	}
	return false
}
