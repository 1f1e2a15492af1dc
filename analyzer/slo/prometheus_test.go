package slo_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/intops/intops/analyzer/slo"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/clickhouse"
	"github.com/intops/intops/internal/promtest"
	promapi "github.com/intops/intops/prometheus"
)

// The history the Prometheus tests share: 100 requests a minute of
// shop-to-erp-orders, all of them failing for ten minutes.
var (
	historyStart = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	historyEnd   = historyStart.Add(32 * time.Hour)
	outageStart  = historyStart.Add(24 * time.Hour)
	outageEnd    = outageStart.Add(10 * time.Minute)
)

const perMinute = 100

// failed says how many of a minute's requests fail.
func failed(m time.Time) int {
	if !m.Before(outageStart) && m.Before(outageEnd) {
		return perMinute
	}
	return 0
}

// history is the traffic as Prometheus would have scraped it every 15s:
// http_requests_total by code, each sample counting the requests before
// it.
func history() []byte { return trafficHistory(historyStart, historyEnd, failed) }

// trafficHistory is perMinute requests a minute from start to end, of
// which failed(minute) fail, as OpenMetrics samples every 15s.
func trafficHistory(start, end time.Time, failed func(time.Time) int) []byte {
	ok := promtest.Series{Labels: map[string]string{"job": "shop", "code": "200"}}
	bad := promtest.Series{Labels: map[string]string{"job": "shop", "code": "500"}}
	var nok, nbad float64
	for t := start; !t.After(end); t = t.Add(15 * time.Second) {
		ok.Samples = append(ok.Samples, promtest.Sample{At: t, Value: nok})
		bad.Samples = append(bad.Samples, promtest.Sample{At: t, Value: nbad})
		f := float64(failed(t.Truncate(time.Minute))) / 4
		nok, nbad = nok+perMinute/4-f, nbad+f
	}
	return promtest.OpenMetrics(promtest.Family{Name: "http_requests", Type: "counter", Series: []promtest.Series{ok, bad}})
}

// trafficStore serves the same traffic as intops' rollups, by minute, and
// keeps the alert events.
type trafficStore struct {
	mu     sync.Mutex
	events []clickhouse.AlertEvent
}

func (s *trafficStore) minutes(ids []string, from, to time.Time) map[string][]clickhouse.MinuteCounts {
	out := map[string][]clickhouse.MinuteCounts{}
	for m := from.Truncate(time.Minute); m.Before(to); m = m.Add(time.Minute) {
		if m.Before(historyStart) || !m.Before(historyEnd) {
			continue
		}
		for _, id := range ids {
			out[id] = append(out[id], clickhouse.MinuteCounts{Minute: m, Width: time.Minute, Executions: perMinute, Failed: uint64(failed(m))})
		}
	}
	return out
}

func (s *trafficStore) Minutes(_ context.Context, ids []string, from, to time.Time) (map[string][]clickhouse.MinuteCounts, error) {
	return s.minutes(ids, from, to), nil
}

func (s *trafficStore) Rollup(_ context.Context, q clickhouse.RollupQuery) (map[string][]clickhouse.MinuteCounts, error) {
	return s.minutes(q.Integrations, q.From, q.To), nil
}

func (s *trafficStore) LatestAlertStates(context.Context, string) (map[string]clickhouse.AlertEvent, error) {
	return map[string]clickhouse.AlertEvent{}, nil
}

func (s *trafficStore) AppendAlertEvents(_ context.Context, evs []clickhouse.AlertEvent) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = append(s.events, evs...)
	return nil
}

// promSLO is orders-booked (the intops SLO of the estate) measured in
// Prometheus: the same objective and window, errors and total from
// http_requests_total through a DataSource that names no URL.
const promSLO = `
---
apiVersion: openslo/v1
kind: DataSource
metadata: {name: prometheus}
spec: {type: Prometheus, connectionDetails: {}}
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: orders-http}
spec:
  service: shop-to-erp-orders
  indicator:
    metadata: {name: orders-http-ok}
    spec:
      ratioMetric:
        counter: true
        bad: {metricSource: {metricSourceRef: prometheus, spec: {query: 'http_requests_total{job="shop",code=~"5.."}'}}}
        total: {metricSource: {metricSourceRef: prometheus, spec: {query: 'http_requests_total{job="shop"}'}}}
  timeWindow: [{duration: 30d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.999}]
`

