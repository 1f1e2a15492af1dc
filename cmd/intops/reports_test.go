package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/intops/intops/clickhouse"
	"github.com/intops/intops/clickhouse/chtest"
	"github.com/intops/intops/report"
	"github.com/intops/intops/simulate"
)

// TestReportsOnTheDemoEstate is the acceptance test of the reports: the
// demo's history (months of hourly rollups, past incidents replayed,
// daily maturity snapshots) written as `intops demo` writes it, then
// `intops server` serves the reports of the last complete month as JSON,
// HTML, CSV and PDF and `intops report` writes them too. The PDFs open
// (pdftoppm renders every page) and their figures, read back with
// pdftotext, are the API's.
func TestReportsOnTheDemoEstate(t *testing.T) {
	for _, tool := range []string{"pdftoppm", "pdftotext"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: apt-get install poppler-utils (make deps does)", tool)
		}
	}
	if _, err := report.FindChromium(); err != nil {
		t.Fatal(err)
	}
	srv := chtest.Shared(t)
	dsn := srv.NewDatabase(t)
	ctx := context.Background()
	db, err := clickhouse.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	flags := serverFlags{dsn: dsn, catalog: "../../examples/estate", timezone: "UTC", spanDays: 14, rollupDays: 400}
	sim := simulateFlags{catalog: flags.catalog, backfillDays: 2, seed: 7, incidents: true}
	now := time.Now().UTC().Truncate(time.Minute)
	gen, cat, err := estateGenerator(sim, now)
	if err != nil {
		t.Fatal(err)
	}
	hist := simulate.History{Catalog: cat, From: now.AddDate(0, 0, -defaultHistoryDays).Truncate(24 * time.Hour), To: now}
	past := hist.PastIncidents(gen.Profiles, now.AddDate(0, 0, -sim.backfillDays), 1)
	start := time.Now()
	if err := demoHistory(ctx, logger, db, sim, flags, gen, hist, past, now); err != nil {
		t.Fatal(err)
	}
	t.Logf("demo history of %d days written in %v", defaultHistoryDays, time.Since(start).Round(time.Second))

	port, _ := clickhouse.FreePort()
	flags.listen = fmt.Sprintf("127.0.0.1:%d", port)
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ready := make(chan string, 1)
	go serve(sctx, logger, flags, ready)
	var base string
	select {
	case addr := <-ready:
		base = "http://" + addr
	case <-time.After(60 * time.Second):
		t.Fatal("the server did not start")
	}
	period := report.LastComplete(report.Month, now, time.UTC).String()

	// The SLO report.
	start = time.Now()
	var slo report.SLOReport
	apiJSON(t, base+"/api/v1/reports/slo", &slo) // the default is the last complete month
	t.Logf("SLO report of %s over the API in %v", period, time.Since(start).Round(time.Millisecond))
	if slo.Period.String() != period || len(slo.Trend) != 4 || slo.Estate.SLOs < 70 || slo.Estate.Incidents == 0 || slo.Estate.MTTRMinutes == nil {
		t.Fatalf("SLO report: period %s, trend %d, estate %+v", slo.Period, len(slo.Trend), slo.Estate)
	}
	for _, f := range slo.Trend {
		if f.PartialData {
			t.Errorf("%s: the demo history must cover the trend", f.Period)
		}
	}
	html := download(t, base+"/reports/slo/"+period+".html", "text/html")
	if !bytes.Contains(html, []byte("<svg")) || bytes.Contains(html, []byte("<script")) {
		t.Error("the HTML report has no chart, or has a script")
	}
	recs, err := csv.NewReader(bytes.NewReader(download(t, base+"/reports/slo/"+period+".csv", "text/csv"))).ReadAll()
	if err != nil || len(recs) != len(slo.SLOs)+1 {
		t.Fatalf("SLO CSV: %d rows (%v), want a header and %d SLOs", len(recs), err, len(slo.SLOs))
	}
	for i, row := range recs[1:] {
		s := slo.SLOs[i]
		if row[3] != s.Name || row[10] != optNum(s.Attainment) || row[11] != optNum(s.BudgetConsumed) || row[12] != s.Status {
			t.Errorf("CSV row %v, API %s %v %v %s", row, s.Name, optNum(s.Attainment), optNum(s.BudgetConsumed), s.Status)
		}
	}
	start = time.Now()
	pdf := download(t, base+"/reports/slo/"+period+".pdf", "application/pdf")
	pages, text := pdfPages(t, pdf)
	// Every figure of the API, as the report formats it (names wrap in
	// table cells, so figures are what is compared).
	t.Logf("SLO report PDF: %d bytes, %d pages, printed in %v", len(pdf), pages, time.Since(start).Round(time.Millisecond))
	e := slo.Estate
	want := []string{
		fmt.Sprintf("%d of %d", e.Met, e.Met+e.Missed), report.Share(e.MetShare), report.Minutes(e.MTTRMinutes), report.Minutes(e.MTTAMinutes),
		report.Budget(e.WorstBudget), fmt.Sprintf("%d page", e.Pages),
	}
	for _, g := range append(slo.Teams, slo.Tiers...) {
		want = append(want, report.Share(g.MetShare), report.Minutes(g.MTTRMinutes))
	}
	for _, s := range slo.SLOs {
		want = append(want, report.Attainment(s.Attainment), report.Budget(s.BudgetConsumed))
	}
	for _, in := range slo.Incidents {
		want = append(want, report.Minutes(&in.Minutes))
	}
	for _, w := range slo.Worst {
		want = append(want, report.Budget(&w.BudgetConsumed))
	}
	assertIn(t, "the SLO report PDF", flat(text), want)

	// The maturity report.
	var mat report.MaturityReport
	apiJSON(t, base+"/api/v1/reports/maturity?period="+period, &mat)
	if len(mat.Scopes) < 5 || len(mat.Days) < 90 || mat.Periods[0].AsOf == "" {
		t.Fatalf("maturity report: %d scopes, %d days, periods %+v", len(mat.Scopes), len(mat.Days), mat.Periods)
	}
	levels := map[int]bool{}
	for _, d := range mat.Days {
		levels[d.Levels["estate"]] = true
	}
	changed := 0
	for _, s := range mat.Scopes {
		for _, p := range mat.Periods[:len(mat.Periods)-1] {
			if l, ok := p.Levels[s.Scope]; ok && l != s.Level {
				changed++
				break
			}
		}
	}
	if len(levels) < 2 && changed == 0 {
		t.Errorf("the maturity trend is flat: estate levels %v, no scope changed level", levels)
	}
	pdf = download(t, base+"/reports/maturity/"+period+".pdf", "application/pdf")
	if out := os.Getenv("INTOPS_REPORT_OUT"); out != "" {
		_ = os.WriteFile(filepath.Join(out, "maturity.pdf"), pdf, 0o644)
		_ = os.WriteFile(filepath.Join(out, "maturity.html"), download(t, base+"/reports/maturity/"+period+".html", "text/html"), 0o644)
		_ = os.WriteFile(filepath.Join(out, "slo.html"), html, 0o644)
	}
	pages, text = pdfPages(t, pdf)
	t.Logf("maturity report PDF: %d bytes, %d pages", len(pdf), pages)
	want = []string{mat.AsOf}
	for _, s := range mat.Scopes {
		for _, m := range s.Missing {
			want = append(want, report.Measure(m.Measure, m.Value, m.Known)+" (needs "+report.Threshold(m.Measure, m.Op, m.Threshold)+")")
		}
		for _, r := range s.Results {
			want = append(want, report.Measure(r.Measure, r.Value, r.Known))
		}
	}
	want = append(want, fmt.Sprintf("%d %s", mat.Scopes[0].Level, mat.Scopes[0].Name))
	assertIn(t, "the maturity report PDF", flat(text), want)

	// `intops report` writes the same, without the server.
	dir := t.TempDir()
	for _, f := range []string{"slo.html", "slo.csv", "slo.pdf", "maturity.csv"} {
		kind, format, _ := strings.Cut(f, ".")
		out := filepath.Join(dir, f)
		if err := runReport(ctx, []string{kind, "--period", period, "--out", out, "--clickhouse", dsn, "--catalog", flags.catalog}, io.Discard); err != nil {
			t.Fatalf("intops report %s --format %s: %v", kind, format, err)
		}
	}
	cli, _ := os.ReadFile(filepath.Join(dir, "slo.csv"))
	api := download(t, base+"/reports/slo/"+period+".csv", "text/csv")
	if !bytes.Equal(cli, api) {
		t.Error("intops report slo --format csv differs from the API's CSV")
	}
	cliPDF, _ := os.ReadFile(filepath.Join(dir, "slo.pdf"))
	if _, text := pdfPages(t, cliPDF); !strings.Contains(flat(text), report.Share(e.MetShare)) {
		t.Error("intops report's PDF lacks the met share")
	}
}

func apiJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

func download(t *testing.T, url, contentType string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), contentType) {
		t.Fatalf("GET %s: %d %s: %.300s", url, resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	return body
}

// pdfPages renders every page of a PDF with pdftoppm (each must produce
// an image) and returns the page count and the text pdftotext reads.
func pdfPages(t *testing.T, pdf []byte) (int, string) {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "report.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("pdftoppm", "-r", "30", "-png", in, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm cannot render the PDF: %v: %s", err, out)
	}
	pngs, _ := filepath.Glob(filepath.Join(dir, "page*.png"))
	if len(pngs) == 0 {
		t.Fatal("pdftoppm rendered no page")
	}
	for _, p := range pngs {
		if fi, err := os.Stat(p); err != nil || fi.Size() < 500 {
			t.Errorf("page %s did not render", filepath.Base(p))
		}
	}
	text, err := exec.Command("pdftotext", in, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return len(pngs), string(text)
}

// flat removes the text's white space: pdftotext breaks lines in table
// cells, and long names at their hyphens.
func flat(s string) string { return strings.Join(strings.Fields(s), "") }

func assertIn(t *testing.T, what, text string, want []string) {
	t.Helper()
	missing := 0
	for _, w := range want {
		if !strings.Contains(text, flat(w)) {
			missing++
			if missing <= 10 {
				t.Errorf("%s lacks %q", what, w)
			}
		}
	}
	if missing > 10 {
		t.Errorf("%s lacks %d of %d figures", what, missing, len(want))
	}
}

func optNum(x *float64) string {
	if x == nil {
		return ""
	}
	return fmt.Sprint(*x)
}
