package anomaly

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/intops/intops"
)

// Signals an anomaly can be about.
const (
	SignalExecutions = "executions"
	SignalRecords    = "records"
	SignalErrorRate  = "error_rate"
	SignalErrorClass = "error_class" // with Class set
	SignalLatency    = "latency_p95"
)

// Kinds of anomaly.
const (
	KindDrop          = "drop"
	KindSpike         = "spike"
	KindAbsence       = "absence"     // no traffic where some was expected
	KindLevelShift    = "level_shift" // a drop or spike that has lasted
	KindDrift         = "drift"       // seen only over the long windows
	KindErrorRate     = "error_rate"
	KindNewErrorClass = "new_error_class"
	KindClassShift    = "error_class_shift"
	KindLatency       = "latency"
)

// Config tunes the detectors; the zero value is the default.
type Config struct {
	// Alpha is the false-alarm probability of one test (default 1e-7; the
	// tests of one evaluation are many and correlated).
	Alpha float64
	// MinChange is the least relative change in volume worth reporting
	// (default 0.1); smaller ones are noise to an on-call engineer even
	// when they are statistically certain.
	MinChange float64
	// SpikeChange is the least rise reported as a spike over an hour or
	// more (default 0.5); over 15 minutes or less the rise must be twice
	// as large (default: double the expected count). A quarter of an
	// hour's traffic swings further than an hour's, with the day's level
	// and the bursts of clients, and a short surge that does not double
	// the traffic is not worth waking anyone for.
	SpikeChange float64
	// MinExcess is the least absolute excess, in counts, reported as a
	// spike (default 3): a flow that usually runs 0–1 times an hour and
	// runs twice is not an incident, however unlikely Poisson finds it.
	MinExcess float64
}

// Sensitive is the configuration for an integration of a sensitivity
// (intops.AnnotationAnomalySensitivity): low asks for a hundredth of the
// false-alarm probability and half as large again a change; high a
// hundred times the probability and two thirds of the change.
func (c Config) Sensitive(sensitivity string) Config {
	switch sensitivity {
	case "low":
		c.Alpha = c.alpha() / 100
		c.MinChange, c.SpikeChange = c.minChange()*1.5, c.spikeChange()*1.5
	case "high":
		c.Alpha = min(c.alpha()*100, 1e-3)
		c.MinChange, c.SpikeChange = c.minChange()*2/3, c.spikeChange()*2/3
	}
	return c
}

func (c Config) minExcess() float64 {
	if c.MinExcess > 0 {
		return c.MinExcess
	}
	return 3
}

func (c Config) alpha() float64 {
	if c.Alpha > 0 {
		return c.Alpha
	}
	return 1e-7
}

func (c Config) minChange() float64 {
	if c.MinChange > 0 {
		return c.MinChange
	}
	return 0.1
}

func (c Config) spikeChange() float64 {
	if c.SpikeChange > 0 {
		return c.SpikeChange
	}
	return 0.5
}

// Windows are the trailing windows every signal is tested over: short
// ones find outages in minutes, long ones find slow drifts.
var Windows = []time.Duration{5 * time.Minute, 15 * time.Minute, time.Hour, 3 * time.Hour, 12 * time.Hour}

// Anomaly is one departure from normal, explained.
type Anomaly struct {
	Signal string            `json:"signal"`
	Class  intops.ErrorClass `json:"class,omitempty"`
	Kind   string            `json:"kind"`
	// Direction is "low" or "high": an anomaly's identity with Signal.
	Direction string        `json:"direction"`
	Window    time.Duration `json:"-"`
	Since     time.Time     `json:"since"`
	// Observed and Expected over the window, with the normal range
	// [Low, High] (counts, or ratios for rate signals).
	Observed float64 `json:"observed"`
	Expected float64 `json:"expected"`
	Low      float64 `json:"low"`
	High     float64 `json:"high"`
	Unit     string  `json:"unit"`
	P        float64 `json:"p_value"`
	Score    float64 `json:"score"`
	Summary  string  `json:"summary"`
}

// Key identifies an anomaly across evaluations: signal, class, direction.
func (a Anomaly) Key() string {
	k := a.Signal
	if a.Class != "" {
		k += ":" + string(a.Class)
	}
	return k + "/" + a.Direction
}

// sums are one window's totals.
type sums struct {
	exec, recs, fail, over, eExec, eRecs float64
	class                                [nClasses]float64
}