// transitions are an SLO's alert events as "15:04 state severity".
func transitions(evs []clickhouse.AlertEvent, key string) []string {
	var out []string
	for _, ev := range evs {
		if ev.Key == key {
			out = append(out, fmt.Sprintf("%s %s %s", ev.At.Format("01-02 15:04"), ev.State, ev.Severity))
		}
	}
	return out
}

// TestPrometheusSLOPagesLikeIntops: the ten-minute outage backfilled into
// a real Prometheus pages the Prometheus-sourced SLO at the same minute
// as the intops SLO over the same traffic, hands over to the ticket and
// resolves at the same minutes, through the server's evaluator stepping a
// fake clock through the history.
func TestPrometheusSLOPagesLikeIntops(t *testing.T) {
	prom := promtest.Start(t, promtest.Options{History: history()})
	cat, err := catalog.Parse("estate.yaml", []byte(estate+promSLO))
	if err != nil {
		t.Fatal(err)
	}
	store := &trafficStore{}
	var now time.Time
	api := &countingAPI{next: &promapi.Client{}}
	ev := &slo.Evaluator{Store: store, Catalog: func() *catalog.Catalog { return cat }, Now: func() time.Time { return now },
		Prometheus: api, PrometheusURL: prom.URL}
	ctx := context.Background()
	started := time.Now()
	rounds := 0
	for now = outageStart.Add(-time.Hour); !now.After(historyEnd); now = now.Add(time.Minute) {
		if err := ev.EvaluateOnce(ctx); err != nil {
			t.Fatalf("%s: %v", now, err)
		}
		rounds++
		if now.Equal(outageStart.Add(5 * time.Minute)) {
			for _, st := range ev.Results() {
				if st.Result.Status != "page" {
					t.Errorf("%s in the outage: status %s", st.SLO.Name, st.Result.Status)
				}
			}
		}
	}
	t.Logf("%d evaluations in %v, %d minutes read from Prometheus", rounds, time.Since(started).Round(time.Millisecond), api.minutes)
	// The 30 days are read whole once an hour (the clock steps ten hours);
	// in between only the last quarter of an hour of each query.
	if full := 30 * 24 * 60 * 2; api.minutes > 12*full || api.minutes < 10*full {
		t.Errorf("%d minutes read in %d rounds: the cache does not work", api.minutes, rounds)
	}
	got, want := transitions(store.events, slo.Key("orders-http")), transitions(store.events, slo.Key("orders-booked"))
	t.Logf("Prometheus SLO: %v", got)
	t.Logf("intops SLO:     %v", want)
	// The page fires in the outage's first minute; the 30m window of the
	// 6x page condition holds it until 30 minutes after the outage; the
	// 2h/1d and 6h/3d tickets follow until six hours after it.
	expect := []string{"11-21 00:01 firing page", "11-21 00:40 firing ticket", "11-21 06:10 resolved "}
	if strings.Join(got, "|") != strings.Join(expect, "|") {
		t.Errorf("Prometheus SLO transitions %v, want %v", got, expect)
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("Prometheus SLO transitions %v differ from the intops SLO's %v", got, want)
	}
	var res map[string]slo.Status = map[string]slo.Status{}
	for _, st := range ev.Results() {
		res[st.SLO.Name] = st
	}
	p, i := res["orders-http"], res["orders-booked"]
	if p.SLI.Kind != slo.SLIPrometheus || p.Result.Events != i.Result.Events || p.Result.BudgetRemaining != i.Result.BudgetRemaining {
		t.Errorf("at the end: Prometheus SLO %+v, intops SLO %+v", p.Result, i.Result)
	}
	pts, err := ev.History(ctx, "orders-http", outageStart.Add(-time.Hour), outageEnd.Add(time.Hour))
	if err != nil || len(pts) == 0 || pts[len(pts)-1].SLI >= 1 {
		t.Errorf("history of the Prometheus SLO: %v %+v", err, pts)
	}
}

