// Package watchdog notices when intops is blind: spans stopped arriving
// from the whole estate at once (the collector stopped, or its way to
// ClickHouse is down), which is one ingest incident, not an outage of
// every integration.
package watchdog

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"sort"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/intops/intops"
	"github.com/intops/intops/internal/loop"
)

// Source, Key and Integration of the watchdog's alert events (alerting
// routes them to the platform team and holds back the alerts of missing
// traffic they explain).
const (
	Source      = "ingest"
	Key         = "ingest/estate"
	Integration = "intops:ingest"
)

// Store is what the watchdog reads and writes.
type Store interface {
	EstateMinutes(ctx context.Context, from, to time.Time) (map[time.Time]intops.EstateMinute, error)
	CollectorHealthSince(ctx context.Context, since time.Time) ([]intops.CollectorHealth, error)
	LatestAlertStates(ctx context.Context, source string) (map[string]intops.AlertEvent, error)
	AppendAlertEvents(ctx context.Context, evs []intops.AlertEvent) error
}

// Watchdog checks the estate's span arrivals.
type Watchdog struct {
	Store    Store
	Interval time.Duration // default 15s
	// MinRate is the spans a minute the last hour must have had (its
	// median minute) for silence to mean blindness (default 5): a quiet
	// estate at night says nothing.
	MinRate float64
	// MinFlows is the integrations the median minute of the last hour
	// must have had spans from (default 3): one flow going quiet is that
	// flow's business, not blindness.
	MinFlows int
	// Certainty: silence is blindness once it would happen by chance less
	// than this often at the usual rate (default 1e-6), and after at least
	// MinSilence (default 1m).
	Certainty  float64
	MinSilence time.Duration
	Now        func() time.Time
	Logger     *slog.Logger
	// Registerer, when set, gets the watchdog's gauges (intops_ingest_*,
	// intops_collector_*), for /metrics.
	Registerer prometheus.Registerer
	gauges     *gauges

	restored bool
	firing   bool
	since    time.Time
	watching time.Time // since this run's first check
}

// Evidence is what an ingest alert records.
type Evidence struct {
	Since    time.Time `json:"since"`    // the end of the last minute with spans
	Baseline float64   `json:"baseline"` // the usual spans a minute
	Silent   string    `json:"silent,omitempty"`
}

func (w *Watchdog) now() time.Time {
	if w.Now != nil {
		return w.Now().UTC()
	}
	return time.Now().UTC()
}

// Run checks every Interval until ctx ends.
func (w *Watchdog) Run(ctx context.Context) {
	iv := w.Interval
	if iv <= 0 {
		iv = 15 * time.Second
	}
	w.restored, w.watching = false, time.Time{} // a new term reads the state as it is now
	loop.Every(ctx, iv, w.Check, func(err error) { w.logger().Warn("ingest watchdog: will retry", "err", err) })
}

func (w *Watchdog) logger() *slog.Logger {
	if w.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return w.Logger
}

// Status is what the watchdog sees.
type Status struct {
	Blind    bool
	Since    time.Time // end of the last minute with spans
	Silent   time.Duration
	Baseline float64 // median spans a minute over the hour before
	Needed   time.Duration
	// Collector is what the collectors' heartbeats of the last minutes
	// say (no heartbeats: Heartbeat zero).
	Collector Collector
}

// Collector sums the collectors' heartbeats of the last minutes
// (heartbeatWindow).
type Collector struct {
	Heartbeat time.Time // the latest, of any instance
	Instances int
	// Per minute over the last heartbeatWindow.
	Received, Exported, Failed float64
	Queued                     uint64 // the latest of each instance, summed
	LastError                  string
	// Failing: spans arrive, none is stored, and stores fail.
	Failing bool
}

// heartbeatWindow is what Collector sums; staleHeartbeat is how old the
// latest heartbeat may be for the collector to count as up.
const (
	heartbeatWindow = 3 * time.Minute
	staleHeartbeat  = 90 * time.Second
)

// Up reports whether a collector sent a heartbeat lately.
func (c Collector) Up(now time.Time) bool {
	return !c.Heartbeat.IsZero() && now.Sub(c.Heartbeat) < staleHeartbeat
}

func collectorOf(hs []intops.CollectorHealth, now time.Time) Collector {
	var c Collector
	// Each instance's heartbeats of the window; a heartbeat counts what
	// happened since the one before, so an instance's first is not summed.
	type span struct{ first, last intops.CollectorHealth }
	per := map[string]*span{}
	var received, exported, failed float64
	for _, h := range hs {
		if h.At.After(c.Heartbeat) {
			c.Heartbeat = h.At
		}
		if h.At.Before(now.Add(-heartbeatWindow)) {
			continue
		}
		if h.LastError != "" {
			c.LastError = h.LastError
		}
		p := per[h.Instance]
		if p == nil {
			per[h.Instance] = &span{h, h}
			continue
		}
		if h.At.After(p.last.At) {
			p.last = h
		}
		received += float64(h.Received)
		exported += float64(h.Exported)
		failed += float64(h.Failed)
	}
	if len(per) == 0 {
		return c
	}
	var covered time.Duration
	for _, p := range per {
		c.Queued += p.last.Queued
		covered = max(covered, p.last.At.Sub(p.first.At))
	}
	c.Instances = len(per)
	if covered > 0 {
		mins := covered.Minutes()
		c.Received, c.Exported, c.Failed = received/mins, exported/mins, failed/mins
	}
	// Two minutes of heartbeats at least, none stored, failures.
	c.Failing = covered >= 2*time.Minute && exported == 0 && failed > 0
	return c
}

