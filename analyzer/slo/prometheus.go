package slo

import (
	"context"
	"fmt"
	"time"

	"github.com/intops/intops"
	promapi "github.com/intops/intops/prometheus"
)

// PrometheusAPI is a Prometheus-compatible HTTP API as the evaluator
// reads it (*prometheus.Client).
type PrometheusAPI interface {
	QueryRange(ctx context.Context, url, query string, start, end time.Time, step time.Duration) ([]promapi.Sample, error)
}

var _ PrometheusAPI = (*promapi.Client)(nil)

// SLIPrometheus is the indicator kind the evaluator reports for SLOs it
// reads from Prometheus.
const SLIPrometheus intops.SLIKind = "prometheus"

// promLate is how much of the last read minutes is read again each round:
// samples arrive late (scrapes, remote write).
const promLate = 15 * time.Minute

// promFullEvery is how often a Prometheus SLO's whole range is read
// again, so that backfilled or corrected history is seen.
const promFullEvery = time.Hour

// promCache is a Prometheus SLO's series as last read.
type promCache struct {
	key    string
	from   time.Time // the first minute of series
	series Series
	fullAt time.Time
}

// prometheusURL is the server a Prometheus SLO is read from: its
// DataSource's, else the evaluator's; empty when there is none.
func (e *Evaluator) prometheusURL(s *intops.SLO) string {
	if s.Prometheus == nil || e.Prometheus == nil {
		return ""
	}
	if s.Prometheus.URL != "" {
		return s.Prometheus.URL
	}
	return e.PrometheusURL
}

// promReaders is how many Prometheus SLOs are read at the same time.
const promReaders = 4

// readCached returns a Prometheus SLO's cache brought up to now: its
// events per minute of [from, now), reading only what the cache c lacks
// (the minutes after the last read, and the last promLate of them again),
// everything when c is nil, stale (promFullEvery) or for other queries.
// c itself is not changed.
func readCached(ctx context.Context, api PrometheusAPI, c *promCache, s *intops.SLO, url string, from, now time.Time) (*promCache, error) {
	p := s.Prometheus
	key := fmt.Sprintf("%s\x00%+v", url, *p)
	readFrom := from
	next := &promCache{key: key, from: from, fullAt: now}
	if c != nil && c.key == key && !c.from.After(from) && now.Sub(c.fullAt) < promFullEvery {
		end := c.from.Add(time.Duration(len(c.series)) * time.Minute)
		if t := end.Add(-promLate); t.After(readFrom) {
			readFrom = t
		}
		next.fullAt = c.fullAt
	} else {
		c = &promCache{from: from}
	}
	got, err := readPrometheus(ctx, api, url, p, readFrom, now)
	if err != nil {
		return nil, err
	}
	// Keep [from, readFrom) of the cache, then what was read.
	keep := min(max(int(readFrom.Sub(c.from)/time.Minute), 0), len(c.series))
	skip := min(max(int(from.Sub(c.from)/time.Minute), 0), keep)
	next.series = append(append(make(Series, 0, keep-skip+len(got)), c.series[skip:keep]...), got...)
	return next, nil
}

// readPrometheus reads the events of each minute of [from, to) of a
// Prometheus indicator. A minute [m, m+1m) is the query evaluated at
// m+1m over the minute before: a ratio's queries as CountQuery rewrites
// them with increase over 1m; a threshold's query as written, one event
// a minute that is good when it passes the objective. Minutes without a
// total (or a threshold value) have no events; bad without total counts
// as that many events, all bad.
func readPrometheus(ctx context.Context, api PrometheusAPI, url string, p *intops.PrometheusSLI, from, to time.Time) (Series, error) {
	n := int(to.Sub(from) / time.Minute)
	if n <= 0 {
		return nil, nil
	}
	read := func(q string) ([]float64, []bool, error) {
		vals, ok := make([]float64, n), make([]bool, n)
		samples, err := api.QueryRange(ctx, url, q, from.Add(time.Minute), to, time.Minute)
		if err != nil {
			return nil, nil, err
		}
		for _, smp := range samples {
			i := int(smp.At.Sub(from)/time.Minute) - 1
			if i >= 0 && i < n && smp.Value == smp.Value { // not NaN
				vals[i], ok[i] = smp.Value, true
			}
		}
		return vals, ok, nil
	}
	s := make(Series, n)
	if p.Query != "" {
		q, err := ThresholdQuery(p.Query)
		if err != nil {
			return nil, err
		}
		v, ok, err := read(q)
		if err != nil {
			return nil, err
		}
		for i := range s {
			if ok[i] {
				s[i] = Minute{Total: 1}
				if passes(v[i], p.Op, p.Value) {
					s[i].Good = 1
				}
			}
		}
		return s, nil
	}
	tq, err := CountQuery(p.Total, "increase", time.Minute)
	if err != nil {
		return nil, err
	}
	part, bad := p.Good, false
	if part == "" {
		part, bad = p.Bad, true
	}
	pq, err := CountQuery(part, "increase", time.Minute)
	if err != nil {
		return nil, err
	}
	total, _, err := read(tq)
	if err != nil {
		return nil, err
	}
	other, _, err := read(pq)
	if err != nil {
		return nil, err
	}
	for i := range s {
		t, x := max(total[i], 0), max(other[i], 0)
		if bad {
			t = max(t, x)
			s[i] = Minute{Good: t - x, Total: t}
		} else {
			s[i] = Minute{Good: min(x, t), Total: t}
		}
	}
	return s, nil
}

// passes compares a threshold value with an objective's op and value.
func passes(v float64, op string, threshold float64) bool {
	switch op {
	case "lt":
		return v < threshold
	case "lte":
		return v <= threshold
	case "gt":
		return v > threshold
	case "gte":
		return v >= threshold
	}
	return false
}