// Recent is what Detect reads: per-minute buckets from Split (a whole
// hour) to now, and hourly ones before Split, at least the 12 hours of the
// longest window in all; each sorted. Missing buckets mean no traffic.
type Recent struct {
	Split   time.Time
	Hours   []intops.Bucket
	Minutes []intops.Bucket
	// Blind is when intops saw no spans from the estate (an ingest gap):
	// the windows leave its minutes out, both what arrived and what was
	// expected, so that the spans a gap lost are not taken for a drop.
	Blind Gap
}

// Gap is a span of time intops was blind for; To is zero while it lasts,
// and both are zero when there was none.
type Gap struct{ From, To time.Time }

// share is the part of [from, to) in the gap.
func (g Gap) share(from, to time.Time) float64 {
	if g.From.IsZero() || !to.After(from) {
		return 0
	}
	lo, hi := from, to
	if g.From.After(lo) {
		lo = g.From
	}
	if !g.To.IsZero() && g.To.Before(hi) {
		hi = g.To
	}
	if !hi.After(lo) {
		return 0
	}
	return float64(hi.Sub(lo)) / float64(to.Sub(from))
}

// Detect tests the recent traffic against the baseline over each window
// ending at now and returns what is abnormal, at most one anomaly per
// signal and direction: the most significant window's.
func (b *Baseline) Detect(r Recent, now time.Time, cfg Config) []Anomaly {
	found, _ := b.detect(r, now, cfg)
	return found
}

// detect is Detect that also returns the least tail probability of the
// volume tests that pass every condition but significance: how close the
// most suspicious window came to an anomaly (1 when none deviates). It is
// the continuous score of `intops anomaly score`.
func (b *Baseline) detect(r Recent, now time.Time, cfg Config) ([]Anomaly, float64) {
	peak := 1.0
	if b == nil || b.Executions == 0 {
		return nil, peak
	}
	now = now.Truncate(time.Minute)
	split := r.Split.Truncate(time.Hour)
	if split.After(now) {
		split = now.Truncate(time.Hour)
	}
	best := map[string]Anomaly{}
	short := map[string]bool{} // found over a window of an hour or less
	keep := func(a Anomaly) {
		if a.Window <= time.Hour {
			short[a.Key()] = true
		}
		if old, ok := best[a.Key()]; !ok || a.P < old.P {
			best[a.Key()] = a
		}
	}
	// quarter and hour: the last 15 minutes' and the last hour's sums,
	// which longer windows must agree with.
	var s, quarter, hour sums
	w := 0
	bs := r.Minutes
	i := len(bs) - 1
	// Walk back in time slot by slot: minutes down to split, hours before.
	slot, width := now.Add(-time.Minute), time.Minute
	for w < len(Windows) {
		if slot.Before(split) && width == time.Minute {
			slot, width = split.Add(-time.Hour), time.Hour
			bs = r.Hours
			i = len(bs) - 1
		}
		// A minute the gap touches is left out; an hour keeps the part of
		// its expectation outside the gap (its bucket holds what arrived).
		blind := r.Blind.share(slot, slot.Add(width))
		if width == time.Minute && blind > 0 {
			blind = 1
		}
		for ; i >= 0 && !bs[i].Minute.Before(slot); i-- {
			if m := &bs[i]; blind < 1 && m.Minute.Before(slot.Add(width)) && m.Minute.Before(now) {
				s.observe(b, m)
			}
		}
		if width == time.Minute {
			s.eExec += (1 - blind) * expected(slot, b, &b.Exec)
			s.eRecs += (1 - blind) * expected(slot, b, &b.Records)
		} else {
			t := slot.In(b.Loc)
			s.eExec += (1 - blind) * b.Exec[b.dayType(t)][t.Hour()]
			s.eRecs += (1 - blind) * b.Records[b.dayType(t)][t.Hour()]
		}
		for w < len(Windows) && !slot.After(now.Add(-Windows[w])) {
			if Windows[w] <= 15*time.Minute {
				quarter = s
			}
			if Windows[w] <= time.Hour {
				hour = s
			}
			b.test(&s, &quarter, &hour, now.Sub(slot), slot, cfg, keep, &peak)
			w++
		}
		slot = slot.Add(-width)
	}
	// Absence: a flow that runs on a schedule and has been silent for
	// longer than its usual gap allows.
	last := b.LastSeen
	for _, bs := range [][]intops.Bucket{r.Hours, r.Minutes} {
		for _, m := range bs {
			if m.Executions > 0 && m.Minute.Before(now) && m.End().After(last) {
				last = m.End()
				if last.After(now) {
					last = now
				}
			}
		}
	}
	if b.Gap > 0 && !last.IsZero() {
		silent := now.Sub(last)
		// The usual limit first: the random flows' one reads the baseline
		// hour by hour.
		if silent > b.usualSilence() && silent > b.silenceLimit(last, now) {
			keep(Anomaly{Signal: SignalExecutions, Kind: KindAbsence, Direction: "low", Since: last, Window: silent,
				Unit: "executions", Score: 1,
				Summary: fmt.Sprintf("no executions for %s; it usually runs at least every %s", human(silent), human(b.Gap))})
		}
	}
	out := make([]Anomaly, 0, len(best))
	for k, a := range best {
		// A change the short windows see too is a drop or spike, even when
		// a long window measures it best; a drift is seen only over hours.
		if a.Kind == KindDrift && short[k] {
			a.Kind = KindDrop
			if a.Direction == "high" {
				a.Kind = KindSpike
			}
			if a.Observed == 0 {
				a.Kind = KindAbsence
			}
		}
		out = append(out, a)
	}
	sortAnomalies(out)
	return out, peak
}

