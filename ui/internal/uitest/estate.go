package uitest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"regexp"
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
var Now = time.Date(2026, 11, 22, 10, 30, 0, 0, time.UTC)

// EstateStore serves made-up traffic: every integration runs every
// minute, shop-to-erp-orders fails a lot in the last hour.
type EstateStore struct{ IDs []string }

// Volume is the executions per minute of an integration in the fake.
func Volume(id string) uint64 {
	h := fnv.New32a()
	h.Write([]byte(id))
	return uint64(h.Sum32()%40) + 2
}

// IntegrationCounts returns the last hour's counts.
func (s EstateStore) IntegrationCounts(context.Context, time.Time, time.Time) (map[string]clickhouse.Counts, error) {
	out := map[string]clickhouse.Counts{}
	for _, id := range s.IDs {
		c := clickhouse.Counts{Executions: 60 * Volume(id)}
		c.Spans = 2 * c.Executions
		if id == "shop-to-erp-orders" {
			c.Failed = 240
		}
		out[id] = c
	}
	return out, nil
}

func (s EstateStore) series(ids []string, from, to time.Time, step time.Duration) map[string][]clickhouse.MinuteCounts {
	out := map[string][]clickhouse.MinuteCounts{}
	for _, id := range ids {
		v := float64(Volume(id))
		for t := from; t.Before(to); t = t.Add(step) {
			day := math.Sin(float64(t.Hour()) / 24 * 2 * math.Pi) // a daily rhythm
			n := uint64(math.Max(1, v*(1.5+day)) * float64(step/time.Minute))
			m := clickhouse.MinuteCounts{Minute: t, Width: step, Executions: n}
			if id == "shop-to-erp-orders" && Now.Sub(t) < 50*time.Minute {
				m.Failed = n / 3
				m.ByClass[intops.ErrorTimeout.Index()] = m.Failed / 2
				m.ByClass[intops.ErrorUnavailable.Index()] = m.Failed - m.Failed/2
			}
			m.LE = make([]uint64, len(clickhouse.LatencyBounds))
			for k := range m.LE { // most take 100–500 ms, all under 10 s
				m.LE[k] = uint64(math.Round(float64(n) * LatencyShare[min(k, len(LatencyShare)-1)]))
			}
			out[id] = append(out[id], m)
		}
	}
	return out
}

// Minutes returns the per-minute rollup.
func (s EstateStore) Minutes(_ context.Context, ids []string, from, to time.Time) (map[string][]clickhouse.MinuteCounts, error) {
	return s.series(ids, from, to, time.Minute), nil
}

// Hours returns the hourly rollup.
func (s EstateStore) Hours(_ context.Context, ids []string, from, to time.Time) (map[string][]clickhouse.MinuteCounts, error) {
	return s.series(ids, from, to, time.Hour), nil
}

// Ping answers.
func (EstateStore) Ping(context.Context) error { return nil }

// LatencyShare is the fake's cumulative share of executions under each of
// clickhouse.LatencyBounds.
var LatencyShare = []float64{0, 0.02, 0.1, 0.3, 0.7, 0.9, 0.96, 0.99, 0.995, 1}

// FakeTraceID is the trace of the i-th failed execution of the fake.
func FakeTraceID(i int) string { return fmt.Sprintf("%032x", 0xabc000+i) }

