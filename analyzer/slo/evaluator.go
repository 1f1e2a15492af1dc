package slo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/intops/intops"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/internal/loop"
)

// Store is what the evaluator reads and writes in ClickHouse.
type Store interface {
	Minutes(ctx context.Context, integrations []string, from, to time.Time) (map[string][]intops.Bucket, error)
	Rollup(ctx context.Context, q intops.RollupQuery) (map[string][]intops.Bucket, error)
	LatestAlertStates(ctx context.Context, source string) (map[string]intops.AlertEvent, error)
	AppendAlertEvents(ctx context.Context, evs []intops.AlertEvent) error
}

// Status is an SLO's latest evaluation, as the API serves it.
type Status struct {
	SLO         *intops.SLO
	SLI         intops.SLI
	Policy      Policy
	Result      Result
	EvaluatedAt time.Time
}

// Evaluator evaluates every SLO of the catalog on an interval and appends
// state changes (firing, resolved, no data) to the alert event log.
type Evaluator struct {
	Store    Store
	Catalog  func() *catalog.Catalog
	Interval time.Duration // default 30s
	Now      func() time.Time
	Logger   *slog.Logger
	// Registerer, when set, gets the per-SLO event counters that the
	// Prometheus rules of `intops slo rules` read.
	Registerer prometheus.Registerer
	// Emit, when set, says whether to record alert events now: among
	// server replicas only the leader does; the others evaluate for their
	// pages and read the alert states again when they start to emit.
	Emit func() bool
	// Prometheus, when set, reads the SLOs whose indicator is a
	// Prometheus metric source, from their DataSource's URL or else
	// PrometheusURL; without either such an SLO stays not evaluated.
	Prometheus    PrometheusAPI
	PrometheusURL string

	mu         sync.RWMutex
	coarse     map[string][]intops.Bucket // hours before coarseEnd
	fine       map[string][]intops.Bucket // minutes from coarseEnd
	coarseFrom time.Time
	coarseEnd  time.Time
	fineEnd    time.Time
	idsKey     string
	fullAt     time.Time
	merged     map[string][]intops.Bucket // coarse then fine
	good       *prometheus.CounterVec
	total      *prometheus.CounterVec
	countMu    sync.Mutex
	counted    map[string]time.Time // per SLO: minutes before this are counted
	results    map[string]Status
	states     map[string]intops.AlertEvent // latest event per alert key
	promCaches map[string]*promCache        // per Prometheus SLO
}

// Source is the alert event log source of SLO alerts.
const Source = "slo"

// Key is the alert key of an SLO.
func Key(name string) string { return "slo/" + name }

// Run evaluates until ctx ends.
func (e *Evaluator) Run(ctx context.Context) {
	iv := e.Interval
	if iv <= 0 {
		iv = 30 * time.Second
	}
	loop.Every(ctx, iv, e.EvaluateOnce, func(err error) { e.logger().Warn("SLO evaluation failed; will retry", "err", err) })
}

func (e *Evaluator) logger() *slog.Logger {
	if e.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return e.Logger
}

func (e *Evaluator) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

// PolicyFor builds the alerting policy of an SLO from the catalog: the
// SLO's alert policies' burn-rate conditions (else the SRE Workbook
// windows scaled to its period) and the no-data setting: the indicator's
// noData, else alert when a policy says alertWhenNoData, else good.
func PolicyFor(cat *catalog.Catalog, s *intops.SLO) Policy {
	p := Policy{Objective: s.Objective, Period: s.Window.Duration}
	for _, name := range s.AlertPolicies {
		ap := cat.AlertPolicies[name]
		if ap == nil {
			continue
		}
		if ap.AlertWhenNoData {
			p.NoData = NoDataAlert
		}
		for _, c := range ap.Conditions {
			if c.BurnRate <= 0 || c.LongWindow <= 0 {
				continue
			}
			sev := Ticket
			if c.Severity == string(Page) || c.Severity == "critical" {
				sev = Page
			}
			short := c.ShortWindow
			if short <= 0 {
				short = max(time.Minute, c.LongWindow/12)
			}
			p.Windows = append(p.Windows, AlertWindow{Severity: sev, Factor: c.BurnRate, Long: c.LongWindow, Short: short})
		}
	}
	if sli, ok := SLIFor(cat, s); ok && sli.NoData != "" {
		p.NoData = NoData(sli.NoData)
	}
	return p
}