func (s *sums) observe(b *Baseline, m *intops.Bucket) {
	s.exec += float64(m.Executions)
	s.recs += float64(m.Records)
	s.fail += float64(m.Failed)
	for c := range s.class {
		s.class[c] += float64(m.ByClass[c])
	}
	if b.LatBucket >= 0 && b.LatBucket < len(m.LE) {
		s.over += float64(m.Executions) - float64(m.LE[b.LatBucket])
	}
}

// silenceLimit is how long a flow silent since last may be before it is
// absent at now: half as long again as its usual longest gap (at least an
// hour more). A flow that runs at random (its usual longest gap over 1.5
// times its median: a few runs an hour or a day, less at night and at
// weekends) has had silences this long before, in the hours it is
// usually quiet: unless its baseline expects at least 5 runs in the
// silence (P(none) < 1% by chance), it is absent only beyond a quarter
// more than the longest it had (the 99th percentile of its gaps), and
// once a silence that long is improbable at its mean rates. A
// scheduled flow's gaps are all about its period, and it is absent soon
// after it misses a run.
func (b *Baseline) silenceLimit(last, now time.Time) time.Duration {
	limit := b.usualSilence()
	if b.GapMedian <= 0 || 2*b.Gap <= 3*b.GapMedian {
		return limit
	}
	var e float64
	for h := last.Truncate(time.Hour); h.Before(now) && e < minSilentRuns; h = h.Add(time.Hour) {
		t := h.In(b.Loc)
		e += b.Exec[b.dayType(t)][t.Hour()]
	}
	if e >= minSilentRuns {
		return limit
	}
	limit = max(limit, b.GapLongest+b.GapLongest/4)
	// And not before a silence this long has less than a chance in a
	// thousand at its mean rates of the day types it spans (its quiet
	// hours' medians are 0): counted hour by hour from last, for at most
	// a fortnight.
	var mean float64
	h := last.Truncate(time.Hour)
	for ; mean < math.Log(1000) && h.Sub(last) < 14*24*time.Hour; h = h.Add(time.Hour) {
		mean += b.PerHour[b.dayType(h.In(b.Loc))]
	}
	return max(limit, h.Sub(last))
}

// usualSilence is half as long again as the usual longest gap, and at
// least an hour more.
func (b *Baseline) usualSilence() time.Duration { return b.Gap + max(time.Hour, b.Gap/2) }

// minSilentRuns: a silence in which a flow running at random usually runs
// this many times is an absence by its usual gap.
const minSilentRuns = 5

