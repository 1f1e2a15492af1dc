package simulate

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/intops/intops"
)

func newYork(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	return loc
}

// realFlow is one realistic continuous flow.
func realFlow(t *testing.T, peak float64, r Realism) *Profile {
	t.Helper()
	p := &Profile{Integration: &intops.Integration{ID: "orders-to-erp", Mechanism: "event"}, PeakPerMinute: peak,
		ErrorRate: 0.001, ErrorMix: map[intops.ErrorClass]float64{intops.ErrorTransient: 1}, MedianLatency: 50 * time.Millisecond, Records: 1}
	return Realistic([]*Profile{p}, r)[0]
}

type countSink struct {
	n map[string]map[time.Time]uint64
}

func (s *countSink) InsertMinutes(_ context.Context, ms []intops.RollupMinute) error {
	for _, m := range ms {
		if s.n[m.IntegrationID] == nil {
			s.n[m.IntegrationID] = map[time.Time]uint64{}
		}
		s.n[m.IntegrationID][m.Minute] += m.Executions
	}
	return nil
}

// counts backfills profiles over [from, to) and returns each
// integration's executions by minute.
func counts(t *testing.T, ps []*Profile, seed uint64, from, to time.Time) map[string]map[time.Time]uint64 {
	t.Helper()
	s := &countSink{n: map[string]map[time.Time]uint64{}}
	if _, err := Backfill(context.Background(), NewGenerator(ps, seed), s, from, to); err != nil {
		t.Fatal(err)
	}
	return s.n
}

// localDays sums minute counts by local date, weekdays and weekend days
// (holidays included) apart.
func localDays(p *Profile, byMinute map[time.Time]uint64) (weekdays, weekends map[int]float64) {
	weekdays, weekends = map[int]float64{}, map[int]float64{}
	for m, n := range byMinute {
		lt := m.In(p.real.loc)
		if p.real.weekendAt(lt) {
			weekends[dayKey(lt)] += float64(n)
		} else {
			weekdays[dayKey(lt)] += float64(n)
		}
	}
	return weekdays, weekends
}

func meanVar(xs []float64) (mean, variance float64) {
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	for _, x := range xs {
		variance += (x - mean) * (x - mean)
	}
	return mean, variance / float64(len(xs)-1)
}

func TestRealisticDaysVaryBeyondChance(t *testing.T) {
	loc := newYork(t)
	from := time.Date(2026, 9, 6, 0, 0, 0, 0, loc)
	r := Realism{Seed: 4, Location: loc, Epoch: from}
	p := realFlow(t, 60, r)
	weekdays, _ := localDays(p, counts(t, []*Profile{p}, 9, from, from.AddDate(0, 0, 56))["orders-to-erp"])
	var days []float64
	for _, n := range weekdays {
		if n > 0 {
			days = append(days, n)
		}
	}
	mean, variance := meanVar(days)
	t.Logf("%d weekdays: mean %.0f, variance %.1f× Poisson", len(days), mean, variance/mean)
	// A Poisson day's variance is its mean; the flow's whole days spread
	// by 5–15%.
	if len(days) < 35 || variance < 20*mean {
		t.Errorf("%d weekdays: mean %.0f, variance %.0f (%.1f× Poisson), want a day-to-day spread well beyond chance",
			len(days), mean, variance, variance/mean)
	}
	if cv := math.Sqrt(variance) / mean; cv < 0.02 || cv > 0.3 {
		t.Errorf("days spread by %.1f%%, want about 5–15%%", 100*cv)
	}
}

func TestRealisticNoiseIsAutocorrelated(t *testing.T) {
	loc := newYork(t)
	from := time.Date(2026, 9, 8, 0, 0, 0, 0, loc) // a Tuesday
	r := Realism{Seed: 2, Location: loc, Epoch: from}
	p := realFlow(t, 6000, r)
	byMinute := counts(t, []*Profile{p}, 3, from, from.Add(3*24*time.Hour))["orders-to-erp"]
	// Residuals of the minute counts from the smooth local curve (the
	// day's factor included): what the noise and chance leave.
	var res []float64
	for m := from; m.Before(from.Add(3 * 24 * time.Hour)); m = m.Add(time.Minute) {
		lt := m.In(loc)
		e := p.PeakPerMinute * p.real.seasonality(lt) * p.real.dayFactor(lt)
		res = append(res, float64(byMinute[m.UTC()])/e-1)
	}
	corr := func(lag int) float64 {
		a, b := res[:len(res)-lag], res[lag:]
		ma, va := meanVar(a)
		mb, vb := meanVar(b)
		var c float64
		for i := range a {
			c += (a[i] - ma) * (b[i] - mb)
		}
		return c / float64(len(a)-1) / math.Sqrt(va*vb)
	}
	_, v := meanVar(res)
	t.Logf("residuals: sd %.3f, lag-15 correlation %.2f, lag-60 %.2f, lag-1440 %.2f", math.Sqrt(v), corr(15), corr(60), corr(1440))
	if c := corr(15); !(c >= 0.4) {
		t.Errorf("minute residuals 15 minutes apart correlate by %.2f, want the swells of a correlation time of 30–60 min", c)
	}
	if c := corr(24 * 60); !(math.Abs(c) <= 0.25) {
		t.Errorf("minute residuals a day apart correlate by %.2f, want about 0", c)
	}
	if _, v := meanVar(res); !(math.Sqrt(v) >= 0.02 && math.Sqrt(v) <= 0.12) {
		t.Errorf("residuals spread by %.1f%%, want a few %%", 100*math.Sqrt(v))
	}
}

