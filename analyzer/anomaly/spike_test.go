package anomaly

import (
	"math"
	"testing"
	"time"

	"github.com/intops/intops"
)

// flatHistory is 28 days of hours from a Monday: perHour on weekdays and
// weekend runs on weekends, the same every hour.
func flatHistory(perHour, weekend uint64) (hours []intops.Bucket, from, to time.Time) {
	from = time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC) // a Monday
	to = from.Add(28 * 24 * time.Hour)
	for h := from; h.Before(to); h = h.Add(time.Hour) {
		n := perHour
		if dayType(h) == 1 {
			n = weekend
		}
		hours = append(hours, intops.Bucket{Minute: h, Width: time.Hour, Executions: n, Records: n})
	}
	return hours, from, to
}

// TestShortSpikeMustDouble: over a quarter of an hour a rise is a spike
// only when it doubles the traffic, however certain a smaller one is;
// over an hour half as much again is.
func TestShortSpikeMustDouble(t *testing.T) {
	hours, from, to := flatHistory(6000, 6000) // 100 a minute
	b := Learn(hours, from, to, time.UTC)
	at := to.Add(2*24*time.Hour + 11*time.Hour) // a Wednesday, 11:00
	detect := func(factor float64, d time.Duration) []Anomaly {
		var ms []intops.Bucket
		for m := at.Add(-3 * time.Hour); m.Before(at); m = m.Add(time.Minute) {
			n := 100.0
			if !m.Before(at.Add(-d)) {
				n *= factor
			}
			ms = append(ms, intops.Bucket{Minute: m, Width: time.Minute, Executions: uint64(n), Records: uint64(n)})
		}
		return b.Detect(Recent{Split: at.Add(-3 * time.Hour), Minutes: ms}, at, Config{})
	}
	if got := detect(1.7, 5*time.Minute); len(got) > 0 {
		t.Errorf("1.7x for 5 minutes: %s", got[0].Summary)
	}
	if got := detect(2.5, 5*time.Minute); len(got) == 0 || got[0].Direction != "high" || got[0].Window > 15*time.Minute {
		t.Errorf("2.5x for 5 minutes: %v, want a spike over a short window", got)
	}
	got := detect(1.7, 90*time.Minute)
	if len(got) == 0 || got[0].Direction != "high" {
		t.Fatalf("1.7x for 90 minutes: %v, want a spike", got)
	}
	t.Log(got[0].Summary)
}

// TestExpectedStepsAtMidnight: the day type changes at local midnight as
// a step; the last hour of a Sunday expects a weekend night's traffic to
// its end, not a line towards Monday's.
func TestExpectedStepsAtMidnight(t *testing.T) {
	hours, from, to := flatHistory(600, 300)
	b := Learn(hours, from, to, time.UTC)
	sun := time.Date(2026, 11, 8, 23, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		at   time.Time
		want float64
	}{
		{sun, 5}, {sun.Add(59 * time.Minute), 5}, {sun.Add(time.Hour), 10}, {sun.Add(-23 * time.Hour), 5},
		{sun.Add(-47*time.Hour - time.Minute), 10}, // Friday 23:59
	} {
		if got := expected(c.at, b, &b.Exec); math.Abs(got-c.want) > 0.05*c.want {
			t.Errorf("%s: %.2f a minute expected, want %.0f", c.at.Format("Mon 15:04"), got, c.want)
		}
	}
}
