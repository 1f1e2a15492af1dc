package anomaly

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/intops/intops"
)

// Series is one regular series: Values[i] is the value of the interval
// starting at Start + i·Interval, NaN when missing.
type Series struct {
	Start    time.Time
	Interval time.Duration
	Kind     string // KindCounts or KindGauge
	Values   []float64
}

// At is the start of point i.
func (s Series) At(i int) time.Time { return s.Start.Add(time.Duration(i) * s.Interval) }

// Result is what ScoreSeries finds: a score in [0, 1] per point (0 for a
// missing one) and the episodes, as the server's tracker would record
// them.
type Result struct {
	Scores   []float64
	Episodes []Episode
}

// SignalValue is the signal of a gauge series' anomalies.
const SignalValue = "value"

// scoreHalf is the surprise, in decimal orders of magnitude beyond an
// even chance, scored one half: scores are s/(s+scoreHalf) for a tail
// probability p = 0.5·10^-s, so that the threshold an on-call engineer
// sets means the same thing for counts and gauges, the server's
// significance (10⁻⁷) scores 0.4, and however far beyond it a point is,
// a more surprising one still scores higher.
const scoreHalf = 10

// rowScore maps a tail probability to a score in [0, 1].
func rowScore(p float64) float64 { return logScore(math.Log10(p)) }

// logScore maps a tail probability given as log10 p to a score in [0, 1].
func logScore(lp float64) float64 {
	s := math.Log10(0.5) - lp
	if s <= 0 {
		return 0
	}
	if math.IsInf(s, 1) {
		return 1
	}
	return s / (s + scoreHalf)
}

// ScoreSeries runs the detector over a series point by point, each point
// judged only by the ones before it. Counts are scored by the server's
// own detector: hourly baselines learned (Learn) from the trailing 28
// days every hour, every window tested (Detect) at the end of each point,
// episodes kept by a Tracker. Gauges (latency, rates, levels) take the
// robust path of the same detector: a seasonal median and median absolute
// deviation on a log scale (scoreGauge).
func ScoreSeries(s Series, loc *time.Location, cfg Config) Result {
	if loc == nil {
		loc = time.UTC
	}
	if s.Kind == KindGauge {
		return scoreGauge(s, loc, cfg)
	}
	return scoreCounts(s, loc, cfg)
}

// history is how much history a baseline is learned from, as the server.
const history = 28 * 24 * time.Hour