// SLIFor resolves an SLO's indicator (inline or by reference); false when
// there is none intops evaluates.
func SLIFor(cat *catalog.Catalog, s *intops.SLO) (intops.SLI, bool) {
	if s.NotEvaluated != "" {
		return intops.SLI{}, false // another metric source: listed, not evaluated
	}
	if s.Indicator.Kind != "" {
		return s.Indicator, true
	}
	if ref := cat.SLIs[s.Indicator.Name]; ref != nil {
		return *ref, true
	}
	return intops.SLI{}, false
}

// PeriodStart is where an SLO's budget period starts at now: now less the
// window for rolling windows, the start of the calendar week, month,
// quarter or year otherwise.
func PeriodStart(w intops.Window, now time.Time) time.Time {
	now = now.UTC()
	y, m, d := now.Date()
	switch {
	case w.Rolling:
		return now.Add(-w.Duration).Truncate(time.Minute)
	case w.Calendar == "week":
		wd := (int(now.Weekday()) + 6) % 7 // Monday first
		return time.Date(y, m, d-wd, 0, 0, 0, 0, time.UTC)
	case w.Calendar == "month":
		return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	case w.Calendar == "quarter":
		return time.Date(y, m-(m-1)%3, 1, 0, 0, 0, 0, time.UTC)
	case w.Calendar == "year":
		return time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return now.Add(-w.Duration).Truncate(time.Minute)
}

// fineSpan is how far back the cache holds minutes: the burn-rate windows
// up to two hours are exact to the minute. Older data is read as hours,
// and whole days beyond the longest alert window as days; BuildSeries
// spreads both over their minutes, so a longer window that starts inside
// an hour takes its share of it.
const fineSpan = 2 * time.Hour

// fullEvery is how often everything is read again, so that data that
// arrives late (a backfill, spans held back by a ClickHouse outage) is seen.
const fullEvery = 5 * time.Minute

// refresh brings the caches up to now. Hours and days before coarseEnd
// are read whole every fullEvery, when coarseEnd moves or the SLOs change;
// minutes after it too, and in between only the last 15 minutes (late
// spans). Hours in [from, now-longest) are read as whole UTC days; le are
// the latency buckets the SLOs need.
func (e *Evaluator) refresh(ctx context.Context, ids []string, from, now time.Time, longest time.Duration, le []int) error {
	const late = 15 * time.Minute
	const day = 24 * time.Hour
	key := fmt.Sprint(le) + "\x00" + strings.Join(ids, "\x00")
	coarseFrom := from.Truncate(time.Hour)
	coarseEnd := now.Add(-fineSpan).Truncate(time.Hour)
	daysFrom := coarseFrom.Add(day - time.Nanosecond).Truncate(day)
	daysTo := now.Add(-longest).Truncate(day)
	full := now.Sub(e.fullAt) >= fullEvery
	// The hours and the minutes are read at the same time: one waits on
	// ClickHouse while the other is decoded.
	type read struct {
		got map[string][]intops.Bucket
		err error
	}
	var coarse chan read
	if full || e.coarse == nil || key != e.idsKey || !coarseEnd.Equal(e.coarseEnd) || coarseFrom.Before(e.coarseFrom) {
		coarse = make(chan read, 1)
		go func() {
			got, err := e.Store.Rollup(ctx, intops.RollupQuery{Integrations: ids, From: coarseFrom, To: coarseEnd,
				Hourly: true, DaysFrom: daysFrom, DaysTo: daysTo, LE: le})
			coarse <- read{got, err}
		}()
	}
	readFrom := coarseEnd
	fresh := full || e.fine == nil || key != e.idsKey || !e.fineEnd.After(coarseEnd)
	if !fresh {
		readFrom = e.fineEnd.Add(-late)
		if readFrom.Before(coarseEnd) {
			readFrom = coarseEnd
		}
	}
	got, err := e.Store.Rollup(ctx, intops.RollupQuery{Integrations: ids, From: readFrom, To: now, LE: le})
	if coarse != nil {
		r := <-coarse
		if err == nil {
			err = r.err
		}
		if err == nil {
			e.coarse, e.coarseFrom, e.coarseEnd = r.got, coarseFrom, coarseEnd
		}
	}
	if err != nil {
		return err
	}
	if full {
		e.fullAt = now
	}
	if fresh {
		e.fine = map[string][]intops.Bucket{}
	}
	for _, id := range ids {
		old := e.fine[id]
		lo := sort.Search(len(old), func(i int) bool { return !old[i].Minute.Before(coarseEnd) })
		hi := sort.Search(len(old), func(i int) bool { return !old[i].Minute.Before(readFrom) })
		if hi < lo {
			hi = lo
		}
		e.fine[id] = append(append([]intops.Bucket{}, old[lo:hi]...), got[id]...)
	}
	e.idsKey, e.fineEnd = key, now
	e.merged = make(map[string][]intops.Bucket, len(ids))
	for _, id := range ids {
		e.merged[id] = append(append(make([]intops.Bucket, 0, len(e.coarse[id])+len(e.fine[id])), e.coarse[id]...), e.fine[id]...)
	}
	return nil
}

// counts returns an integration's cached hours then minutes, in order.
func (e *Evaluator) counts(id string) []intops.Bucket { return e.merged[id] }

// EvaluateOnce evaluates every SLO now and records state changes.
func (e *Evaluator) EvaluateOnce(ctx context.Context) error {
	cat := e.Catalog()
	now := e.now().UTC().Truncate(time.Minute)
	e.mu.Lock()
	defer e.mu.Unlock()
	emit := e.Emit == nil || e.Emit()
	if !emit {
		e.states = nil
	} else if e.states == nil {
		states, err := e.Store.LatestAlertStates(ctx, Source)
		if err != nil {
			return fmt.Errorf("read alert states: %w", err)
		}
		e.states = states
	}
	type job struct {
		slo    *intops.SLO
		sli    intops.SLI
		policy Policy
		from   time.Time
		prom   string // the Prometheus URL of a Prometheus SLO
		series Series // a Prometheus SLO's, read before the workers run
	}
	var jobs []job
	idSet := map[string]bool{}
	earliest := now
	var longest time.Duration
	leSet := map[int]bool{}
	var promJobs []job
	stale := map[string]Status{} // Prometheus SLOs not read this round
	for _, s := range cat.SLOs {
		if url := e.prometheusURL(s); url != "" && s.Window.Duration > 0 && cat.Integration(s.Integration) != nil {
			j := job{slo: s, sli: intops.SLI{Name: s.Indicator.Name, Kind: SLIPrometheus}, policy: PolicyFor(cat, s),
				from: PeriodStart(s.Window, now), prom: url}
			promJobs = append(promJobs, j)
			continue
		}
		if s.NotEvaluated != "" {
			continue // its metric source is not intops': the API lists it and why
		}
		sli, ok := SLIFor(cat, s)
		if !ok || s.Window.Duration <= 0 || cat.Integration(s.Integration) == nil {
			continue // lint reports these
		}
		from := PeriodStart(s.Window, now)
		j := job{slo: s, sli: sli, policy: PolicyFor(cat, s), from: from}
		// The alert windows may reach before a calendar period starts.
		look := from
		for _, w := range orDefault(j.policy) {
			if t := now.Add(-w.Long); t.Before(look) {
				look = t
			}
		}
		look = look.Add(-Lookback(sli))
		if look.Before(earliest) {
			earliest = look
		}
		for _, w := range orDefault(j.policy) {
			longest = max(longest, w.Long)
		}
		if sli.Kind == intops.SLILatency {
			if b := intops.LatencyBucket(sli.Threshold); b >= 0 {
				leSet[b] = true
			}
		}
		idSet[s.Integration] = true
		jobs = append(jobs, j)
	}
	ids := make([]string, 0, len(idSet))
	for id := range idSet {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	if len(ids) > 0 {
		le := []int{}
		for b := range leSet {
			le = append(le, b)
		}
		sort.Ints(le)
		if err := e.refresh(ctx, ids, earliest, now, longest, le); err != nil {
			return fmt.Errorf("read rollups: %w", err)
		}
	}
	// Prometheus SLOs are read a few at a time; one that cannot be read
	// keeps its last result and sends no event this round, and the others
	// go on.
	caches := make([]*promCache, len(promJobs))
	errs := make([]error, len(promJobs))
	var pwg sync.WaitGroup
	sem := make(chan struct{}, promReaders)
	for k := range promJobs {
		j := &promJobs[k]
		pwg.Add(1)
		sem <- struct{}{}
		go func() {
			defer pwg.Done()
			defer func() { <-sem }()
			caches[k], errs[k] = readCached(ctx, e.Prometheus, e.promCaches[j.slo.Name], j.slo, j.prom, seriesStart(j.policy, j.from, now), now)
		}()
	}
	pwg.Wait()
	e.promCaches = make(map[string]*promCache, len(promJobs))
	for k, j := range promJobs {
		if errs[k] != nil {
			e.logger().Warn("SLO not evaluated this round: Prometheus query failed; will retry", "slo", j.slo.Name, "err", errs[k])
			if old, ok := e.results[j.slo.Name]; ok {
				stale[j.slo.Name] = old
			}
			continue
		}
		e.promCaches[j.slo.Name] = caches[k]
		j.series = caches[k].series
		jobs = append(jobs, j)
	}
	e.initCounters()
	// The SLOs are evaluated on every core; each worker has its own
	// buffers, and the transitions are taken in catalog order afterwards.
	out := make([]Result, len(jobs))
	var wg sync.WaitGroup
	workers := max(1, min(runtime.GOMAXPROCS(0), len(jobs)))
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var series Series
			var scratch Scratch
			for k := w; k < len(jobs); k += workers {
				j := &jobs[k]
				seriesFrom := seriesStart(j.policy, j.from, now)
				// A Prometheus SLO's series is its cache's: read, never
				// reused as the worker's buffer.
				s := j.series
				if j.prom == "" {
					series = BuildSeriesInto(series, j.sli, e.counts(j.slo.Integration), seriesFrom, now)
					e.count(j.slo, series, seriesFrom, now)
					s = series
				}
				if j.policy.Windows == nil {
					j.policy.Windows = Windows(j.slo.Window.Duration)
				}
				// The budget covers the period so far (all of a rolling
				// window, the elapsed part of a calendar one); minutes before
				// it only feed the burn-rate windows.
				j.policy.Period = now.Sub(j.from)
				out[k] = scratch.Evaluate(j.policy, s)
			}
		}()
	}
	wg.Wait()
	results := make(map[string]Status, len(jobs)+len(stale))
	for name, st := range stale {
		results[name] = st
	}
	var events []intops.AlertEvent
	for k, j := range jobs {
		r := out[k]
		results[j.slo.Name] = Status{SLO: j.slo, SLI: j.sli, Policy: j.policy, Result: r, EvaluatedAt: now}
		if !emit {
			continue
		}
		if ev, changed := e.transition(j.slo, r, now); changed {
			events = append(events, ev)
		}
	}
	if len(events) > 0 {
		if err := e.Store.AppendAlertEvents(ctx, events); err != nil {
			return fmt.Errorf("record alert events: %w", err)
		}
		for _, ev := range events {
			e.states[ev.Key] = ev
			e.logger().Info("SLO alert", "slo", ev.Key, "state", ev.State, "severity", ev.Severity, "summary", ev.Summary)
		}
	}
	e.results = results
	return nil
}

