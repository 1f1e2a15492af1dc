package report

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/intops/intops/catalog"
	"github.com/intops/intops/clickhouse/chtest"
	"github.com/intops/intops/internal/testtier"
)

// handBuiltReports are the reports of October 2026 (Berlin) on the
// hand-built history, with its snapshots taken.
func handBuiltReports(t *testing.T) (*SLOReport, *MaturityReport) {
	t.Helper()
	db := chtest.Shared(t).Open(t)
	storeTestHistory(t, db)
	cat := loadTestCatalog(t)
	current := func() *catalog.Catalog { return cat }
	berlin, _ := time.LoadLocation("Europe/Berlin")
	ctx := context.Background()
	sn := &Snapshotter{Store: db, Catalog: current, Incidents: testIncidents(), Location: berlin}
	if _, err := sn.Take(ctx, time.Date(2026, 7, 10, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), func(time.Time) *catalog.Catalog { return cat }); err != nil {
		t.Fatal(err)
	}
	s := &Service{Store: db, Catalog: current, Incidents: testIncidents(), Location: berlin,
		Now: func() time.Time { return time.Date(2026, 11, 15, 9, 0, 0, 0, time.UTC) }}
	p, _ := s.Parse("2026-10")
	sr, err := s.SLOReport(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	mr, err := s.MaturityReport(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	return sr, mr
}

// TestRenderedReports: the HTML is one page with inline style and SVG and
// no script, showing the computed figures; the CSV tables parse with a
// header row and a row per SLO, team, scope.
func TestRenderedReports(t *testing.T) {
	sr, mr := handBuiltReports(t)
	ctx := context.Background()
	page, err := HTML(ctx, Title("slo", sr.Period), SLOBody(sr), MaturityBody(mr))
	if err != nil {
		t.Fatal(err)
	}
	html := string(page)
	if os.Getenv("INTOPS_REPORT_OUT") != "" {
		os.WriteFile(filepath.Join(os.Getenv("INTOPS_REPORT_OUT"), "report.html"), page, 0o644)
	}
	for _, want := range []string{
		"<style>", "@media print", "<svg", "SLO attainment · October 2026", "Integration maturity · October 2026",
		"3 of 3",                  // SLOs met
		"67.1%",                   // a's budget: 500 of 745,000 at 99.9%
		"99.933%",                 // a's attainment
		"9 min",                   // MTTA (8.5 → 9)
		"45 min",                  // MTTR
		"Team X",                  // a team's title
		"Levels as of 2026-10-31", // the snapshot day
		"September 2026: 1",       // missed in September
		"tier-1", "inc-a-1", "a-availability",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("the HTML lacks %q", want)
		}
	}
	for _, banned := range []string{"<script", "src=", "href=", "<link", "url("} {
		if strings.Contains(html, banned) {
			t.Errorf("the HTML is not self-contained: it has %q", banned)
		}
	}
	for _, c := range []struct {
		table string
		write func(*bytes.Buffer, string) error
		rows  int
		head  string
	}{
		{"slos", func(b *bytes.Buffer, t string) error { return sr.CSV(b, t) }, 4, "period,team,tier,slo,title,integration,sli,objective,window,events,attainment,budget_consumed,status,attainment_2026-07,attainment_2026-08,attainment_2026-09"},
		{"teams", func(b *bytes.Buffer, t string) error { return sr.CSV(b, t) }, 2, "period,team,title,slos,met,missed"},
		{"tiers", func(b *bytes.Buffer, t string) error { return sr.CSV(b, t) }, 3, "period,tier,title"},
		{"incidents", func(b *bytes.Buffer, t string) error { return sr.CSV(b, t) }, 2, "period,id,integration"},
		{"trend", func(b *bytes.Buffer, t string) error { return sr.CSV(b, t) }, 4, "period,slos,met"},
		{"scopes", func(b *bytes.Buffer, t string) error { return mr.CSV(b, t) }, 3, "period,as_of,scope,title,level,level_name,previous_level,ownership"},
		{"criteria", func(b *bytes.Buffer, t string) error { return mr.CSV(b, t) }, 3 * len(mr.Criteria), "period,as_of,scope,level,dimension,measure,op,threshold,value,known,met"},
	} {
		var b bytes.Buffer
		if err := c.write(&b, c.table); err != nil {
			t.Fatalf("%s: %v", c.table, err)
		}
		recs, err := csv.NewReader(&b).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", c.table, err)
		}
		if len(recs) != c.rows+1 || !strings.HasPrefix(strings.Join(recs[0], ","), c.head) {
			t.Errorf("%s: %d rows, header %v; want %d rows, header %s…", c.table, len(recs)-1, recs[0], c.rows, c.head)
		}
	}
	var b bytes.Buffer
	if err := sr.CSV(&b, "nope"); err == nil || err.Error() != `table "nope": want one of slos, teams, tiers, incidents, trend` {
		t.Errorf("unknown table: %v", err)
	}
	recs, _ := csv.NewReader(strings.NewReader(csvOf(t, sr))).ReadAll()
	for _, r := range recs[1:] {
		if r[3] == "a-availability" && (r[10] != "0.999329" || r[11] != "0.671141" || r[12] != "met") {
			t.Errorf("a's row: %v", r)
		}
	}
}

