package ui_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/intops/intops"
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
				m.ByClass[intops.ErrorTimeout.Index()] = m.Failed / 2
				m.ByClass[intops.ErrorUnavailable.Index()] = m.Failed - m.Failed/2
			}
			m.LE = make([]uint64, len(clickhouse.LatencyBounds))
			for k := range m.LE { // most take 100–500 ms, all under 10 s
				m.LE[k] = uint64(math.Round(float64(n) * latencyShare[min(k, len(latencyShare)-1)]))
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

// latencyShare is the fake's cumulative share of executions under each of
// clickhouse.LatencyBounds.
var latencyShare = []float64{0, 0.02, 0.1, 0.3, 0.7, 0.9, 0.96, 0.99, 0.995, 1}

// fakeTraceID is the trace of the i-th failed execution of the fake.
func fakeTraceID(i int) string { return fmt.Sprintf("%032x", 0xabc000+i) }

// Spans serves shop-to-erp-orders' failed executions, one a minute in the
// last 40 minutes, each a trace of an execution span, a client span under
// it and an unattributed span of the ERP under that.
func (estateStore) Spans(_ context.Context, q clickhouse.SpanQuery) ([]intops.FlowSpan, error) {
	var out []intops.FlowSpan
	for i := range 40 { // newest first
		start := webNow.Add(-time.Duration(i+1) * time.Minute)
		tr := fakeTraceID(i)
		root := intops.FlowSpan{TraceID: tr, SpanID: fmt.Sprintf("%016x", 3*i+1), Name: "POST /orders", Kind: "server",
			Start: start, Duration: 1500 * time.Millisecond, Status: intops.StatusError, IntegrationID: "shop-to-erp-orders",
			Execution: true, ErrorClass: intops.ErrorTimeout, ServiceName: "order-bridge",
			StatusMessage: "upstream timed out " + strings.Repeat("x", 300)}
		call := intops.FlowSpan{TraceID: tr, SpanID: fmt.Sprintf("%016x", 3*i+2), ParentSpanID: root.SpanID, Name: "erp.CreateOrder",
			Kind: "client", Start: start.Add(20 * time.Millisecond), Duration: 1400 * time.Millisecond, Status: intops.StatusError,
			IntegrationID: "shop-to-erp-orders", ErrorClass: intops.ErrorTimeout, ServiceName: "order-bridge", StatusMessage: "deadline exceeded"}
		erp := intops.FlowSpan{TraceID: tr, SpanID: fmt.Sprintf("%016x", 3*i+3), ParentSpanID: call.SpanID, Name: "BAPI_SALESORDER_CREATE",
			Kind: "server", Start: start.Add(40 * time.Millisecond), Duration: 1300 * time.Millisecond, Status: intops.StatusOK, ServiceName: "sap-erp"}
		for _, sp := range []intops.FlowSpan{erp, call, root} {
			switch {
			case q.IntegrationID != nil && sp.IntegrationID != *q.IntegrationID,
				!q.From.IsZero() && sp.Start.Before(q.From), !q.To.IsZero() && !sp.Start.Before(q.To),
				q.FailedOnly && sp.Status != intops.StatusError,
				q.ExecutionsOnly && !sp.Execution, q.TraceID != "" && sp.TraceID != q.TraceID:
				continue
			}
			out = append(out, sp)
		}
	}
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, nil
}

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

func (f fixedIncidents) Windows(context.Context, time.Duration) ([]alerting.Window, error) {
	return nil, nil
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
	// the three charts' data: executions, failures by class, latency
	data := chartJSON(t, body)
	if len(data.T) != 24*60 || len(data.Executions) != len(data.T) || len(data.P50) != len(data.T) {
		t.Errorf("chart: %d buckets, want %d", len(data.T), 24*60)
	}
	if !slices.Equal(data.Classes, []string{"timeout", "unavailable"}) || len(data.ByClass) != 2 || slices.Max(data.ByClass[0]) == 0 {
		t.Errorf("classes %v", data.Classes)
	}
	if p50, p99 := data.P50[len(data.P50)-1], data.P99[len(data.P99)-1]; p50 == nil || p99 == nil || *p50 < 100 || *p50 > 250 || *p99 < 2000 || *p99 > 5000 {
		t.Errorf("latency p50 %v p99 %v, want 100–250 ms and 2–5 s", p50, p99)
	}
	if got := strings.Count(body, `data-testid="failed-row"`); got != 20 {
		t.Errorf("%d failed executions, want 20", got)
	}
	if strings.Contains(body, strings.Repeat("x", 201)) || !strings.Contains(body, fakeTraceID(0)) {
		t.Error("failed executions: message not truncated or trace missing")
	}
	_, body = get(t, srv, "/integrations/shop-to-erp-orders?range=24h&trace="+fakeTraceID(3))
	if got := strings.Count(body, `data-testid="trace-span"`); got != 3 || !strings.Contains(body, "BAPI_SALESORDER_CREATE") ||
		!strings.Contains(body, "depth-2") {
		t.Errorf("trace: %d spans, want 3 (with the unattributed ERP span two levels down)", got)
	}
	for _, bad := range []string{"xyz", strings.Repeat("a", 33), "%3Cscript%3E"} {
		resp, body := get(t, srv, "/integrations/shop-to-erp-orders?trace="+bad)
		if resp.StatusCode != 200 || !strings.Contains(body, "Not a trace id") || strings.Contains(body, `data-testid="trace-span"`) {
			t.Errorf("trace=%s: %d", bad, resp.StatusCode)
		}
	}
	for rg, n := range map[string]int{"30d": 30 * 24, "90d": 90 * 24} {
		resp, body := get(t, srv, "/integrations/shop-to-erp-orders?range="+rg)
		if d := chartJSON(t, body); resp.StatusCode != 200 || len(d.T) != n || d.Step != 3600 {
			t.Errorf("range %s: %d, %d buckets, want %d hours", rg, resp.StatusCode, len(d.T), n)
		}
	}
	if resp, body := get(t, srv, "/integrations/no-such-thing"); resp.StatusCode != 404 || !strings.Contains(body, "No integration no-such-thing") {
		t.Errorf("unknown id: %d", resp.StatusCode)
	}
	if resp, body := get(t, srv, "/static/htmx.min.js"); resp.StatusCode != 200 || len(body) < 10000 {
		t.Errorf("static htmx: %d, %d bytes", resp.StatusCode, len(body))
	}
}

type chartJSONData struct {
	Step       int64       `json:"step"`
	T          []int64     `json:"t"`
	Executions []float64   `json:"executions"`
	Classes    []string    `json:"classes"`
	ByClass    [][]float64 `json:"by_class"`
	P50        []*float64  `json:"p50"`
	P99        []*float64  `json:"p99"`
}

var chartDataRE = regexp.MustCompile(`(?s)<script id="chart-data" type="application/json">(.*?)</script>`)

func chartJSON(t *testing.T, body string) chartJSONData {
	t.Helper()
	m := chartDataRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no chart-data block")
	}
	var d chartJSONData
	if err := json.Unmarshal([]byte(m[1]), &d); err != nil {
		t.Fatal(err)
	}
	return d
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

func (fixedIncidentsErr) Windows(context.Context, time.Duration) ([]alerting.Window, error) {
	return nil, errors.New("connection refused")
}

func BenchmarkEstatePage(b *testing.B) {
	srv, _ := webServer(b)
	for b.Loop() {
		get(b, srv, "/")
	}
}