// settle is how old a minute must be before it is added to the counters:
// spans arrive a little late.
const settle = 2 * time.Minute

// initCounters registers the exported counters on first use.
func (e *Evaluator) initCounters() {
	if e.Registerer == nil {
		return
	}
	if e.good == nil {
		e.good = prometheus.NewCounterVec(prometheus.CounterOpts{Name: MetricGoodEvents,
			Help: "Good events of each SLO's indicator, by minute once settled (2 min)."}, []string{"slo", "integration"})
		e.total = prometheus.NewCounterVec(prometheus.CounterOpts{Name: MetricEvents,
			Help: "All events of each SLO's indicator, by minute once settled (2 min)."}, []string{"slo", "integration"})
		e.Registerer.MustRegister(e.good, e.total)
		e.counted = map[string]time.Time{}
	}
}

// count adds the settled minutes not yet counted to the exported counters.
// Counting starts at the first evaluation, so that a restart does not
// replay history into rate().
func (e *Evaluator) count(s *intops.SLO, series Series, start, now time.Time) {
	if e.Registerer == nil {
		return
	}
	upTo := now.Add(-settle)
	e.countMu.Lock()
	from, ok := e.counted[s.Name]
	e.counted[s.Name] = upTo
	e.countMu.Unlock()
	if !ok {
		e.good.WithLabelValues(s.Name, s.Integration).Add(0)
		e.total.WithLabelValues(s.Name, s.Integration).Add(0)
		return
	}
	var g, t float64
	for m := from; m.Before(upTo); m = m.Add(time.Minute) {
		if i := int(m.Sub(start) / time.Minute); i >= 0 && i < len(series) {
			g += series[i].Good
			t += series[i].Total
		}
	}
	e.good.WithLabelValues(s.Name, s.Integration).Add(g)
	e.total.WithLabelValues(s.Name, s.Integration).Add(t)
}

