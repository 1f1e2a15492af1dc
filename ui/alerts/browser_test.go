package alerts_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/intops/intops/ui/internal/uitest"
)

// TestBrowserAlertPages drives /slos, /alerts and /silences in Chromium:
// the pages load cleanly and the plain forms act (acknowledge, silence,
// create a silence) through the CSRF check.
func TestBrowserAlertPages(t *testing.T) {
	srv, fake, cat := uitest.AlertsServer(t)
	hs := httptest.NewServer(srv)
	defer hs.Close()
	ctx, problems := uitest.Browser(t)
	noProblems := func(page string) {
		t.Helper()
		if p := problems(); len(p) > 0 {
			t.Errorf("%s: the browser reported:\n  %s", page, strings.Join(p, "\n  "))
		}
	}

	t.Run("slos", func(t *testing.T) {
		var rows int
		var first string
		err := chromedp.Run(ctx,
			chromedp.Navigate(hs.URL+"/slos"),
			chromedp.WaitVisible(`[data-testid="slo-table"]`, chromedp.ByQuery),
			chromedp.Evaluate(`document.querySelectorAll('[data-testid="slo-row"]').length`, &rows),
			chromedp.AttributeValue(`[data-testid="slo-row"]`, "data-status", &first, nil, chromedp.ByQuery),
		)
		if err != nil {
			t.Fatal(err)
		}
		if rows != len(cat.SLOs) || first != "page" {
			t.Errorf("%d rows starting with %s, want %d starting with page", rows, first, len(cat.SLOs))
		}
		uitest.Screenshot(t, ctx, "slos.png")
		noProblems("/slos")

		var url string
		err = chromedp.Run(ctx,
			chromedp.SetValue(`select[name="status"]`, "ticket", chromedp.ByQuery),
			chromedp.Click(`form[data-testid="slo-filters"] button[type="submit"]`, chromedp.ByQuery),
			uitest.PollJS(`location.search.includes("status=ticket")`),
			uitest.PollJS(`[...document.querySelectorAll('[data-testid="slo-row"]')].every(r => r.dataset.status === "ticket")`),
			chromedp.Location(&url),
		)
		if err != nil {
			t.Fatalf("filter by status: %v", err)
		}
		noProblems(url)
	})

	t.Run("alerts", func(t *testing.T) {
		inc := `[data-testid="alert-incident"][data-id="inc-43"]`
		var flash string
		err := chromedp.Run(ctx,
			chromedp.Navigate(hs.URL+"/alerts"),
			chromedp.WaitVisible(inc+`[data-state="open"]`, chromedp.ByQuery),
			chromedp.Click(`[data-id="inc-42"] details.history summary`, chromedp.ByQuery),
		)
		if err != nil {
			t.Fatal(err)
		}
		uitest.Screenshot(t, ctx, "alerts.png")
		noProblems("/alerts")

		err = chromedp.Run(ctx,
			chromedp.Click(inc+` [data-testid="ack"]`, chromedp.ByQuery),
			chromedp.WaitVisible(inc+`[data-state="acknowledged"]`, chromedp.ByQuery),
			chromedp.Text(`[data-testid="flash"]`, &flash, chromedp.ByQuery),
		)
		if err != nil {
			t.Fatalf("acknowledge: %v", err)
		}
		if flash != "Acknowledged inc-43." {
			t.Errorf("flash %q", flash)
		}
		if chromedp.Run(ctx, uitest.PollJS(`!document.querySelector('[data-id="inc-43"] [data-testid="ack"]')`)) != nil {
			t.Error("Acknowledge is still offered")
		}
		noProblems("/alerts after acknowledge")

		var state string
		err = chromedp.Run(ctx,
			chromedp.Click(inc+` [data-testid="silence-1h"]`, chromedp.ByQuery),
			chromedp.WaitVisible(inc+`[data-silenced="true"]`, chromedp.ByQuery),
			chromedp.Text(inc+` [data-testid="incident-state"]`, &state, chromedp.ByQuery),
		)
		if err != nil {
			t.Fatalf("silence 1h: %v", err)
		}
		if !strings.Contains(state, "silenced") || !strings.Contains(state, "until 2026-11-22 11:30 UTC") {
			t.Errorf("state reads %q", state)
		}
		noProblems("/alerts after silence")
	})

	t.Run("silences", func(t *testing.T) {
		var flash string
		err := chromedp.Run(ctx,
			chromedp.Navigate(hs.URL+"/silences"),
			chromedp.WaitVisible(`[data-testid="silence-form"]`, chromedp.ByQuery),
			chromedp.SetValue(`select[name="integration"]`, "shop-to-erp-orders", chromedp.ByQuery),
			chromedp.SetValue(`select[name="duration"]`, "24h", chromedp.ByQuery),
			chromedp.SendKeys(`input[name="reason"]`, "ERP release", chromedp.ByQuery),
			chromedp.Click(`[data-testid="silence-create"]`, chromedp.ByQuery),
			chromedp.WaitVisible(`[data-testid="flash"]`, chromedp.ByQuery),
			chromedp.Text(`[data-testid="flash"]`, &flash, chromedp.ByQuery),
			chromedp.WaitVisible(`[data-testid="active-silences"] [data-id="sil-4"]`, chromedp.ByQuery),
		)
		if err != nil {
			t.Fatalf("create silence: %v", err)
		}
		if flash != "Created silence sil-4." {
			t.Errorf("flash %q", flash)
		}
		uitest.Screenshot(t, ctx, "silences.png")
		noProblems("/silences")
	})

	calls := fake.Calls()
	want := []string{"ack inc-43 by api", "silence incident=inc-43", "silence incident= integration=shop-to-erp-orders system= team= for 24h0m0s by api: ERP release"}
	if len(calls) != len(want) {
		t.Fatalf("calls %q", calls)
	}
	for i := range want {
		if !strings.HasPrefix(calls[i], want[i]) {
			t.Errorf("call %d: %q, want %q…", i, calls[i], want[i])
		}
	}
}
