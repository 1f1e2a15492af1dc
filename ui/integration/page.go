package integration

import (
	"cmp"
	"context"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/intops/intops"
	"github.com/intops/intops/alerting"
	"github.com/intops/intops/ui/internal/web"
)

// chartRanges are the time ranges the integration page charts: the
// per-minute rollup up to a day, the hourly one beyond.
var chartRanges = []struct {
	Name   string
	Span   time.Duration
	Hourly bool
}{
	{"1h", time.Hour, false},
	{"6h", 6 * time.Hour, false},
	{"24h", 24 * time.Hour, false},
	{"7d", 7 * 24 * time.Hour, true},
	{"30d", 30 * 24 * time.Hour, true},
	{"90d", 90 * 24 * time.Hour, true},
}

type anomalyView struct {
	Summary, Kind, Since string
	// Signal (executions/low) and Start (RFC 3339) name the episode for
	// the Expected and Not an anomaly buttons.
	Signal, Start string
}

// falseAlarmView is a signal's anomalies marked not an anomaly in the last
// 30 days: how many, and the latest with its note.
type falseAlarmView struct {
	Signal, Latest, Note string
	Count                int
}

// markView is one mark on an anomaly episode of the integration page.
type markView struct {
	Signal, Verdict, Start, End, Note, User, At string
}

// feedbackReader reads the marks on anomaly episodes (*clickhouse.DB).
type feedbackReader interface {
	Feedback(ctx context.Context, q intops.FeedbackQuery) ([]intops.AnomalyFeedback, error)
}

// falseAlarmDays is how far back the page counts false alarms.
const falseAlarmDays = 30

// marksShown is how many marks the page lists at most.
const marksShown = 20

// chartData feeds the uPlot chart: bucket starts in Unix seconds and the
// executions and failures of each bucket (zeros where nothing ran).
type chartData struct {
	Range      string    `json:"range"`
	Step       int64     `json:"step"`
	T          []int64   `json:"t"`
	Executions []float64 `json:"executions"`
	Failures   []float64 `json:"failures"`
	// Expected, Low and High are the executions the anomaly baseline
	// expects per bucket and its normal range (absent before one is
	// learned).
	Expected []float64 `json:"expected,omitempty"`
	// Budget is each SLO's error budget remaining (percent) over the range,
	// at BudgetT (Unix seconds): the burn-down.
	BudgetT []int64        `json:"budget_t,omitempty"`
	Budget  []budgetSeries `json:"budget,omitempty"`
	Low     []float64      `json:"low,omitempty"`
	// Gaps are the times intops was blind (no spans from the estate),
	// [from, to) in Unix seconds: the chart shades them.
	Gaps [][2]int64 `json:"gaps,omitempty"`
	High []float64  `json:"high,omitempty"`
	// Classes names the error classes that occur in the range (in the
	// order of intops.ErrorClasses); ByClass[k] is the failures of
	// Classes[k] per bucket.
	Classes []string    `json:"classes"`
	ByClass [][]float64 `json:"by_class"`
	// P50, P95 and P99 are latency quantiles in milliseconds estimated from
	// the rollup's latency buckets; null where a bucket has no executions
	// (or no latency buckets).
	P50 []*float64 `json:"p50"`
	P95 []*float64 `json:"p95"`
	P99 []*float64 `json:"p99"`
}

// failedView is one failed execution of the integration page.
type failedView struct {
	At                       time.Time
	Class, Message, Duration string
	TraceID                  string
}

// traceSpanView is one span of the trace the page shows, Depth levels
// under its root.
type traceSpanView struct {
	Depth                                 int
	Name, Service, Kind, Offset, Duration string
	Status, Message                       string
	Failed                                bool
}