func TestRealisticWeekendsBeginAtLocalMidnight(t *testing.T) {
	loc := newYork(t)
	p := realFlow(t, 100, Realism{Seed: 1, Location: loc})
	x := p.real
	fri := time.Date(2026, 10, 16, 0, 0, 0, 0, loc)
	sat, mon := fri.AddDate(0, 0, 1), fri.AddDate(0, 0, 3)
	// Friday 23:59 local is still a weekday, Saturday 00:00 local (04:00
	// UTC) a weekend day; Sunday 23:59 a weekend day, Monday 00:00 a weekday.
	if x.weekendAt(sat.Add(-time.Minute).In(loc)) || !x.weekendAt(sat.In(loc)) {
		t.Errorf("the weekend does not begin at local midnight (%v)", sat.UTC())
	}
	if !x.weekendAt(mon.Add(-time.Minute).In(loc)) || x.weekendAt(mon.In(loc)) {
		t.Errorf("the weekend does not end at local midnight (%v)", mon.UTC())
	}
	if x.weekendAt(time.Date(2026, 10, 17, 2, 0, 0, 0, time.UTC).In(loc)) {
		t.Error("Saturday 02:00 UTC is Friday evening in New York, a weekday")
	}
	for h := 0; h < 24; h++ {
		wd, we := x.seasonality(fri.Add(time.Duration(h)*time.Hour).In(loc)), x.seasonality(sat.Add(time.Duration(h)*time.Hour).In(loc))
		if we >= wd {
			t.Errorf("%02d:00 local: Saturday %.3f, Friday %.3f; want the weekend quieter at every hour", h, we, wd)
		}
	}
	weekdays, weekends := localDays(p, counts(t, []*Profile{p}, 5, fri, mon)["orders-to-erp"])
	if weekdays[dayKey(fri)] < 1.3*weekends[dayKey(sat)] {
		t.Errorf("Friday %.0f executions, Saturday %.0f; want a quiet weekend", weekdays[dayKey(fri)], weekends[dayKey(sat)])
	}
}

func TestRealisticDaylightSavingChange(t *testing.T) {
	loc := newYork(t)
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip(err)
	}
	for _, c := range []struct {
		loc   *time.Location
		day   time.Time
		hours int
	}{
		{loc, time.Date(2026, 11, 1, 0, 0, 0, 0, loc), 25},        // New York falls back
		{berlin, time.Date(2026, 3, 29, 0, 0, 0, 0, berlin), 23},  // Berlin springs forward
		{berlin, time.Date(2026, 10, 25, 0, 0, 0, 0, berlin), 25}, // and falls back
		{loc, time.Date(2026, 11, 2, 0, 0, 0, 0, loc), 24},        // an ordinary Monday
	} {
		x := realFlow(t, 100, Realism{Seed: 1, Location: c.loc}).real
		n := 0
		for h := c.day; dayKey(h.In(c.loc)) == dayKey(c.day); h = h.Add(time.Hour) {
			n++
		}
		if n != c.hours {
			t.Errorf("%s %s: %d hours of local profile, want %d", c.loc, c.day.Format("2006-01-02"), n, c.hours)
		}
		if got := x.weekendAt(c.day.Add(time.Duration(n-1) * time.Hour).In(c.loc)); got != x.weekendAt(c.day.In(c.loc)) {
			t.Errorf("%s %s: the day's last hour is another kind of day than its first", c.loc, c.day.Format("2006-01-02"))
		}
	}
	// The weekday peak stays at 11:00 local: 15:00 UTC before New York's
	// change, 16:00 UTC after it.
	x := realFlow(t, 100, Realism{Seed: 1, Location: loc}).real
	peak := func(day time.Time) int {
		best, at := 0.0, -1
		for h := 0; h < 24; h++ {
			t := day.Add(time.Duration(h) * time.Hour)
			if s := x.seasonality(t.In(loc)); s > best {
				best, at = s, h
			}
		}
		return at
	}
	if fri, mon := peak(time.Date(2026, 10, 30, 0, 0, 0, 0, time.UTC)), peak(time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)); fri != 15 || mon != 16 {
		t.Errorf("weekday peak at %02d:00 UTC before the change and %02d:00 UTC after, want 15 and 16", fri, mon)
	}
}

