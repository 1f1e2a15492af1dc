package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/a-h/templ"

	"github.com/intops/intops/alerting"
	"github.com/intops/intops/analyzer/maturity"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/clickhouse"
	"github.com/intops/intops/internal/cron"
	"github.com/intops/intops/report"
)

const reportUsage = `usage: intops report slo|maturity [--period 2026-10|2026-Q3] [--format html|csv|pdf] [--out FILE] [--table NAME]
  [--clickhouse DSN] [--catalog DIR] [--timezone ZONE] [--maturity-thresholds FILE]`

// runReport writes a report of a period from ClickHouse and the catalog,
// read only: no server needs to run.
func runReport(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(stdout, reportUsage)
			return nil
		}
		return usageError{errors.New("which report? " + reportUsage)}
	}
	kind := args[0]
	if kind != "slo" && kind != "maturity" {
		return usageError{fmt.Errorf("report %q: want slo or maturity\n%s", kind, reportUsage)}
	}
	fs := newFlags("report " + kind)
	period := fs.String("period", "", "the `period`: a month (2026-10) or a quarter (2026-Q3); default the last complete month")
	format := fs.String("format", "", "html, csv or pdf (default: from --out's extension, else html)")
	out := fs.String("out", "-", "output `file` (- is standard output)")
	table := fs.String("table", "", "the CSV `table`: slos, teams, tiers, incidents, trend (slo); scopes, criteria, days (maturity)")
	dsn := clickhouseFlags(fs, "ClickHouse `dsn`")
	dir := fs.String("catalog", envOr("INTOPS_CATALOG", "examples/estate"), "estate catalog `dir` (env INTOPS_CATALOG)")
	tz := fs.String("timezone", envOr("INTOPS_TIMEZONE", "UTC"), "the estate's time `zone`, in which periods are read (env INTOPS_TIMEZONE)")
	thresholds := fs.String("maturity-thresholds", envOr("INTOPS_MATURITY_THRESHOLDS", ""), "maturity model `file` replacing the built-in thresholds")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if *format == "" {
		*format = "html"
		if ext := strings.TrimPrefix(filepath.Ext(*out), "."); *out != "-" && slices.Contains([]string{"html", "csv", "pdf"}, ext) {
			*format = ext
		}
	}
	if !slices.Contains([]string{"html", "csv", "pdf"}, *format) {
		return usageError{fmt.Errorf("--format %q: want html, csv or pdf", *format)}
	}
	tables := report.SLOTables
	if kind == "maturity" {
		tables = report.MaturityTables
	}
	if *table != "" && (*format != "csv" || !slices.Contains(tables, *table)) {
		return usageError{fmt.Errorf("--table %q: want --format csv and one of %s", *table, strings.Join(tables, ", "))}
	}
	loc, err := time.LoadLocation(*tz)
	if err != nil {
		return usageError{fmt.Errorf("--timezone %q: %v", *tz, err)}
	}
	p := report.LastComplete(report.Month, time.Now(), loc)
	if *period != "" {
		if p, err = report.ParsePeriod(*period, loc); err != nil {
			return usageError{fmt.Errorf("--period: %w", err)}
		}
	}
	model, err := loadMaturityModel(*thresholds)
	if err != nil {
		return err
	}
	var printer *report.Chromium
	if *format == "pdf" {
		path, err := report.FindChromium()
		if err != nil {
			return unusable{err}
		}
		printer = &report.Chromium{Path: path}
	}
	cat, err := catalog.Load(*dir)
	if err != nil {
		return unusable{err}
	}
	db, err := clickhouse.Open(ctx, dsn())
	if err != nil {
		return err
	}
	defer db.Close()
	current := func() *catalog.Catalog { return cat }
	svc := &report.Service{Store: db, Catalog: current, Incidents: &alerting.Manager{Store: db, Catalog: current}, Model: model, Location: loc}
	doc, err := renderReport(ctx, svc, kind, p, *format, *table, printer)
	if err != nil {
		return err
	}
	if *out == "-" {
		_, err = stdout.Write(doc)
		return err
	}
	return os.WriteFile(*out, doc, 0o644)
}