// integrationModel is everything the integration page renders.
type integrationModel struct {
	In        *intops.Integration
	TeamTitle string
	SLOs      []web.SLOView
	Anomalies []anomalyView
	// Sensitivity is the detectors' sensitivity for the integration (its
	// annotation; normal without one).
	Sensitivity string
	// FalseAlarms per signal key, and the latest Marks on its episodes.
	FalseAlarms  []falseAlarmView
	Marks        []markView
	CSRF         string // the buttons' token
	Open, Recent []web.IncidentView
	// Maintenance are the silences and maintenance windows that cover the
	// integration, in force or in the next 14 days.
	Maintenance []web.WindowView
	Range       string
	Ranges      []string
	Chart       chartData
	// RateLimit is the Rate limiting panel (nil: no rate_limit failure in
	// the range).
	RateLimit       *rateLimitView
	Executions, Bad uint64
	Warnings        []string
	// Failed lists the last failed executions in the range (nil when the
	// store cannot read spans: FailedKnown is false then).
	Failed      []failedView
	FailedKnown bool
	// Trace is the ?trace= parameter; TraceError explains a bad one,
	// TraceSpans lists the trace's spans.
	Trace      string
	TraceError string
	TraceSpans []traceSpanView
}

// spanReader is the part of a store that reads raw spans
// (*clickhouse.DB has it); the page lists failed executions and traces
// only when the store has it.
type spanReader interface {
	Spans(ctx context.Context, q intops.SpanQuery) ([]intops.FlowSpan, error)
}

// Raw span reads of the integration page stay bounded.
const (
	failedShown    = 20
	traceScanLimit = 5000 // spans of one trace read at most
	messageMax     = 200
)

// Page serves /integrations/{id}[?range=6h&trace=]: an integration's
// chart, SLOs, anomalies, incidents, maintenance windows, failed
// executions and, when asked for, the spans of a trace.
func (h *Handlers) Page(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	cat := h.Catalog.Current()
	in := cat.Integration(r.PathValue("id"))
	if in == nil {
		h.NotFound(w, r, "No integration "+r.PathValue("id")+" in the catalog.")
		return
	}
	now := h.Now()
	m := integrationModel{In: in, TeamTitle: in.Owner, Range: "6h"}
	if t := cat.Teams[in.Owner]; t != nil && t.Title != "" {
		m.TeamTitle = t.Title
	}
	span, hourly := 6*time.Hour, false
	for _, rg := range chartRanges {
		m.Ranges = append(m.Ranges, rg.Name)
		if rg.Name == r.URL.Query().Get("range") {
			m.Range, span, hourly = rg.Name, rg.Span, rg.Hourly
		}
	}

	if h.SLOs != nil {
		for _, st := range h.SLOs.Results() {
			if st.SLO.Integration == in.ID {
				m.SLOs = append(m.SLOs, web.SLOViewOf(st))
			}
		}
		slices.SortFunc(m.SLOs, func(a, b web.SLOView) int {
			return cmp.Or(cmp.Compare(web.SLORank[a.Status], web.SLORank[b.Status]), cmp.Compare(a.ID, b.ID))
		})
	}
	if h.Anomalies != nil {
		for _, st := range h.Anomalies.Open() {
			if st.Integration == in.ID {
				m.Anomalies = append(m.Anomalies, anomalyView{Summary: st.Anomaly.Summary, Kind: st.Anomaly.Kind, Since: web.Ago(now, st.Opened),
					Signal: st.Anomaly.Key(), Start: web.RFC3339(st.Opened)})
			}
		}
	}
	m.Sensitivity = in.Annotations[intops.AnnotationAnomalySensitivity]
	if m.Sensitivity == "" {
		m.Sensitivity = "normal"
	}
	if h.CSRF != nil {
		m.CSRF = h.CSRF(w, r)
	}
	if h.Feedback != nil {
		marks, err := h.Feedback.Feedback(ctx, intops.FeedbackQuery{Integration: in.ID})
		if err != nil {
			h.Logger.Error("read anomaly marks", "err", err)
			m.Warnings = append(m.Warnings, "Anomaly marks are unavailable (ClickHouse).")
		}
		m.FalseAlarms, m.Marks = feedbackViews(marks, now)
	}
	open, recent, err := h.IncidentsSince(ctx, h.Alerts, now.Add(-7*24*time.Hour))
	if err != nil {
		h.Logger.Error("read incidents", "err", err)
		m.Warnings = append(m.Warnings, "Alerting is unavailable: incidents are not shown.")
	}
	var blind []web.IncidentView // ingest incidents: intops saw nothing then
	for _, iv := range open {
		if iv.Concerns(in.ID) {
			m.Open = append(m.Open, iv)
		}
		if iv.Integration == alerting.IngestSubject {
			blind = append(blind, iv)
		}
	}
	for _, iv := range recent {
		if iv.Concerns(in.ID) {
			m.Recent = append(m.Recent, iv)
		}
		if iv.Integration == alerting.IngestSubject {
			blind = append(blind, iv)
		}
	}
	if h.Alerts != nil {
		ws, err := h.Alerts.Windows(ctx, 14*24*time.Hour)
		if err != nil {
			h.Logger.Error("read maintenance windows", "err", err)
		}
		for _, x := range ws {
			if x.Matches(cat, in.ID, in.Owner) {
				m.Maintenance = append(m.Maintenance, web.WindowViewOf(x))
			}
		}
	}

	step := time.Minute
	to := now.Truncate(time.Minute)
	if hourly {
		step = time.Hour
		to = now.Truncate(time.Hour).Add(time.Hour) // the current hour so far
	}
	from := to.Add(-span)
	var buckets map[string][]intops.Bucket
	if hourly {
		buckets, err = h.Store.Hours(ctx, []string{in.ID}, from, to)
	} else {
		buckets, err = h.Store.Minutes(ctx, []string{in.ID}, from, to)
	}
	if err != nil {
		h.Logger.Error("read rollup", "integration", in.ID, "err", err)
		m.Warnings = append(m.Warnings, "ClickHouse is unavailable: the chart is empty.")
	}
	m.Chart = chartOf(m.Range, buckets[in.ID], from, to, step)
	if m.RateLimit = rateLimitOf(m.Chart, now); m.RateLimit != nil {
		m.RateLimit.System = systemTitle(cat, in)
	}
	for _, b := range blind {
		end := b.Resolved
		if end.IsZero() {
			end = now
		}
		if b.Since.Before(to) && end.After(from) {
			m.Chart.Gaps = append(m.Chart.Gaps, [2]int64{later(b.Since, from).Unix(), earlier(end, to).Unix()})
		}
	}
	if h.SLOs != nil && len(m.SLOs) > 0 {
		h.burnDown(ctx, &m, from, to)
	}
	if bs, ok := h.Anomalies.(bandSource); ok {
		starts := make([]time.Time, len(m.Chart.T))
		for i, t := range m.Chart.T {
			starts[i] = time.Unix(t, 0).UTC()
		}
		if e, lo, hi, ok := bs.Band(in.ID, starts, step); ok {
			m.Chart.Expected, m.Chart.Low, m.Chart.High = e, lo, hi
		}
	}
	for i := range m.Chart.T {
		m.Executions += uint64(m.Chart.Executions[i])
		m.Bad += uint64(m.Chart.Failures[i])
	}
	if sr, ok := h.Store.(spanReader); ok {
		h.readFailures(ctx, sr, &m, in.ID, from, to, r.URL.Query().Get("trace"))
	}
	h.Render(w, r, http.StatusOK, integrationPage(m))
}