// scoreCounts feeds the points as the server's rollup would hold them:
// minute buckets (points shorter than an hour) or hourly ones, the hours
// summed for Learn. A missing point is filled with what the baseline
// expects, so that it is neither a drop nor learned as one, and no
// evaluation ends on it.
func scoreCounts(s Series, loc *time.Location, cfg Config) Result {
	res := Result{Scores: make([]float64, len(s.Values))}
	if len(s.Values) == 0 {
		return res
	}
	minutes := s.Interval < time.Hour
	var mins, hours []intops.Bucket
	add := func(bs []intops.Bucket, at time.Time, width time.Duration, v uint64) []intops.Bucket {
		if n := len(bs); n > 0 && bs[n-1].Minute.Equal(at) {
			bs[n-1].Executions += v
			bs[n-1].Records += v
			return bs
		}
		return append(bs, intops.Bucket{Minute: at, Width: width, Executions: v, Records: v})
	}
	// end is when point i's evaluation is due: the end of its last minute
	// bucket, or of its hour.
	end := func(i int) time.Time {
		t := s.At(i)
		if minutes {
			e := t.Add(s.Interval)
			if c := e.Truncate(time.Minute); c.Before(e) {
				e = c.Add(time.Minute)
			}
			return e
		}
		return t.Truncate(time.Hour).Add(time.Hour)
	}
	first := s.Start.Truncate(time.Hour)
	var b *Baseline
	var learned time.Time
	tr := &Tracker{}
	group := 0 // the first point of the evaluation due
	seen := false
	for i, v := range s.Values {
		t := s.At(i)
		if math.IsNaN(v) {
			v = 0
			if b != nil {
				v = math.Round(expectedOver(b, t, s.Interval))
			}
		} else {
			seen = true
		}
		n := uint64(math.Max(0, math.Round(v)))
		if minutes {
			mins = add(mins, t.Truncate(time.Minute), time.Minute, n)
		}
		hours = add(hours, t.Truncate(time.Hour), time.Hour, n)
		now := end(i)
		if i+1 < len(s.Values) && !end(i+1).After(now) {
			continue
		}
		// Evaluate at now for the points group..i.
		if !seen {
			group = i + 1
			continue
		}
		seen = false
		if to := now.Truncate(time.Hour); !to.Equal(learned) && to.Sub(first) >= 24*time.Hour {
			from := to.Add(-history)
			b = Learn(hours[firstBucket(hours, from):firstBucket(hours, to)], from, to, loc)
			learned = to
		}
		if b == nil {
			group = i + 1
			continue
		}
		var r Recent
		if minutes {
			split := now.Add(-2 * time.Hour).Truncate(time.Hour)
			r = Recent{Split: split, Hours: hours[firstBucket(hours, now.Add(-14*time.Hour)):firstBucket(hours, split)],
				Minutes: mins[firstBucket(mins, split):firstBucket(mins, now)]}
		} else {
			r = Recent{Split: now, Hours: hours[firstBucket(hours, now.Add(-14*time.Hour)):firstBucket(hours, now)]}
		}
		found, p := b.detect(r, now, cfg)
		opened, closed := tr.Update(now, found)
		res.Episodes = record(res.Episodes, opened, closed)
		score := rowScore(p)
		for j := group; j <= i; j++ {
			if !math.IsNaN(s.Values[j]) {
				res.Scores[j] = score
			}
		}
		group = i + 1
	}
	res.Episodes = finish(res.Episodes, tr)
	return res
}

// expectedOver is the baseline's expected count over [t, t+d).
func expectedOver(b *Baseline, t time.Time, d time.Duration) float64 {
	if d < time.Hour {
		var x float64
		for m := t.Truncate(time.Minute); m.Before(t.Add(d)); m = m.Add(time.Minute) {
			x += expected(m, b, &b.Exec)
		}
		return x
	}
	tl := t.In(b.Loc)
	return b.Exec[b.dayType(tl)][tl.Hour()]
}

// firstBucket is the index of the first bucket at or after t.
func firstBucket(ms []intops.Bucket, t time.Time) int {
	i, _ := slices.BinarySearchFunc(ms, t, func(m intops.Bucket, t time.Time) int { return m.Minute.Compare(t) })
	return i
}

// record keeps the closed episodes and the opened ones (by key, updated
// when they close).
func record(eps []Episode, opened, closed []Episode) []Episode {
	eps = append(eps, opened...)
	for _, c := range closed {
		for k := len(eps) - 1; k >= 0; k-- {
			if eps[k].Key == c.Key && eps[k].Closed.IsZero() {
				eps[k] = c
				break
			}
		}
	}
	return eps
}

// finish updates the episodes still open at the end with their evidence.
func finish(eps []Episode, tr *Tracker) []Episode {
	for _, o := range tr.Open() {
		for k := len(eps) - 1; k >= 0; k-- {
			if eps[k].Key == o.Key && eps[k].Closed.IsZero() {
				eps[k] = o
				break
			}
		}
	}
	return eps
}

// The gauge path's parameters, in time so that they mean the same at
// every interval.
const (
	gaugeSeasons = 7              // past periods whose same phase is the expected value
	gaugeSpread  = 1000           // past residuals the spread is measured over (points)
	gaugeWarmup  = 24 * time.Hour // history before the first score
	// gaugeMinSpread is the least spread on the log scale (about 5%): a
	// series smoother than that is not alarmed on for changes an on-call
	// engineer would not act on.
	gaugeMinSpread = 0.05
)