// Spans serves shop-to-erp-orders' failed executions, one a minute in the
// last 40 minutes, each a trace of an execution span, a client span under
// it and an unattributed span of the ERP under that.
func (EstateStore) Spans(_ context.Context, q clickhouse.SpanQuery) ([]intops.FlowSpan, error) {
	var out []intops.FlowSpan
	for i := range 40 { // newest first
		start := Now.Add(-time.Duration(i+1) * time.Minute)
		tr := FakeTraceID(i)
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

// FixedSLOs serves fixed SLO results, without history.
type FixedSLOs []slo.Status

// Results returns the results.
func (f FixedSLOs) Results() []slo.Status { return f }

// History returns no history.
func (FixedSLOs) History(context.Context, string, time.Time, time.Time) ([]slo.Point, error) {
	return nil, nil
}

// FixedAnomalies serves fixed open anomalies.
type FixedAnomalies []anomaly.Status

// Open returns the anomalies.
func (f FixedAnomalies) Open() []anomaly.Status { return f }

// Recent returns none.
func (FixedAnomalies) Recent() []anomaly.Status { return nil }

// FixedIncidents serves incidents; the other AlertsSource methods are not
// used by the pages (calling them panics on the nil interface).
type FixedIncidents struct {
	ui.AlertsSource
	open, recent []alerting.IncidentStatus
}

// Incidents returns the incidents.
func (f FixedIncidents) Incidents(context.Context, time.Time) (open, recent []alerting.IncidentStatus, err error) {
	return f.open, f.recent, nil
}

// Windows returns none.
func (f FixedIncidents) Windows(context.Context, time.Duration) ([]alerting.Window, error) {
	return nil, nil
}

// SLOResults evaluates every catalogued SLO over 28 days of minutes: all
// good but shop-to-erp-orders, whose last hour burns the budget (page).
func SLOResults(cat *catalog.Catalog) FixedSLOs {
	const minutes = 28 * 24 * 60
	good := make(slo.Series, minutes)
	for i := range good {
		good[i] = slo.Minute{Good: 10, Total: 10}
	}
	burning := append(slo.Series(nil), good...)
	for i := minutes - 60; i < minutes; i++ {
		burning[i] = slo.Minute{Good: 6, Total: 10}
	}
	var out FixedSLOs
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
		out = append(out, slo.Status{SLO: s, SLI: sli, Policy: p, Result: slo.Evaluate(p, series), EvaluatedAt: Now})
	}
	return out
}

// WebServer is the pages' fixture: the example estate with traffic, SLO
// results, an anomaly and an incident.
func WebServer(t testing.TB) (*ui.Server, *catalog.Catalog) {
	t.Helper()
	cat, err := catalog.Load(Examples)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, in := range cat.All() {
		ids = append(ids, in.ID)
	}
	anomalies := FixedAnomalies{{Integration: "wms-to-oms-stock-levels", Key: "anomaly/wms-to-oms-stock-levels/executions/low",
		Episode: anomaly.Episode{Opened: Now.Add(-25 * time.Minute), Anomaly: anomaly.Anomaly{Signal: "executions", Kind: "drop", Direction: "low",
			Window: 30 * time.Minute, Observed: 12, Expected: 140, Low: 90, High: 190, Unit: "executions",
			Summary: "12 executions in the last 30 min, expected 90–190 at this hour"}}}}
	opened := Now.Add(-40 * time.Minute)
	incident := alerting.IncidentStatus{Incident: alerting.Incident{ID: "inc-42", Integration: "shop-to-erp-orders", Team: "order-platform",
		Severity: "page", State: alerting.StateAcknowledged, OpenedAt: opened, AckedAt: opened.Add(6 * time.Minute), AckedBy: "ana.silva",
		Timeline: []alerting.TimelineEntry{
			{At: opened, Kind: "opened", Text: "SLO shop-to-erp-orders-availability burns 14.4× its budget over 1h"},
			{At: opened.Add(time.Minute), Kind: "notified", Text: "posted to #order-platform-alerts"},
			{At: opened.Add(6 * time.Minute), Kind: "acknowledged", Text: "acknowledged", Actor: "ana.silva"},
		}}, View: alerting.IncidentView{Title: "Orders do not reach the ERP"}}
	srv := ui.New(ui.Options{Store: EstateStore{IDs: ids}, Catalog: catalog.Fixed(cat), SLOs: SLOResults(cat), Anomalies: anomalies,
		Alerts: FixedIncidents{open: []alerting.IncidentStatus{incident}}, Now: func() time.Time { return Now }})
	return srv, cat
}

// RowRE finds the rows of the estate overview: their integration.
var RowRE = regexp.MustCompile(`data-testid="estate-row" data-id="([^"]+)"`)

// RowIDs are the integrations of the overview, in its order.
func RowIDs(body string) []string {
	var ids []string
	for _, m := range RowRE.FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

// ChartJSONData is the part of the integration page's chart data the tests
// read.
type ChartJSONData struct {
	Step       int64       `json:"step"`
	T          []int64     `json:"t"`
	Executions []float64   `json:"executions"`
	Classes    []string    `json:"classes"`
	ByClass    [][]float64 `json:"by_class"`
	P50        []*float64  `json:"p50"`
	P99        []*float64  `json:"p99"`
}

// ChartDataRE finds the integration page's chart data.
var ChartDataRE = regexp.MustCompile(`(?s)<script id="chart-data" type="application/json">(.*?)</script>`)

// ChartJSON decodes the integration page's chart data.
func ChartJSON(t *testing.T, body string) ChartJSONData {
	t.Helper()
	m := ChartDataRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no chart-data block")
	}
	var d ChartJSONData
	if err := json.Unmarshal([]byte(m[1]), &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// FixedIncidentsErr is alerting that cannot be read.
type FixedIncidentsErr struct{ ui.AlertsSource }

// Incidents fails.
func (FixedIncidentsErr) Incidents(context.Context, time.Time) (open, recent []alerting.IncidentStatus, err error) {
	return nil, nil, errors.New("connection refused")
}

// Windows fails.
func (FixedIncidentsErr) Windows(context.Context, time.Duration) ([]alerting.Window, error) {
	return nil, errors.New("connection refused")
}