// budgetSeries is one SLO's burn-down.
type budgetSeries struct {
	SLO    string    `json:"slo"`
	Values []float64 `json:"values"`
}

// burnDown reads the budget remaining of the integration's SLOs over
// [from, to), on the times of the first SLO's history.
func (h *Handlers) burnDown(ctx context.Context, m *integrationModel, from, to time.Time) {
	for _, v := range m.SLOs {
		pts, err := h.SLOs.History(ctx, v.ID, from, to)
		if err != nil || len(pts) == 0 {
			continue
		}
		if m.Chart.BudgetT == nil {
			for _, p := range pts {
				m.Chart.BudgetT = append(m.Chart.BudgetT, p.At.Unix())
			}
		}
		if len(pts) != len(m.Chart.BudgetT) {
			continue
		}
		bs := budgetSeries{SLO: v.ID}
		for _, p := range pts {
			bs.Values = append(bs.Values, math.Round(1000*p.BudgetRemaining)/10)
		}
		m.Chart.Budget = append(m.Chart.Budget, bs)
	}
}

// bandSource gives the expected executions of an integration and their
// normal range (anomaly.Evaluator does).
type bandSource interface {
	Band(integration string, starts []time.Time, step time.Duration) (expected, low, high []float64, ok bool)
}

// readFailures fills the page's failed executions and, when asked for,
// the spans of one trace.
func (h *Handlers) readFailures(ctx context.Context, sr spanReader, m *integrationModel, id string, from, to time.Time, trace string) {
	spans, err := sr.Spans(ctx, intops.SpanQuery{IntegrationID: &id, From: from, To: to, FailedOnly: true, ExecutionsOnly: true, Limit: failedShown})
	if err != nil {
		h.Logger.Error("read failed spans", "integration", id, "err", err)
		m.Warnings = append(m.Warnings, "ClickHouse is unavailable: failed executions are not shown.")
	} else {
		m.FailedKnown = true
		for _, sp := range spans { // newest first
			if !sp.Execution || sp.Status != intops.StatusError {
				continue
			}
			m.Failed = append(m.Failed, failedView{At: sp.Start, Class: string(sp.ErrorClass), Message: truncate(sp.StatusMessage, messageMax),
				Duration: sp.Duration.Round(time.Millisecond).String(), TraceID: sp.TraceID})
			if len(m.Failed) == failedShown {
				break
			}
		}
	}
	if trace == "" {
		return
	}
	m.Trace = trace
	if !validTraceID(trace) {
		m.TraceError = "Not a trace id: it must be at most 32 hexadecimal digits."
		return
	}
	trace = strings.ToLower(trace)
	m.Trace = trace
	// The integration's spans of the trace in the range say when it
	// happened; then every span of it around that time (other
	// integrations' and unattributed spans of the same trace).
	mine, err := sr.Spans(ctx, intops.SpanQuery{IntegrationID: &id, From: from, To: to, TraceID: trace, Limit: traceScanLimit})
	if err != nil {
		h.Logger.Error("read trace", "trace", trace, "err", err)
		m.TraceError = "ClickHouse is unavailable: the trace cannot be read."
		return
	}
	var lo, hi time.Time
	for _, sp := range mine {
		if sp.TraceID != trace {
			continue
		}
		if lo.IsZero() || sp.Start.Before(lo) {
			lo = sp.Start
		}
		if end := sp.Start.Add(sp.Duration); end.After(hi) {
			hi = end
		}
	}
	if lo.IsZero() {
		m.TraceError = "No span of trace " + trace + " for this integration in the last " + m.Range + "."
		return
	}
	all, err := sr.Spans(ctx, intops.SpanQuery{From: lo.Add(-time.Minute), To: hi.Add(time.Minute), TraceID: trace, Limit: traceScanLimit})
	if err != nil {
		h.Logger.Error("read trace", "trace", trace, "err", err)
		m.TraceError = "ClickHouse is unavailable: the trace cannot be read."
		return
	}
	var trSpans []intops.FlowSpan
	for _, sp := range all {
		if sp.TraceID == trace {
			trSpans = append(trSpans, sp)
		}
	}
	m.TraceSpans = traceTree(trSpans)
}

