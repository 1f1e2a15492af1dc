package slo

import "time"

// NoData says how minutes without events count.
type NoData string

const (
	NoDataGood  NoData = "good"  // silence is not an error (default)
	NoDataBad   NoData = "bad"   // silence burns the budget as errors would
	NoDataAlert NoData = "alert" // silence is reported as its own status
)

// Policy is how an SLO alerts.
type Policy struct {
	Objective float64       // e.g. 0.999
	Period    time.Duration // the SLO window, e.g. 30 days
	Windows   []AlertWindow // nil: Windows(Period)
	// MinBad is the fewest bad events a window must hold before it may
	// alert, so that a sparse flow does not page on one failure. Default 3.
	MinBad float64
	NoData NoData
}

// Minute is one minute of an SLO's events.
type Minute struct {
	Good, Total float64
}

// Series is an SLO's events per minute, oldest first, ending at the
// evaluation time (the last element is the minute just past).
type Series []Minute

// WindowState is one alert window's burn rates.
type WindowState struct {
	AlertWindow
	LongBurn, ShortBurn float64
	LongBad             float64
	Firing              bool
}

// Result is an SLO's state at one evaluation.
type Result struct {
	Status          string // ok, page, ticket, no_data
	BudgetRemaining float64
	// BudgetConsumed is the share of the budget used over the period.
	BudgetConsumed float64
	SLI            float64 // good/total over the period (1 without events)
	Windows        []WindowState
	// Exhaustion is when the budget runs out at the current burn of the
	// slowest page window (zero when it does not burn or is already out).
	Exhaustion time.Duration
	Events     float64
	// BudgetPerDay is the share of the budget the last day consumed.
	BudgetPerDay float64
}

// Evaluate computes an SLO's state from its series.
func Evaluate(p Policy, s Series) Result {
	var sc Scratch
	return sc.Evaluate(p, s)
}

// Scratch holds buffers that successive evaluations reuse.
type Scratch struct {
	prefix prefix
}

// Evaluate is Evaluate reusing the scratch buffers.
func (sc *Scratch) Evaluate(p Policy, s Series) Result {
	windows := p.Windows
	if windows == nil {
		windows = Windows(p.Period)
	}
	minBad := p.MinBad
	if minBad <= 0 {
		minBad = 3
	}
	budget := 1 - p.Objective
	sc.prefix.fill(s, p.NoData)
	sum := sc.prefix
	periodMin := int(p.Period / time.Minute)
	good, total := sum.window(periodMin)
	r := Result{Status: "ok", SLI: 1, Events: total}
	if total > 0 {
		r.SLI = good / total
	}
	r.BudgetConsumed = BudgetConsumed(p.Objective, good, total)
	r.BudgetRemaining = 1 - r.BudgetConsumed
	if p.Period > 0 {
		dg, dt := sum.window(24 * 60)
		r.BudgetPerDay = burn(dg, dt, budget) * float64(24*time.Hour) / float64(p.Period)
	}
	firing := map[Severity]bool{}
	var slowPage *WindowState
	for _, w := range windows {
		lg, lt := sum.window(int(w.Long / time.Minute))
		sg, st := sum.window(int(w.Short / time.Minute))
		ws := WindowState{AlertWindow: w, LongBurn: burn(lg, lt, budget), ShortBurn: burn(sg, st, budget), LongBad: lt - lg}
		ws.Firing = ws.LongBurn >= w.Factor && ws.ShortBurn >= w.Factor && ws.LongBad >= minBad
		if ws.Firing {
			firing[w.Severity] = true
		}
		r.Windows = append(r.Windows, ws)
		if w.Severity == Page {
			slowPage = &r.Windows[len(r.Windows)-1]
		}
	}
	switch {
	case firing[Page]:
		r.Status = "page"
	case firing[Ticket]:
		r.Status = "ticket" // inhibited while a page fires
	}
	if p.NoData == NoDataAlert && len(windows) > 0 {
		if _, t := sum.window(int(windows[0].Long / time.Minute)); t == 0 {
			r.Status = "no_data"
		}
	}
	if slowPage != nil && slowPage.LongBurn > 0 && r.BudgetRemaining > 0 {
		r.Exhaustion = time.Duration(r.BudgetRemaining * float64(p.Period) / slowPage.LongBurn).Round(time.Minute)
	}
	return r
}