// renderReport builds a report and writes it in a format.
func renderReport(ctx context.Context, svc *report.Service, kind string, p report.Period, format, table string, printer report.Printer) ([]byte, error) {
	var body templ.Component
	var writeCSV func(io.Writer, string) error
	if kind == "slo" {
		r, err := svc.SLOReport(ctx, p)
		if err != nil {
			return nil, err
		}
		body, writeCSV = report.SLOBody(r), r.CSV
	} else {
		r, err := svc.MaturityReport(ctx, p)
		if err != nil {
			return nil, err
		}
		body, writeCSV = report.MaturityBody(r), r.CSV
	}
	if format == "csv" {
		var buf bytes.Buffer
		err := writeCSV(&buf, table)
		return buf.Bytes(), err
	}
	page, err := report.HTML(ctx, report.Title(kind, p), body)
	if err != nil || format == "html" {
		return page, err
	}
	return printer.PDF(ctx, page)
}

// startReports builds the report service and starts the daily maturity
// snapshots and, with --digest-schedule, the leaders' digest (each a
// Run(ctx) of its own, so that only one replica need run them). The
// printer is nil when no Chromium is found (PDF downloads then say so);
// the digest needs one, and Slack.
func newReports(db *clickhouse.DB, cat func() *catalog.Catalog, lint catalog.LintConfig, alerts *alerting.Manager,
	model maturity.Model, loc *time.Location, f serverFlags, listenURL string, logger *slog.Logger) (*report.Service, report.Printer, []func(context.Context), error) {
	reports := &report.Service{Store: db, Catalog: cat, Incidents: alerts, Model: model, Location: loc}
	snapshots := &report.Snapshotter{Store: db, Catalog: cat, LintConfig: lint, Incidents: alerts, Model: model, Location: loc,
		Logger: logger.With("component", "maturity-snapshots")}
	var printer report.Printer
	path, chromiumErr := report.FindChromium()
	if chromiumErr == nil {
		printer = &report.Chromium{Path: path}
	} else {
		logger.Warn("report PDFs are unavailable", "err", chromiumErr)
	}
	var digest *report.Digester
	if f.digestSchedule != "" {
		sched, err := cron.ParseSchedule(f.digestSchedule, loc)
		if err != nil {
			return nil, nil, nil, usageError{fmt.Errorf("--digest-schedule: %w", err)}
		}
		if f.digestPeriod != report.Month && f.digestPeriod != report.Quarter {
			return nil, nil, nil, usageError{fmt.Errorf("--digest-period %q: want month or quarter", f.digestPeriod)}
		}
		if f.digestChannel == "" {
			return nil, nil, nil, usageError{errors.New("--digest-channel: a Slack channel is needed for the digest")}
		}
		pub, ok := alerts.Notifier.(report.Publisher)
		if !ok {
			return nil, nil, nil, usageError{errors.New("--digest-schedule: the digest is posted to Slack: set INTOPS_SLACK_TOKEN")}
		}
		if chromiumErr != nil {
			return nil, nil, nil, unusable{fmt.Errorf("--digest-schedule: the digest attaches a PDF: %w", chromiumErr)}
		}
		base := f.baseURL
		if base == "" {
			base = listenURL
		}
		digest = &report.Digester{Reports: reports, Schedule: sched, Kind: f.digestPeriod, Channel: f.digestChannel, Publisher: pub,
			Log: db, Printer: printer, BaseURL: base, Logger: logger.With("component", "digest")}
		if next := sched.Next(time.Now()); !next.IsZero() {
			logger.Info("leaders' digest scheduled", "schedule", sched.String(), "channel", f.digestChannel, "next", next.Format(time.RFC3339))
		}
	}
	jobs := []func(context.Context){snapshots.Run}
	if digest != nil {
		jobs = append(jobs, digest.Run)
	}
	return reports, printer, jobs, nil
}
