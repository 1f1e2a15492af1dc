package anomaly

import (
	"context"
	"math/rand/v2"
	"strings"
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
	// Events carry the evaluation's time: alerting reads the log in time
	// order.
	if got := store.events[0].At; !got.Equal(now()) {
		t.Errorf("event at %v, want the evaluation's time %v", got, now())
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

// An integration's sensitivity (a catalog annotation) decides how
// readily its anomalies alarm: a 13% drop alarms at the default, not at
// low sensitivity.
func TestSensitivity(t *testing.T) {
	start := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	at := start.Add(3*24*time.Hour + 11*time.Hour)
	rnd := rand.New(rand.NewPCG(9, 10))
	store := &rollupStore{id: "orders"}
	for m := start; m.Before(at); m = m.Add(time.Minute) {
		rate := 2000.0
		if !m.Before(at.Add(-40 * time.Minute)) {
			rate *= 0.87
		}
		n := uint64(poisson(rnd, rate))
		store.mins = append(store.mins, intops.Bucket{Minute: m, Width: time.Minute, Executions: n, Records: n})
	}
	alarms := func(annotation string) int {
		t.Helper()
		doc := oneFlow
		if annotation != "" {
			doc = strings.Replace(doc, "metadata: {name: orders}", "metadata: {name: orders, annotations: {intops.dev/anomaly-sensitivity: "+annotation+"}}", 1)
		}
		cat, err := catalog.Parse("estate.yaml", []byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		store.events = nil
		ev := &Evaluator{Store: store, Catalog: func() *catalog.Catalog { return cat }, Now: func() time.Time { return at }}
		if err := ev.EvaluateOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		return len(store.events)
	}
	if n := alarms(""); n == 0 {
		t.Fatal("the 13% drop does not alarm at the default sensitivity: the test shows nothing")
	}
	if n := alarms("low"); n != 0 {
		t.Errorf("low sensitivity: %d alarms for a 13%% drop, want none", n)
	}
	if n := alarms("high"); n == 0 {
		t.Error("high sensitivity: no alarm")
	}
	if _, err := catalog.Parse("estate.yaml", []byte(strings.Replace(oneFlow, "metadata: {name: orders}",
		"metadata: {name: orders, annotations: {intops.dev/anomaly-sensitivity: paranoid}}", 1))); err == nil || !strings.Contains(err.Error(), "want low, normal, high") {
		t.Errorf("an unknown sensitivity: %v", err)
	}
}
