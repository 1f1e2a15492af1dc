package integration

import (
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/catalog"
)

// ceilingSlack is how far below the busiest unlimited bucket limiting may
// begin and still be a throughput ceiling: a limit per second or per few
// seconds blurs in a minute's or an hour's count, so a bucket just under
// an unlimited one can be refused too.
const ceilingSlack = 0.9

// rateLimitView is the Rate limiting panel: how often the target system
// refused the integration's calls as too many (rate_limit failures) in the
// range, and the integration's throughput, in executions per chart step,
// against the rate at which the refusals began.
type rateLimitView struct {
	System string // the target system, titled
	Range  string // the chart's range ("6h")
	Step   time.Duration
	// Limited is how many of the range's Buckets had rate_limit failures,
	// Failures how many such failures in all.
	Limited, Buckets int
	Failures         uint64
	// Measured says a complete bucket was rate limited: Onset, the lowest
	// throughput of one, is the rate at which the refusals begin.
	// Unlimited is the highest throughput of a complete bucket without
	// rate_limit failures (0: none ran unlimited).
	Measured         bool
	Onset, Unlimited uint64
	// Ceiling says the limiting is a throughput ceiling: no complete
	// bucket ran unlimited at much more than Onset.
	Ceiling bool
	// Now and Peak are the last complete bucket's throughput and the
	// range's highest (NowKnown: a bucket of the range is complete).
	Now, Peak uint64
	NowKnown  bool
}

// rateLimitOf is the Rate limiting panel of a chart, nil when its range
// holds no rate_limit failure. Only buckets that ended by now measure
// throughput (the hourly chart's last bucket is the current hour so far);
// every bucket counts its failures.
func rateLimitOf(c chartData, now time.Time) *rateLimitView {
	k := slices.Index(c.Classes, string(intops.ErrorRateLimit))
	if k < 0 || k >= len(c.ByClass) {
		return nil
	}
	v := &rateLimitView{Range: c.Range, Step: time.Duration(c.Step) * time.Second, Buckets: len(c.T)}
	for i, f := range c.ByClass[k] {
		if f > 0 {
			v.Limited++
			v.Failures += uint64(f)
		}
		if i < len(c.T) && i < len(c.Executions) && c.T[i]+c.Step <= now.Unix() {
			v.measure(uint64(c.Executions[i]), f > 0)
		}
	}
	if v.Failures == 0 {
		return nil
	}
	v.Ceiling = v.Measured && v.Onset > 0 && float64(v.Onset) >= ceilingSlack*float64(v.Unlimited)
	return v
}

// measure takes the throughput of one complete bucket; buckets come in
// time order, so the last one taken is Now.
func (v *rateLimitView) measure(n uint64, limited bool) {
	switch {
	case limited && (!v.Measured || n < v.Onset):
		v.Onset, v.Measured = n, true
	case !limited && n > v.Unlimited:
		v.Unlimited = n
	}
	v.Now, v.Peak, v.NowKnown = n, max(v.Peak, n), true
}

// unit is the step's throughput unit: "/min" or "/h".
func (v *rateLimitView) unit() string {
	if v.Step >= time.Hour {
		return "/h"
	}
	return "/min"
}

// stepName names the chart's buckets: "minute" or "hour".
func (v *rateLimitView) stepName() string {
	if v.Step >= time.Hour {
		return "hour"
	}
	return "minute"
}

// rate is a throughput in the step's unit: "475/min".
func (v *rateLimitView) rate(n uint64) string { return strconv.FormatUint(n, 10) + v.unit() }

// share is a throughput as a whole percentage of the onset of limiting.
func (v *rateLimitView) share(n uint64) string {
	return strconv.FormatFloat(math.Round(100*float64(n)/float64(v.Onset)), 'f', 0, 64) + "%"
}

// CountText says how many buckets were rate limited and how many
// rate_limit failures there were.
func (v *rateLimitView) CountText() string {
	return strconv.Itoa(v.Limited) + " of the " + strconv.Itoa(v.Buckets) + " " + v.stepName() + "s in the last " + v.Range +
		" had rate_limit failures, " + strconv.FormatUint(v.Failures, 10) + " in all."
}

// LimitText says the observed limit, or why there is no figure for it.
func (v *rateLimitView) LimitText() string {
	switch {
	case !v.Measured:
		return "Observed limit: not measured yet; only the current " + v.stepName() + ", still running, was rate limited."
	case !v.Ceiling:
		return "Rate limited at " + v.rate(v.Onset) + " too, while another " + v.stepName() + " ran " + v.rate(v.Unlimited) +
			" without limiting: the limit is not a throughput ceiling of this integration (a quota shared with other clients, or counted per account or per day), so no rate is shown as the limit."
	case v.Unlimited == 0:
		return "Observed limit: " + v.rate(v.Onset) + " or less; " + v.System + " rate limited every " + v.stepName() + " with traffic."
	}
	return "Observed limit: about " + v.rate(v.Onset) + ", the lowest throughput at which " + v.System + " refused calls; the busiest " +
		v.stepName() + " it did not limit ran " + v.rate(v.Unlimited) + "."
}

// NowText is the current throughput and the range's peak, against the
// observed limit when it is a ceiling.
func (v *rateLimitView) NowText() string {
	switch {
	case !v.NowKnown:
		return ""
	case !v.Ceiling:
		return "Now " + v.rate(v.Now) + "; peak " + v.rate(v.Peak) + " in the last " + v.Range + "."
	}
	return "Now " + v.rate(v.Now) + ", " + v.share(v.Now) + " of the rate at which limiting began (" + v.rate(v.Onset) + "); peak " +
		v.rate(v.Peak) + ", " + v.share(v.Peak) + "."
}

// systemTitle is the title of the system an integration's rate limits
// come from: its first target (else its source), as the catalog titles it.
func systemTitle(cat *catalog.Catalog, in *intops.Integration) string {
	name := in.Target()
	if name == "" {
		name = in.Source
	}
	if name == "" {
		return "the target system"
	}
	return cat.SystemTitle(name)
}
