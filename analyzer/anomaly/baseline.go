package anomaly

import (
	"math"
	"slices"
	"time"

	"github.com/intops/intops"
)

// Baseline is what an integration's history says is normal: the expected
// volume for each local hour of a weekday and of a weekend day (medians
// over the days of history, so that one incident, outage or holiday does
// not become normal), how much the volume varies beyond chance, the usual
// failure ratio and error-class mix, the usual latency, and the usual gap
// between runs of scheduled flows.
type Baseline struct {
	Loc  *time.Location
	Days int // days of history it was learned from
	// Holidays are the estate's holidays (local dates): judged as a
	// weekend day, and learned as one.
	Holidays Holidays
	// Exec and Records are expected counts per hour, by day type
	// (0 weekday, 1 weekend) and local hour.
	Exec, Records [2][24]float64
	// ExecK and RecordsK are the overdispersion: the variance of a window's
	// count is E + k·E².
	ExecK, RecordsK float64
	Executions      float64 // in the history
	// RecordsPerExecution: when about 1, records add nothing to executions.
	RecordsPerExecution float64
	FailRatio           float64 // failed / executions, the worst 2% of hours left out
	ClassShare          [nClasses]float64
	ClassSeen           [nClasses]float64 // failures of each class in the history
	// LatBucket is the latency bucket (index into intops.LatencyBounds)
	// that about 95% of executions stay under; LatOver the share above it.
	LatBucket int
	LatOver   float64
	P95       time.Duration
	// Gap is the usual longest silence: the 95th percentile of the gaps
	// between hours with executions. GapMedian is their median and
	// GapLongest their 99th percentile: a flow whose gaps spread far
	// beyond their median runs at random, not on a schedule, and its
	// longest silences are part of normal.
	Gap, GapMedian, GapLongest time.Duration
	// PerHour is the mean executions an hour by day type (0 weekday, 1
	// weekend): what a flow running at random does in hours whose
	// medians are 0.
	PerHour  [2]float64
	LastSeen time.Time
}

// nClasses is the number of error classes (ClassCounts' length).
const nClasses = len(intops.ClassCounts{})

// minK is the least overdispersion assumed (a 2% relative spread): the
// hourly medians do not see the shape of traffic inside an hour.
const minK = 0.0004

// Learn builds a baseline from hourly buckets of [from, to) (sorted; hours
// without traffic absent), seasonality in loc.
func Learn(hours []intops.Bucket, from, to time.Time, loc *time.Location) *Baseline {
	return LearnWith(hours, from, to, loc, nil)
}

// Holidays are an estate's holidays, as local dates (2006-01-02).
type Holidays map[string]bool

// dayType is 1 for a weekend day or a holiday, 0 for a weekday: the
// two kinds of day a flow's traffic differs between.
func (b *Baseline) dayType(t time.Time) int {
	if b != nil && b.Holidays[t.Format("2006-01-02")] {
		return 1
	}
	return dayType(t)
}

// LearnWith is Learn with the estate's holidays, which are learned and
// judged as weekend days (a holiday never becomes a weekday's normal).
func LearnWith(hours []intops.Bucket, from, to time.Time, loc *time.Location, holidays Holidays) *Baseline {
	return LearnExcluding(hours, from, to, loc, holidays, nil)
}

// Period is a span of time [From, To) of an integration's history.
type Period struct {
	From, To time.Time
}

