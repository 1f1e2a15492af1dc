package anomaly

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/intops/intops"
)

// TestAbsenceOfRandomAndScheduledFlows: a flow that runs at random a few
// times a day (less at night and at weekends) has had long silences
// before and is absent only well beyond the longest of them; a flow on a
// schedule is absent soon after it misses a run. (A flow running at
// random several times an hour and silent for hours of its busy time is
// absent by its usual gap: testdata/sparse.txt.)
func TestAbsenceOfRandomAndScheduledFlows(t *testing.T) {
	from := time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC) // a Monday
	to := from.Add(28 * 24 * time.Hour)
	learn := func(runs func(h time.Time) bool) (*Baseline, time.Time) {
		var hours []intops.Bucket
		var last time.Time
		for h := from; h.Before(to); h = h.Add(time.Hour) {
			if runs(h) {
				hours = append(hours, intops.Bucket{Minute: h, Width: time.Hour, Executions: 1, Records: 1})
				last = h
			}
		}
		return Learn(hours, from, to, time.UTC), last
	}
	absent := func(b *Baseline, last time.Time, silent time.Duration) bool {
		now := last.Add(time.Hour + silent).Truncate(time.Minute)
		for _, a := range b.Detect(Recent{Split: now.Truncate(time.Hour)}, now, Config{}) {
			if a.Kind == KindAbsence && a.Window > 2*time.Hour {
				return true
			}
		}
		return false
	}

	rnd := rand.New(rand.NewPCG(1, 2))
	random, last := learn(func(h time.Time) bool {
		p := 0.25
		if h.Hour() < 7 || h.Hour() >= 19 || h.Weekday() == time.Saturday || h.Weekday() == time.Sunday {
			p = 0.03
		}
		return rnd.Float64() < p
	})
	if !(2*random.Gap > 3*random.GapMedian) {
		t.Fatalf("random flow: gaps median %s, p95 %s, p99 %s: want them spread", random.GapMedian, random.Gap, random.GapLongest)
	}
	t.Logf("random flow: gaps median %s, p95 %s, p99 %s; absent after %s", random.GapMedian, random.Gap, random.GapLongest, random.silenceLimit(last, last.Add(random.Gap)))
	if s := random.Gap + random.Gap/2 + time.Hour; s < random.GapLongest && absent(random, last, s) {
		t.Errorf("random flow silent for %s (its p99 gap %s): absent", s, random.GapLongest)
	}
	if s := 2 * random.GapLongest; !absent(random, last, s) {
		t.Errorf("random flow silent for %s, twice its longest gap: not absent", s)
	}

	scheduled, last := learn(func(h time.Time) bool { return h.Hour()%4 == 0 })
	if l := scheduled.silenceLimit(last, last.Add(6*time.Hour)); l != 6*time.Hour {
		t.Errorf("scheduled every 4 h: absent after %s, want 6h", l)
	}
	if !absent(scheduled, last, 7*time.Hour) {
		t.Error("scheduled every 4 h and silent for 7 h: not absent")
	}
	if absent(scheduled, last, 5*time.Hour) {
		t.Error("scheduled every 4 h and silent for 5 h: absent")
	}
}