func TestRealisticHolidayLooksLikeAWeekend(t *testing.T) {
	loc := newYork(t)
	x := realFlow(t, 100, Realism{Seed: 1, Location: loc, Holidays: map[string]bool{"2026-10-12": true}}).real
	sun, hol, tue := time.Date(2026, 10, 11, 0, 0, 0, 0, loc), time.Date(2026, 10, 12, 0, 0, 0, 0, loc), time.Date(2026, 10, 13, 0, 0, 0, 0, loc)
	for h := 0; h < 24; h++ {
		d := time.Duration(h) * time.Hour
		s, m, u := x.seasonality(sun.Add(d).In(loc)), x.seasonality(hol.Add(d).In(loc)), x.seasonality(tue.Add(d).In(loc))
		if math.Abs(s-m) > 1e-12 || m >= u {
			t.Errorf("%02d:00 local: Sunday %.3f, the holiday (a Monday) %.3f, Tuesday %.3f; want the holiday a weekend day", h, s, m, u)
		}
	}
}

func TestRealisticSparseFlows(t *testing.T) {
	loc := newYork(t)
	from := time.Date(2026, 10, 5, 0, 0, 0, 0, loc) // a Monday
	ps := Realistic(demoProfiles(t), Realism{Seed: 1, Location: loc, Epoch: from})
	var sparse []*Profile
	kinds := map[string]int{}
	for _, p := range ps {
		if p.Sparse != SparseNone {
			sparse = append(sparse, p)
			kinds[p.Sparse]++
			if p.Every != 0 || p.Integration.Mechanism == "event" {
				t.Errorf("%s: sparse %s, but scheduled or an event flow", p.Integration.ID, p.Sparse)
			}
		}
	}
	if kinds[SparseHourly] < 2 || kinds[SparseDaily] < 2 {
		t.Fatalf("sparse flows: %v, want a few running a few times an hour and a few a few times a day", kinds)
	}
	byID := counts(t, sparse, 2, from, from.AddDate(0, 0, 14))
	for _, p := range sparse {
		weekdays, _ := localDays(p, byID[p.Integration.ID])
		var total float64
		for _, n := range weekdays {
			total += n
		}
		perDay := total / 10 // two weeks have ten weekdays
		busiest := 0.0       // runs in the busiest local hour, 11:00, averaged over the weekdays
		for m, n := range byID[p.Integration.ID] {
			if lt := m.In(loc); lt.Hour() == 11 && !p.real.weekendAt(lt) {
				busiest += float64(n) / 10
			}
		}
		switch p.Sparse {
		case SparseHourly:
			if busiest < 1.5 || busiest > 15 {
				t.Errorf("%s: %.1f runs in the busiest hour, want a few", p.Integration.ID, busiest)
			}
		case SparseDaily:
			if perDay < 1.5 || perDay > 12 {
				t.Errorf("%s: %.1f runs a weekday, want a few", p.Integration.ID, perDay)
			}
		}
	}
}

func TestRealismIsDeterministic(t *testing.T) {
	loc := newYork(t)
	from := time.Date(2026, 10, 5, 0, 0, 0, 0, loc)
	r := Realism{Seed: 7, Location: loc, Epoch: from.AddDate(0, 0, -1)}
	a, b := realFlow(t, 50, r), realFlow(t, 50, r)
	late := from.AddDate(0, 0, 3)
	b.RateAt(late) // b draws its noise in another order
	for m := from; m.Before(from.Add(6 * time.Hour)); m = m.Add(7 * time.Minute) {
		if ra, rb := a.RateAt(m), b.RateAt(m); ra != rb {
			t.Fatalf("%v: rate %v and %v from the same seed", m, ra, rb)
		}
	}
	r.Seed = 8
	if c := realFlow(t, 50, r); c.RateAt(late) == a.RateAt(late) {
		t.Error("another seed, the same traffic")
	}
	orig := demoProfiles(t)
	peaks := make([]float64, len(orig))
	for i, p := range orig {
		peaks[i] = p.PeakPerMinute
	}
	Realistic(orig, r)
	for i, p := range orig {
		if p.PeakPerMinute != peaks[i] || p.real != nil || p.Sparse != SparseNone {
			t.Fatalf("Realistic changed the profile of %s", p.Integration.ID)
		}
	}
}
