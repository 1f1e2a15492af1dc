package simulate

import (
	"math"
	"sync"
	"time"
)

// Realism is how a real estate's traffic strays from a smooth seasonal
// curve: whole days busier or quieter than usual, slow swells and lulls
// within a day, weekends and holidays that begin at local midnight, a
// daylight-saving change, and flows that run only a few times an hour or
// a day. Everything is drawn from hashes of Seed, the integration and the
// time, so the same seed gives the same traffic whatever the order in
// which it is asked for.
type Realism struct {
	Seed uint64
	// Location is the estate's time zone: local hours shape the day,
	// local midnight starts weekends and holidays, and its daylight-saving
	// changes give days of 23 and 25 hours (default UTC).
	Location *time.Location
	// Holidays are local dates (2006-01-02) with weekend traffic.
	Holidays map[string]bool
	// Epoch is where the within-day noise starts; it should precede the
	// traffic asked for (times before it get noise without memory).
	// Default: 2026-01-01 UTC.
	Epoch time.Time
}

// Sparseness of a continuous flow.
const (
	SparseNone   = ""
	SparseHourly = "hourly" // a few runs an hour
	SparseDaily  = "daily"  // a few runs a day
)

// Shares of continuous API flows that Realistic makes sparse.
const (
	shareSparseHourly = 0.12
	shareSparseDaily  = 0.08
)

// noiseStep is the spacing of the within-day noise's knots; the rate
// between two knots is interpolated.
const noiseStep = 5 * time.Minute

// flowRealism is one profile's realism: its own dispersion, noise and weekend.
type flowRealism struct {
	seed     uint64 // Realism.Seed mixed with the integration
	loc      *time.Location
	holidays map[int]bool // year*400 + day of year
	epoch    time.Time
	// dayCV is the spread of whole days' volumes (coefficient of
	// variation of a lognormal factor, mean 1).
	dayCV float64
	// noiseSD is the standard deviation of the within-day noise on the
	// log of the rate, an AR(1) process with correlation time corr.
	noiseSD float64
	corr    time.Duration
	// weekend is a weekend day's share of a weekday's business-hours
	// traffic, weekendNight its share of the traffic that runs round the
	// clock (the night level).
	weekend, weekendNight float64

	mu    sync.Mutex
	knots []float64 // the AR(1) process at Epoch + i·noiseStep, standard normal
}

// Realistic returns copies of profiles with the realism of r: every flow
// gets its own day-to-day spread (5–15%), within-day noise (3–8% with a
// correlation time of 30–60 minutes) and weekend (25–50% of a weekday's
// business-hours traffic, 60–100% of its night level), on the
// local clock of r.Location; a share of the continuous API flows becomes
// sparse, running a few times an hour or a few times a day. The profiles
// passed in are not changed.
func Realistic(profiles []*Profile, r Realism) []*Profile {
	loc := r.Location
	if loc == nil {
		loc = time.UTC
	}
	epoch := r.Epoch
	if epoch.IsZero() {
		epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	holidays := map[int]bool{}
	for d := range r.Holidays {
		if t, err := time.Parse("2006-01-02", d); err == nil {
			holidays[dayKey(t)] = true
		}
	}
	out := make([]*Profile, 0, len(profiles))
	for _, p := range profiles {
		c := *p
		h := hash(p.Integration.ID + "/" + p.Service)
		c.real = &flowRealism{
			seed:         mix(r.Seed ^ h),
			loc:          loc,
			holidays:     holidays,
			epoch:        epoch,
			dayCV:        0.05 + 0.10*frac(h, 21),
			noiseSD:      0.03 + 0.05*frac(h, 22),
			corr:         time.Duration(30+30*frac(h, 23)) * time.Minute,
			weekend:      0.25 + 0.25*frac(h, 24),
			weekendNight: 0.6 + 0.4*frac(h, 27),
		}
		if p.Every == 0 && p.Integration.Mechanism != "event" && p.Integration.ID != "" {
			switch f := frac(h, 25); {
			case f < shareSparseHourly:
				// 3 to 10 runs in a weekday's busiest hour.
				c.Sparse, c.PeakPerMinute = SparseHourly, (3+7*frac(h, 26))/60
			case f < shareSparseHourly+shareSparseDaily:
				// About 3 to 8 runs a weekday, mostly in office hours.
				c.Sparse, c.PeakPerMinute = SparseDaily, (0.4+0.6*frac(h, 26))/60
			}
		}
		out = append(out, &c)
	}
	return out
}

// rate is the expected executions per minute at t without incidents.
func (x *flowRealism) rate(peak float64, t time.Time) float64 {
	lt := t.In(x.loc)
	return peak * x.seasonality(lt) * x.dayFactor(lt) * x.noise(t)
}

// weekendAt reports whether the local time lt falls on a weekend day or a
// holiday.
func (x *flowRealism) weekendAt(lt time.Time) bool {
	if wd := lt.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return true
	}
	return x.holidays[dayKey(lt)]
}

