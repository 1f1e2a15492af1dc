package anomaly

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/internal/loop"
)

// Store is what the evaluator reads and writes in ClickHouse.
type Store interface {
	Rollup(ctx context.Context, q intops.RollupQuery) (map[string][]intops.Bucket, error)
	LatestAlertStates(ctx context.Context, source string) (map[string]intops.AlertEvent, error)
	AppendAlertEvents(ctx context.Context, evs []intops.AlertEvent) error
}

// Source is the alert event log source of anomalies.
const Source = "anomaly"

// Status is an open (or recently closed) anomaly of an integration.
type Status struct {
	Integration string
	Key         string // the alert key: anomaly/<integration>/<signal>/<direction>
	Episode
}

// Evaluator runs the detectors over every catalogued integration on an
// interval, beside the SLO evaluator, and appends anomaly open and close
// events to the alert event log. Baselines are learned from the hourly
// rollup of the history (default 28 days) once an hour.
type Evaluator struct {
	Store    Store
	Catalog  func() *catalog.Catalog
	Interval time.Duration // default 1 min
	History  time.Duration // default 28 days
	Location *time.Location
	Config   Config
	Now      func() time.Time
	Logger   *slog.Logger
	// Emit, when set, says whether to record anomaly events now: among
	// server replicas only the leader does; the others follow its events
	// (restored from the log on every run) for their pages.
	Emit func() bool
	// Settle holds the windows' end back from the last whole minute (the
	// server uses a minute: spans of a minute still arrive for seconds
	// after it, in the collectors' batches). Arrived, when set, says up to
	// when the estate's spans have arrived (the start of the latest minute
	// with any); windows end there when that is earlier, so minutes still
	// arriving (a backlog after a restart, a slow collector) are not
	// taken for a drop. An estate silent for longer than MaxWait is
	// judged anyway (the ingest watchdog tells blindness apart).
	Settle  time.Duration
	Arrived func(ctx context.Context) (time.Time, error)
	MaxWait time.Duration // default 15 min
	// Blind, when set, returns the latest ingest gap (from the end of the
	// last minute with spans to when spans arrived again; to zero while it
	// lasts): the windows leave its minutes, and the minute either side
	// that it cut short, out (Recent.Blind).
	Blind func(ctx context.Context) (from, to time.Time, err error)
	// Expected, when set, returns the periods of [from, to) that on-call
	// marked expected, by integration: they are left out of the history
	// the baselines are learned from (LearnExcluding). Marks take effect
	// when the baselines are next learned (each hour).
	Expected func(ctx context.Context, from, to time.Time) (map[string][]Period, error)

	mu        sync.RWMutex
	baselines map[string]*Baseline
	learnedAt time.Time
	learnKey  string
	le        []int // the latency buckets the baselines test
	trackers  map[string]*Tracker
	restored  bool
	emitting  bool     // the last run emitted
	recent    []Status // closed in the last day
	open      []Status
}

// Run evaluates until ctx ends.
func (e *Evaluator) Run(ctx context.Context) {
	iv := e.Interval
	if iv <= 0 {
		iv = time.Minute
	}
	loop.Every(ctx, iv, e.EvaluateOnce, func(err error) { e.logger().Warn("anomaly evaluation failed; will retry", "err", err) })
}

func (e *Evaluator) logger() *slog.Logger {
	if e.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return e.Logger
}

// Key is the alert key of an integration's anomaly.
func Key(integration string, a Anomaly) string { return "anomaly/" + integration + "/" + a.Key() }

// monitored are the integrations the detectors watch: all but those in
// design.
func monitored(cat *catalog.Catalog) []string {
	var ids []string
	for _, in := range cat.Integrations {
		if in.Lifecycle != intops.LifecycleDesign {
			ids = append(ids, in.ID)
		}
	}
	sort.Strings(ids)
	return ids
}