// LearnExcluding is LearnWith with periods left out of the history: the
// periods on-call marked expected (a planned change, a holiday, a
// migration). Every hour that overlaps one is neither learned nor counted
// as a silent hour: the seasonal medians, the overdispersion and the
// usual gap are those of the history without the hour.
func LearnExcluding(hours []intops.Bucket, from, to time.Time, loc *time.Location, holidays Holidays, excluded []Period) *Baseline {
	if loc == nil {
		loc = time.UTC
	}
	b := &Baseline{Loc: loc, LatBucket: -1, Holidays: holidays}
	if len(hours) == 0 {
		return b
	}
	from, to = from.Truncate(time.Hour), to.Truncate(time.Hour)
	// History starts with the integration's first traffic. When that is
	// inside the window, its first hour is left out: it may be partial
	// (the data began mid-hour), and a partial hour would pass for a quiet
	// one.
	if first := hours[0].Minute.Truncate(time.Hour); first.After(from) {
		from = first.Add(time.Hour)
	}
	n := int(to.Sub(from) / time.Hour)
	if n <= 0 {
		return b
	}
	skip := make([]bool, n)
	for _, p := range excluded {
		lo := max(0, int(p.From.Truncate(time.Hour).Sub(from)/time.Hour))
		hi := min(n, int((p.To.Add(time.Hour-1).Truncate(time.Hour)).Sub(from)/time.Hour))
		for i := lo; i < hi; i++ {
			skip[i] = true
		}
	}
	exec := make([]float64, n)
	recs := make([]float64, n)
	fails := make([]float64, n)
	var le []float64
	var classes [nClasses][]float64
	for i := range classes {
		classes[i] = make([]float64, n)
	}
	for _, h := range hours {
		i := int(h.Minute.Sub(from) / time.Hour)
		if i < 0 || i >= n || skip[i] {
			continue
		}
		exec[i] += float64(h.Executions)
		recs[i] += float64(h.Records)
		fails[i] += float64(h.Failed)
		for c := range classes {
			classes[c][i] += float64(h.ByClass[c])
		}
		if len(h.LE) > 0 && le == nil {
			le = make([]float64, len(intops.LatencyBounds))
		}
		for k := range min(len(h.LE), len(le)) {
			le[k] += float64(h.LE[k])
		}
		if h.Executions > 0 {
			b.LastSeen = h.End()
		}
	}
	learned := 0
	for i := range n {
		if !skip[i] {
			learned++
		}
	}
	b.Days = int(math.Round(float64(learned) / 24))
	var typeHours, typeExec [2]float64
	for i := range n {
		if !skip[i] {
			d := b.dayType(from.Add(time.Duration(i) * time.Hour).In(loc))
			typeHours[d]++
			typeExec[d] += exec[i]
		}
	}
	for d := range 2 {
		if typeHours[d] > 0 {
			b.PerHour[d] = typeExec[d] / typeHours[d]
		} else {
			b.PerHour[d] = typeExec[1-d] / max(typeHours[1-d], 1)
		}
	}
	// Seasonal medians per day type and local hour.
	var cells [2][24][]float64
	var rcells [2][24][]float64
	for i := 0; i < n; i++ {
		if skip[i] {
			continue
		}
		t := from.Add(time.Duration(i) * time.Hour).In(loc)
		d := b.dayType(t)
		cells[d][t.Hour()] = append(cells[d][t.Hour()], exec[i])
		rcells[d][t.Hour()] = append(rcells[d][t.Hour()], recs[i])
	}
	for d := range 2 {
		for h := range 24 {
			b.Exec[d][h] = median(cells[d][h])
			b.Records[d][h] = median(rcells[d][h])
		}
	}
	// Hours seen on no day yet (under a week or a day of history): a
	// weekend hour borrows the weekday's and the other way round; an hour
	// seen on no day at all takes the mean of the nearest known hours.
	var known [2][24]bool
	for d := range 2 {
		for h := range 24 {
			known[d][h] = len(cells[d][h]) > 0
		}
	}
	for h := range 24 {
		if !known[1][h] && known[0][h] {
			b.Exec[1][h], b.Records[1][h], known[1][h] = b.Exec[0][h], b.Records[0][h], true
		}
		if !known[0][h] && known[1][h] {
			b.Exec[0][h], b.Records[0][h], known[0][h] = b.Exec[1][h], b.Records[1][h], true
		}
	}
	for d := range 2 {
		for h := range 24 {
			if known[d][h] {
				continue
			}
			var e, r, n float64
			for _, step := range []int{-1, 1} {
				for k := 1; k < 24; k++ {
					if j := (h + step*k + 24) % 24; known[d][j] {
						e, r, n = e+b.Exec[d][j], r+b.Records[d][j], n+1
						break
					}
				}
			}
			if n > 0 {
				b.Exec[d][h], b.Records[d][h] = e/n, r/n
			}
		}
	}
	shrink(&b.Exec, &cells, known)
	shrink(&b.Records, &rcells, known)
	b.ExecK = dispersion(b, exec, skip, from, loc, &b.Exec)
	b.RecordsK = dispersion(b, recs, skip, from, loc, &b.Records)
	// Failure ratio and class shares without the worst 2% of hours, so
	// that a past incident does not raise what is normal.
	ratio := make([]int, 0, n)
	for i := range n {
		if exec[i] > 0 {
			ratio = append(ratio, i)
		}
	}
	slices.SortFunc(ratio, func(a, c int) int {
		ra, rc := fails[a]/exec[a], fails[c]/exec[c]
		switch {
		case ra < rc:
			return -1
		case ra > rc:
			return 1
		}
		return 0
	})
	keep := ratio[:len(ratio)-len(ratio)/50]
	var ex, fl float64
	var cl [nClasses]float64
	for _, i := range keep {
		ex += exec[i]
		fl += fails[i]
		for c := range cl {
			cl[c] += classes[c][i]
		}
	}
	for i := range n {
		b.Executions += exec[i]
		for c := range cl {
			b.ClassSeen[c] += classes[c][i]
		}
	}
	var allRecs float64
	for _, r := range recs {
		allRecs += r
	}
	if b.Executions > 0 {
		b.RecordsPerExecution = allRecs / b.Executions
	}
	if ex > 0 {
		b.FailRatio = fl / ex
		for c := range cl {
			b.ClassShare[c] = cl[c] / ex
		}
	}
	b.learnLatency(le, b.Executions)
	// The usual gap between hours with runs. A gap across an excluded
	// period is not measured: its hours are unknown, not silent.
	var gaps []float64
	last := -1
	for i := range n {
		if skip[i] {
			last = -1
			continue
		}
		if exec[i] > 0 {
			if last >= 0 {
				gaps = append(gaps, float64(i-last))
			}
			last = i
		}
	}
	if len(gaps) > 0 {
		slices.Sort(gaps)
		at := func(q float64) time.Duration { return time.Duration(gaps[int(q*float64(len(gaps)-1)+0.5)]) * time.Hour }
		b.Gap, b.GapMedian, b.GapLongest = at(0.95), at(0.5), at(0.99)
	}
	return b
}

