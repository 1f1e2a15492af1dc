package simulate

import (
	"context"
	"math"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/clickhouse"
)

// MinuteWriter stores pre-aggregated minutes (clickhouse.DB does).
type MinuteWriter interface {
	InsertMinutes(ctx context.Context, ms []clickhouse.Minute) error
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
	var batch []clickhouse.Minute
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := w.InsertMinutes(ctx, batch)
		batch = batch[:0]
		return err
	}
	for _, p := range g.Profiles {
		byMinute := map[time.Time]*clickhouse.Minute{}
		var order []time.Time
		add := func(m time.Time) *clickhouse.Minute {
			if x := byMinute[m]; x != nil {
				return x
			}
			x := &clickhouse.Minute{Minute: m, IntegrationID: p.Integration.ID, ByClass: map[intops.ErrorClass]uint64{}}
			if p.Integration.ID == "" {
				x.ServiceName, x.PeerService = p.Service, p.Peer
			}
			byMinute[m] = x
			order = append(order, m)
			return x
		}
		if p.Every > 0 {
			for _, e := range g.appendExecutions(nil, p, from, to) {
				m := add(e.Start.Truncate(time.Minute))
				record(m, e)
			}
		} else {
			for t := from; t.Before(to); t = t.Add(time.Minute) {
				n := g.poisson(p.RateAt(t))
				if n == 0 {
					continue
				}
				m := add(t)
				g.aggregate(m, p, n)
			}
		}
		for _, t := range order {
			m := byMinute[t]
			total += m.Executions
			batch = append(batch, *m)
			if len(batch) >= 20000 {
				if err := flush(); err != nil {
					return total, err
				}
			}
		}
	}
	return total, flush()
}

// record adds one execution (two spans, as Live sends it) to a minute.
func record(m *clickhouse.Minute, e Execution) {
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
func (g *Generator) aggregate(m *clickhouse.Minute, p *Profile, n int) {
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
