package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/intops/intops/analyzer/anomaly"
	"github.com/intops/intops/analyzer/anomaly/accuracy"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/internal/benchreport"
	"github.com/intops/intops/simulate"
)

// runAnomaly handles `intops anomaly score` and `intops anomaly eval`.
func runAnomaly(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return usageError{errors.New("want: intops anomaly score --input FILE.csv [--output FILE] | intops anomaly eval [--catalog DIR] [--seeds 1,2,3]")}
	}
	switch args[0] {
	case "score":
		return runAnomalyScore(args[1:], stdout)
	case "eval":
		return runAnomalyEval(ctx, args[1:], stdout)
	}
	return usageError{fmt.Errorf("unknown anomaly command %q (want score or eval)", args[0])}
}

func runAnomalyScore(args []string, stdout io.Writer) error {
	fs := newFlags("anomaly score")
	in := fs.String("input", "", "CSV `file` of timestamp,value rows (- for standard input)")
	out := fs.String("output", "", "write timestamp,value,anomaly_score to `file`, one row per input row (default: standard output)")
	tz := fs.String("tz", "UTC", "time `zone` of naive timestamps and of the series' seasonality (IANA name)")
	kind := fs.String("kind", "", "`counts` or gauge (default: gauge when a value is negative or fractional)")
	missing := fs.String("missing", "missing", "an interval without a row is `missing` (no score update) or zero")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *in == "" {
		return usageError{errors.New("--input is required")}
	}
	loc, err := time.LoadLocation(*tz)
	if err != nil {
		return usageError{fmt.Errorf("--tz %q: %v", *tz, err)}
	}
	if *kind != "" && *kind != anomaly.KindCounts && *kind != anomaly.KindGauge {
		return usageError{fmt.Errorf("--kind %q: want counts or gauge", *kind)}
	}
	if *missing != "missing" && *missing != "zero" {
		return usageError{fmt.Errorf("--missing %q: want missing or zero", *missing)}
	}
	r := io.Reader(os.Stdin)
	if *in != "-" {
		f, err := os.Open(*in)
		if err != nil {
			return unusable{err}
		}
		defer f.Close()
		r = f
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
	name := *in
	if name == "-" {
		name = "standard input"
	}
	opt := anomaly.CSVOptions{Name: name, Loc: loc, Kind: *kind, MissingZero: *missing == "zero", Warn: os.Stderr}
	if err := anomaly.ScoreCSV(r, w, opt); err != nil {
		return unusable{err}
	}
	return nil
}

func runAnomalyEval(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("anomaly eval")
	dir := fs.String("catalog", envOr("INTOPS_CATALOG", "examples/estate"), "estate catalog `dir` whose integrations are simulated")
	seeds := fs.String("seeds", "1,2,3", "comma-separated simulator `seeds`")
	per := fs.Int("per-scenario", 12, "incidents per scenario and seed")
	report := fs.String("report", "", "also write the figures into this markdown `file` (docs/benchmarks.md)")
	realistic := fs.Bool("realistic", true, "simulate realistic traffic: day-to-day spread, autocorrelated noise, local weekends, a daylight-saving change, a holiday, sparse flows (false: the demo's smooth traffic)")
	tz := fs.String("timezone", "America/New_York", "the estate's time `zone` (IANA name) for realistic traffic and the baselines")
	holidays := fs.String("holidays", "2026-10-12", "comma-separated `dates` of holidays in the realistic history, besides the catalog's")
	if err := parse(fs, args); err != nil {
		return err
	}
	loc, err := time.LoadLocation(*tz)
	if err != nil {
		return usageError{fmt.Errorf("--timezone %q: %v", *tz, err)}
	}
	days := anomaly.Holidays{}
	for _, f := range strings.Split(*holidays, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		if _, err := time.Parse("2006-01-02", f); err != nil {
			return usageError{fmt.Errorf("--holidays: %q is not a date (YYYY-MM-DD)", f)}
		}
		days[f] = true
	}
	var ss []uint64
	for _, f := range strings.Split(*seeds, ",") {
		n, err := strconv.ParseUint(strings.TrimSpace(f), 10, 64)
		if err != nil {
			return usageError{fmt.Errorf("--seeds: %q is not a number", f)}
		}
		ss = append(ss, n)
	}
	cat, err := catalog.Load(*dir)
	if err != nil {
		return unusable{err}
	}
	opt := accuracy.Options{Seeds: ss, PerScenario: *per}
	if *realistic {
		for d := range cat.Holidays {
			days[d] = true
		}
		opt.Realism = &simulate.Realism{Location: loc, Holidays: days}
	}
	start := time.Now()
	rep, err := accuracy.Run(ctx, simulate.Profiles(cat.Integrations), opt)
	if err != nil {
		return err
	}
	var b strings.Builder
	rep.Print(&b)
	fmt.Fprint(stdout, b.String())
	fmt.Fprintf(stdout, "\n(%s)\n", time.Since(start).Round(time.Second))
	if *report != "" {
		traffic := "smooth seasonal traffic (the demo's, `--realistic=false`)"
		if *realistic {
			traffic = fmt.Sprintf("realistic, in %s: each flow's whole days spread by 5–15%%, within-day noise of 3–8%% with a correlation time of 30–60 minutes, weekends (25–50%% of a weekday's business-hours traffic, 60–100%% of its night level) and holidays (%s) from local midnight, the change from daylight-saving time, and a fifth of the APIs sparse (a few runs an hour or a day, besides the scheduled batch and file flows); the history runs from Sunday 11 October 2026, the evaluation over a Sunday and a Monday. Volume incidents go to flows that run at least once a minute; false alarms are reported for every flow, by its mean volume", loc, strings.Join(slices.Sorted(maps.Keys(days)), ", "))
		}
		body := fmt.Sprintf("## Anomaly detection accuracy\n\nCommand: `make eval-anomaly` (`intops anomaly eval --catalog %s --seeds %s`), run %s in %s.\nMachine: %s.\n\n"+
			"Each integration of the demo estate gets 28 days of simulated history, then two incident-free days (false alarms) and, for a sample of integrations per scenario and seed, a labelled incident; the traffic is %s. The detectors run every simulated minute as the server runs them, with the estate's time zone and holidays; an incident counts as detected when an episode about its signal opens during it (or within 15 minutes of its end). Precision: episodes during incidents / all episodes of those runs.\n\n```\n%s```\n",
			*dir, *seeds, time.Now().UTC().Format("2006-01-02"), time.Since(start).Round(time.Second), benchreport.Machine(), traffic, b.String())
		if err := benchreport.Write(*report, "eval-anomaly", body); err != nil {
			return err
		}
	}
	return nil
}
