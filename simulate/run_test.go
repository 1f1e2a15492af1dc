package simulate

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/intops/intops"
)

// refusingExporter refuses every request while down says so.
type refusingExporter struct {
	mu      sync.Mutex
	down    func() bool
	taken   int
	first   []string // span IDs of the first request taken after a refusal
	refused []string // span IDs of the first refused request
}

func (e *refusingExporter) ExportSpans(_ context.Context, spans []sdktrace.ReadOnlySpan) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	ids := make([]string, len(spans))
	for i, s := range spans {
		ids[i] = s.SpanContext().SpanID().String()
	}
	if e.down() {
		if e.refused == nil {
			e.refused = ids
		}
		return errors.New("connection refused")
	}
	if e.refused != nil && e.first == nil {
		e.first = ids
	}
	e.taken += len(spans)
	return nil
}

func (e *refusingExporter) Shutdown(context.Context) error { return nil }

// TestLiveKeepsWhatTheCollectorRefuses: while the collector is away the
// executions wait; when it is back every one of them is sent, the refused
// request first and with the same spans (a request that timed out may
// have been stored, and the same IDs let the store tell).
func TestLiveKeepsWhatTheCollectorRefuses(t *testing.T) {
	p := &Profile{Integration: &intops.Integration{ID: "x", Mechanism: "event"}, PeakPerMinute: 600, MedianLatency: time.Second}
	start := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	now := start
	var ticks []time.Time
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(10 * time.Second)
		ticks = append(ticks, now)
		if !now.Before(start.Add(20 * time.Minute)) {
			cancel() // this tick's executions are still sent
		}
		return now
	}
	exp := &refusingExporter{down: func() bool {
		mu.Lock()
		defer mu.Unlock()
		return now.After(start.Add(5*time.Minute)) && now.Before(start.Add(15*time.Minute))
	}}
	st, err := Live(ctx, NewGenerator([]*Profile{p}, 7), NewSpanBuilder(7), LiveOptions{Exporter: exp, Tick: time.Millisecond, Now: clock, Start: start, BatchSize: 500})
	if err != nil {
		t.Fatal(err)
	}
	// The same executions, drawn again tick by tick.
	g, b, want, last := NewGenerator([]*Profile{p}, 7), NewSpanBuilder(7), 0, start
	for _, tk := range ticks {
		want += len(b.Spans(g.Executions(last, tk)))
		last = tk
	}
	if exp.taken != want || st.Sent != want || st.GivenUp != 0 || st.Refused == 0 {
		t.Errorf("collector took %d spans (stats %+v); the generator's executions are %d spans", exp.taken, st, want)
	}
	if len(exp.refused) == 0 || len(exp.first) != len(exp.refused) || exp.first[0] != exp.refused[0] || exp.first[len(exp.first)-1] != exp.refused[len(exp.refused)-1] {
		t.Errorf("the first request after the outage is not the refused one: %d spans from %v, refused %d from %v", len(exp.first), exp.first[:min(1, len(exp.first))], len(exp.refused), exp.refused[:min(1, len(exp.refused))])
	}
}