// EvaluateOnce learns baselines when due and tests every integration over
// the windows ending at the last whole minute.
func (e *Evaluator) EvaluateOnce(ctx context.Context) error {
	now := time.Now()
	if e.Now != nil {
		now = e.Now()
	}
	// Events are stamped with the evaluation's time: alerting reads the
	// event log in time order, so an event may not be older than the
	// ones before it, whatever minute the windows end at.
	at := now.UTC()
	now = now.UTC().Truncate(time.Minute)
	if end := now.Add(-e.Settle); e.Arrived != nil {
		wait := e.MaxWait
		if wait <= 0 {
			wait = 15 * time.Minute
		}
		if a, err := e.Arrived(ctx); err == nil && !a.IsZero() && a.Before(end) && !a.Before(end.Add(-wait)) {
			end = a.UTC().Truncate(time.Minute)
		}
		now = end
	} else {
		now = end
	}
	hist := e.History
	if hist <= 0 {
		hist = 28 * 24 * time.Hour
	}
	ids := monitored(e.Catalog())
	e.mu.Lock()
	defer e.mu.Unlock()
	// A replica that does not emit follows the leader's events (and not
	// its own detections), and starts from them when it begins to emit.
	emit := e.Emit == nil || e.Emit()
	if !emit || !e.emitting {
		e.restored = false
	}
	e.emitting = emit
	if !e.restored {
		if err := e.restore(ctx); err != nil {
			return err
		}
	}
	key := strings.Join(ids, "\x00")
	if e.baselines == nil || key != e.learnKey || now.Truncate(time.Hour).After(e.learnedAt) {
		to := now.Truncate(time.Hour)
		from := to.Add(-hist)
		// The hours without latency buckets and error classes (a column
		// each per row), and beside them the totals of the whole history
		// (one row per integration) for those.
		type read struct {
			got map[string][]intops.Bucket
			err error
		}
		totalsc := make(chan read, 1)
		go func() {
			got, err := e.Store.Rollup(ctx, intops.RollupQuery{Integrations: ids, From: from, To: to, Hourly: true, Total: true})
			totalsc <- read{got, err}
		}()
		hours, err := e.Store.Rollup(ctx, intops.RollupQuery{Integrations: ids, From: from, To: to, Hourly: true, LE: []int{}, NoClasses: true})
		totals := <-totalsc
		if err == nil {
			err = totals.err
		}
		if err != nil {
			return fmt.Errorf("read history: %w", err)
		}
		var expected map[string][]Period
		if e.Expected != nil {
			if expected, err = e.Expected(ctx, from, to); err != nil {
				return fmt.Errorf("read expected periods: %w", err)
			}
		}
		bs := make([]*Baseline, len(ids))
		holidays := Holidays(e.Catalog().Holidays)
		var wg sync.WaitGroup
		workers := max(1, runtime.GOMAXPROCS(0))
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < len(ids); i += workers {
					b := LearnExcluding(hours[ids[i]], from, to, e.Location, holidays, expected[ids[i]])
					if t := totals.got[ids[i]]; len(t) == 1 {
						b.LearnTotals(t[0])
					}
					bs[i] = b
				}
			}()
		}
		wg.Wait()
		e.baselines = make(map[string]*Baseline, len(ids))
		buckets := map[int]bool{}
		for i, id := range ids {
			if bs[i].LatBucket >= 0 {
				buckets[bs[i].LatBucket] = true
			}
			e.baselines[id] = bs[i]
		}
		e.le = e.le[:0]
		for k := range buckets {
			e.le = append(e.le, k)
		}
		sort.Ints(e.le)
		e.learnedAt, e.learnKey = to, key
	}
	split := now.Add(-2 * time.Hour).Truncate(time.Hour)
	longest := Windows[len(Windows)-1]
	// Only the latency buckets some baseline tests are read.
	le := append([]int{}, e.le...)
	hours, err := e.Store.Rollup(ctx, intops.RollupQuery{Integrations: ids, From: now.Add(-longest - time.Hour).Truncate(time.Hour), To: split, Hourly: true, LE: le})
	if err != nil {
		return fmt.Errorf("read recent hours: %w", err)
	}
	mins, err := e.Store.Rollup(ctx, intops.RollupQuery{Integrations: ids, From: split, To: now, LE: le})
	if err != nil {
		return fmt.Errorf("read recent minutes: %w", err)
	}
	if e.trackers == nil {
		e.trackers = map[string]*Tracker{}
	}
	var gap Gap
	if e.Blind != nil {
		from, to, err := e.Blind(ctx)
		if err != nil {
			return fmt.Errorf("read the latest ingest gap: %w", err)
		}
		if !from.IsZero() {
			gap.From = from.Add(-time.Minute)
			if !to.IsZero() {
				gap.To = to.Add(time.Minute)
			}
		}
	}
	var events []intops.AlertEvent
	var open []Status
	cat := e.Catalog()
	for _, id := range ids {
		cfg := e.Config
		if in := cat.Integration(id); in != nil {
			cfg = cfg.Sensitive(in.Annotations[intops.AnnotationAnomalySensitivity])
		}
		found := e.baselines[id].Detect(Recent{Split: split, Hours: hours[id], Minutes: mins[id], Blind: gap}, now, cfg)
		tr := e.trackers[id]
		if tr == nil {
			tr = &Tracker{}
			e.trackers[id] = tr
		}
		opened, closed := tr.Update(now, found)
		for _, ep := range opened {
			events = append(events, event(id, ep, now, at, "firing"))
		}
		for _, ep := range closed {
			events = append(events, event(id, ep, now, at, "resolved"))
			e.recent = append(e.recent, Status{Integration: id, Key: "anomaly/" + id + "/" + ep.Key, Episode: ep})
		}
		for _, ep := range tr.Open() {
			open = append(open, Status{Integration: id, Key: "anomaly/" + id + "/" + ep.Key, Episode: ep})
		}
	}
	if len(events) > 0 && emit {
		// Nothing is forgotten when the log cannot be written: the trackers
		// are rebuilt from the log on the next try.
		if err := e.Store.AppendAlertEvents(ctx, events); err != nil {
			e.trackers, e.restored = nil, false
			return fmt.Errorf("record anomaly events: %w", err)
		}
		for _, ev := range events {
			e.logger().Info("anomaly", "key", ev.Key, "state", ev.State, "summary", ev.Summary)
		}
	}
	sort.Slice(open, func(i, j int) bool {
		if open[i].Anomaly.P != open[j].Anomaly.P {
			return open[i].Anomaly.P < open[j].Anomaly.P
		}
		return open[i].Key < open[j].Key
	})
	e.open = open
	cut := now.Add(-24 * time.Hour)
	k := 0
	for _, s := range e.recent {
		if s.Closed.After(cut) {
			e.recent[k] = s
			k++
		}
	}
	e.recent = e.recent[:k]
	return nil
}