// validTraceID accepts up to 32 hexadecimal digits.
func validTraceID(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

// traceTree orders a trace's spans depth first, children by start, with
// start offsets from the earliest span. Spans whose parent is missing are
// roots.
func traceTree(spans []intops.FlowSpan) []traceSpanView {
	if len(spans) == 0 {
		return nil
	}
	slices.SortFunc(spans, func(a, b intops.FlowSpan) int {
		return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.SpanID, b.SpanID))
	})
	t0 := spans[0].Start
	byID := map[string]bool{}
	for _, sp := range spans {
		byID[sp.SpanID] = true
	}
	children := map[string][]int{}
	var roots []int
	for i, sp := range spans {
		if sp.ParentSpanID == "" || !byID[sp.ParentSpanID] || sp.ParentSpanID == sp.SpanID {
			roots = append(roots, i)
		} else {
			children[sp.ParentSpanID] = append(children[sp.ParentSpanID], i)
		}
	}
	var out []traceSpanView
	seen := make([]bool, len(spans))
	var walk func(i, depth int)
	walk = func(i, depth int) {
		if seen[i] {
			return
		}
		seen[i] = true
		sp := spans[i]
		status := "ok"
		switch sp.Status {
		case intops.StatusError:
			status = "error"
			if sp.ErrorClass != "" {
				status += " (" + string(sp.ErrorClass) + ")"
			}
		case intops.StatusUnset:
			status = "unset"
		}
		out = append(out, traceSpanView{Depth: min(depth, 8), Name: sp.Name, Service: sp.ServiceName, Kind: sp.Kind,
			Offset: "+" + sp.Start.Sub(t0).Round(time.Millisecond).String(), Duration: sp.Duration.Round(time.Millisecond).String(),
			Status: status, Message: truncate(sp.StatusMessage, messageMax), Failed: sp.Status == intops.StatusError})
		for _, c := range children[sp.SpanID] {
			walk(c, depth+1)
		}
	}
	for _, i := range roots {
		walk(i, 0)
	}
	for i := range spans { // cycles: whatever the walk missed
		walk(i, 0)
	}
	return out
}