func csvOf(t *testing.T, r *SLOReport) string {
	var b bytes.Buffer
	if err := r.CSV(&b, ""); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestPDF prints both reports with Chromium: the PDF's pages render
// (pdftoppm) and its text holds the figures.
func TestPDF(t *testing.T) {
	testtier.NeedsServer(t, "Chromium")
	for _, tool := range []string{"pdftoppm", "pdftotext"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: apt-get install poppler-utils (make deps does)", tool)
		}
	}
	if _, err := FindChromium(); err != nil {
		t.Fatal(err) // loud: make deps installs chromium
	}
	sr, mr := handBuiltReports(t)
	ctx := context.Background()
	page, err := HTML(ctx, Title("", sr.Period), SLOBody(sr), MaturityBody(mr))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	pdf, err := (&Chromium{}).PDF(ctx, page)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("printed %d bytes of HTML to %d bytes of PDF in %v", len(page), len(pdf), time.Since(start).Round(time.Millisecond))
	pages, text := checkPDF(t, pdf)
	if pages < 3 {
		t.Errorf("%d pages, want the SLO report and the maturity report over several", pages)
	}
	for _, want := range []string{"SLO attainment · October 2026", "67.1%", "99.933%", "45 min", "Integration maturity · October 2026"} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF's text lacks %q", want)
		}
	}
}

// checkPDF renders every page with pdftoppm, and returns how many there
// are and the text pdftotext reads.
func checkPDF(t *testing.T, pdf []byte) (int, string) {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "r.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("pdftoppm", "-r", "40", "-png", in, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm cannot render the PDF: %v: %s", err, out)
	}
	pngs, _ := filepath.Glob(filepath.Join(dir, "page*.png"))
	for _, p := range pngs {
		if fi, err := os.Stat(p); err != nil || fi.Size() < 1000 {
			t.Errorf("page %s is empty", p)
		}
	}
	text, err := exec.Command("pdftotext", "-layout", in, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	if os.Getenv("INTOPS_REPORT_OUT") != "" {
		os.WriteFile(filepath.Join(os.Getenv("INTOPS_REPORT_OUT"), "report.pdf"), pdf, 0o644)
	}
	return len(pngs), string(text)
}

func TestCSVKeepsSpreadsheetsFromFormulas(t *testing.T) {
	r := &SLOReport{Period: Containing(Month, time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), time.UTC), Trend: []Figures{{}},
		SLOs: []SLORow{{Name: "=cmd|' /C calc'!A0", Title: "@SUM(1)", Team: "+team", Integration: "-x", Trend: []*float64{}}}}
	var b bytes.Buffer
	if err := r.CSV(&b, "slos"); err != nil {
		t.Fatal(err)
	}
	recs, _ := csv.NewReader(&b).ReadAll()
	if row := recs[1]; row[1] != "'+team" || row[3] != "'=cmd|' /C calc'!A0" || row[4] != "'@SUM(1)" || row[5] != "'-x" {
		t.Errorf("row %q: want every text cell that starts a formula quoted", row)
	}
}
