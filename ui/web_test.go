package ui_test

import (
	"context"
	"errors"
	"hash/fnv"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/intops/intops/alerting"
	"github.com/intops/intops/analyzer/anomaly"
	"github.com/intops/intops/analyzer/slo"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/clickhouse"
	"github.com/intops/intops/ui"
)

// The pages' fixture: the example estate with traffic, SLO results, an
// anomaly and incidents, all from fakes of the server's sources.
var webNow = time.Date(2026, 11, 22, 10, 30, 0, 0, time.UTC)

// estateStore serves made-up traffic: every integration runs every
// minute, shop-to-erp-orders fails a lot in the last hour.
type estateStore struct{ ids []string }

func volume(id string) uint64 {
	h := fnv.New32a()
	h.Write([]byte(id))
	return uint64(h.Sum32()%40) + 2
}

func (s estateStore) IntegrationCounts(context.Context, time.Time, time.Time) (map[string]clickhouse.Counts, error) {
	out := map[string]clickhouse.Counts{}
	for _, id := range s.ids {
		c := clickhouse.Counts{Executions: 60 * volume(id)}
		c.Spans = 2 * c.Executions
		if id == "shop-to-erp-orders" {
			c.Failed = 240
		}
		out[id] = c
	}
	return out, nil
}

func (s estateStore) series(ids []string, from, to time.Time, step time.Duration) map[string][]clickhouse.MinuteCounts {
	out := map[string][]clickhouse.MinuteCounts{}
	for _, id := range ids {
		v := float64(volume(id))
		for t := from; t.Before(to); t = t.Add(step) {
			day := math.Sin(float64(t.Hour()) / 24 * 2 * math.Pi) // a daily rhythm
			n := uint64(math.Max(1, v*(1.5+day)) * float64(step/time.Minute))
			m := clickhouse.MinuteCounts{Minute: t, Width: step, Executions: n}
			if id == "shop-to-erp-orders" && webNow.Sub(t) < 50*time.Minute {
				m.Failed = n / 3
			}
			out[id] = append(out[id], m)
		}
	}
	return out
}

func (s estateStore) Minutes(_ context.Context, ids []string, from, to time.Time) (map[string][]clickhouse.MinuteCounts, error) {
	return s.series(ids, from, to, time.Minute), nil
}

func (s estateStore) Hours(_ context.Context, ids []string, from, to time.Time) (map[string][]clickhouse.MinuteCounts, error) {
	return s.series(ids, from, to, time.Hour), nil
}

func (estateStore) Ping(context.Context) error { return nil }

type fixedSLOs []slo.Status

func (f fixedSLOs) Results() []slo.Status { return f }
func (fixedSLOs) History(context.Context, string, time.Time, time.Time) ([]slo.Point, error) {
	return nil, nil
}

type fixedAnomalies []anomaly.Status

func (f fixedAnomalies) Open() []anomaly.Status { return f }
func (fixedAnomalies) Recent() []anomaly.Status { return nil }

// fixedIncidents serves incidents; the other AlertsSource methods are not
// used by the pages (calling them panics on the nil interface).
type fixedIncidents struct {
	ui.AlertsSource
	open, recent []alerting.IncidentStatus
}

func (f fixedIncidents) Incidents(context.Context, time.Time) (open, recent []alerting.IncidentStatus, err error) {
	return f.open, f.recent, nil
}

// sloResults evaluates every catalogued SLO over 28 days of minutes: all
// good but shop-to-erp-orders, whose last hour burns the budget (page).
func sloResults(cat *catalog.Catalog) fixedSLOs {
	const minutes = 28 * 24 * 60
	good := make(slo.Series, minutes)
	for i := range good {
		good[i] = slo.Minute{Good: 10, Total: 10}
	}
	burning := append(slo.Series(nil), good...)
	for i := minutes - 60; i < minutes; i++ {
		burning[i] = slo.Minute{Good: 6, Total: 10}
	}
	var out fixedSLOs
	for _, s := range cat.SLOs {
		p := slo.Policy{Objective: s.Objective, Period: 28 * 24 * time.Hour}
		series := good
		if s.Integration == "shop-to-erp-orders" {
			series = burning
		}
		sli := s.Indicator
		if ref, ok := cat.SLIs[sli.Name]; ok && sli.Kind == "" {
			sli = *ref
		}
		out = append(out, slo.Status{SLO: s, SLI: sli, Policy: p, Result: slo.Evaluate(p, series), EvaluatedAt: webNow})
	}
	return out
}

func webServer(t testing.TB) (*ui.Server, *catalog.Catalog) {
	t.Helper()
	cat, err := catalog.Load("../examples/estate")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, in := range cat.All() {
		ids = append(ids, in.ID)
	}
	anomalies := fixedAnomalies{{Integration: "wms-to-oms-stock-levels", Key: "anomaly/wms-to-oms-stock-levels/executions/low",
		Episode: anomaly.Episode{Opened: webNow.Add(-25 * time.Minute), Anomaly: anomaly.Anomaly{Signal: "executions", Kind: "drop", Direction: "low",
			Window: 30 * time.Minute, Observed: 12, Expected: 140, Low: 90, High: 190, Unit: "executions",
			Summary: "12 executions in the last 30 min, expected 90–190 at this hour"}}}}
	opened := webNow.Add(-40 * time.Minute)
	incident := alerting.IncidentStatus{Incident: alerting.Incident{ID: "inc-42", Integration: "shop-to-erp-orders", Team: "order-platform",
		Severity: "page", State: alerting.StateAcknowledged, OpenedAt: opened, AckedAt: opened.Add(6 * time.Minute), AckedBy: "ana.silva",
		Timeline: []alerting.TimelineEntry{
			{At: opened, Kind: "opened", Text: "SLO shop-to-erp-orders-availability burns 14.4× its budget over 1h"},
			{At: opened.Add(time.Minute), Kind: "notified", Text: "posted to #order-platform-alerts"},
			{At: opened.Add(6 * time.Minute), Kind: "acknowledged", Text: "acknowledged", Actor: "ana.silva"},
		}}, View: alerting.IncidentView{Title: "Orders do not reach the ERP"}}
	srv := ui.New(ui.Options{Store: estateStore{ids}, Catalog: catalog.Fixed(cat), SLOs: sloResults(cat), Anomalies: anomalies,
		Alerts: fixedIncidents{open: []alerting.IncidentStatus{incident}}, Now: func() time.Time { return webNow }})
	return srv, cat
}

