package intops_test

import (
	"testing"
	"time"

	"github.com/intops/intops"
)

func TestLatencyQuantile(t *testing.T) {
	le := make([]float64, len(intops.LatencyBounds))
	// 100 executions: 50 within 100 ms, 90 within 250 ms, all within 1 s.
	for i, b := range intops.LatencyBounds {
		switch {
		case b < 100*time.Millisecond:
		case b < 250*time.Millisecond:
			le[i] = 50
		case b < time.Second:
			le[i] = 90
		default:
			le[i] = 100
		}
	}
	for _, tc := range []struct {
		q      float64
		lo, hi time.Duration
	}{{0.5, 99 * time.Millisecond, 101 * time.Millisecond}, {0.7, 100 * time.Millisecond, 250 * time.Millisecond},
		{0.99, 500 * time.Millisecond, time.Second}, {1, 500 * time.Millisecond, time.Second}} {
		if got := intops.LatencyQuantile(le, 100, tc.q); got < tc.lo || got > tc.hi {
			t.Errorf("q%.2f = %v, want within [%v, %v]", tc.q, got, tc.lo, tc.hi)
		}
	}
	if got := intops.LatencyQuantile(le, 0, 0.5); got != 0 {
		t.Errorf("no executions: %v", got)
	}
	beyond := make([]float64, len(intops.LatencyBounds)) // all slower than the last bound
	if got := intops.LatencyQuantile(beyond, 10, 0.95); got != intops.LatencyBounds[len(intops.LatencyBounds)-1] {
		t.Errorf("beyond the last bound: %v", got)
	}
}
