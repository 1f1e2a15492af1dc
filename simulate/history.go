package simulate

import (
	"math/rand/v2"
	"sort"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/catalog"
)

// History is how a simulated estate came to be what its catalog says
// today, over [From, To): governance facts written down over the months,
// SLOs defined, incidents fewer and shorter as time went by, on-call
// engineers quicker to acknowledge. Facts are drawn from hashes of names,
// so the same catalog has the same history on every run; only the
// incidents depend on a seed.
type History struct {
	Catalog  *catalog.Catalog // as it is at To
	From, To time.Time
}

// Shares of today's catalog facts that were added during the history;
// the others were there before it began.
const (
	shareOwner         = 0.10 // an owning team
	shareBusinessOwner = 0.35
	shareDataSteward   = 0.40
	shareRetirement    = 0.35 // a retirement date
	shareContractTests = 0.50 // passing contract tests (partial before)
	shareSLOs          = 0.30 // SLOs defined
)

// progress is how far into the history t is, from 0 to 1.
func (h History) progress(t time.Time) float64 {
	if !t.After(h.From) || !h.To.After(h.From) {
		return 0
	}
	return min(1, float64(t.Sub(h.From))/float64(h.To.Sub(h.From)))
}

// known reports whether a fact (key) of today's catalog was written down
// at t: a share of them was added at times spread over the first nine
// tenths of the history, the rest were there all along.
func (h History) known(key string, share float64, t time.Time) bool {
	f := frac(hash(key), 11)
	if f >= share {
		return true
	}
	return h.progress(t) >= 0.9*f/share
}

// CatalogAt returns the catalog as it stood at t: without the owners,
// business owners, data stewards, retirement dates, passing contract
// tests and SLOs that were added after t.
func (h History) CatalogAt(t time.Time) *catalog.Catalog {
	if !t.Before(h.To) {
		return h.Catalog
	}
	igs := make([]*intops.Integration, 0, len(h.Catalog.Integrations))
	for _, in := range h.Catalog.Integrations {
		c := *in
		if !h.known(in.ID+"#owner", shareOwner, t) {
			c.Owner = ""
		}
		if !h.known(in.ID+"#businessOwner", shareBusinessOwner, t) {
			c.BusinessOwner = ""
		}
		if !h.known(in.ID+"#dataSteward", shareDataSteward, t) {
			c.DataSteward = ""
		}
		if !h.known(in.ID+"#retirement", shareRetirement, t) {
			c.Retirement = time.Time{}
		}
		if c.ContractTest == "passing" && !h.known(in.ID+"#contractTest", shareContractTests, t) {
			c.ContractTest = "partial"
		}
		igs = append(igs, &c)
	}
	var slos []*intops.SLO
	for _, s := range h.Catalog.SLOs {
		if h.known("slo/"+s.Name, shareSLOs, t) {
			slos = append(slos, s)
		}
	}
	return h.Catalog.With(igs, slos)
}

// PastIncident is an incident of the history, on one integration.
type PastIncident struct {
	Integration string
	Incident
}

// pastClasses are what past incidents fail with.
var pastClasses = []intops.ErrorClass{intops.ErrorUnavailable, intops.ErrorUnavailable, intops.ErrorTimeout, intops.ErrorAuth, intops.ErrorRateLimit}

// PastIncidents adds incidents to the profiles of tier-1 and tier-2
// continuous flows that have an SLO today, from From until `until`, on
// weekdays in office hours (UTC): about two a week lasting up to an hour
// at the start of the history, one every two weeks and under 20 minutes
// at its end. Each hurts what its SLO measures: failures for a success
// ratio, slowness for a latency SLO, lost volume for a throughput floor.
// It returns them by start.
func (h History) PastIncidents(profiles []*Profile, until time.Time, seed uint64) []PastIncident {
	kinds := map[string]intops.SLIKind{}
	for _, s := range h.Catalog.SLOs {
		if s.NotEvaluated != "" {
			continue // intops does not measure it
		}
		sli := s.Indicator
		if ref := h.Catalog.SLIs[sli.Name]; sli.Kind == "" && ref != nil {
			sli = *ref
		}
		if kinds[s.Integration] != intops.SLISuccessRatio { // failures hurt the most SLOs
			kinds[s.Integration] = sli.Kind
		}
	}
	var candidates []*Profile
	for _, p := range profiles {
		if in := p.Integration; p.Every == 0 && kinds[in.ID] != "" && kinds[in.ID] != intops.SLIFreshness && (in.Tier == 1 || in.Tier == 2) {
			candidates = append(candidates, p)
		}
	}
	if len(candidates) == 0 {
		return nil
	}
	rnd := rand.New(rand.NewPCG(seed, 0x5ca1ab1e))
	var out []PastIncident
	const week = 7 * 24 * time.Hour
	for w := h.From.Truncate(24 * time.Hour); w.Before(until); w = w.Add(week) {
		pr := h.progress(w)
		expected := 2 - 1.5*pr
		n := int(expected)
		if rnd.Float64() < expected-float64(n) {
			n++
		}
		for range n {
			day := w.Add(time.Duration(rnd.IntN(5)) * 24 * time.Hour)
			for day.Weekday() == time.Saturday || day.Weekday() == time.Sunday {
				day = day.Add(24 * time.Hour)
			}
			from := day.Add(time.Duration(8*60+rnd.IntN(8*60)) * time.Minute)
			long := time.Duration((6 + 40*rnd.Float64()) * (1.3 - 0.9*pr) * float64(time.Minute)).Round(time.Minute)
			p := candidates[rnd.IntN(len(candidates))]
			in := Incident{Name: "past incident", From: from, To: from.Add(max(long, 3*time.Minute))}
			switch kinds[p.Integration.ID] {
			case intops.SLILatency:
				in.Name, in.Latency = "past slowdown", 10+20*rnd.Float64()
			case intops.SLIThroughput:
				in.Name, in.RateFactor = "past volume loss", 0.05+0.2*rnd.Float64()
			default:
				in.ErrorRate, in.Class = 0.3+0.7*rnd.Float64(), pastClasses[rnd.IntN(len(pastClasses))]
			}
			if !from.Before(until) || from.Before(h.From) || p.incidentDuring(in.From.Add(-12*time.Hour), in.To.Add(12*time.Hour)) {
				continue
			}
			p.Incidents = append(p.Incidents, in)
			out = append(out, PastIncident{Integration: p.Integration.ID, Incident: in})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].From.Before(out[j].From) })
	return out
}

// AckDelay is how long a team's on-call engineer took to acknowledge an
// incident at t: 3 to 12 minutes a team today, two and a half times that
// at the start of the history.
func (h History) AckDelay(team string, t time.Time) time.Duration {
	base := 3 + 9*frac(hash(team), 13)
	return time.Duration(base * (1 + 1.5*(1-h.progress(t))) * float64(time.Minute)).Round(time.Minute)
}

// ResolveDelay is how long after an incident's cause ended a team's
// engineer resolved it: 5 to 20 minutes a team today, twice that at the
// start of the history.
func (h History) ResolveDelay(team string, t time.Time) time.Duration {
	base := 5 + 15*frac(hash(team), 17)
	return time.Duration(base * (1 + (1 - h.progress(t))) * float64(time.Minute)).Round(time.Minute)
}