// BudgetConsumed is the share of the error budget (1 − objective of the
// events) that the bad events used: 0 when none failed, 1 when exactly
// the budget was spent, more past that; 0 without events.
func BudgetConsumed(objective, good, total float64) float64 {
	budget := 1 - objective
	if budget <= 0 || total <= 0 {
		return 0
	}
	return (total - good) / (budget * total)
}

// Met reports whether good of total events meet the objective: the budget
// is not overspent. Without events there is nothing to meet.
func Met(objective, good, total float64) bool {
	return total > 0 && BudgetConsumed(objective, good, total) <= 1+1e-9
}

func burn(good, total, budget float64) float64 {
	if total <= 0 || budget <= 0 {
		return 0
	}
	return (total - good) / total / budget
}

// prefix sums for O(1) window sums.
type prefix struct {
	good, total []float64
}

func newPrefix(s Series, nd NoData) prefix {
	var p prefix
	p.fill(s, nd)
	return p
}

func (p *prefix) fill(s Series, nd NoData) {
	if cap(p.good) >= len(s)+1 {
		p.good, p.total = p.good[:len(s)+1], p.total[:len(s)+1]
	} else {
		p.good, p.total = make([]float64, len(s)+1), make([]float64, len(s)+1)
	}
	p.good[0], p.total[0] = 0, 0
	// With NoDataBad a silent minute counts as a minute of the flow's usual
	// volume, all of it bad.
	usual := 1.0
	if nd == NoDataBad {
		var sum, n float64
		for _, m := range s {
			if m.Total > 0 {
				sum, n = sum+m.Total, n+1
			}
		}
		if n > 0 {
			usual = sum / n
		}
	}
	for i, m := range s {
		g, t := m.Good, m.Total
		if t == 0 && nd == NoDataBad {
			g, t = 0, usual
		}
		p.good[i+1] = p.good[i] + g
		p.total[i+1] = p.total[i] + t
	}
}

// Cumulative holds a series' running sums, so that the good and total
// events of any range of its minutes cost O(1); silent minutes count as
// the no-data setting says, as in Evaluate. Reports use it to measure an
// SLO over many periods from one series.
type Cumulative struct{ p prefix }

// Accumulate fills c with the running sums of s, reusing c's storage.
func (c *Cumulative) Accumulate(s Series, nd NoData) { c.p.fill(s, nd) }

// Range sums minutes [i, j) of the series (clipped to it).
func (c *Cumulative) Range(i, j int) (good, total float64) {
	n := len(c.p.good) - 1
	i, j = min(max(i, 0), n), min(max(j, 0), n)
	if j <= i {
		return 0, 0
	}
	return c.p.good[j] - c.p.good[i], c.p.total[j] - c.p.total[i]
}

// window sums the last n minutes.
func (p prefix) window(n int) (good, total float64) {
	end := len(p.good) - 1
	start := max(end-n, 0)
	return p.good[end] - p.good[start], p.total[end] - p.total[start]
}

// Point is an SLO's state at one time of its history.
type Point struct {
	At              time.Time
	SLI             float64
	BudgetRemaining float64
	Events          float64
}

// History computes the SLI and budget over the period ending at each step
// from `from` to `to`, for a series whose first minute is start.
func History(p Policy, s Series, start, from, to time.Time, step time.Duration) []Point {
	sum := newPrefix(s, p.NoData)
	periodMin := int(p.Period / time.Minute)
	var out []Point
	for t := from; !t.After(to); t = t.Add(step) {
		end := int(t.Sub(start) / time.Minute)
		if end < 0 || end > len(s) {
			continue
		}
		lo := max(end-periodMin, 0)
		good, total := sum.good[end]-sum.good[lo], sum.total[end]-sum.total[lo]
		pt := Point{At: t, SLI: 1, BudgetRemaining: 1, Events: total}
		if total > 0 {
			pt.SLI = good / total
			pt.BudgetRemaining = 1 - BudgetConsumed(p.Objective, good, total)
		}
		out = append(out, pt)
	}
	return out
}