// countingAPI counts the minutes the evaluator asks Prometheus for.
type countingAPI struct {
	next    slo.PrometheusAPI
	mu      sync.Mutex
	minutes int
}

func (c *countingAPI) QueryRange(ctx context.Context, url, query string, start, end time.Time, step time.Duration) ([]promapi.Sample, error) {
	c.mu.Lock()
	c.minutes += int(end.Sub(start)/time.Minute) + 1
	c.mu.Unlock()
	return c.next.QueryRange(ctx, url, query, start, end, step)
}

// fakeAPI answers range queries with a function.
type fakeAPI func(query string, start, end time.Time) ([]promapi.Sample, error)

func (f fakeAPI) QueryRange(_ context.Context, _, query string, start, end time.Time, _ time.Duration) ([]promapi.Sample, error) {
	return f(query, start, end)
}

// TestPrometheusSLOWithoutURLIsNotEvaluated: with no Prometheus URL (none
// on the DataSource, none configured) the Prometheus SLO is left out with
// the catalog's reason, and the intops SLO is evaluated.
func TestPrometheusSLOWithoutURLIsNotEvaluated(t *testing.T) {
	cat, err := catalog.Parse("estate.yaml", []byte(estate+promSLO))
	if err != nil {
		t.Fatal(err)
	}
	s := cat.SLOs[1]
	if s.Name != "orders-http" || s.NotEvaluated != catalog.PrometheusNotEvaluated || s.Prometheus == nil || s.Prometheus.URL != "" {
		t.Fatalf("catalog: %+v", s)
	}
	called := false
	ev := &slo.Evaluator{Store: &trafficStore{}, Catalog: func() *catalog.Catalog { return cat }, Now: func() time.Time { return outageStart },
		Prometheus: fakeAPI(func(string, time.Time, time.Time) ([]promapi.Sample, error) { called = true; return nil, nil })}
	if err := ev.EvaluateOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if res := ev.Results(); len(res) != 1 || res[0].SLO.Name != "orders-booked" || called {
		t.Errorf("results %+v, Prometheus queried: %v", res, called)
	}
	if _, err := ev.History(context.Background(), "orders-http", outageStart.Add(-time.Hour), outageStart); !errors.Is(err, slo.ErrNotEvaluated) || !strings.Contains(err.Error(), "--prometheus-url") {
		t.Errorf("history: %v", err)
	}
}

// TestPrometheusErrorIsThatSLOsOnly: a Prometheus that fails (HTTP 503,
// then a query error, then a timeout) costs the Prometheus SLO its round:
// it keeps its last result, sends no event, and is read again next round,
// while the intops SLO is evaluated and the round succeeds.
func TestPrometheusErrorIsThatSLOsOnly(t *testing.T) {
	cat, err := catalog.Parse("estate.yaml", []byte(estate+promSLO))
	if err != nil {
		t.Fatal(err)
	}
	// Minutes of the outage, answered per query: all requests, all bad.
	var fail error
	api := fakeAPI(func(q string, start, end time.Time) ([]promapi.Sample, error) {
		if fail != nil {
			return nil, fail
		}
		var out []promapi.Sample
		for ts := start; !ts.After(end); ts = ts.Add(time.Minute) {
			out = append(out, promapi.Sample{At: ts, Value: float64(failed(ts.Add(-time.Minute)))})
			if !strings.Contains(q, "5..") {
				out[len(out)-1].Value = perMinute
			}
		}
		return out, nil
	})
	store := &trafficStore{}
	now := outageStart.Add(3 * time.Minute)
	ev := &slo.Evaluator{Store: store, Catalog: func() *catalog.Catalog { return cat }, Now: func() time.Time { return now },
		Prometheus: api, PrometheusURL: "http://prometheus.invalid:9090"}
	ctx := context.Background()
	if err := ev.EvaluateOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if got := transitions(store.events, slo.Key("orders-http")); len(got) != 1 || !strings.HasSuffix(got[0], "firing page") {
		t.Fatalf("first round: %v", got)
	}
	for _, fail = range []error{
		&promapi.Error{Status: 503, Msg: "service unavailable", Retry: true},
		&promapi.Error{Status: 400, Type: "bad_data", Msg: "parse error"},
		context.DeadlineExceeded,
	} {
		now = outageEnd.Add(2 * time.Hour) // long after: a read would resolve it
		if err := ev.EvaluateOnce(ctx); err != nil {
			t.Fatalf("%v: the round failed: %v", fail, err)
		}
		res := map[string]slo.Status{}
		for _, st := range ev.Results() {
			res[st.SLO.Name] = st
		}
		if st, ok := res["orders-http"]; !ok || st.Result.Status != "page" || !st.EvaluatedAt.Equal(outageStart.Add(3*time.Minute)) {
			t.Errorf("%v: Prometheus SLO %+v", fail, st)
		}
		if st := res["orders-booked"]; !st.EvaluatedAt.Equal(now) {
			t.Errorf("%v: intops SLO not evaluated: %+v", fail, st)
		}
		if got := transitions(store.events, slo.Key("orders-http")); len(got) != 1 {
			t.Errorf("%v: events %v", fail, got)
		}
	}
	fail = nil
	if err := ev.EvaluateOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if got := transitions(store.events, slo.Key("orders-http")); len(got) != 2 || !strings.Contains(got[1], "firing ticket") {
		t.Errorf("read again: %v", got)
	}
}

