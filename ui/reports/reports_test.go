package reports_test

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/intops/intops/catalog"
	"github.com/intops/intops/report"
	"github.com/intops/intops/ui"
	"github.com/intops/intops/ui/internal/uitest"
)

func TestReportAPIs(t *testing.T) {
	srv := uitest.ReportServer(t)
	for _, c := range []struct {
		path string
		code int
		want string
	}{
		{"/api/v1/reports/slo", 200, `"id": "2026-10"`},
		{"/api/v1/reports/slo?period=2026-Q3", 200, `"id": "2026-Q3"`},
		{"/api/v1/reports/slo?period=2026-13", 400, `period \"2026-13\": month 13: want 01 to 12`},
		{"/api/v1/reports/slo?period=October", 400, `want a month YYYY-MM (2026-10) or a quarter YYYY-Qn (2026-Q3)`},
		{"/api/v1/reports/slo?period=2027-01", 400, "period has not started: 2027-01"},
		{"/api/v1/reports/slo?period=2026-01", 503, "the report is unavailable (ClickHouse)"},
		{"/api/v1/reports/maturity?period=2026-10", 200, `"as_of": "2026-10-31"`},
		{"/api/v1/reports/maturity?period=2026-06", 404, "no maturity snapshot"},
		{"/api/v1/reports/maturity", 404, "maturity scoring is not running"},
		{"/reports/slo/2026-10.csv?table=teams", 200, "period,team,title,slos,met,missed"},
		{"/reports/slo/2026-10.csv", 200, "shop-to-erp-orders-availability"},
		{"/reports/slo/2026-10.csv?table=nope", 400, `table \"nope\": want one of slos, teams, tiers, incidents, trend`},
		{"/reports/maturity/2026-10.csv", 200, "period,as_of,scope,title,level"},
		{"/reports/slo/2026-10.html", 200, "<style>"},
		{"/reports/slo/2026-10.pdf", 200, "%PDF-"},
		{"/reports/slo/2026-10.docx", 404, "format docx: want html, csv or pdf"},
		{"/reports/budget/2026-10.html", 404, "want /reports/slo/PERIOD.html"},
		{"/reports/slo/2026-99.pdf", 400, `month 99`},
		{"/reports", 200, `data-testid="slo-report"`},
		{"/reports?kind=maturity&period=2026-10", 200, `data-testid="maturity-report"`},
		{"/reports?kind=maturity&period=2026-06", 404, "no maturity snapshot"},
		{"/reports?period=2026-13", 400, "month 13: want 01 to 12"},
		{"/reports?kind=budget", 400, "kind budget: want slo or maturity"},
	} {
		resp, body := uitest.Get(t, srv, c.path)
		if resp.StatusCode != c.code || !strings.Contains(body, c.want) {
			t.Errorf("%s: %d, want %d with %q; got %.300s", c.path, resp.StatusCode, c.code, c.want, body)
		}
	}
	resp, body := uitest.Get(t, srv, "/reports/slo/2026-10.csv?table=teams")
	if ct := resp.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" || !strings.Contains(resp.Header.Get("Content-Disposition"), `filename="intops-slo-2026-10-teams.csv"`) {
		t.Errorf("CSV headers: %v", resp.Header)
	}
	if recs, err := csv.NewReader(strings.NewReader(body)).ReadAll(); err != nil || len(recs) != 2 || recs[1][1] != "order-platform" {
		t.Errorf("teams CSV: %v %v", recs, err)
	}
	resp, _ = uitest.Get(t, srv, "/reports/slo/2026-10.pdf")
	if resp.Header.Get("Content-Type") != "application/pdf" {
		t.Errorf("PDF content type %q", resp.Header.Get("Content-Type"))
	}
	_, body = uitest.Get(t, srv, "/api/v1/reports/slo")
	var doc struct {
		Estate struct {
			Met      int      `json:"met"`
			MetShare *float64 `json:"met_share"`
		} `json:"estate"`
		Trend []json.RawMessage `json:"trend"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil || doc.Estate.Met != 77 || len(doc.Trend) != 4 {
		t.Errorf("SLO report JSON: %+v (%v)", doc, err)
	}
	_, page := uitest.Get(t, srv, "/reports?period=2026-10")
	for _, want := range []string{`href="/reports/report.css"`, `href="/reports/slo/2026-10.pdf"`, `href="/reports/slo/2026-10.csv?table=incidents"`,
		`<option value="2026-10" selected`, `<option value="2026-Q4"`, `aria-current="page">Reports</a>`} {
		if !strings.Contains(page, want) {
			t.Errorf("/reports lacks %s", want)
		}
	}
}

func TestReportsWithoutASource(t *testing.T) {
	srv := ui.New(ui.Options{Store: uitest.EstateStore{}, Catalog: catalog.Fixed(&catalog.Catalog{})})
	for _, path := range []string{"/api/v1/reports/slo", "/reports", "/reports/slo/2026-10.pdf"} {
		if resp, body := uitest.Get(t, srv, path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d %s", path, resp.StatusCode, body)
		}
	}
}

func TestReportRendersAreBoundedAndCached(t *testing.T) {
	if _, err := report.FindChromium(); err != nil {
		t.Fatalf("this test prints with Chromium: %v", err)
	}
	cat, err := catalog.Load(uitest.Examples)
	if err != nil {
		t.Fatal(err)
	}
	printer := &uitest.CountingPrinter{Next: &report.Chromium{}}
	srv := ui.New(ui.Options{Store: uitest.EstateStore{}, Catalog: catalog.Fixed(cat), Reports: uitest.FixedReports{}, Printer: printer,
		ReportRenders: 2, ReportQueueWait: 300 * time.Millisecond, Now: func() time.Time { return uitest.Now }})
	periods := []string{"2026-06", "2026-07", "2026-08", "2026-09", "2026-10"}
	codes := make([]int, len(periods))
	retry := make([]string, len(periods))
	var wg sync.WaitGroup
	for i, p := range periods {
		wg.Go(func() {
			resp, body := uitest.Get(t, srv, "/reports/slo/"+p+".pdf")
			codes[i], retry[i] = resp.StatusCode, resp.Header.Get("Retry-After")
			if resp.StatusCode == 200 && !strings.HasPrefix(body, "%PDF-") {
				t.Errorf("%s: not a PDF: %.40q", p, body)
			}
			if resp.StatusCode == 503 && !strings.Contains(body, "try again in a few seconds") {
				t.Errorf("%s: 503 %s", p, body)
			}
		})
	}
	wg.Wait()
	ok, busy := 0, 0
	for i, c := range codes {
		switch {
		case c == 200:
			ok++
		case c == 503 && retry[i] != "":
			busy++
		default:
			t.Errorf("%s: %d (Retry-After %q)", periods[i], c, retry[i])
		}
	}
	t.Logf("5 PDFs at once: %d printed, %d answered 503, at most %d printing at once", ok, busy, printer.Most)
	if printer.Most > 2 || ok < 2 || busy == 0 {
		t.Errorf("%d printed, %d busy, %d at once; want at most 2 at once and the rest 503", ok, busy, printer.Most)
	}
	// The same report and period again is served from the cache.
	var done string
	for i, c := range codes {
		if c == 200 {
			done = periods[i]
		}
	}
	prints := printer.Prints.Load()
	start := time.Now()
	resp, body := uitest.Get(t, srv, "/reports/slo/"+done+".pdf")
	if resp.StatusCode != 200 || !strings.HasPrefix(body, "%PDF-") || printer.Prints.Load() != prints {
		t.Errorf("the second request of %s: %d, %d prints before and %d after", done, resp.StatusCode, prints, printer.Prints.Load())
	}
	if resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("Content-Disposition") != fmt.Sprintf(`attachment; filename="intops-slo-%s.pdf"`, done) {
		t.Errorf("cached PDF headers: %v", resp.Header)
	}
	t.Logf("the second request of %s took %v", done, time.Since(start))
	// Another format of the same period is another report.
	if resp, _ := uitest.Get(t, srv, "/reports/maturity/2026-10.pdf"); resp.StatusCode != 200 || printer.Prints.Load() != prints+1 {
		t.Errorf("the maturity PDF: %d, %d prints", resp.StatusCode, printer.Prints.Load()-prints)
	}
}
