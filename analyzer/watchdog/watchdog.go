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

	"github.com/intops/intops/clickhouse"
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
	EstateMinutes(ctx context.Context, from, to time.Time) (map[time.Time]clickhouse.EstateMinute, error)
	LatestAlertStates(ctx context.Context, source string) (map[string]clickhouse.AlertEvent, error)
	AppendAlertEvents(ctx context.Context, evs []clickhouse.AlertEvent) error
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

	restored bool
	firing   bool
	since    time.Time
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
	var last time.Time
	for m, n := range counts {
		if n.Spans > 0 && m.After(last) {
			last = m
		}
	}
	if last.IsZero() {
		return Status{}, nil // no traffic in the hour: nothing to compare with
	}
	st := Status{Since: last.Add(time.Minute)}
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
	st.Blind = st.Silent >= st.Needed
	return st, nil
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
	switch {
	case st.Blind && !w.firing:
		ev, _ := json.Marshal(Evidence{Since: st.Since, Baseline: st.Baseline, Silent: st.Silent.Round(time.Second).String()})
		e := clickhouse.AlertEvent{At: now, Key: Key, Integration: Integration, Source: Source, Severity: "page", State: "firing", Evidence: string(ev),
			Summary: fmt.Sprintf("No spans from any integration since %s (%s; normally %.0f a minute): the collector or its way to ClickHouse is down. Alerts of missing traffic are held until spans arrive again.",
				st.Since.Format("15:04 UTC"), st.Silent.Round(time.Second), st.Baseline)}
		if err := w.Store.AppendAlertEvents(ctx, []clickhouse.AlertEvent{e}); err != nil {
			return err
		}
		w.firing, w.since = true, st.Since
		w.logger().Warn("ingest: no spans from the estate", "since", st.Since, "baseline_per_minute", st.Baseline)
	case w.firing && !st.Blind && st.Silent < time.Minute:
		gap := st.Since.Sub(w.since)
		ev, _ := json.Marshal(Evidence{Since: w.since, Baseline: st.Baseline})
		e := clickhouse.AlertEvent{At: now, Key: Key, Integration: Integration, Source: Source, State: "resolved", Evidence: string(ev),
			Summary: fmt.Sprintf("Spans arrive again after a gap since %s (%s).", w.since.Format("15:04 UTC"), gap.Round(time.Second))}
		if err := w.Store.AppendAlertEvents(ctx, []clickhouse.AlertEvent{e}); err != nil {
			return err
		}
		w.firing = false
		w.logger().Info("ingest: spans arrive again", "gap", gap)
	}
	return nil
}
