package simulate

import (
	"context"
	"math"
	"time"

	"github.com/intops/intops"
)

// MinuteWriter stores pre-aggregated minutes (clickhouse.DB does).
type MinuteWriter interface {
	InsertMinutes(ctx context.Context, ms []intops.RollupMinute) error
}

// maxDurationSample is how many execution durations a backfilled minute
// keeps for its latency quantiles.
const maxDurationSample = 24

// Backfill writes the history of [from, to) as per-minute rollups, the
// form the analyzer reads: the same model as live traffic, aggregated
// without materialising every execution (a week of a 300/s flow is 180
// million spans). It returns how many executions the minutes stand for.
func Backfill(ctx context.Context, g *Generator, w MinuteWriter, from, to time.Time) (uint64, error) {
	from, to = from.UTC().Truncate(time.Minute), to.UTC().Truncate(time.Minute)
	var total uint64
	var batch []intops.RollupMinute
	aw := &asyncWriter{ctx: ctx}
	defer aw.wait()
	// Day by day: the rollups are partitioned by day, and an insert costs
	// a part for each day it touches.
	for day := from; day.Before(to); {
		next := minTime(day.Truncate(24*time.Hour).Add(24*time.Hour), to)
		for _, p := range g.Profiles {
			for _, m := range g.minutes(p, day, next) {
				total += m.Executions
				batch = append(batch, m)
				if len(batch) >= 50000 {
					if err := aw.write(w.InsertMinutes, batch); err != nil {
						return total, err
					}
					batch = nil
				}
			}
		}
		if err := aw.write(w.InsertMinutes, batch); err != nil {
			return total, err
		}
		batch = nil
		day = next
	}
	return total, aw.wait()
}

// asyncWriter stores one batch at a time on another goroutine, so that
// the next is drawn while the last is written. A batch must not be
// changed once handed over.
type asyncWriter struct {
	ctx     context.Context
	pending chan error
}

// write waits for the previous batch, then starts storing rows with f.
func (a *asyncWriter) write(f func(context.Context, []intops.RollupMinute) error, rows []intops.RollupMinute) error {
	if err := a.wait(); err != nil {
		return err
	}
	a.pending = make(chan error, 1)
	go func() { a.pending <- f(a.ctx, rows) }()
	return nil
}

// wait waits for the batch being stored, if any.
func (a *asyncWriter) wait() error {
	if a.pending == nil {
		return nil
	}
	err := <-a.pending
	a.pending = nil
	return err
}

// minutes draws a profile's minutes of [from, to), oldest first; minutes
// without executions are left out.
func (g *Generator) minutes(p *Profile, from, to time.Time) []intops.RollupMinute {
	byMinute := map[time.Time]*intops.RollupMinute{}
	var order []time.Time
	add := func(m time.Time) *intops.RollupMinute {
		if x := byMinute[m]; x != nil {
			return x
		}
		x := newBucket(p, m)
		byMinute[m] = x
		order = append(order, m)
		return x
	}
	if p.Every > 0 {
		for _, e := range g.appendExecutions(nil, p, from, to) {
			if !g.blind(e.Start) {
				record(add(e.Start.Truncate(time.Minute)), e)
			}
		}
	} else {
		for t := from; t.Before(to); t = t.Add(time.Minute) {
			if n := g.poisson(p.RateAt(t)); n > 0 && !g.blind(t) {
				g.aggregate(add(t), p, n)
			}
		}
	}
	out := make([]intops.RollupMinute, 0, len(order))
	for _, t := range order {
		out = append(out, *byMinute[t])
	}
	return out
}

func newBucket(p *Profile, t time.Time) *intops.RollupMinute {
	x := &intops.RollupMinute{Minute: t, IntegrationID: p.Integration.ID, ByClass: map[intops.ErrorClass]uint64{}}
	if p.Integration.ID == "" {
		x.ServiceName, x.PeerService = p.Service, p.Peer
	}
	return x
}

// HourWriter stores pre-aggregated minutes and hours (clickhouse.DB does).
type HourWriter interface {
	MinuteWriter
	InsertHours(ctx context.Context, hs []intops.RollupMinute) error
}

// BackfillHours writes the history of [from, to) (whole UTC hours) as
// hourly rollups, one row per hour and flow, one insert per day: months of
// history in seconds. Hours for which detail(integration, hour) holds are
// written as minutes instead (they reach both rollups): where minute-wide
// alert windows must see what happened, such as around an incident that
// is replayed through the evaluators. It returns how many executions the
// rows stand for.
func BackfillHours(ctx context.Context, g *Generator, w HourWriter, from, to time.Time, detail func(integration string, hour time.Time) bool) (uint64, error) {
	from, to = from.UTC().Truncate(time.Hour), to.UTC().Truncate(time.Hour)
	var total uint64
	var hours, minutes []intops.RollupMinute
	aw := &asyncWriter{ctx: ctx}
	defer aw.wait()
	for day := from; day.Before(to); {
		next := minTime(day.Truncate(24*time.Hour).Add(24*time.Hour), to)
		for _, p := range g.Profiles {
			for h := day; h.Before(next); h = h.Add(time.Hour) {
				if detail != nil && detail(p.Integration.ID, h) {
					for _, m := range g.minutes(p, h, h.Add(time.Hour)) {
						total += m.Executions
						minutes = append(minutes, m)
					}
					continue
				}
				if m := g.hour(p, h); m.Executions > 0 || m.Spans > 0 {
					total += m.Executions
					hours = append(hours, m)
				}
			}
		}
		if err := aw.write(w.InsertHours, hours); err != nil {
			return total, err
		}
		if len(minutes) > 0 {
			if err := aw.write(w.InsertMinutes, minutes); err != nil {
				return total, err
			}
		}
		hours, minutes = nil, nil
		day = next
	}
	return total, aw.wait()
}