// seriesStart is where an SLO's series starts: at its period's start, or
// earlier when an alert window reaches before it.
func seriesStart(p Policy, from, now time.Time) time.Time {
	for _, aw := range orDefault(p) {
		if t := now.Add(-aw.Long); t.Before(from) {
			from = t
		}
	}
	return from
}

func orDefault(p Policy) []AlertWindow {
	if p.Windows != nil {
		return p.Windows
	}
	return Windows(p.Period)
}

// Evidence is what an SLO alert event records.
type Evidence struct {
	Objective       float64            `json:"objective"`
	SLI             float64            `json:"sli"`
	BudgetRemaining float64            `json:"budget_remaining"`
	BurnRates       map[string]float64 `json:"burn_rates"`
	Firing          []string           `json:"firing_windows"`
	Events          float64            `json:"events"`
	Forecast        string             `json:"forecast,omitempty"`
}

// EvidenceOf summarises a result for the event log and the API.
func EvidenceOf(s *intops.SLO, r Result) Evidence {
	ev := Evidence{Objective: s.Objective, SLI: r.SLI, BudgetRemaining: r.BudgetRemaining, BurnRates: map[string]float64{}, Events: r.Events, Firing: []string{}}
	for _, w := range r.Windows {
		ev.BurnRates[durationText(w.Long)] = w.LongBurn
		ev.BurnRates[durationText(w.Short)] = w.ShortBurn
		if w.Firing {
			ev.Firing = append(ev.Firing, fmt.Sprintf("%s %gx over %s/%s", w.Severity, w.Factor, durationText(w.Long), durationText(w.Short)))
		}
	}
	ev.Forecast = Forecast(r)
	return ev
}