var rowRE = regexp.MustCompile(`data-testid="estate-row" data-id="([^"]+)"`)

func rowIDs(body string) []string {
	var ids []string
	for _, m := range rowRE.FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

func TestEstatePage(t *testing.T) {
	srv, cat := webServer(t)
	resp, body := get(t, srv, "/")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("status %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	ids := rowIDs(body)
	if len(ids) != len(cat.Integrations) {
		t.Fatalf("%d rows, want %d", len(ids), len(cat.Integrations))
	}
	if ids[0] != "shop-to-erp-orders" || ids[1] != "wms-to-oms-stock-levels" {
		t.Errorf("worst first starts %v, want the paging SLO then the anomaly", ids[:2])
	}
	for _, tc := range []struct {
		query string
		want  func(id string) bool
	}{
		{"?team=order-platform", func(id string) bool { return cat.Integration(id).Owner == "order-platform" }},
		{"?tier=1&lifecycle=production", func(id string) bool {
			in := cat.Integration(id)
			return in.Tier == 1 && in.Lifecycle == "production"
		}},
		{"?system=sap-erp", func(id string) bool {
			in := cat.Integration(id)
			return in.Source == "sap-erp" || strings.Contains(strings.Join(in.Targets, ","), "sap-erp")
		}},
		{"?q=ERP", func(id string) bool {
			in := cat.Integration(id)
			return strings.Contains(strings.ToLower(in.ID+in.Title), "erp")
		}},
	} {
		_, body := get(t, srv, "/"+tc.query)
		got := rowIDs(body)
		want := 0
		for _, in := range cat.All() {
			if tc.want(in.ID) {
				want++
			}
		}
		if len(got) != want || want == 0 || want == len(cat.Integrations) {
			t.Errorf("%s: %d rows, want %d (of %d)", tc.query, len(got), want, len(cat.Integrations))
		}
		for _, id := range got {
			if !tc.want(id) {
				t.Errorf("%s: %s should be filtered out", tc.query, id)
			}
		}
	}
	_, body = get(t, srv, "/?sort=name")
	if ids := rowIDs(body); ids[0] > ids[1] {
		t.Errorf("sort=name: %v", ids[:2])
	}
	if !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'self'") {
		t.Errorf("CSP %q", resp.Header.Get("Content-Security-Policy"))
	}
	if strings.Contains(body, "<script>") || strings.Contains(body, " style=") {
		t.Error("the page has inline script or style the CSP would block")
	}
}

func TestIntegrationPage(t *testing.T) {
	srv, _ := webServer(t)
	resp, body := get(t, srv, "/integrations/shop-to-erp-orders?range=24h")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	for _, want := range []string{"Webshop → ERP orders", "Julia Hoffmann", "Priya Nair", "https://runbooks.example.com/shop-to-erp-orders",
		`id="chart-data"`, "Orders do not reach the ERP", "acknowledged", "the budget runs out", `data-range="24h" aria-current="true"`} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if resp, body := get(t, srv, "/integrations/no-such-thing"); resp.StatusCode != 404 || !strings.Contains(body, "No integration no-such-thing") {
		t.Errorf("unknown id: %d", resp.StatusCode)
	}
	if resp, body := get(t, srv, "/static/htmx.min.js"); resp.StatusCode != 200 || len(body) < 10000 {
		t.Errorf("static htmx: %d, %d bytes", resp.StatusCode, len(body))
	}
}

func TestPagesWhenClickHouseIsDown(t *testing.T) {
	cat, err := catalog.Load("../examples/estate")
	if err != nil {
		t.Fatal(err)
	}
	srv := ui.New(ui.Options{Store: downStore{}, Catalog: catalog.Fixed(cat),
		Alerts: fixedIncidentsErr{}, Now: func() time.Time { return webNow }})
	resp, body := get(t, srv, "/")
	if resp.StatusCode != 200 || len(rowIDs(body)) != len(cat.Integrations) || !strings.Contains(body, "ClickHouse is unavailable") ||
		!strings.Contains(body, "Alerting is unavailable") {
		t.Errorf("estate: %d, %d rows", resp.StatusCode, len(rowIDs(body)))
	}
	resp, body = get(t, srv, "/integrations/shop-to-erp-orders")
	if resp.StatusCode != 200 || !strings.Contains(body, "the chart is empty") || strings.Contains(body, "refused") {
		t.Errorf("integration: %d", resp.StatusCode)
	}
}

type fixedIncidentsErr struct{ ui.AlertsSource }

func (fixedIncidentsErr) Incidents(context.Context, time.Time) (open, recent []alerting.IncidentStatus, err error) {
	return nil, nil, errors.New("connection refused")
}

func BenchmarkEstatePage(b *testing.B) {
	srv, _ := webServer(b)
	for b.Loop() {
		get(b, srv, "/")
	}
}
