package ui_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/intops/intops/internal/testtier"
)

// chromium is Debian's browser (apt-get install chromium, or make deps).
const chromium = "/usr/bin/chromium"

// browser starts a headless Chromium and collects what the pages log as
// errors: console.error calls, uncaught exceptions, and browser log
// entries such as CSP violations and failed loads.
func browser(t *testing.T) (context.Context, func() []string) {
	t.Helper()
	testtier.NeedsServer(t, "Chromium")
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("the browser tests need %s: install it with `apt-get install chromium` (or `make deps` as root): %v", chromium, err)
	}
	// Not t.TempDir: Chromium may still be writing its profile when the
	// test's cleanup removes the directory.
	profile, err := os.MkdirTemp("", "intops-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1400, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc(); _ = os.RemoveAll(profile) })

	var mu sync.Mutex
	var problems []string
	chromedp.ListenTarget(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.APITypeError || ev.Type == runtime.APITypeAssert {
				var args []string
				for _, a := range ev.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				problems = append(problems, "console."+string(ev.Type)+": "+strings.Join(args, " "))
			}
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+ev.ExceptionDetails.Error())
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.LevelError || ev.Entry.Level == log.LevelWarning {
				problems = append(problems, fmt.Sprintf("log %s: %s %s", ev.Entry.Level, ev.Entry.Text, ev.Entry.URL))
			}
		}
	})
	if err := chromedp.Run(ctx, runtime.Enable(), log.Enable()); err != nil {
		t.Fatalf("start %s: %v", chromium, err)
	}
	return ctx, func() []string {
		mu.Lock()
		defer mu.Unlock()
		out := problems
		problems = nil
		return out
	}
}

func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if os.Getenv("INTOPS_SCREENSHOTS") != "1" {
		return
	}
	var png []byte
	if err := chromedp.Run(ctx, chromedp.CaptureScreenshot(&png)); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "docs", "screenshots", name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// pollJS waits until the expression is true.
func pollJS(expr string) chromedp.Action {
	return chromedp.Poll(expr, nil, chromedp.WithPollingTimeout(10*time.Second))
}

func TestBrowserPages(t *testing.T) {
	srv, cat := webServer(t)
	hs := httptest.NewServer(srv)
	defer hs.Close()
	ctx, problems := browser(t)
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
			pollJS(`typeof htmx !== "undefined"`),
			chromedp.Evaluate(`document.querySelectorAll('[data-testid="estate-row"]').length`, &rows),
			chromedp.AttributeValue(`[data-testid="estate-row"]`, "data-id", &first, nil, chromedp.ByQuery),
		)
		if err != nil {
			t.Fatal(err)
		}
		if rows != len(cat.Integrations) || first != "shop-to-erp-orders" {
			t.Errorf("%d rows starting with %s, want %d starting with shop-to-erp-orders", rows, first, len(cat.Integrations))
		}
		screenshot(t, ctx, "estate.png")
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
			pollJS(`location.search.includes("team=order-platform")`),
			pollJS(fmt.Sprintf(`document.querySelectorAll('[data-testid="estate-row"]').length === %d`, want)),
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
			pollJS(`window.intopsChart && window.intopsChart.data[1].length > 0`),
			chromedp.Evaluate(`window.intopsChart.data[1].length`, &points),
			chromedp.Evaluate(`window.intopsChart.data[2].filter(v => v > 0).length`, &failures),
		)
		if err != nil {
			t.Fatal(err)
		}
		if points != 6*60 || failures == 0 {
			t.Errorf("chart: %d points, %d with failures; want 360 minutes with some failing", points, failures)
		}
		screenshot(t, ctx, "integration.png")
		noProblems("/integrations/shop-to-erp-orders")

		var url string
		err = chromedp.Run(ctx,
			chromedp.Click(`a[data-range="7d"]`, chromedp.ByQuery),
			// the link loads a new page: wait on the DOM, which survives it
			chromedp.WaitVisible(`a[data-range="7d"][aria-current="true"]`, chromedp.ByQuery),
			chromedp.WaitVisible(`#chart canvas`, chromedp.ByQuery),
			pollJS(`window.intopsChart && window.intopsChart.data[1].length === 168`),
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
			pollJS(`window.intopsCharts && window.intopsCharts.length === 3 && window.intopsChart === window.intopsCharts[0]`),
			pollJS(`window.intopsChart.data[1].length === 2160`),
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
		screenshot(t, ctx, "integration-trace.png")
		noProblems(url)

		var msg string
		err = chromedp.Run(ctx,
			chromedp.Navigate(hs.URL+"/integrations/shop-to-erp-orders?trace=not-hex"),
			chromedp.WaitVisible(`[data-testid="trace-error"]`, chromedp.ByQuery),
			chromedp.Text(`[data-testid="trace-error"]`, &msg, chromedp.ByQuery),
			pollJS(`window.intopsCharts && window.intopsCharts.length === 3`),
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
