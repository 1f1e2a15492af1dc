package anomaly

import (
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/intops/intops"
)

// expectedHistory is four weeks of a flow running 300 an hour on weekdays
// and 20 at weekends; during [quietFrom, quietTo) it runs rate(t) instead.
func expectedHistory(start, end, quietFrom, quietTo time.Time, rate func(time.Time) float64) []intops.Bucket {
	rnd := rand.New(rand.NewPCG(21, 22))
	var hours []intops.Bucket
	for h := start; h.Before(end); h = h.Add(time.Hour) {
		r := 300.0
		if h.Weekday() == time.Saturday || h.Weekday() == time.Sunday {
			r = 20
		}
		if !h.Before(quietFrom) && h.Before(quietTo) {
			r = rate(h)
		}
		n := uint64(poisson(rnd, r))
		hours = append(hours, intops.Bucket{Minute: h, Width: time.Hour, Executions: n, Records: n})
	}
	return hours
}

// A baseline learned with an expected period excluded is the baseline of
// the history without that period: whatever ran in it, and whether its
// hours are there at all, the same baseline. Without the exclusion the
// removed hours would be learned as silent ones.
func TestLearnExcludingEqualsHistoryWithoutPeriod(t *testing.T) {
	start := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC) // a Monday
	end := start.Add(28 * 24 * time.Hour)
	pFrom := time.Date(2026, 11, 11, 9, 30, 0, 0, time.UTC) // a migration, mid-hour to mid-hour
	pTo := time.Date(2026, 11, 12, 14, 15, 0, 0, time.UTC)
	period := []Period{{From: pFrom, To: pTo}}

	spike := expectedHistory(start, end, pFrom.Truncate(time.Hour), pTo.Add(time.Hour).Truncate(time.Hour), func(time.Time) float64 { return 5000 })
	var removed []intops.Bucket
	for _, h := range spike {
		if h.Minute.Add(time.Hour).After(pFrom) && h.Minute.Before(pTo) {
			continue
		}
		removed = append(removed, h)
	}
	if len(removed) == len(spike) {
		t.Fatal("no hour removed: the test shows nothing")
	}

	withSpike := LearnExcluding(spike, start, end, time.UTC, nil, period)
	withoutHours := LearnExcluding(removed, start, end, time.UTC, nil, period)
	if !reflect.DeepEqual(withSpike, withoutHours) {
		t.Errorf("the excluded period's traffic changed the baseline:\nwith its hours    %+v\nwithout its hours %+v", withSpike, withoutHours)
	}
	if withSpike.Days != 27 {
		t.Errorf("learned from %d days, want 27 (28 less the 29 hours left out)", withSpike.Days)
	}
	// Not excluded, the hours removed count as silent ones.
	silent := Learn(removed, start, end, time.UTC)
	if reflect.DeepEqual(silent, withoutHours) || silent.Days != 28 {
		t.Errorf("removed hours without the exclusion learned the same baseline (%d days): the test shows nothing", silent.Days)
	}
	if withoutHours.Gap > time.Hour {
		t.Errorf("usual gap %v with the period excluded, want an hour", withoutHours.Gap)
	}
}

// A long holiday-like drop marked expected (two and a half weeks at 20 an
// hour) is not learned as normal: weekdays still expect about 300. Not
// marked, the drop becomes most of the weekdays' median.
func TestExpectedDropNotLearned(t *testing.T) {
	start := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC) // a Monday
	end := start.Add(28 * 24 * time.Hour)
	dFrom := start.Add(9 * 24 * time.Hour)
	dTo := dFrom.Add(18 * 24 * time.Hour)
	hours := expectedHistory(start, end, dFrom, dTo, func(time.Time) float64 { return 20 })

	marked := LearnExcluding(hours, start, end, time.UTC, nil, []Period{{From: dFrom, To: dTo}})
	unmarked := Learn(hours, start, end, time.UTC)
	if e := marked.Exec[0][12]; e < 250 {
		t.Errorf("with the drop marked expected a weekday noon expects %.0f, want about 300", e)
	}
	if e := unmarked.Exec[0][12]; e > 100 {
		t.Errorf("without the mark a weekday noon expects %.0f: the drop was not learned as normal, the test shows nothing", e)
	}
}
