package uitest

import (
	"context"
	"fmt"
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

// Chromium is Debian's browser (apt-get install chromium, or make deps).
const Chromium = "/usr/bin/chromium"

// Browser starts a headless Chromium and collects what the pages log as
// errors: console.error calls, uncaught exceptions, and browser log
// entries such as CSP violations and failed loads.
func Browser(t *testing.T) (context.Context, func() []string) {
	t.Helper()
	testtier.NeedsServer(t, "Chromium")
	if _, err := os.Stat(Chromium); err != nil {
		t.Fatalf("the browser tests need %s: install it with `apt-get install chromium` (or `make deps` as root): %v", Chromium, err)
	}
	// Not t.TempDir: Chromium may still be writing its profile when the
	// test's cleanup removes the directory.
	profile, err := os.MkdirTemp("", "intops-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(Chromium),
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
		t.Fatalf("start %s: %v", Chromium, err)
	}
	return ctx, func() []string {
		mu.Lock()
		defer mu.Unlock()
		out := problems
		problems = nil
		return out
	}
}

// Screenshot saves the page as docs/screenshots/name when
// INTOPS_SCREENSHOTS=1.
func Screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if os.Getenv("INTOPS_SCREENSHOTS") != "1" {
		return
	}
	var png []byte
	if err := chromedp.Run(ctx, chromedp.CaptureScreenshot(&png)); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(filepath.Dir(Examples), "..", "docs", "screenshots", name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// PollJS waits until the expression is true.
func PollJS(expr string) chromedp.Action {
	return chromedp.Poll(expr, nil, chromedp.WithPollingTimeout(10*time.Second))
}