// Assess reads the last hour of arrivals: blind when the estate, whose
// median minute had at least MinRate spans, has been silent longer than
// chance allows.
func (w *Watchdog) Assess(ctx context.Context) (Status, error) {
	now := w.now()
	cur := now.Truncate(time.Minute)
	from := cur.Add(-65 * time.Minute)
	counts, err := w.Store.EstateMinutes(ctx, from, cur.Add(time.Minute))
	if err != nil {
		return Status{}, err
	}
	hs, err := w.Store.CollectorHealthSince(ctx, from)
	if err != nil {
		return Status{}, err
	}
	col := collectorOf(hs, now)
	var last time.Time
	for m, n := range counts {
		if n.Spans > 0 && m.After(last) {
			last = m
		}
	}
	if last.IsZero() {
		return Status{Collector: col}, nil // no traffic in the hour: nothing to compare with
	}
	st := Status{Since: last.Add(time.Minute), Collector: col}
	if st.Since.After(now) {
		st.Since = now
	}
	st.Silent = now.Sub(st.Since)
	// The usual rate: the median minute of the hour before the silence.
	var per, flows []float64
	for m := st.Since.Add(-61 * time.Minute); m.Before(st.Since.Add(-time.Minute)); m = m.Add(time.Minute) {
		if !m.Before(from) {
			per = append(per, float64(counts[m].Spans))
			flows = append(flows, float64(counts[m].Flows))
		}
	}
	if len(per) < 10 {
		return st, nil
	}
	sort.Float64s(per)
	sort.Float64s(flows)
	st.Baseline = per[len(per)/2]
	if flows[len(flows)/2] < float64(cmp.Or(w.MinFlows, 3)) {
		return st, nil
	}
	minRate := w.MinRate
	if minRate <= 0 {
		minRate = 5
	}
	if st.Baseline < minRate {
		return st, nil
	}
	certainty := w.Certainty
	if certainty <= 0 {
		certainty = 1e-6
	}
	minSilence := w.MinSilence
	if minSilence <= 0 {
		minSilence = time.Minute
	}
	// P(no span for t minutes) = exp(−rate·t) < certainty.
	st.Needed = max(minSilence, time.Duration(-math.Log(certainty)/st.Baseline*float64(time.Minute)))
	// Blind: silent longer than chance allows, or the collectors say
	// they receive spans and cannot store them.
	if col.Failing && col.Up(now) {
		st.Needed = minSilence
	}
	st.Blind = st.Silent >= st.Needed
	return st, nil
}

