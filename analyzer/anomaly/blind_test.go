package anomaly

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/catalog"
)

// The spans an ingest gap lost (the collector stopped for 12 minutes, its
// clients gave most of theirs up) are not a drop once spans arrive again:
// the windows leave the gap's minutes out, over the minutes of the last
// hours and over the hours before them. The same evaluations without the
// gap take the lost minutes for a drop; and a flow that stops after the
// gap is still found.
func TestMinutesOfAnIngestGapAreNotDrops(t *testing.T) {
	start := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	at := start.Add(3*24*time.Hour + 11*time.Hour) // a Thursday late morning
	var gapFrom, gapTo time.Time
	cat, err := catalog.Parse("estate.yaml", []byte(oneFlow))
	if err != nil {
		t.Fatal(err)
	}
	// traffic is 200 executions a minute up to end, none in the gap nor
	// from stop on.
	traffic := func(end, stop time.Time) *rollupStore {
		rnd := rand.New(rand.NewPCG(7, 8))
		store := &rollupStore{id: "orders"}
		for m := start; m.Before(end); m = m.Add(time.Minute) {
			if (!m.Before(gapFrom) && m.Before(gapTo)) || !m.Before(stop) {
				continue
			}
			n := uint64(poisson(rnd, 200))
			store.mins = append(store.mins, intops.Bucket{Minute: m, Width: time.Minute, Executions: n, Records: n})
		}
		return store
	}
	// The watchdog's gap: from the end of the last minute with spans to
	// when they arrived again.
	gap := func(context.Context) (time.Time, time.Time, error) { return gapFrom, gapTo.Add(20 * time.Second), nil }
	drops := func(store *rollupStore, now time.Time, blind func(context.Context) (time.Time, time.Time, error)) []intops.AlertEvent {
		t.Helper()
		ev := &Evaluator{Store: store, Catalog: func() *catalog.Catalog { return cat }, Now: func() time.Time { return now.Add(5 * time.Second) }, Blind: blind}
		if err := ev.EvaluateOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		var firing []intops.AlertEvent
		for _, e := range store.events {
			if e.State == intops.AlertFiring {
				firing = append(firing, e)
			}
		}
		return firing
	}
	// Minutes after a 12-minute gap, and a gap of hours (the windows' hourly
	// buckets before the last two hours hold part of it).
	for _, c := range []struct{ gap, after time.Duration }{{12 * time.Minute, 8 * time.Minute}, {12 * time.Minute, 3 * time.Minute}, {140 * time.Minute, 10 * time.Minute}} {
		gapTo = at.Add(-c.after)
		gapFrom = gapTo.Add(-c.gap)
		now := at
		store := traffic(now, now)
		if got := drops(store, now, nil); len(got) == 0 {
			t.Fatalf("%s after a gap of %s, without the gap the lost minutes are no drop: the test shows nothing", c.after, c.gap)
		}
		store = traffic(now, now)
		if got := drops(store, now, gap); len(got) > 0 {
			t.Errorf("%s after a gap of %s, %d alerts for its minutes: %+v", c.after, c.gap, len(got), got)
		}
	}
	// The flow stops for good 6 minutes after spans arrived again.
	gapFrom, gapTo = at.Add(-20*time.Minute), at.Add(-8*time.Minute)
	now := at.Add(4 * time.Minute)
	if got := drops(traffic(now, at.Add(-2*time.Minute)), now, gap); len(got) == 0 {
		t.Error("a flow that stops after the gap is not found")
	}
}
