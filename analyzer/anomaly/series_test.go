package anomaly

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/intops/intops/catalog"
	"github.com/intops/intops/clickhouse"
)

// rollupStore is the evaluator's store over minute buckets of one
// integration in memory, summed the way ClickHouse's rollups are.
type rollupStore struct {
	id     string
	mins   []clickhouse.MinuteCounts
	events []clickhouse.AlertEvent
}

func (s *rollupStore) Rollup(_ context.Context, q clickhouse.RollupQuery) (map[string][]clickhouse.MinuteCounts, error) {
	in := s.mins[firstBucket(s.mins, q.From):firstBucket(s.mins, q.To)]
	var out []clickhouse.MinuteCounts
	switch {
	case q.Total:
		t := clickhouse.MinuteCounts{Minute: q.From, Width: q.To.Sub(q.From)}
		for _, m := range in {
			t.Executions += m.Executions
			t.Records += m.Records
		}
		out = []clickhouse.MinuteCounts{t}
	case q.Hourly:
		out = clickhouse.SumBuckets(in, time.Hour)
	default:
		out = slices.Clone(in)
	}
	return map[string][]clickhouse.MinuteCounts{s.id: out}, nil
}

func (s *rollupStore) LatestAlertStates(context.Context, string) (map[string]clickhouse.AlertEvent, error) {
	return nil, nil
}

func (s *rollupStore) AppendAlertEvents(_ context.Context, evs []clickhouse.AlertEvent) error {
	s.events = append(s.events, evs...)
	return nil
}

const oneFlow = `
apiVersion: intops.dev/v1alpha1
kind: Team
metadata: {name: ops}
---
apiVersion: intops.dev/v1alpha1
kind: System
metadata: {name: shop}
---
apiVersion: intops.dev/v1alpha1
kind: System
metadata: {name: erp}
---
apiVersion: intops.dev/v1alpha1
kind: Integration
metadata: {name: orders}
spec: {source: shop, targets: [erp], owner: ops, mechanism: event, tier: 1}
`

// TestOneDetector: one series, five weekdays of minutes with a daily cycle, a
// 40% drop for an hour and a threefold spike for 20 minutes on its last
// two days, gives the same episodes through the server's evaluator
// (reading it from its store minute by minute) and through ScoreSeries
// (what `intops anomaly score` runs).
func TestOneDetector(t *testing.T) {
	if testing.Short() {
		t.Skip("two days of minute-by-minute evaluations")
	}
	start := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	days := 5 // Monday to Friday
	drop := start.Add(3*24*time.Hour + 10*time.Hour)
	spike := start.Add(4*24*time.Hour + 15*time.Hour)
	rnd := rand.New(rand.NewPCG(3, 4))
	s := Series{Start: start, Interval: time.Minute, Kind: KindCounts}
	store := &rollupStore{id: "orders"}
	for m := start; m.Before(start.Add(time.Duration(days) * 24 * time.Hour)); m = m.Add(time.Minute) {
		h := float64(m.Hour()) + float64(m.Minute())/60
		rate := 20 + 60*math.Exp(-math.Pow((h-13)/4, 2))
		switch {
		case !m.Before(drop) && m.Before(drop.Add(time.Hour)):
			rate *= 0.6
		case !m.Before(spike) && m.Before(spike.Add(20*time.Minute)):
			rate *= 3
		}
		n := poisson(rnd, rate)
		s.Values = append(s.Values, float64(n))
		store.mins = append(store.mins, clickhouse.MinuteCounts{Minute: m, Width: time.Minute, Executions: uint64(n), Records: uint64(n)})
	}
	res := ScoreSeries(s, time.UTC, Config{})

	cat, err := catalog.Parse("estate.yaml", []byte(oneFlow))
	if err != nil {
		t.Fatal(err)
	}
	from := start.Add(3 * 24 * time.Hour)
	var now time.Time
	ev := &Evaluator{Store: store, Catalog: func() *catalog.Catalog { return cat }, Now: func() time.Time { return now }}
	for now = from; !now.After(start.Add(time.Duration(days) * 24 * time.Hour)); now = now.Add(time.Minute) {
		if err := ev.EvaluateOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	var server, csv []string
	for _, e := range store.events {
		server = append(server, e.At.Format("02 15:04")+" "+strings.TrimPrefix(e.Key, "anomaly/orders/")+" "+string(e.State))
	}
	for _, e := range res.Episodes {
		if e.Opened.Before(from) {
			continue
		}
		csv = append(csv, e.Opened.Format("02 15:04")+" "+e.Key+" firing")
		if !e.Closed.IsZero() {
			csv = append(csv, e.Closed.Format("02 15:04")+" "+e.Key+" resolved")
		}
	}
	slices.Sort(server)
	slices.Sort(csv)
	if len(server) == 0 || strings.Join(server, "\n") != strings.Join(csv, "\n") {
		t.Fatalf("server episodes:\n%s\nScoreSeries episodes:\n%s", strings.Join(server, "\n"), strings.Join(csv, "\n"))
	}
	var dropFound, spikeFound bool
	for _, e := range res.Episodes {
		dropFound = dropFound || e.Key == "executions/low" && !e.Opened.Before(drop) && e.Opened.Before(drop.Add(15*time.Minute))
		spikeFound = spikeFound || e.Key == "executions/high" && !e.Opened.Before(spike) && e.Opened.Before(spike.Add(10*time.Minute))
	}
	if !dropFound || !spikeFound {
		t.Errorf("drop found %v, spike found %v:\n%s", dropFound, spikeFound, strings.Join(server, "\n"))
	}
	t.Logf("episodes:\n%s", strings.Join(server, "\n"))
}