// scoreGauge scores a gauge: values on a log scale (asinh(v/c), c three
// times the series' typical magnitude, so zeros and negatives are fine);
// the period (an hour, a day or a week) found by autocorrelation, again
// every day of data; the expected value the median of the same phase (± a
// 288th of the period) over the last 7 periods, or of the last 30 points
// when there is no period; a level shift followed through the median
// residual of the last period; then the mean deviation over 1, 3
// and 6 points, each against the robust spread of its own past values
// (robustZ), the most surprising as a two-sided normal tail (times three
// for the three windows). An anomaly is reported, and tracked as the
// server tracks its anomalies, when that tail is below the significance
// (Config.Alpha).
func scoreGauge(s Series, loc *time.Location, cfg Config) Result {
	n := len(s.Values)
	res := Result{Scores: make([]float64, n)}
	warm := max(int(gaugeWarmup/s.Interval), 24)
	if n <= warm {
		return res
	}
	c := gaugeScale(s.Values[:warm])
	y := make([]float64, n)
	for i, v := range s.Values {
		y[i] = math.Asinh(v / c)
	}
	resid := make([]float64, n) // y minus the seasonal expectation, NaN when unknown
	dev := make([]float64, n)   // and minus the level
	var mean [len(gaugeWindows)][]float64
	for w := range mean {
		mean[w] = make([]float64, n)
	}
	for i := range resid {
		resid[i], dev[i] = math.NaN(), math.NaN()
		for w := range mean {
			mean[w][i] = math.NaN()
		}
	}
	za := zAlpha(cfg.alpha() / 2)
	tr := &Tracker{}
	period, checked := 0, -1
	buf := make([]float64, 0, 128)
	var spread []float64
	for i := 0; i < n; i++ {
		// The period, again every day of data.
		if day := i * int(s.Interval/time.Second) / 86400; day != checked && i >= warm {
			period, checked = detectPeriod(y[:i], s.Interval), day
		}
		// The seasonal expectation.
		buf = buf[:0]
		if period > 0 {
			h := period / 288
			for k := 1; k <= gaugeSeasons; k++ {
				for d := -h; d <= h; d++ {
					if j := i - k*period + d; j >= 0 && j < i && !math.IsNaN(y[j]) {
						buf = append(buf, y[j])
					}
				}
			}
		}
		if period == 0 || len(buf) == 0 {
			for j := i - 1; j >= 0 && j >= i-30; j-- {
				if !math.IsNaN(y[j]) {
					buf = append(buf, y[j])
				}
			}
		}
		if len(buf) == 0 || math.IsNaN(y[i]) {
			continue
		}
		seas := median(buf)
		resid[i] = y[i] - seas
		if i < warm {
			continue
		}
		// The level: the median residual of the last period.
		lvl := 0.0
		if period > 0 {
			buf = buf[:0]
			for j := i - 1; j >= 0 && j >= i-max(period, 3); j-- {
				if !math.IsNaN(resid[j]) {
					buf = append(buf, resid[j])
				}
			}
			if len(buf) > 0 {
				lvl = median(buf)
			}
		}
		dev[i] = resid[i] - lvl
		// Each window's mean deviation against the spread of its own past
		// values: the spread of a mean of w points is measured, not
		// assumed, so that autocorrelation is accounted for.
		z, sd, lp := 0.0, 0.0, 0.0 // lp: log10 of the tail probability
		for wi, w := range gaugeWindows {
			var sum, cnt float64
			for j := i; j > i-w && j >= 0; j-- {
				if !math.IsNaN(dev[j]) {
					sum, cnt = sum+dev[j], cnt+1
				}
			}
			mean[wi][i] = sum / cnt
			zw, sdw, ok := robustZ(mean[wi][:i], mean[wi][i], &spread)
			if !ok {
				continue
			}
			if lw := math.Log10(float64(2*len(gaugeWindows))) + log10NormalTail(math.Abs(zw)); lw < lp {
				z, sd, lp = zw, sdw, lw
			}
		}
		if lp >= 0 {
			continue
		}
		p := math.Pow(10, lp)
		res.Scores[i] = logScore(lp)
		var found []Anomaly
		if math.Abs(z) > za {
			at := s.At(i)
			e := c * math.Sinh(seas+lvl)
			lo, hi := c*math.Sinh(seas+lvl-za*sd), c*math.Sinh(seas+lvl+za*sd)
			a := Anomaly{Signal: SignalValue, Kind: KindSpike, Direction: "high", Window: s.Interval, Since: at,
				Observed: s.Values[i], Expected: e, Low: lo, High: hi, Unit: "value", P: p, Score: surprise(p)}
			if z < 0 {
				a.Kind, a.Direction = KindDrop, "low"
			}
			a.Summary = fmt.Sprintf("%s %s normal (%s expected, normal range %s–%s)",
				gaugeText(s.Values[i]), map[string]string{"high": "above", "low": "below"}[a.Direction], gaugeText(e), gaugeText(lo), gaugeText(hi))
			found = append(found, a)
		}
		opened, closed := tr.Update(s.At(i).Add(s.Interval), found)
		res.Episodes = record(res.Episodes, opened, closed)
	}
	res.Episodes = finish(res.Episodes, tr)
	return res
}