// Forecast says in words when the budget runs out at the current burn.
func Forecast(r Result) string {
	var slow *WindowState
	for i := range r.Windows {
		if r.Windows[i].Severity == Page {
			slow = &r.Windows[i]
		}
	}
	switch {
	case r.BudgetRemaining <= 0:
		return "the error budget is exhausted"
	case slow == nil || r.Exhaustion <= 0:
		return "the budget is not burning"
	}
	return fmt.Sprintf("at the current %s burn rate (%.1fx), the budget runs out in %s", durationText(slow.Long), slow.LongBurn, humanDuration(r.Exhaustion))
}

func (e *Evaluator) transition(s *intops.SLO, r Result, now time.Time) (intops.AlertEvent, bool) {
	key := Key(s.Name)
	prev, known := e.states[key]
	state, severity := intops.AlertResolved, intops.Severity("")
	switch r.Status {
	case "page", "ticket":
		state, severity = intops.AlertFiring, intops.Severity(r.Status)
	case "no_data":
		state = intops.AlertNoData
	}
	if (!known && state == "resolved") || (known && prev.State == state && prev.Severity == severity) {
		return intops.AlertEvent{}, false
	}
	evidence := EvidenceOf(s, r)
	js, _ := json.Marshal(evidence)
	var summary string
	switch state {
	case intops.AlertFiring:
		summary = fmt.Sprintf("%s: SLO %s burning its error budget (%s); %.1f%% of the budget left; %s",
			s.Integration, s.Name, joinFiring(evidence.Firing), 100*r.BudgetRemaining, evidence.Forecast)
	case intops.AlertNoData:
		summary = fmt.Sprintf("%s: SLO %s has had no events", s.Integration, s.Name)
	default:
		summary = fmt.Sprintf("%s: SLO %s no longer burning; %.1f%% of the budget left", s.Integration, s.Name, 100*r.BudgetRemaining)
	}
	return intops.AlertEvent{At: now, Key: key, Source: Source, Integration: s.Integration, Severity: severity,
		State: state, Summary: summary, Evidence: string(js)}, true
}