// seasonality is the share of the peak at local time lt: the business-day
// curve of Seasonality on the local clock; on weekends and holidays the
// business-hours part of it at the flow's weekend share and the night
// level (what runs round the clock) at its weekend night share: below the
// weekday's at every hour, with a step at midnight no larger than the
// nights differ.
func (x *flowRealism) seasonality(lt time.Time) float64 {
	const night = 0.15
	h := float64(lt.Hour()) + float64(lt.Minute())/60
	day := math.Min(1, night+0.85*math.Exp(-math.Pow((h-11)/3.2, 2))+0.55*math.Exp(-math.Pow((h-15.5)/2.2, 2)))
	if x.weekendAt(lt) {
		return x.weekendNight*night + x.weekend*(day-night)
	}
	return day
}

// dayFactor is the local day's volume factor: lognormal, mean 1.
func (x *flowRealism) dayFactor(lt time.Time) float64 {
	sigma := math.Sqrt(math.Log(1 + x.dayCV*x.dayCV))
	return math.Exp(sigma*normal(x.seed, 1<<40+uint64(dayKey(lt))) - sigma*sigma/2)
}

// noise is the within-day factor at t: exp of the AR(1) process scaled to
// noiseSD, mean 1.
func (x *flowRealism) noise(t time.Time) float64 {
	steps := float64(t.Sub(x.epoch)) / float64(noiseStep)
	var z float64
	if steps < 0 {
		z = normal(x.seed, uint64(int64(math.Floor(steps)))|1<<62)
	} else {
		i := int(steps)
		w := steps - float64(i)
		a, b := x.knot(i), x.knot(i+1)
		// Interpolated, rescaled to unit variance.
		z = ((1-w)*a + w*b) / math.Sqrt((1-w)*(1-w)+w*w+2*w*(1-w)*x.phi())
	}
	sd := x.noiseSD
	return math.Exp(sd*z - sd*sd/2)
}

// phi is the AR(1) coefficient from one knot to the next.
func (x *flowRealism) phi() float64 {
	return math.Exp(-float64(noiseStep) / float64(x.corr))
}

// knot is the AR(1) process at knot i, drawing the knots up to it once.
func (x *flowRealism) knot(i int) float64 {
	x.mu.Lock()
	defer x.mu.Unlock()
	if len(x.knots) == 0 {
		x.knots = append(x.knots, normal(x.seed, 0))
	}
	phi := x.phi()
	s := math.Sqrt(1 - phi*phi)
	for len(x.knots) <= i {
		k := len(x.knots)
		x.knots = append(x.knots, phi*x.knots[k-1]+s*normal(x.seed, uint64(k)))
	}
	return x.knots[i]
}

// dayKey identifies a local date.
func dayKey(t time.Time) int { return t.Year()*400 + t.YearDay() }

// normal is a standard normal number drawn from seed for slot n.
func normal(seed, n uint64) float64 {
	h := mix(seed ^ mix(n+0x632be59bd9b4e019))
	u1 := (float64(h>>11) + 0.5) / float64(1<<53)
	u2 := frac(h, 1)
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
}

// mix scrambles the bits of x (the splitmix64 finaliser).
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