// restore reopens the episodes the event log says are firing, so that a
// restart neither fires them again nor forgets to resolve them.
func (e *Evaluator) restore(ctx context.Context) error {
	states, err := e.Store.LatestAlertStates(ctx, Source)
	if err != nil {
		return fmt.Errorf("read anomaly states: %w", err)
	}
	e.trackers = map[string]*Tracker{}
	for key, ev := range states {
		if ev.State != "firing" {
			continue
		}
		var x evidence
		if err := json.Unmarshal([]byte(ev.Evidence), &x); err != nil {
			e.logger().Warn("anomaly event with unreadable evidence; it will fire again if still true", "key", key, "err", err)
			continue
		}
		tr := e.trackers[ev.Integration]
		if tr == nil {
			tr = &Tracker{}
			e.trackers[ev.Integration] = tr
		}
		opened := x.OpenedAt
		if opened.IsZero() {
			opened = ev.At
		}
		tr.Restore(Episode{Key: strings.TrimPrefix(key, "anomaly/"+ev.Integration+"/"), Anomaly: x.Anomaly, Opened: opened, Seen: ev.At})
	}
	e.restored = true
	return nil
}

// evidence is what an anomaly event records.
type evidence struct {
	Anomaly
	OpenedAt time.Time `json:"opened_at"`
}

func event(integration string, ep Episode, now, at time.Time, state string) intops.AlertEvent {
	js, _ := json.Marshal(evidence{Anomaly: ep.Anomaly, OpenedAt: ep.Opened})
	summary := integration + ": " + ep.Anomaly.Summary
	severity := "warning"
	if state == "resolved" {
		severity = ""
		summary = fmt.Sprintf("%s: back to normal (%s %s, open %s)", integration, ep.Anomaly.Signal, ep.Anomaly.Kind, human(now.Sub(ep.Opened)))
	}
	return intops.AlertEvent{At: at, Key: "anomaly/" + integration + "/" + ep.Key, Source: Source, Integration: integration,
		Severity: intops.Severity(severity), State: intops.AlertState(state), Summary: summary, Evidence: string(js)}
}

// Open returns the open anomalies, most significant first.
func (e *Evaluator) Open() []Status {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return append([]Status(nil), e.open...)
}

// Recent returns the anomalies closed in the last day, latest first.
func (e *Evaluator) Recent() []Status {
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := append([]Status(nil), e.recent...)
	sort.Slice(out, func(i, j int) bool { return out[i].Closed.After(out[j].Closed) })
	return out
}

// Band is an integration's expected executions per bucket and their
// normal range (three standard deviations of its baseline's spread), for
// buckets of step starting at starts; false before a baseline is learned.
func (e *Evaluator) Band(integration string, starts []time.Time, step time.Duration) (exp, low, high []float64, ok bool) {
	e.mu.RLock()
	b := e.baselines[integration]
	e.mu.RUnlock()
	if b == nil || b.Executions == 0 {
		return nil, nil, nil, false
	}
	exp, low, high = make([]float64, len(starts)), make([]float64, len(starts)), make([]float64, len(starts))
	for i, t := range starts {
		var x float64
		if step <= time.Minute {
			x = expected(t, b, &b.Exec)
		} else {
			for m := time.Duration(0); m < step; m += time.Hour {
				tl := t.Add(m).In(b.Loc)
				x += b.Exec[b.dayType(tl)][tl.Hour()] * min(step, time.Hour).Hours()
			}
		}
		sd := math.Sqrt(x + b.ExecK*x*x)
		exp[i], low[i], high[i] = x, math.Max(0, x-3*sd), x+3*sd
	}
	return exp, low, high, true
}