func joinFiring(f []string) string {
	out := ""
	for i, s := range f {
		if i > 0 {
			out += ", "
		}
		out += s
	}
	return out
}

// Results returns the latest evaluation of every SLO, by name.
func (e *Evaluator) Results() []Status {
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := make([]Status, 0, len(e.results))
	for _, s := range e.results {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].SLO.Name < out[j].SLO.Name })
	return out
}

func durationText(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	}
	return fmt.Sprintf("%dm", d/time.Minute)
}

func humanDuration(d time.Duration) string {
	if d >= 72*time.Hour {
		return fmt.Sprintf("%.0f days", d.Hours()/24)
	}
	if d >= time.Hour {
		return fmt.Sprintf("%.0f h", d.Hours())
	}
	return fmt.Sprintf("%.0f min", d.Minutes())
}

// History returns the SLI and budget of one SLO between from and to, at
// most about 500 points, read from the rollups.
func (e *Evaluator) History(ctx context.Context, name string, from, to time.Time) ([]Point, error) {
	cat := e.Catalog()
	var s *intops.SLO
	for _, x := range cat.SLOs {
		if x.Name == name {
			s = x
		}
	}
	if s == nil {
		return nil, ErrUnknownSLO
	}
	if url := e.prometheusURL(s); url != "" {
		from, to = from.UTC().Truncate(time.Minute), to.UTC().Truncate(time.Minute)
		start := from.Add(-s.Window.Duration)
		series, err := readPrometheus(ctx, e.Prometheus, url, s.Prometheus, start, to)
		if err != nil {
			return nil, err
		}
		p := PolicyFor(cat, s)
		p.Period = s.Window.Duration
		return History(p, series, start, from, to, max(time.Minute, (to.Sub(from)/500).Truncate(time.Minute))), nil
	}
	if s.NotEvaluated != "" {
		return nil, fmt.Errorf("%w: %s", ErrNotEvaluated, s.NotEvaluated)
	}
	sli, ok := SLIFor(cat, s)
	if !ok {
		return nil, ErrUnknownSLO
	}
	from, to = from.UTC().Truncate(time.Minute), to.UTC().Truncate(time.Minute)
	start := from.Add(-s.Window.Duration)
	minutes, err := e.Store.Minutes(ctx, []string{s.Integration}, start.Add(-Lookback(sli)), to)
	if err != nil {
		return nil, err
	}
	series := BuildSeries(sli, minutes[s.Integration], start, to)
	step := max(time.Minute, (to.Sub(from) / 500).Truncate(time.Minute))
	p := PolicyFor(cat, s)
	p.Period = s.Window.Duration
	return History(p, series, start, from, to, step), nil
}

// ErrUnknownSLO says that no SLO of the catalog has the name.
var ErrUnknownSLO = errors.New("no such SLO")

// ErrNotEvaluated says that intops does not evaluate the SLO (another
// metric source); the error says why.
var ErrNotEvaluated = errors.New("SLO not evaluated")
