package simulate

import (
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/intops/intops"
)

// Execution is one simulated run of an integration.
type Execution struct {
	Profile  *Profile
	Start    time.Time
	Duration time.Duration
	Class    intops.ErrorClass // ErrorNone when it succeeded
	Records  uint64
}

// Generator draws executions from profiles.
type Generator struct {
	Profiles []*Profile
	// Gaps are ingest outages: the integrations run as usual, but nothing
	// of what starts in a gap reaches intops (the collector was stopped
	// and lost what it held). The backfill leaves them out.
	Gaps []Gap
	rnd  *rand.Rand
}

// Gap is an ingest outage of the whole estate.
type Gap struct {
	Name     string
	From, To time.Time
}

// blind reports whether t falls in a gap.
func (g *Generator) blind(t time.Time) bool {
	for _, x := range g.Gaps {
		if !t.Before(x.From) && t.Before(x.To) {
			return true
		}
	}
	return false
}

// NewGenerator returns a generator over profiles, seeded for repeatable runs.
func NewGenerator(profiles []*Profile, seed uint64) *Generator {
	return &Generator{Profiles: profiles, rnd: rand.New(rand.NewPCG(seed, 0x1f2e3d))}
}

// Executions returns every execution that starts in [from, to), by start.
func (g *Generator) Executions(from, to time.Time) []Execution {
	var out []Execution
	for _, p := range g.Profiles {
		out = g.appendExecutions(out, p, from, to)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out
}

func (g *Generator) appendExecutions(out []Execution, p *Profile, from, to time.Time) []Execution {
	if p.Every > 0 {
		// Scheduled runs at fixed offsets of the interval, from its start.
		offset := time.Duration(hash(p.Integration.ID+p.Service) % uint64(p.Every/time.Second) * uint64(time.Second))
		first := from.Truncate(p.Every).Add(offset)
		for t := first; t.Before(to); t = t.Add(p.Every) {
			if !t.Before(from) {
				out = append(out, g.execution(p, t))
			}
		}
		return out
	}
	for m := from.Truncate(time.Minute); m.Before(to); m = m.Add(time.Minute) {
		lo, hi := maxTime(m, from), minTime(m.Add(time.Minute), to)
		if !lo.Before(hi) {
			continue
		}
		share := float64(hi.Sub(lo)) / float64(time.Minute)
		n := g.poisson(p.RateAt(m) * share)
		for i := 0; i < n; i++ {
			t := lo.Add(time.Duration(g.rnd.Int64N(int64(hi.Sub(lo)))))
			out = append(out, g.execution(p, t))
		}
	}
	return out
}

func (g *Generator) execution(p *Profile, start time.Time) Execution {
	e := Execution{Profile: p, Start: start}
	// Log-normal latency around the median, sigma 0.5.
	e.Duration = time.Duration(float64(p.MedianLatency) * math.Exp(0.5*g.rnd.NormFloat64()))
	if in := p.incidentAt(start); in != nil && in.Latency > 0 {
		e.Duration = time.Duration(float64(e.Duration) * in.Latency)
	}
	if e.Duration <= 0 {
		e.Duration = time.Millisecond
	}
	rate, mix := p.errorAt(start)
	if g.rnd.Float64() < rate {
		e.Class = g.pickClass(mix)
		if e.Class == intops.ErrorTimeout {
			e.Duration *= 4
		}
		return e
	}
	if p.Records > 1 {
		recs := p.Records
		if p.real != nil && p.Every > 0 { // a batch moves more on a busy day
			recs *= p.real.dayFactor(start.In(p.real.loc))
		}
		e.Records = uint64(math.Max(1, recs*(0.6+0.8*g.rnd.Float64())))
	} else {
		e.Records = 1
	}
	return e
}

func (g *Generator) pickClass(mix map[intops.ErrorClass]float64) intops.ErrorClass {
	total := 0.0
	for _, c := range intops.ErrorClasses {
		total += mix[c]
	}
	x := g.rnd.Float64() * total
	for _, c := range intops.ErrorClasses {
		if x < mix[c] {
			return c
		}
		x -= mix[c]
	}
	return intops.ErrorUnknown
}

// poisson draws from a Poisson distribution with mean lambda (normal
// approximation above 50).
func (g *Generator) poisson(lambda float64) int {
	if lambda <= 0 {
		return 0
	}
	if lambda > 50 {
		n := int(math.Round(lambda + math.Sqrt(lambda)*g.rnd.NormFloat64()))
		return max(n, 0)
	}
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		p *= g.rnd.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
