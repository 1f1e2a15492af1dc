package reports_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/intops/intops/ui/internal/uitest"
)

// TestBrowserReports opens /reports in Chromium: the SLO report shows in
// the page frame with its charts and no CSP or console error; picking the
// maturity report with the form shows it.
func TestBrowserReports(t *testing.T) {
	hs := httptest.NewServer(uitest.ReportServer(t))
	defer hs.Close()
	ctx, problems := uitest.Browser(t)
	var kpis string
	var charts, links int
	var color string
	err := chromedp.Run(ctx,
		chromedp.Navigate(hs.URL+"/reports"),
		chromedp.WaitVisible(`[data-testid="slo-report"]`, chromedp.ByQuery),
		chromedp.Text(`[data-testid="slo-kpis"]`, &kpis, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll('[data-testid="slo-report"] svg.chart').length`, &charts),
		chromedp.Evaluate(`document.querySelectorAll('[data-testid="report-downloads"] a').length`, &links),
		// the report's style sheet applies
		chromedp.Evaluate(`getComputedStyle(document.querySelector('.report .kpi')).borderTopStyle`, &color),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(kpis, "77 of 79") || !strings.Contains(kpis, "45 min") {
		t.Errorf("KPIs: %q", kpis)
	}
	if charts != 2 || links != 7 || color != "solid" {
		t.Errorf("%d charts, %d download links, kpi border %q", charts, links, color)
	}
	uitest.Screenshot(t, ctx, "reports.png")
	if p := problems(); len(p) > 0 {
		t.Errorf("/reports: the browser reported:\n  %s", strings.Join(p, "\n  "))
	}
	var level string
	err = chromedp.Run(ctx,
		chromedp.SetValue(`select[name="kind"]`, "maturity", chromedp.ByQuery),
		chromedp.Click(`form[data-testid="report-form"] button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="maturity-report"]`, chromedp.ByQuery),
		chromedp.Text(`[data-testid="kpi-level"]`, &level, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(level, "standardized") && !strings.Contains(level, "ad hoc") {
		t.Errorf("the estate level tile: %q", level)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("/reports?kind=maturity: the browser reported:\n  %s", strings.Join(p, "\n  "))
	}
}
