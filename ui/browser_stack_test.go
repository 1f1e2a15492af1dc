package ui_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/intops/intops/alerting"
	"github.com/intops/intops/analyzer/anomaly"
	"github.com/intops/intops/analyzer/estate"
	"github.com/intops/intops/analyzer/slo"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/clickhouse/chtest"
	"github.com/intops/intops/simulate"
	"github.com/intops/intops/ui"
	"github.com/intops/intops/ui/internal/uitest"
)

// TestBrowserOnTheRealStack drives every page against the server wired as
// `intops server` wires it: a real ClickHouse with two days of the demo
// estate's simulated history (its incidents included), the SLO and
// anomaly evaluators, the alerting manager and the estate findings. Each
// page loads without a console error, shows the estate's data, and an
// incident is acknowledged with its button.
func TestBrowserOnTheRealStack(t *testing.T) {
	db := chtest.Shared(t).Open(t)
	ctx := context.Background()
	cat, err := catalog.Load(uitest.Examples)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Minute)
	profiles := simulate.Profiles(cat.Integrations)
	simulate.Calibrate(profiles, cat)
	// An outage of the order flow that began 20 minutes ago: a page.
	for _, p := range profiles {
		if p.Integration.ID == "shop-to-erp-orders" {
			p.Incidents = append(p.Incidents, simulate.Incident{Name: "ERP down", From: now.Add(-20 * time.Minute), To: now.Add(time.Hour), ErrorRate: 1})
		}
	}
	gen := simulate.NewGenerator(append(profiles, simulate.Shadow()), 11)
	if _, err := simulate.Backfill(ctx, gen, db, now.Add(-2*24*time.Hour), now); err != nil {
		t.Fatal(err)
	}
	current := func() *catalog.Catalog { return cat }
	clock := func() time.Time { return now }
	slos := &slo.Evaluator{Store: db, Catalog: current, Now: clock}
	anomalies := &anomaly.Evaluator{Store: db, Catalog: current, Now: clock}
	alerts := &alerting.Manager{Store: db, Catalog: current, Now: clock}
	for _, step := range []func(context.Context) error{slos.EvaluateOnce, anomalies.EvaluateOnce, alerts.Tick} {
		if err := step(ctx); err != nil {
			t.Fatal(err)
		}
	}
	srv := ui.New(ui.Options{Store: db, Catalog: catalog.Fixed(cat), SLOs: slos, Anomalies: anomalies, Alerts: alerts,
		Findings: &estate.Service{Store: db, Catalog: current, Now: clock}, Now: clock})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	bctx, problems := uitest.Browser(t)
	check := func(page, ready string, extra ...chromedp.Action) {
		t.Helper()
		actions := append([]chromedp.Action{chromedp.Navigate(hs.URL + page), chromedp.WaitVisible(ready, chromedp.ByQuery)}, extra...)
		if err := chromedp.Run(bctx, actions...); err != nil {
			t.Fatalf("%s: %v", page, err)
		}
		if p := problems(); len(p) > 0 {
			t.Errorf("%s: the browser reported:\n  %s", page, strings.Join(p, "\n  "))
		}
	}
	var rows, points int
	check("/", `[data-testid="estate-table"]`, chromedp.Evaluate(`document.querySelectorAll('[data-testid="estate-row"]').length`, &rows))
	if rows != len(cat.Integrations) {
		t.Errorf("estate: %d rows, want %d", rows, len(cat.Integrations))
	}
	var band int
	check("/integrations/shop-to-erp-orders", `#chart canvas`,
		uitest.PollJS(`window.intopsChart && window.intopsChart.data[1].length > 0`),
		chromedp.Evaluate(`window.intopsChart.data[2].filter(v => v > 0).length`, &points),
		// the expected executions and their normal range, from the baseline
		chromedp.Evaluate(`window.intopsChart.data.length === 6 ? window.intopsChart.data[3].filter(v => v > 0).length : -1`, &band))
	if points < 15 {
		t.Errorf("the outage shows in %d minutes of the chart, want about 20", points)
	}
	var budget int
	if err := chromedp.Run(bctx, chromedp.Evaluate(`document.getElementById("chart-budget") ? window.intopsCharts[window.intopsCharts.length-1].data[1].length : -1`, &budget)); err != nil {
		t.Fatal(err)
	}
	if budget < 10 {
		t.Errorf("the SLO burn-down has %d points", budget)
	}
	if band < 300 {
		t.Errorf("the expected band has %d points, want the 360 minutes of the range", band)
	}
	var body string
	check("/slos", "main", chromedp.Text("main", &body, chromedp.ByQuery))
	if !strings.Contains(body, "shop-to-erp-orders") {
		t.Errorf("/slos does not list the paging SLO")
	}
	check("/map", "main", uitest.PollJS(`window.intopsMap && window.intopsMap.nodes().length > 10`))
	check("/catalog", "main", chromedp.Text("main", &body, chromedp.ByQuery))
	if !strings.Contains(body, "marketing-export-script") {
		t.Errorf("/catalog does not show the shadow flow")
	}
	check("/alerts", "main", chromedp.Text("main", &body, chromedp.ByQuery))
	if !strings.Contains(body, "Webshop") && !strings.Contains(body, "shop-to-erp-orders") {
		t.Fatalf("/alerts does not show the outage's incident: %.500s", body)
	}
	// Acknowledge it with its button. The form posts and the browser
	// follows the redirect: wait for the server's state, then load the
	// page again (looking into a page that is navigating fails).
	if err := chromedp.Run(bctx, chromedp.Click(`form[action$="/ack"] button`, chromedp.ByQuery)); err != nil {
		t.Fatalf("acknowledge: %v", err)
	}
	deadline := time.Now().Add(15 * time.Second)
	acked := false
	for !acked && time.Now().Before(deadline) {
		open, _, err := alerts.Incidents(ctx, now.Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range open {
			acked = acked || in.State == "acknowledged"
		}
		time.Sleep(200 * time.Millisecond)
	}
	if !acked {
		t.Fatal("the Acknowledge button did not acknowledge the incident")
	}
	check("/alerts", "main", chromedp.Text("main", &body, chromedp.ByQuery))
	if !strings.Contains(body, "acknowledged") {
		t.Errorf("/alerts after the click: %.500s", body)
	}
}
