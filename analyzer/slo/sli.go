package slo

import (
	"time"

	"github.com/intops/intops"
)

// ThroughputWindow is the trailing window a throughput SLI's floor applies
// to: a minute is good when the records of the last hour reach the floor.
const ThroughputWindow = time.Hour

// Lookback is how much history before the evaluated range an SLI needs
// (freshness looks for the last success, throughput sums the last hour).
func Lookback(sli intops.SLI) time.Duration {
	switch sli.Kind {
	case intops.SLIFreshness:
		return sli.Threshold
	case intops.SLIThroughput:
		return ThroughputWindow
	}
	return 0
}

// BuildSeries turns an integration's rollup minutes into the SLI's good
// and total events for each minute of [from, to). minutes must be sorted
// and may start up to Lookback(sli) before from.
//
//   - success_ratio: executions, less failures of the bad classes;
//   - latency: executions, of which good are those under the threshold
//     (counted at the largest latency bucket not above it);
//   - freshness and throughput are time slices: each minute is one event,
//     good when the last success is at most threshold old, or when the
//     records of the trailing hour reach the floor.
//
// Buckets wider than a minute (hours and days of old data) are spread
// evenly over their minutes, so a window that starts inside one takes its
// share. A time slice inside a bucket with a success counts as fresh.
func BuildSeries(sli intops.SLI, minutes []intops.Bucket, from, to time.Time) Series {
	return BuildSeriesInto(nil, sli, minutes, from, to)
}

// BuildSeriesInto is BuildSeries reusing dst's storage.
func BuildSeriesInto(dst Series, sli intops.SLI, minutes []intops.Bucket, from, to time.Time) Series {
	from, to = from.UTC().Truncate(time.Minute), to.UTC().Truncate(time.Minute)
	n := int(to.Sub(from) / time.Minute)
	if n <= 0 {
		return dst[:0]
	}
	var s Series
	if cap(dst) >= n {
		s = dst[:n]
		clear(s)
	} else {
		s = make(Series, n)
	}
	// Time slices start with the integration's first data: minutes before
	// anything was ever recorded are no events, not bad ones.
	first := from
	if len(minutes) > 0 && minutes[0].Minute.After(from) {
		first = minutes[0].Minute
	}
	skip := int(first.Sub(from) / time.Minute)
	switch sli.Kind {
	case intops.SLIFreshness:
		last := time.Time{}
		j := 0
		for i := 0; i < n; i++ {
			t := from.Add(time.Duration(i) * time.Minute)
			for ; j < len(minutes) && !minutes[j].Minute.After(t); j++ {
				if minutes[j].Executions > minutes[j].Failed {
					last = minutes[j].End().Add(-time.Minute)
				}
			}
			if i < skip || len(minutes) == 0 {
				continue
			}
			good := 0.0
			if !last.IsZero() && (last.After(t) || t.Sub(last) <= sli.Threshold) {
				good = 1
			}
			s[i] = Minute{Good: good, Total: 1}
		}
		return s
	case intops.SLIThroughput:
		window := int(ThroughputWindow / time.Minute)
		records := make([]float64, n+window)
		base := from.Add(-ThroughputWindow)
		for _, m := range minutes {
			w := width(m)
			per := float64(m.Records) / float64(w)
			for k, end := int(m.Minute.Sub(base)/time.Minute), int(m.Minute.Sub(base)/time.Minute)+w; k < end; k++ {
				if k >= 0 && k < len(records) {
					records[k] += per
				}
			}
		}
		sum := 0.0
		for k := 0; k < window; k++ {
			sum += records[k]
		}
		for i := 0; i < n; i++ {
			sum += records[window+i] - records[i]
			if i < skip || len(minutes) == 0 {
				continue
			}
			good := 0.0
			if sum >= sli.Floor {
				good = 1
			}
			s[i] = Minute{Good: good, Total: 1}
		}
		return s
	}
	bucket := intops.LatencyBucket(sli.Threshold)
	for _, m := range minutes {
		i := int(m.Minute.Sub(from) / time.Minute)
		if i >= n || i+width(m) <= 0 {
			continue
		}
		total := float64(m.Executions)
		var good float64
		switch sli.Kind {
		case intops.SLILatency:
			if bucket >= 0 && bucket < len(m.LE) {
				good = float64(m.LE[bucket])
			}
		default: // success_ratio
			bad := float64(m.Failed)
			if len(sli.BadClasses) > 0 {
				bad = 0
				for _, c := range sli.BadClasses {
					bad += float64(m.ByClass.Get(c))
				}
			}
			good = total - bad
		}
		good = min(good, total)
		w := width(m)
		if w == 1 {
			s[i].Good += good
			s[i].Total += total
			continue
		}
		good, total = good/float64(w), total/float64(w)
		for k := max(i, 0); k < min(i+w, n); k++ {
			s[k].Good += good
			s[k].Total += total
		}
	}
	return s
}

// width is how many minutes a bucket covers.
func width(m intops.Bucket) int {
	return max(1, int(m.Width/time.Minute))
}
