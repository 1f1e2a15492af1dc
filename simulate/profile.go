package simulate

import (
	"hash/fnv"
	"math"
	"time"

	"github.com/intops/intops"
)

// Profile is how one integration behaves.
type Profile struct {
	Integration *intops.Integration
	// PeakPerMinute is the execution rate at the busiest hour of a weekday.
	PeakPerMinute float64
	// Every, for scheduled flows (batch, file, rpa), is the run interval;
	// zero means continuous traffic.
	Every time.Duration
	// ErrorRate is the share of failed executions in normal operation.
	ErrorRate float64
	// ErrorMix weights the failure classes.
	ErrorMix map[intops.ErrorClass]float64
	// MedianLatency of one execution; the spread is log-normal.
	MedianLatency time.Duration
	// Records moved per execution, on average.
	Records float64
	// Service and Peer are the resource service.name and peer.service.
	Service, Peer string
	// Explicit says whether spans carry integration.id; otherwise they
	// carry the attributes of the integration's first match rule.
	Explicit bool
	// Incidents change the flow's behaviour for a while.
	Incidents []Incident
	// Sparse says whether a continuous flow runs only a few times an hour
	// (SparseHourly) or a day (SparseDaily); Realistic sets it.
	Sparse string
	// real is the traffic's realism (Realistic); nil: a smooth seasonal
	// curve in UTC.
	real *flowRealism
}

// Incident is a labelled period of abnormal behaviour: an outage (error
// rate 1), a partial failure, a drop or spike in volume, a latency shift.
type Incident struct {
	Name       string
	From, To   time.Time
	ErrorRate  float64           // replaces the normal error rate when > 0
	Class      intops.ErrorClass // the failures' class (default unavailable)
	RateFactor float64           // multiplies the volume when > 0 (0.85 = a 15% drop)
	Latency    float64           // multiplies latency when > 0
}

// incidentAt returns the incident active at t, if any.
func (p *Profile) incidentAt(t time.Time) *Incident {
	for i := range p.Incidents {
		in := &p.Incidents[i]
		if !t.Before(in.From) && t.Before(in.To) {
			return in
		}
	}
	return nil
}

// incidentDuring reports whether an incident is active at some time of
// [from, to).
func (p *Profile) incidentDuring(from, to time.Time) bool {
	for _, in := range p.Incidents {
		if in.From.Before(to) && from.Before(in.To) {
			return true
		}
	}
	return false
}

