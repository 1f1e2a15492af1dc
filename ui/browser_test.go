package ui_test

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/intops/intops/ui/internal/uitest"
)

func TestBrowserPages(t *testing.T) {
	srv, cat := uitest.WebServer(t)
	hs := httptest.NewServer(srv)
	defer hs.Close()
	ctx, problems := uitest.Browser(t)
	noProblems := func(page string) {
		t.Helper()
		if p := problems(); len(p) > 0 {
			t.Errorf("%s: the browser reported:\n  %s", page, strings.Join(p, "\n  "))
		}
	}

	t.Run("estate", func(t *testing.T) {
		var rows int
		var first string
		err := chromedp.Run(ctx,
			chromedp.Navigate(hs.URL+"/"),
			chromedp.WaitVisible(`[data-testid="estate-table"]`, chromedp.ByQuery),
			uitest.PollJS(`typeof htmx !== "undefined"`),
			chromedp.Evaluate(`document.querySelectorAll('[data-testid="estate-row"]').length`, &rows),
			chromedp.AttributeValue(`[data-testid="estate-row"]`, "data-id", &first, nil, chromedp.ByQuery),
		)
		if err != nil {
			t.Fatal(err)
		}
		if rows != len(cat.Integrations) || first != "shop-to-erp-orders" {
			t.Errorf("%d rows starting with %s, want %d starting with shop-to-erp-orders", rows, first, len(cat.Integrations))
		}
		uitest.Screenshot(t, ctx, "estate.png")
		noProblems("/")

		want := 0
		for _, in := range cat.All() {
			if in.Owner == "order-platform" {
				want++
			}
		}
		var url string
		err = chromedp.Run(ctx,
			chromedp.SetValue(`select[name="team"]`, "order-platform", chromedp.ByQuery),
			chromedp.Click(`form[data-testid="filters"] button[type="submit"]`, chromedp.ByQuery),
			uitest.PollJS(`location.search.includes("team=order-platform")`),
			uitest.PollJS(fmt.Sprintf(`document.querySelectorAll('[data-testid="estate-row"]').length === %d`, want)),
			chromedp.Location(&url),
		)
		if err != nil {
			t.Fatalf("filter by team: %v", err)
		}
		if !strings.Contains(url, "team=order-platform") {
			t.Errorf("url %s", url)
		}
		noProblems("/?team=order-platform")
	})

	t.Run("integration", func(t *testing.T) {
		var points, failures int
		err := chromedp.Run(ctx,
			chromedp.Navigate(hs.URL+"/integrations/shop-to-erp-orders"),
			chromedp.WaitVisible(`#chart canvas`, chromedp.ByQuery),
			uitest.PollJS(`window.intopsChart && window.intopsChart.data[1].length > 0`),
			chromedp.Evaluate(`window.intopsChart.data[1].length`, &points),
			chromedp.Evaluate(`window.intopsChart.data[2].filter(v => v > 0).length`, &failures),
		)
		if err != nil {
			t.Fatal(err)
		}
		if points != 6*60 || failures == 0 {
			t.Errorf("chart: %d points, %d with failures; want 360 minutes with some failing", points, failures)
		}
		uitest.Screenshot(t, ctx, "integration.png")
		noProblems("/integrations/shop-to-erp-orders")

		var url string
		err = chromedp.Run(ctx,
			chromedp.Click(`a[data-range="7d"]`, chromedp.ByQuery),
			// the link loads a new page: wait on the DOM, which survives it
			chromedp.WaitVisible(`a[data-range="7d"][aria-current="true"]`, chromedp.ByQuery),
			chromedp.WaitVisible(`#chart canvas`, chromedp.ByQuery),
			uitest.PollJS(`window.intopsChart && window.intopsChart.data[1].length === 168`),
			chromedp.Location(&url),
		)
		if err != nil {
			t.Fatalf("range 7d: %v", err)
		}
		if !strings.HasSuffix(url, "/integrations/shop-to-erp-orders?range=7d") {
			t.Errorf("url %s", url)
		}
		noProblems(url)

		// the three charts have data; 90d draws 2,160 hours
		var charts, classPoints, latencyPoints, failedRows int
		err = chromedp.Run(ctx,
			chromedp.Navigate(hs.URL+"/integrations/shop-to-erp-orders?range=90d"),
			chromedp.WaitVisible(`#chart-latency canvas`, chromedp.ByQuery),
			uitest.PollJS(`window.intopsCharts && window.intopsCharts.length === 3 && window.intopsChart === window.intopsCharts[0]`),
			uitest.PollJS(`window.intopsChart.data[1].length === 2160`),
			chromedp.Evaluate(`window.intopsCharts.length`, &charts),
			chromedp.Evaluate(`window.intopsCharts[1].data.slice(1).reduce((n, s) => n + s.filter(v => v > 0).length, 0)`, &classPoints),
			chromedp.Evaluate(`window.intopsCharts[2].data.slice(1).reduce((n, s) => n + s.filter(v => v != null && v > 0).length, 0)`, &latencyPoints),
			chromedp.Evaluate(`document.querySelectorAll('[data-testid="failed-row"]').length`, &failedRows),
		)
		if err != nil {
			t.Fatalf("range 90d: %v", err)
		}
		if charts != 3 || classPoints == 0 || latencyPoints == 0 || failedRows != 20 {
			t.Errorf("90d: %d charts, %d class points, %d latency points, %d failed rows", charts, classPoints, latencyPoints, failedRows)
		}
		noProblems("?range=90d")

		// a failed execution's trace link shows the trace's spans
		var spans int
		err = chromedp.Run(ctx,
			chromedp.Click(`[data-testid="failed-row"] a[data-testid="trace-link"]`, chromedp.ByQuery),
			chromedp.WaitVisible(`[data-testid="trace-span"]`, chromedp.ByQuery),
			chromedp.Evaluate(`document.querySelectorAll('[data-testid="trace-span"]').length`, &spans),
			chromedp.Location(&url),
		)
		if err != nil {
			t.Fatalf("trace: %v", err)
		}
		if spans != 3 || !strings.Contains(url, "trace=") {
			t.Errorf("trace %s: %d spans, want 3", url, spans)
		}
		uitest.Screenshot(t, ctx, "integration-trace.png")
		noProblems(url)

		var msg string
		err = chromedp.Run(ctx,
			chromedp.Navigate(hs.URL+"/integrations/shop-to-erp-orders?trace=not-hex"),
			chromedp.WaitVisible(`[data-testid="trace-error"]`, chromedp.ByQuery),
			chromedp.Text(`[data-testid="trace-error"]`, &msg, chromedp.ByQuery),
			uitest.PollJS(`window.intopsCharts && window.intopsCharts.length === 3`),
		)
		if err != nil {
			t.Fatalf("bad trace: %v", err)
		}
		if !strings.Contains(msg, "Not a trace id") {
			t.Errorf("bad trace id message %q", msg)
		}
		noProblems("?trace=not-hex")
	})
}