// chartOf lays the buckets on a regular grid from `from` to `to`.
func chartOf(rangeName string, buckets []intops.Bucket, from, to time.Time, step time.Duration) chartData {
	n := int(to.Sub(from) / step)
	c := chartData{Range: rangeName, Step: int64(step / time.Second), T: make([]int64, n), Executions: make([]float64, n), Failures: make([]float64, n)}
	byClass := make([][]float64, len(intops.ErrorClasses))
	for k := range byClass {
		byClass[k] = make([]float64, n)
	}
	le := make([][]uint64, n) // summed per grid bucket; nil: none
	for i := range n {
		c.T[i] = from.Add(time.Duration(i) * step).Unix()
	}
	for _, b := range buckets {
		i := int(b.Minute.Sub(from) / step)
		if i < 0 || i >= n {
			continue
		}
		c.Executions[i] += float64(b.Executions)
		c.Failures[i] += float64(b.Failed)
		for k := range b.ByClass {
			byClass[k][i] += float64(b.ByClass[k])
		}
		if len(b.LE) == len(intops.LatencyBounds) {
			if le[i] == nil {
				le[i] = make([]uint64, len(b.LE))
			}
			for k, x := range b.LE {
				le[i][k] += x
			}
		}
	}
	c.Classes, c.ByClass = []string{}, [][]float64{}
	for k, cls := range intops.ErrorClasses {
		if slices.ContainsFunc(byClass[k], func(x float64) bool { return x > 0 }) {
			c.Classes = append(c.Classes, string(cls))
			c.ByClass = append(c.ByClass, byClass[k])
		}
	}
	c.P50, c.P95, c.P99 = make([]*float64, n), make([]*float64, n), make([]*float64, n)
	for i := range n {
		if c.Executions[i] == 0 || le[i] == nil {
			continue
		}
		total := uint64(c.Executions[i])
		c.P50[i] = quantileMS(le[i], total, 0.50)
		c.P95[i] = quantileMS(le[i], total, 0.95)
		c.P99[i] = quantileMS(le[i], total, 0.99)
	}
	return c
}

// quantileMS is the q-quantile of a bucket's latency in milliseconds
// (intops.LatencyQuantile, the estimate every part shows).
func quantileMS(le []uint64, total uint64, q float64) *float64 {
	f := make([]float64, len(le))
	for i, c := range le {
		f[i] = float64(c)
	}
	d := intops.LatencyQuantile(f, float64(total), q)
	v := math.Round(float64(d)/float64(time.Millisecond)*100) / 100
	return &v
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// feedbackViews are the false alarms per signal in the last 30 days
// (most first) and the latest marks, from the marks newest episode first.
func feedbackViews(marks []intops.AnomalyFeedback, now time.Time) ([]falseAlarmView, []markView) {
	var alarms []falseAlarmView
	index := map[string]int{}
	var views []markView
	for _, f := range marks {
		if len(views) < marksShown {
			v := markView{Signal: f.Signal, Verdict: string(f.Verdict), Start: web.Stamp(f.Start), Note: f.Note, User: f.User, At: web.Stamp(f.At)}
			if !f.End.IsZero() {
				v.End = web.Stamp(f.End)
			}
			views = append(views, v)
		}
		if f.Verdict != intops.VerdictNotAnomaly || f.Start.Before(now.Add(-falseAlarmDays*24*time.Hour)) {
			continue
		}
		i, ok := index[f.Signal]
		if !ok {
			i = len(alarms)
			index[f.Signal] = i
			alarms = append(alarms, falseAlarmView{Signal: f.Signal, Latest: web.Stamp(f.Start), Note: f.Note})
		}
		alarms[i].Count++
	}
	slices.SortStableFunc(alarms, func(a, b falseAlarmView) int { return cmp.Compare(b.Count, a.Count) })
	return alarms, views
}