// Profiles derives a deterministic profile for every integration from its
// mechanism, tier and id: event flows are the busiest (up to hundreds per
// second), APIs next, batch and file flows run on schedules, from every
// 15 minutes to a few times a day. Integrations annotated
// intops.dev/expected-traffic: "none" get no profile: they are the
// estate's zombies, catalogued but carrying nothing.
func Profiles(integrations []*intops.Integration) []*Profile {
	var out []*Profile
	for _, in := range integrations {
		if in.Lifecycle == intops.LifecycleDesign || in.Lifecycle == intops.LifecycleRetired {
			continue // nothing runs yet, or any more
		}
		if in.Annotations[intops.AnnotationExpectedTraffic] == "none" {
			continue // catalogued, never switched off, silent
		}
		h := hash(in.ID)
		p := &Profile{
			Integration: in,
			ErrorRate:   0.0001 + 0.0004*frac(h, 1),
			ErrorMix: map[intops.ErrorClass]float64{
				intops.ErrorTransient: 4, intops.ErrorTimeout: 3, intops.ErrorUnavailable: 2,
				intops.ErrorValidation: 2, intops.ErrorRateLimit: 1, intops.ErrorAuth: 0.3, intops.ErrorUnknown: 0.5,
			},
			Records: 1,
			Service: in.ID + "-worker",
			Peer:    in.Target(),
		}
		switch in.Mechanism {
		case "event":
			p.PeakPerMinute = 120 * math.Pow(150, frac(h, 2)) // 2/s … 300/s
			p.MedianLatency = time.Duration(20+180*frac(h, 3)) * time.Millisecond
		case "batch":
			p.Every = []time.Duration{15 * time.Minute, 30 * time.Minute, time.Hour}[h%3]
			p.MedianLatency = time.Duration(30+240*frac(h, 3)) * time.Second
			p.Records = 200 + 5000*frac(h, 4)
		case "file":
			p.Every = []time.Duration{6 * time.Hour, 8 * time.Hour}[h%2]
			p.MedianLatency = time.Duration(60+300*frac(h, 3)) * time.Second
			p.Records = 1000 + 20000*frac(h, 4)
		case "rpa":
			p.Every = 10 * time.Minute
			p.MedianLatency = 90 * time.Second
			p.ErrorRate = 0.01 // brittle by design
			p.Records = 5
		case "db-link":
			p.Every = 5 * time.Minute
			p.MedianLatency = 4 * time.Second
			p.Records = 300
		default: // api
			p.PeakPerMinute = 30 * math.Pow(40, frac(h, 2)) // 0.5/s … 20/s
			p.MedianLatency = time.Duration(80+500*frac(h, 3)) * time.Millisecond
		}
		if len(in.Match) > 0 {
			p.Explicit = false
			for _, c := range in.Match[0].Conditions {
				switch c.Key {
				case intops.AttrServiceName:
					p.Service = c.Value
				case intops.AttrPeerService:
					p.Peer = c.Value
				}
			}
		} else {
			p.Explicit = true
		}
		out = append(out, p)
	}
	return out
}

// Shadow is the uncatalogued flow every simulated estate has: a marketing
// script pulling contacts out of the CRM, found only by its traffic.
func Shadow() *Profile {
	return &Profile{
		Integration:   &intops.Integration{ID: "", Source: "marketing-export-script", Targets: []string{"salesforce-crm"}},
		PeakPerMinute: 6, ErrorRate: 0.01,
		ErrorMix:      map[intops.ErrorClass]float64{intops.ErrorRateLimit: 1},
		MedianLatency: 400 * time.Millisecond, Records: 50,
		Service: "marketing-export-script", Peer: "salesforce-crm",
	}
}

// Seasonality is the share of the peak rate at t: a business-day curve
// (quiet nights, a morning ramp, a lunch dip) and quieter weekends.
func Seasonality(t time.Time) float64 {
	t = t.UTC()
	h := float64(t.Hour()) + float64(t.Minute())/60
	day := 0.15 + 0.85*math.Exp(-math.Pow((h-11)/3.2, 2)) + 0.55*math.Exp(-math.Pow((h-15.5)/2.2, 2))
	day = math.Min(day, 1)
	if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
		day *= 0.35
	}
	return day
}

// RateAt is the expected executions per minute at t (continuous flows).
func (p *Profile) RateAt(t time.Time) float64 {
	var r float64
	if p.real != nil {
		r = p.real.rate(p.PeakPerMinute, t)
	} else {
		r = p.PeakPerMinute * Seasonality(t)
	}
	if in := p.incidentAt(t); in != nil && in.RateFactor > 0 {
		r *= in.RateFactor
	}
	return r
}

// errorAt is the error rate and the class mix at t.
func (p *Profile) errorAt(t time.Time) (float64, map[intops.ErrorClass]float64) {
	if in := p.incidentAt(t); in != nil && in.ErrorRate > 0 {
		c := in.Class
		if c == intops.ErrorNone {
			c = intops.ErrorUnavailable
		}
		return in.ErrorRate, map[intops.ErrorClass]float64{c: 1}
	}
	return p.ErrorRate, p.ErrorMix
}

func hash(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// frac is a deterministic number in [0,1) drawn from h for slot n.
func frac(h uint64, n uint64) float64 {
	x := h ^ (n * 0x9e3779b97f4a7c15)
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	return float64(x>>11) / float64(1<<53)
}