// learnLatency sets the latency bucket under which 95% of the executions
// finished, from cumulative bucket counts.
func (b *Baseline) learnLatency(le []float64, executions float64) {
	b.LatBucket, b.LatOver, b.P95 = -1, 0, 0
	if le == nil || executions <= 0 {
		return
	}
	for k, v := range le {
		if v/executions >= 0.95 {
			b.LatBucket, b.LatOver = k, 1-v/executions
			break
		}
	}
	b.P95 = quantile(le, executions, 0.95)
}

// LearnTotals sets the latency and error-class baselines from the
// history's totals (one bucket summing it, with every latency bucket
// read), for callers that read the hours without latency buckets and
// error classes (a column each per row). The class shares are then of the
// whole history, incidents included.
func (b *Baseline) LearnTotals(total intops.Bucket) {
	le := make([]float64, len(total.LE))
	for k, v := range total.LE {
		le[k] = float64(v)
	}
	if len(le) == 0 {
		le = nil
	}
	b.learnLatency(le, float64(total.Executions))
	for c := range b.ClassSeen {
		b.ClassSeen[c] = float64(total.ByClass[c])
		if total.Executions > 0 {
			b.ClassShare[c] = float64(total.ByClass[c]) / float64(total.Executions)
		}
	}
}

// quietHour is the hourly median below which an hour's expected count is
// estimated from its mean shrunk towards the flow's daily profile instead:
// the median of a few Poisson counts is 0 or 1 whatever the rate, and an
// expected 0 would make any run infinitely surprising.
const quietHour = 5

// priorHours is the weight, in days, of the daily profile in a quiet
// hour's estimate (the gamma prior of a Poisson rate).
const priorHours = 2

