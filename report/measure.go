package report

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/analyzer/slo"
	"github.com/intops/intops/catalog"
)

// RollupReader reads the hourly rollup (ClickHouse does).
type RollupReader interface {
	Rollup(ctx context.Context, q intops.RollupQuery) (map[string][]intops.Bucket, error)
}

// span is a time range [From, To).
type span struct{ From, To time.Time }

// tally is an SLO's events over a span.
type tally struct{ Good, Total float64 }

// sloDef is an SLO the reports can measure: a valid objective, a known
// indicator and integration.
type sloDef struct {
	*intops.SLO
	SLI         intops.SLI
	Policy      slo.Policy
	Integration *intops.Integration
}

// measurable returns the catalog's SLOs a report can measure, in catalog
// order, and how many it leaves out (lint reports why).
func measurable(cat *catalog.Catalog) (defs []sloDef, skipped int) {
	for _, s := range cat.SLOs {
		sli, ok := slo.SLIFor(cat, s)
		ig := cat.Integration(s.Integration)
		if !ok || ig == nil || !(s.Objective > 0 && s.Objective < 1) {
			skipped++
			continue
		}
		defs = append(defs, sloDef{SLO: s, SLI: sli, Policy: slo.PolicyFor(cat, s), Integration: ig})
	}
	return defs, skipped
}

// measure counts each SLO's good and total events over each of its spans
// (spans(i) for defs[i]) from the hourly rollup, with the SLO evaluator's
// own indicator math (slo.BuildSeries: hours spread evenly over their
// minutes, time slices per minute; silent minutes as the SLO's no-data
// setting says). The rollup is read once for every span; each SLO's series
// is built once and summed per span.
func measure(ctx context.Context, r RollupReader, defs []sloDef, spans func(i int) []span) ([][]tally, error) {
	out := make([][]tally, len(defs))
	var from, to time.Time
	var lookback time.Duration
	ids := map[string]bool{}
	le := map[int]bool{}
	for i, d := range defs {
		for _, s := range spans(i) {
			if from.IsZero() || s.From.Before(from) {
				from = s.From
			}
			if s.To.After(to) {
				to = s.To
			}
		}
		lookback = max(lookback, slo.Lookback(d.SLI))
		ids[d.Integration.ID] = true
		if d.SLI.Kind == intops.SLILatency {
			if b := intops.LatencyBucket(d.SLI.Threshold); b >= 0 {
				le[b] = true
			}
		}
	}
	if !from.Before(to) {
		for i := range defs {
			out[i] = make([]tally, len(spans(i)))
		}
		return out, nil
	}
	from, to = from.UTC().Truncate(time.Minute), to.UTC().Truncate(time.Minute)
	q := intops.RollupQuery{From: from.Add(-lookback).Truncate(time.Hour), To: to.Add(time.Hour - 1).Truncate(time.Hour),
		Hourly: true, LE: []int{}}
	for id := range ids {
		q.Integrations = append(q.Integrations, id)
	}
	sort.Strings(q.Integrations)
	for b := range le {
		q.LE = append(q.LE, b)
	}
	sort.Ints(q.LE)
	hours, err := r.Rollup(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("read hourly rollup: %w", err)
	}
	var series slo.Series
	var cum slo.Cumulative
	for i, d := range defs {
		series = slo.BuildSeriesInto(series, d.SLI, hours[d.Integration.ID], from, to)
		cum.Accumulate(series, d.Policy.NoData)
		ss := spans(i)
		out[i] = make([]tally, len(ss))
		for k, s := range ss {
			a := int(s.From.UTC().Truncate(time.Minute).Sub(from) / time.Minute)
			b := int(s.To.UTC().Truncate(time.Minute).Sub(from) / time.Minute)
			out[i][k].Good, out[i][k].Total = cum.Range(a, b)
		}
	}
	return out, nil
}