// gaugeWindows are the windows a gauge is tested over, in points.
var gaugeWindows = [...]int{1, 3, 6}

// robustZ is x's deviation from the past values (the last gaugeSpread
// that are known) in robust standard deviations: the larger of 1.4826·MAD,
// half the one the 90th percentile of the absolute deviations implies
// (q90/3.29), and gaugeMinSpread, so that a series mostly constant (MAD 0)
// or with heavy tails is not scored as if it were normal. buf is scratch
// space.
func robustZ(past []float64, x float64, buf *[]float64) (z, sd float64, ok bool) {
	if math.IsNaN(x) {
		return 0, 0, false
	}
	b := (*buf)[:0]
	for j := len(past) - 1; j >= 0 && len(b) < gaugeSpread; j-- {
		if !math.IsNaN(past[j]) {
			b = append(b, past[j])
		}
	}
	*buf = b
	if len(b) < 10 {
		return 0, 0, false
	}
	m := median(b)
	for k, r := range b {
		b[k] = math.Abs(r - m)
	}
	mad := median(b) // sorts b
	q90 := b[int(0.9*float64(len(b)-1))]
	sd = math.Max(math.Max(1.4826*mad, q90/3.29), gaugeMinSpread)
	return (x - m) / sd, sd, true
}

func gaugeText(x float64) string {
	return fmt.Sprintf("%.4g", x)
}

// gaugeScale is where the log scale starts: three times the median
// magnitude of the non-zero values (below it asinh is about linear, above
// logarithmic), so that the noise of values near zero is not magnified.
func gaugeScale(vs []float64) float64 {
	var xs []float64
	for _, v := range vs {
		if !math.IsNaN(v) && v != 0 {
			xs = append(xs, math.Abs(v))
		}
	}
	if len(xs) == 0 {
		return 1
	}
	return math.Max(3*median(xs), 1e-12)
}

// detectPeriod finds the series' period among an hour, a day and a week
// (in points): the candidate whose autocorrelation is highest, at least
// 0.3 and clearly above the autocorrelation at half the lag (a trend
// correlates at every lag, a cycle not at its half period). 0 when none.
func detectPeriod(y []float64, interval time.Duration) int {
	best, bestR := 0, 0.3
	for _, d := range []time.Duration{time.Hour, 24 * time.Hour, 7 * 24 * time.Hour} {
		p := int(d / interval)
		if p < 4 || len(y) < 2*p+p/2 {
			continue
		}
		r, half := acf(y, p), acf(y, p/2)
		if r > bestR && r-half > 0.1 {
			best, bestR = p, r
		}
	}
	return best
}

// acf is the autocorrelation of y at lag (missing values skipped).
func acf(y []float64, lag int) float64 {
	var sum, cnt float64
	for _, v := range y {
		if !math.IsNaN(v) {
			sum, cnt = sum+v, cnt+1
		}
	}
	if cnt < 2 {
		return 0
	}
	mean := sum / cnt
	var num, den float64
	for i, v := range y {
		if math.IsNaN(v) {
			continue
		}
		den += (v - mean) * (v - mean)
		if i+lag < len(y) && !math.IsNaN(y[i+lag]) {
			num += (v - mean) * (y[i+lag] - mean)
		}
	}
	if den == 0 {
		return 0
	}
	return num / den
}