// shrink replaces the expected counts of quiet hours by a Poisson-gamma
// estimate: the hour's mean over the days of history (its largest tenth
// left out, so that one burst does not become normal) shrunk towards the
// prior, the mean of the neighbouring hours of the same day type (the
// daily profile), or the flow's overall rate when those saw nothing.
func shrink(med *[2][24]float64, cells *[2][24][]float64, known [2][24]bool) {
	var mean [2][24]float64
	var n [2][24]float64
	var all, hours float64
	for d := range 2 {
		for h := range 24 {
			xs := cells[d][h] // sorted by median
			keep := len(xs) - len(xs)/10
			var sum float64
			for _, x := range xs[:keep] {
				sum += x
			}
			if keep > 0 {
				mean[d][h], n[d][h] = sum/float64(keep), float64(keep)
			}
			all += sum
			hours += float64(keep)
		}
	}
	if hours == 0 {
		return
	}
	overall := all / hours
	for d := range 2 {
		for h := range 24 {
			if med[d][h] >= quietHour || !known[d][h] || n[d][h] == 0 {
				continue
			}
			var prior, w float64
			for _, j := range []int{h - 1, h, h + 1} {
				j = (j + 24) % 24
				if n[d][j] > 0 {
					prior, w = prior+mean[d][j], w+1
				}
			}
			if w > 0 {
				prior /= w
			}
			if prior <= 0 {
				prior = overall
			}
			med[d][h] = (mean[d][h]*n[d][h] + priorHours*prior) / (n[d][h] + priorHours)
		}
	}
}

func dayType(t time.Time) int {
	if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return 1
	}
	return 0
}

// dispersion estimates k from how far each hour strays from its seasonal
// expectation beyond Poisson noise, robustly: the k for which the median
// of (o − e)² / (e + k·e²) is that of a χ² with one degree of freedom
// (0.455), over the hours expecting at least one execution (residuals
// measured from their median relative deviation). For a busy flow this is
// the squared robust standard deviation (1.4826·MAD) of (o − e)/e less the
// Poisson part; a quiet one gets its overdispersion measured too, not
// assumed away.
func dispersion(b *Baseline, counts []float64, skip []bool, from time.Time, loc *time.Location, med *[2][24]float64) float64 {
	var os, es, rel []float64
	for i, o := range counts {
		if skip != nil && skip[i] {
			continue
		}
		t := from.Add(time.Duration(i) * time.Hour).In(loc)
		e := med[b.dayType(t)][t.Hour()]
		if e < 1 {
			continue
		}
		os, es = append(os, o), append(es, e)
		rel = append(rel, (o-e)/e)
	}
	if len(os) < 24 {
		return minK
	}
	m := median(slices.Clone(rel))
	q := make([]float64, len(os))
	chi := func(k float64) float64 {
		for i := range os {
			e := es[i] * (1 + m)
			d := os[i] - e
			q[i] = d * d / math.Max(e+k*e*e, 1e-9)
		}
		return median(q)
	}
	const medChi2 = 0.4549
	if chi(minK) <= medChi2 {
		return minK
	}
	lo, hi := minK, 1.0
	for chi(hi) > medChi2 && hi < 1e6 {
		lo, hi = hi, hi*10
	}
	for range 50 {
		mid := math.Sqrt(lo * hi)
		if chi(mid) > medChi2 {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi
}

// quantile estimates the q-quantile of latency from cumulative bucket
// counts (intops.LatencyQuantile, the estimate every part shows).
func quantile(le []float64, total, q float64) time.Duration {
	return intops.LatencyQuantile(le, total, q)
}

// expected is the expected count per minute at t from hourly values: a
// straight line through each local hour with the slope of its neighbours
// (their centred difference), which keeps each hour's total what the
// history says it is, however steep the ramp between hours. The
// neighbours are of the same day type, its day read round the clock: the
// day type changes at local midnight as a step, and the last hour of a
// Sunday does not lean towards a Monday's night.
func expected(t time.Time, b *Baseline, hourly *[2][24]float64) float64 {
	tl := t.In(b.Loc)
	day := &hourly[b.dayType(tl)]
	hr := tl.Hour()
	h := day[hr]
	slope := (day[(hr+1)%24] - day[(hr+23)%24]) / 2
	// A line that would dip below zero inside the hour is flattened.
	if math.Abs(slope) > 2*h {
		slope = math.Copysign(2*h, slope)
	}
	x := (float64(tl.Minute())+0.5)/60 - 0.5 // -0.5 … 0.5 across the hour
	return (h + slope*x) / 60
}
