package anomaly

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/intops/intops"
	"github.com/intops/intops/catalog"
)

// Minutes still arriving (a backlog after a restart, a slow collector)
// are not a drop: the windows end where the estate's spans have arrived.
// The same evaluation without it takes the missing minutes for a drop.
func TestLateMinutesAreNotDrops(t *testing.T) {
	start := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	at := start.Add(3*24*time.Hour + 11*time.Hour) // a Thursday late morning
	arrived := at.Add(-4 * time.Minute)            // the last 4 minutes are still on their way
	rnd := rand.New(rand.NewPCG(7, 8))
	store := &rollupStore{id: "orders"}
	for m := start; m.Before(arrived); m = m.Add(time.Minute) {
		n := uint64(poisson(rnd, 200))
		store.mins = append(store.mins, intops.Bucket{Minute: m, Width: time.Minute, Executions: n, Records: n})
	}
	cat, err := catalog.Parse("estate.yaml", []byte(oneFlow))
	if err != nil {
		t.Fatal(err)
	}
	drops := func(ev *Evaluator) int {
		store.events = nil
		if err := ev.EvaluateOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range store.events {
			if e.State == intops.AlertFiring {
				n++
			}
		}
		return n
	}
	now := func() time.Time { return at.Add(5 * time.Second) }
	blind := &Evaluator{Store: store, Catalog: func() *catalog.Catalog { return cat }, Now: now}
	if n := drops(blind); n == 0 {
		t.Fatal("without knowing what has arrived, the missing minutes are no drop: the test shows nothing")
	}
	waits := &Evaluator{Store: store, Catalog: func() *catalog.Catalog { return cat }, Now: now, Settle: time.Minute,
		Arrived: func(context.Context) (time.Time, error) { return arrived, nil }}
	if n := drops(waits); n != 0 {
		t.Errorf("%d alerts for minutes still arriving: %+v", n, store.events)
	}
}

// The evaluator's run ends with its context and leaves nothing running.
func TestEvaluatorRunLeavesNothing(t *testing.T) {
	cat, err := catalog.Parse("estate.yaml", []byte(oneFlow))
	if err != nil {
		t.Fatal(err)
	}
	leak := goleak.IgnoreCurrent()
	e := &Evaluator{Store: &rollupStore{id: "orders"}, Catalog: func() *catalog.Catalog { return cat }, Interval: 20 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.Run(ctx); close(done) }()
	time.Sleep(200 * time.Millisecond)
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return within 10s of its end")
	}
	goleak.VerifyNone(t, leak)
}