// hour draws one hour of a profile as a single bucket. A continuous flow's
// executions are one Poisson draw of the hour's summed rate, its failures
// one binomial draw, unless an incident touches the hour: then it is drawn
// minute by minute, as Backfill does.
func (g *Generator) hour(p *Profile, h time.Time) intops.RollupMinute {
	m := newBucket(p, h)
	end := h.Add(time.Hour)
	if p.Every > 0 {
		for _, e := range g.appendExecutions(nil, p, h, end) {
			record(m, e)
		}
		return *m
	}
	if p.incidentDuring(h, end) {
		var sample []uint64
		for _, x := range g.minutes(p, h, end) {
			add(m, x)
			sample = append(sample, x.Durations...)
		}
		// The hour's latency sample is drawn from every minute's.
		g.rnd.Shuffle(len(sample), func(i, j int) { sample[i], sample[j] = sample[j], sample[i] })
		m.Durations = sample[:min(len(sample), maxDurationSample)]
		return *m
	}
	lambda := 0.0
	for t := h; t.Before(end); t = t.Add(time.Minute) {
		lambda += p.RateAt(t)
	}
	n := g.poisson(lambda)
	if n == 0 {
		return *m
	}
	rate, mix := p.errorAt(h)
	failed := g.binomial(n, rate)
	for range failed {
		m.ByClass[g.pickClass(mix)]++
	}
	m.Executions, m.Spans = uint64(n), uint64(2*n)
	m.Failed, m.ErrorSpans = uint64(failed), uint64(2*failed)
	m.Records = uint64(math.Round(float64(n-failed) * math.Max(p.Records, 1)))
	for range min(n, maxDurationSample) {
		e := g.execution(p, h.Add(time.Duration(g.rnd.Int64N(int64(time.Hour)))))
		m.Durations = append(m.Durations, uint64(e.Duration))
	}
	return *m
}

// add sums a minute's counts into an hour's bucket.
func add(h *intops.RollupMinute, m intops.RollupMinute) {
	h.Spans += m.Spans
	h.ErrorSpans += m.ErrorSpans
	h.Executions += m.Executions
	h.Failed += m.Failed
	h.Records += m.Records
	for c, n := range m.ByClass {
		h.ByClass[c] += n
	}
}

// record adds one execution (two spans, as Live sends it) to a minute.
func record(m *intops.RollupMinute, e Execution) {
	m.Spans += 2
	m.Executions++
	m.Records += e.Records
	if e.Class != intops.ErrorNone {
		m.ErrorSpans += 2
		m.Failed++
		m.ByClass[e.Class]++
	}
	if len(m.Durations) < maxDurationSample {
		m.Durations = append(m.Durations, uint64(e.Duration))
	}
}

// aggregate draws a minute of n executions of a continuous flow.
func (g *Generator) aggregate(m *intops.RollupMinute, p *Profile, n int) {
	rate, mix := p.errorAt(m.Minute)
	failed := g.binomial(n, rate)
	for i := 0; i < failed; i++ {
		c := g.pickClass(mix)
		m.ByClass[c]++
	}
	ok := n - failed
	m.Executions = uint64(n)
	m.Spans = uint64(2 * n)
	m.Failed = uint64(failed)
	m.ErrorSpans = uint64(2 * failed)
	m.Records = uint64(math.Round(float64(ok) * math.Max(p.Records, 1)))
	for i := 0; i < min(n, maxDurationSample); i++ {
		e := g.execution(p, m.Minute)
		m.Durations = append(m.Durations, uint64(e.Duration))
	}
}

func (g *Generator) binomial(n int, p float64) int {
	switch {
	case p <= 0 || n == 0:
		return 0
	case p >= 1:
		return n
	case float64(n)*p*(1-p) > 25: // normal approximation
		k := int(math.Round(float64(n)*p + math.Sqrt(float64(n)*p*(1-p))*g.rnd.NormFloat64()))
		return min(max(k, 0), n)
	case p < 0.05: // rare failures: Poisson approximation
		return min(g.poisson(float64(n)*p), n)
	}
	k := 0
	for i := 0; i < n; i++ {
		if g.rnd.Float64() < p {
			k++
		}
	}
	return k
}
