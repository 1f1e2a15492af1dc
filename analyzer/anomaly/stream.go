package anomaly

import (
	"math"
	"slices"
	"time"
)

// Stream scores a single series point by point, each score using only
// the points before it: `intops anomaly score` runs it over a CSV. It is
// the detectors' model on a generic series: the expected value is the
// median of the same time of day on past days of the same type (weekday or
// weekend) in Loc, or the median of the last points before a day of
// history exists; the spread is the robust spread of past residuals, never
// below Poisson noise when the values are counts; windows of 1, 5 and 15
// points are tested both ways and the most surprising gives the score.
type Stream struct {
	Loc *time.Location
	// Days of history kept for the seasonal medians (default 28).
	Days int

	interval time.Duration
	last     time.Time
	counts   bool // every value so far a non-negative integer
	slots    map[slotKey][]float64
	recent   []float64 // the last points, for the fallback and the windows
	expect   []float64 // their expected values
	resid    []float64 // past relative residuals against seasonal medians
	early    []float64 // and against the trailing median, before a day of history
	first    time.Time
}

type slotKey struct {
	day  int
	slot int
}

// streamWindows are the windows tested, in points.
var streamWindows = []int{1, 5, 15}

// Push adds the point (t, v) and returns its anomaly score in [0, 1].
func (s *Stream) Push(t time.Time, v float64) float64 {
	if s.Loc == nil {
		s.Loc = time.UTC
	}
	if s.Days <= 0 {
		s.Days = 28
	}
	if s.slots == nil {
		s.slots = map[slotKey][]float64{}
		s.counts = true
		s.first = t
	}
	if !s.last.IsZero() && s.interval == 0 {
		s.interval = t.Sub(s.last)
	}
	s.last = t
	if v < 0 || v != math.Trunc(v) {
		s.counts = false
	}
	e, seasonal, ok := s.expected(t)
	resid := &s.resid
	if !seasonal {
		resid = &s.early
	}
	score := 0.0
	if ok {
		score = s.score(v, e, *resid, seasonal)
	}
	// Learn from the point only after scoring it.
	s.recent = append(s.recent, v)
	s.expect = append(s.expect, e)
	if len(s.recent) > 1000 {
		s.recent = s.recent[len(s.recent)-500:]
		s.expect = s.expect[len(s.expect)-500:]
	}
	if ok && e > 0 {
		*resid = append(*resid, (v-e)/math.Max(e, 1e-9))
		if len(*resid) > 2000 {
			*resid = (*resid)[len(*resid)-1000:]
		}
	}
	if s.interval > 0 && s.interval < 24*time.Hour {
		k := s.key(t)
		vals := append(s.slots[k], v)
		if len(vals) > s.Days {
			vals = vals[len(vals)-s.Days:]
		}
		s.slots[k] = vals
	}
	return score
}

func (s *Stream) key(t time.Time) slotKey {
	tl := t.In(s.Loc)
	sec := tl.Hour()*3600 + tl.Minute()*60 + tl.Second()
	return slotKey{day: dayType(tl), slot: sec / int(s.interval/time.Second)}
}

// expected is the value expected at t, whether it is seasonal, and
// whether there is enough history to say.
func (s *Stream) expected(t time.Time) (e float64, seasonal, ok bool) {
	if s.interval > 0 && s.interval < 24*time.Hour && t.Sub(s.first) >= 24*time.Hour {
		k := s.key(t)
		vals := s.slots[k]
		if len(vals) == 0 { // the first weekend (or weekday): the other type's
			k.day = 1 - k.day
			vals = s.slots[k]
		}
		if len(vals) > 0 {
			return median(slices.Clone(vals)), true, true
		}
	}
	// Before a day of history: the median of the last dozen points.
	if n := len(s.recent); n >= 12 {
		return median(slices.Clone(s.recent[n-12:])), false, true
	}
	return 0, false, false
}

// score tests windows ending with v against their expected sums.
func (s *Stream) score(v, e float64, resid []float64, seasonal bool) float64 {
	k := 0.0 // relative variance of one point beyond Poisson
	if len(resid) < 10 {
		return 0 // too early to tell what normal spread is
	}
	{
		dev := make([]float64, len(resid))
		m := median(slices.Clone(resid))
		for i, r := range resid {
			dev[i] = math.Abs(r - m)
		}
		sd := 1.4826 * median(dev)
		k = sd * sd
		if !seasonal {
			// The trailing median lags every ramp of a daily cycle it does
			// not know yet: take the whole spread, not the robust one.
			var ms float64
			for _, r := range resid {
				ms += r * r
			}
			k = math.Max(k, 4*ms/float64(len(resid)))
		}
	}
	best := 0.0
	o, ex := v, e
	for w, n := 1, len(s.recent); ; w++ {
		if slices.Contains(streamWindows, w) {
			best = math.Max(best, s.tails(o, ex, k, w))
		}
		if w >= streamWindows[len(streamWindows)-1] || w > n {
			break
		}
		o += s.recent[n-w]
		ex += s.expect[n-w]
	}
	return best
}

// tails is the surprise of o against e over w points.
func (s *Stream) tails(o, e, k float64, w int) float64 {
	if e <= 0 && o <= 0 {
		return 0
	}
	// Points of one window vary together (a level shift moves them all):
	// the relative spread of a sum of w points shrinks as 1/sqrt(w) only
	// for the Poisson part.
	variance := k * e * e / float64(w)
	if s.counts {
		variance += math.Max(e, 1e-9)
	}
	if variance <= 0 {
		variance = 1e-9
	}
	z := (o - e) / math.Sqrt(variance)
	p := normalCDF(-math.Abs(z))
	if s.counts && e < 1000 && k*e < 0.1 {
		if o < e {
			p = lowerTail(o, e, 0)
		} else {
			p = upperTail(o, e, 0)
		}
	}
	return surprise(p)
}