// summary says what the watchdog sees, and what it means.
func summary(st Status, now time.Time) string {
	head := fmt.Sprintf("No spans from any integration since %s (%s; normally %.0f a minute)",
		st.Since.Format("15:04 UTC"), st.Silent.Round(time.Second), st.Baseline)
	const tail = " Alerts of missing traffic are held until spans arrive again."
	c := st.Collector
	switch {
	case c.Heartbeat.IsZero():
		return head + ": the collector or its way to ClickHouse is down." + tail
	case c.Failing && c.Up(now):
		msg := fmt.Sprintf("%s: the collector receives %.0f spans a minute and cannot store them (%.0f failed store attempts a minute, %d spans queued)",
			head, c.Received, c.Failed, c.Queued)
		if c.LastError != "" {
			msg += ": " + truncate(c.LastError, 200)
		}
		return msg + "." + tail
	case c.Up(now):
		return fmt.Sprintf("%s: the collector is up (heartbeat %s) and receives nothing: the senders, or the network between them and the collector.",
			head, c.Heartbeat.Format("15:04:05 UTC")) + tail
	default:
		return fmt.Sprintf("%s, and no collector heartbeat since %s: the collector is stopped or cannot reach ClickHouse.",
			head, c.Heartbeat.Format("15:04:05 UTC")) + tail
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

type gauges struct {
	blind, silence, heartbeatAge, received, exported, failed, queued, instances prometheus.Gauge
}

func (w *Watchdog) metrics() *gauges {
	if w.Registerer == nil {
		return nil
	}
	if w.gauges == nil {
		g := func(name, help string) prometheus.Gauge {
			return prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
		}
		w.gauges = &gauges{
			blind:        g("intops_ingest_blind", "1 when no spans arrive from the estate for longer than chance allows, or the collectors cannot store them"),
			silence:      g("intops_ingest_silence_seconds", "seconds since the end of the last minute with spans from the estate"),
			heartbeatAge: g("intops_collector_heartbeat_age_seconds", "seconds since the latest collector heartbeat (-1: none in the last hour)"),
			received:     g("intops_collector_received_spans_per_minute", "spans the collectors received a minute, over the last 3 minutes"),
			exported:     g("intops_collector_exported_spans_per_minute", "spans the collectors stored a minute, over the last 3 minutes"),
			failed:       g("intops_collector_failed_spans_per_minute", "spans of failed store attempts a minute, over the last 3 minutes"),
			queued:       g("intops_collector_queued_spans", "spans waiting in the collectors' queues"),
			instances:    g("intops_collector_instances", "collector instances with heartbeats in the last 3 minutes"),
		}
		for _, c := range []prometheus.Collector{w.gauges.blind, w.gauges.silence, w.gauges.heartbeatAge, w.gauges.received,
			w.gauges.exported, w.gauges.failed, w.gauges.queued, w.gauges.instances} {
			if err := w.Registerer.Register(c); err != nil {
				w.logger().Warn("watchdog metrics not registered", "err", err)
			}
		}
	}
	return w.gauges
}

func (w *Watchdog) observe(st Status, now time.Time) {
	g := w.metrics()
	if g == nil {
		return
	}
	b := 0.0
	if st.Blind {
		b = 1
	}
	g.blind.Set(b)
	g.silence.Set(st.Silent.Seconds())
	age := -1.0
	if c := st.Collector; !c.Heartbeat.IsZero() {
		age = now.Sub(c.Heartbeat).Seconds()
	}
	g.heartbeatAge.Set(age)
	g.received.Set(st.Collector.Received)
	g.exported.Set(st.Collector.Exported)
	g.failed.Set(st.Collector.Failed)
	g.queued.Set(float64(st.Collector.Queued))
	g.instances.Set(float64(st.Collector.Instances))
}

// Check assesses and records a change as an alert event: firing when the
// estate goes silent, resolved when spans arrive again.
func (w *Watchdog) Check(ctx context.Context) error {
	if !w.restored {
		states, err := w.Store.LatestAlertStates(ctx, Source)
		if err != nil {
			return fmt.Errorf("read ingest alert state: %w", err)
		}
		if ev, ok := states[Key]; ok && ev.State == "firing" {
			w.firing = true
			var x Evidence
			_ = json.Unmarshal([]byte(ev.Evidence), &x)
			w.since = x.Since
		}
		w.restored = true
	}
	st, err := w.Assess(ctx)
	if err != nil {
		return err
	}
	now := w.now()
	if w.watching.IsZero() {
		w.watching = now
	}
	// A silence is seen for as long as it must last before it counts: a
	// server starting after a pause (or a demo's history) sees the old
	// silence end within seconds.
	if st.Blind && !w.firing && now.Sub(w.watching) < st.Needed {
		st.Blind = false
	}
	w.observe(st, now)
	switch {
	case st.Blind && !w.firing:
		ev, _ := json.Marshal(Evidence{Since: st.Since, Baseline: st.Baseline, Silent: st.Silent.Round(time.Second).String()})
		e := intops.AlertEvent{At: now, Key: Key, Integration: Integration, Source: Source, Severity: intops.SeverityPage, State: intops.AlertFiring, Evidence: string(ev),
			Summary: summary(st, now)}
		if err := w.Store.AppendAlertEvents(ctx, []intops.AlertEvent{e}); err != nil {
			return err
		}
		w.firing, w.since = true, st.Since
		w.logger().Warn("ingest: no spans from the estate", "since", st.Since, "baseline_per_minute", st.Baseline)
	case w.firing && !st.Blind && st.Silent < time.Minute:
		gap := st.Since.Sub(w.since)
		ev, _ := json.Marshal(Evidence{Since: w.since, Baseline: st.Baseline})
		e := intops.AlertEvent{At: now, Key: Key, Integration: Integration, Source: Source, State: intops.AlertResolved, Evidence: string(ev),
			Summary: fmt.Sprintf("Spans arrive again after a gap since %s (%s).", w.since.Format("15:04 UTC"), gap.Round(time.Second))}
		if err := w.Store.AppendAlertEvents(ctx, []intops.AlertEvent{e}); err != nil {
			return err
		}
		w.firing = false
		w.logger().Info("ingest: spans arrive again", "gap", gap)
	}
	return nil
}

// LatestGap reads the latest ingest gap from the alert event log: from
// the end of the last minute with spans to when spans arrived again (to
// zero while the gap lasts); both zero when intops was never blind.
func LatestGap(ctx context.Context, store interface {
	LatestAlertStates(ctx context.Context, source string) (map[string]intops.AlertEvent, error)
}) (from, to time.Time, err error) {
	states, err := store.LatestAlertStates(ctx, Source)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	ev, ok := states[Key]
	if !ok {
		return time.Time{}, time.Time{}, nil
	}
	var x Evidence
	if err := json.Unmarshal([]byte(ev.Evidence), &x); err != nil || x.Since.IsZero() {
		return time.Time{}, time.Time{}, nil // an event without a gap's start says nothing of one
	}
	if ev.State == intops.AlertFiring {
		return x.Since, time.Time{}, nil
	}
	return x.Since, ev.At, nil
}