const promForms = `
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: orders-good}
spec:
  service: shop-to-erp-orders
  indicator:
    metadata: {name: orders-good}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: Prometheus, spec: {query: 'http_requests_total{code!~"5.."}'}}}
        total: {metricSource: {type: Prometheus, spec: {query: 'http_requests_total'}}}
  timeWindow: [{duration: 1d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.99}]
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: orders-p99}
spec:
  service: shop-to-erp-orders
  indicator:
    metadata: {name: orders-p99}
    spec:
      thresholdMetric:
        metricSource: {type: Prometheus, spec: {query: 'histogram_quantile(0.99, sum by (le) (rate(latency_bucket[5m])))'}}
  timeWindow: [{duration: 1d, isRolling: true}]
  budgetingMethod: Timeslices
  objectives: [{op: lte, value: 0.5, target: 0.99, timeSliceTarget: 1, timeSliceWindow: 1m}]
`

// TestPrometheusGoodAndThreshold: a ratio of good over total, and a
// threshold whose minutes are good when the value passes the objective,
// read over the day before now.
func TestPrometheusGoodAndThreshold(t *testing.T) {
	cat, err := catalog.Parse("estate.yaml", []byte(estate+promForms))
	if err != nil {
		t.Fatal(err)
	}
	now := historyStart.Add(48 * time.Hour)
	api := fakeAPI(func(q string, start, end time.Time) ([]promapi.Sample, error) {
		var out []promapi.Sample
		for ts := start; !ts.After(end); ts = ts.Add(time.Minute) {
			v := 0.0
			switch {
			case strings.Contains(q, "histogram_quantile"):
				v = 0.2
				if ts.After(end.Add(-6 * time.Minute)) {
					v = 0.9 // the last six minutes are slow
				}
			case strings.Contains(q, `code!~"5.."`):
				v = 98 // two of a hundred fail
			default:
				v = 100
			}
			out = append(out, promapi.Sample{At: ts, Value: v})
		}
		return out, nil
	})
	ev := &slo.Evaluator{Store: &trafficStore{}, Catalog: func() *catalog.Catalog { return cat }, Now: func() time.Time { return now },
		Prometheus: api, PrometheusURL: "http://prometheus.invalid"}
	if err := ev.EvaluateOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	res := map[string]slo.Status{}
	for _, st := range ev.Results() {
		res[st.SLO.Name] = st
	}
	if r := res["orders-good"].Result; r.Events != 24*60*100 || r.SLI < 0.98-1e-9 || r.SLI > 0.98+1e-9 || r.Status != "ticket" { // burn rate 2
		t.Errorf("good ratio: %+v", r)
	}
	if r := res["orders-p99"].Result; r.Events != 24*60 || r.SLI != float64(24*60-6)/(24*60) {
		t.Errorf("threshold: events %g, SLI %g (want %g)", r.Events, r.SLI, float64(24*60-6)/(24*60))
	}
}