// zAlpha is the normal quantile of a one-sided alpha, for normal ranges.
func zAlpha(alpha float64) float64 {
	lo, hi := 0.0, 40.0
	for range 60 {
		mid := (lo + hi) / 2
		if 1-normalCDF(mid) > alpha {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}

// test runs every signal's test over one window of span, from since.
// Windows longer than an hour only report what the last hour (hour) still
// shows at half the strength and at 1% significance: a slow drift does,
// the echo of a short incident that is over does not.
//
// Likewise windows longer than 15 minutes only report what the last 15
// minutes still show at half the strength and 1% significance, when they
// hold enough events to tell: an anomaly closes soon after the flow
// recovers, and the tail of an incident that is over does not reopen it.
func (b *Baseline) test(s, quarter, hour *sums, span time.Duration, since time.Time, cfg Config, keep func(Anomaly), peak *float64) {
	long := span > time.Hour
	recovered := func(qo, qe, k float64, low bool) bool {
		if span <= 15*time.Minute || qe < 10 {
			return false
		}
		if low {
			return qo > (1-cfg.minChange()/2)*qe || lowerTail(qo, qe, k) >= 0.01
		}
		return qo < (1+cfg.spikeChange()/2)*qe || upperTail(qo, qe, k) >= 0.01
	}
	alpha := cfg.alpha()
	za := zAlpha(alpha)
	win := human(span)
	volume := func(signal, unit string, o, e, k, lump, ho, he, qo, qe float64) {
		if e <= 0 && o <= 0 {
			return
		}
		sd := lump * math.Sqrt(e/lump+k*e*e/lump/lump)
		lo, hi := math.Max(0, e-za*sd), e+za*sd
		a := Anomaly{Signal: signal, Window: span, Since: since, Observed: o, Expected: e, Low: lo, High: hi, Unit: unit}
		if p := lowerTail(o/lump, e/lump, k); o <= (1-cfg.minChange())*e && (!long || ho <= (1-cfg.minChange()/2)*he && lowerTail(ho/lump, he/lump, k) < 0.01) && !recovered(qo/lump, qe/lump, k, true) {
			*peak = math.Min(*peak, p)
			if p < alpha {
				a.Direction, a.P, a.Kind = "low", p, KindDrop
				if o == 0 {
					a.Kind = KindAbsence
				} else if span > time.Hour {
					a.Kind = KindDrift
				}
				a.Score = surprise(p)
				a.Summary = fmt.Sprintf("%s %s %.0f%% below normal over the last %s (%s vs %s expected, normal range %s–%s)",
					unit, verb(a.Kind), 100*(1-o/e), win, count(o), count(e), count(lo), count(hi))
				keep(a)
			}
		}
		rise := cfg.spikeChange()
		if span <= 15*time.Minute {
			rise *= 2
		}
		if p := upperTail(o/lump, e/lump, k); o >= (1+rise)*e && o-e >= cfg.minExcess()*lump && (!long || ho >= (1+cfg.spikeChange()/2)*he && upperTail(ho/lump, he/lump, k) < 0.01) && !recovered(qo/lump, qe/lump, k, false) {
			*peak = math.Min(*peak, p)
			if p >= alpha {
				return
			}
			a.Direction, a.P, a.Kind = "high", p, KindSpike
			if span > time.Hour {
				a.Kind = KindDrift
			}
			a.Score = surprise(p)
			a.Summary = SpikeSummary(unit, o, e, lo, hi, win)
			keep(a)
		}
	}
	volume(SignalExecutions, "executions", s.exec, s.eExec, b.ExecK, 1, hour.exec, hour.eExec, quarter.exec, quarter.eExec)
	if r := b.RecordsPerExecution; r > 0 && math.Abs(r-1) > 0.05 {
		// Records come in lumps of about r per execution: counted in
		// executions' worth, their noise is that of the executions.
		volume(SignalRecords, "records", s.recs, s.eRecs, b.RecordsK, r, hour.recs, hour.eRecs, quarter.recs, quarter.eRecs)
	}
	n := s.exec
	if n <= 0 {
		return
	}
	// Ratios: failures, each class, slow executions; binomial counts among
	// the window's executions (Poisson tails: the shares are small).
	ratio := func(signal string, class intops.ErrorClass, kind string, o, ho, qo, base, floor float64, minShare float64, what func(share float64) string) {
		p0 := math.Max(base, floor)
		e := n * p0
		if o < 3 || o/n < minShare {
			return
		}
		if long && (hour.exec == 0 || ho/hour.exec < base+(minShare-base)/2) {
			return
		}
		if span > 15*time.Minute && quarter.exec >= 20 && (qo/quarter.exec < base+(minShare-base)/2 || upperTail(qo, quarter.exec*p0, 0) >= 0.01) {
			return
		}
		p := upperTail(o, e, 0)
		if p >= alpha {
			return
		}
		sd := math.Sqrt(e)
		a := Anomaly{Signal: signal, Class: class, Kind: kind, Direction: "high", Window: span, Since: since,
			Observed: o / n, Expected: base, Low: 0, High: math.Min(1, (e+za*sd)/n), Unit: "share of executions", P: p, Score: surprise(p)}
		a.Summary = what(o/n) + " over the last " + win
		keep(a)
	}
	floor := 0.5 / (b.Executions + 1)
	ratio(SignalErrorRate, "", KindErrorRate, s.fail, hour.fail, quarter.fail, b.FailRatio, floor, math.Max(2*b.FailRatio, b.FailRatio+0.01), func(x float64) string {
		return fmt.Sprintf("%s of executions failed (%s usually)", pct(x), pct(b.FailRatio))
	})
	for c := range s.class {
		cls := intops.ErrorClasses[c]
		kind := KindClassShift
		if b.ClassSeen[c] < 3 {
			kind = KindNewErrorClass
		}
		ratio(SignalErrorClass, cls, kind, s.class[c], hour.class[c], quarter.class[c], b.ClassShare[c], floor, math.Max(2*b.ClassShare[c], b.ClassShare[c]+0.002), func(x float64) string {
			if kind == KindNewErrorClass {
				return fmt.Sprintf("a new error class: %s failures on %s of executions (not seen in %d days of history)", cls, pct(x), b.Days)
			}
			return fmt.Sprintf("%s failures on %s of executions (%s usually)", cls, pct(x), pct(b.ClassShare[c]))
		})
	}
	if b.LatBucket >= 0 {
		bound := intops.LatencyBounds[b.LatBucket]
		// Slow executions must be at least three times as common as usual
		// and 15 points more: latency buckets of backfilled or sampled
		// minutes are estimates, noisier than a binomial count.
		ratio(SignalLatency, "", KindLatency, s.over, hour.over, quarter.over, b.LatOver, floor, math.Max(3*b.LatOver, b.LatOver+0.15), func(x float64) string {
			return fmt.Sprintf("slower: %s of executions took over %s (%s usually; p95 usually %s)", pct(x), bound, pct(b.LatOver), b.P95.Round(time.Millisecond))
		})
	}
}

// SpikeSummary says how far o is above the expected e over the window
// win, with the normal range [lo, hi]. A factor is given only when the
// expected value is large enough for one to mean something; near zero the
// usual range speaks instead: "5 executions over the last 1 h where 0–1
// are usual".
func SpikeSummary(unit string, o, e, lo, hi float64, win string) string {
	if e < 5 {
		n := count(o)
		if o == math.Trunc(o) {
			n = fmt.Sprintf("%.0f", o)
		}
		return fmt.Sprintf("%s %s over the last %s where %s are usual (%s expected)",
			n, unit, win, usual(lo, hi), count(e))
	}
	return fmt.Sprintf("%s %.1fx normal over the last %s (%s vs %s expected, normal range %s–%s)",
		unit, o/e, win, count(o), count(e), count(lo), count(hi))
}

// usual is a normal range of counts in whole numbers: "0–1", "2".
func usual(lo, hi float64) string {
	l, h := math.Max(math.Ceil(lo-1e-9), 0)+0, math.Floor(hi+1e-9) // +0: no "-0"
	if h < l {
		h = l
	}
	if l == h {
		return fmt.Sprintf("%.0f", l)
	}
	return fmt.Sprintf("%.0f–%.0f", l, h)
}

func verb(kind string) string {
	switch kind {
	case KindAbsence:
		return "stopped:"
	case KindDrift:
		return "drifted"
	}
	return "dropped"
}

// human writes a duration the way an on-call engineer reads it.
func human(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%.0f days", d.Hours()/24)
	case d >= time.Hour && d%time.Hour == 0:
		return fmt.Sprintf("%d h", d/time.Hour)
	case d >= time.Hour:
		return fmt.Sprintf("%.1f h", d.Hours())
	}
	return fmt.Sprintf("%d min", int(d.Minutes()))
}

func count(x float64) string {
	switch {
	case x >= 1e6:
		return fmt.Sprintf("%.2fM", x/1e6)
	case x >= 1e4:
		return fmt.Sprintf("%.1fk", x/1e3)
	case x >= 10 || x == 0:
		return fmt.Sprintf("%.0f", x)
	}
	return fmt.Sprintf("%.1f", x)
}

func pct(x float64) string {
	switch {
	case x >= 0.1:
		return fmt.Sprintf("%.0f%%", 100*x)
	case x >= 0.001:
		return fmt.Sprintf("%.1f%%", 100*x)
	}
	return fmt.Sprintf("%.3f%%", 100*x)
}

// sortAnomalies orders by score, most surprising first, then by key.
func sortAnomalies(as []Anomaly) {
	slices.SortFunc(as, func(a, b Anomaly) int {
		if a.P != b.P {
			if a.P < b.P {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Key(), b.Key())
	})
}
