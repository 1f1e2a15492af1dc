package catalogview_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/intops/intops/ui/internal/uitest"
)

func TestBrowserCatalogAndMap(t *testing.T) {
	srv, _ := uitest.CatalogServer(t)
	hs := httptest.NewServer(srv)
	defer hs.Close()
	ctx, problems := uitest.Browser(t)
	noProblems := func(page string) {
		t.Helper()
		if p := problems(); len(p) > 0 {
			t.Errorf("%s: the browser reported:\n  %s", page, strings.Join(p, "\n  "))
		}
	}

	t.Run("catalog", func(t *testing.T) {
		var copyHidden bool
		var url string
		err := chromedp.Run(ctx,
			chromedp.Navigate(hs.URL+"/catalog"),
			chromedp.WaitVisible(`[data-testid="lint-table"]`, chromedp.ByQuery),
			chromedp.WaitVisible(`[data-testid="draft-entry"]`, chromedp.ByQuery),
			uitest.PollJS(`!document.querySelector('button[data-copy]').hidden`),
			chromedp.Evaluate(`document.querySelector('button[data-copy]').hidden`, &copyHidden),
		)
		if err != nil {
			t.Fatal(err)
		}
		if copyHidden {
			t.Error("the Copy button stays hidden with JavaScript")
		}
		uitest.Screenshot(t, ctx, "catalog.png")
		noProblems("/catalog")

		err = chromedp.Run(ctx,
			chromedp.SetValue(`select[name="severity"]`, "error", chromedp.ByQuery),
			chromedp.Click(`form[data-testid="catalog-filters"] button[type="submit"]`, chromedp.ByQuery),
			// the form loads a new page: wait on the DOM, which survives it
			chromedp.WaitReady(`select[name="severity"] option[value="error"][selected]`, chromedp.ByQuery),
			chromedp.WaitVisible(`[data-testid="lint-table"]`, chromedp.ByQuery),
			uitest.PollJS(`document.querySelectorAll('[data-testid="lint-row"]').length > 0 &&
				document.querySelectorAll('[data-testid="lint-row"]:not([data-severity="error"])').length === 0`),
			chromedp.Location(&url),
		)
		if err != nil {
			t.Fatalf("filter by severity: %v", err)
		}
		if !strings.Contains(url, "/catalog?") || !strings.Contains(url, "severity=error") {
			t.Errorf("url %s", url)
		}
		noProblems(url)
	})

	t.Run("map", func(t *testing.T) {
		var nodes, edges int
		err := chromedp.Run(ctx,
			chromedp.Navigate(hs.URL+"/map"),
			chromedp.WaitVisible(`#map canvas`, chromedp.ByQuery),
			uitest.PollJS(`window.intopsMap && window.intopsMap.nodes().length > 0`),
			chromedp.Evaluate(`window.intopsMap.nodes().length`, &nodes),
			chromedp.Evaluate(`window.intopsMap.edges().length`, &edges),
		)
		if err != nil {
			t.Fatal(err)
		}
		if nodes < 10 || edges < 10 {
			t.Errorf("map: %d nodes, %d edges", nodes, edges)
		}
		uitest.Screenshot(t, ctx, "map.png")
		noProblems("/map")

		// a tap on a system opens its impact
		var url string
		var rows int
		err = chromedp.Run(ctx,
			chromedp.Evaluate(`window.intopsMap.getElementById("sap-erp").emit("tap"); true`, nil),
			chromedp.WaitVisible(`[data-testid="impact-table"]`, chromedp.ByQuery),
			chromedp.WaitVisible(`#map canvas`, chromedp.ByQuery),
			uitest.PollJS(`window.intopsMap && window.intopsMap.getElementById("sap-erp").hasClass("selected")`),
			chromedp.Evaluate(`document.querySelectorAll('[data-testid="impact-row"]').length`, &rows),
			chromedp.Location(&url),
		)
		if err != nil {
			t.Fatalf("tap sap-erp: %v", err)
		}
		if !strings.HasSuffix(url, "/map?system=sap-erp") || rows == 0 {
			t.Errorf("url %s, %d impact rows", url, rows)
		}
		noProblems(url)
	})
}
