package simulate

import (
	"context"
	"testing"
	"time"

	"github.com/intops/intops/catalog"
	"github.com/intops/intops/clickhouse"
)

type hourSink struct {
	minuteSink
	hours       []clickhouse.Minute
	hourInserts int
}

func (s *hourSink) InsertHours(_ context.Context, hs []clickhouse.Minute) error {
	s.hours = append(s.hours, hs...)
	s.hourInserts++
	return nil
}

// TestBackfillHours: a row per hour and flow, one insert a day, the detail
// hours as minutes, and as many executions as the minute backfill draws
// from the same model (within noise).
func TestBackfillHours(t *testing.T) {
	ps := append(demoProfiles(t), Shadow())
	to := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	from := to.Add(-3 * 24 * time.Hour)
	detailHour := to.Add(-30 * time.Hour)
	var sink hourSink
	total, err := BackfillHours(context.Background(), NewGenerator(ps, 3), &sink, from, to, func(id string, h time.Time) bool {
		return id == "shop-to-erp-orders" && h.Equal(detailHour)
	})
	if err != nil {
		t.Fatal(err)
	}
	if sink.hourInserts != 3 {
		t.Errorf("%d hour inserts for 3 days, want one a day", sink.hourInserts)
	}
	var sum uint64
	for _, h := range sink.hours {
		if h.Minute.Truncate(time.Hour) != h.Minute || h.Minute.Before(from) || !h.Minute.Before(to) {
			t.Fatalf("hour %v: not a whole hour of the range", h.Minute)
		}
		if h.IntegrationID == "shop-to-erp-orders" && h.Minute.Equal(detailHour) {
			t.Fatal("the detail hour was written as an hour too")
		}
		var byClass uint64
		for _, n := range h.ByClass {
			byClass += n
		}
		if byClass != h.Failed || h.Failed > h.Executions || h.Spans != 2*h.Executions || len(h.Durations) > maxDurationSample {
			t.Fatalf("inconsistent hour %+v", h)
		}
		sum += h.Executions
	}
	if len(sink.ms) == 0 {
		t.Fatal("no minutes for the detail hour")
	}
	for _, m := range sink.ms {
		if m.IntegrationID != "shop-to-erp-orders" || m.Minute.Truncate(time.Hour) != detailHour {
			t.Fatalf("minute %v of %s outside the detail hour", m.Minute, m.IntegrationID)
		}
		sum += m.Executions
	}
	if sum != total {
		t.Errorf("rows add up to %d, BackfillHours said %d", sum, total)
	}
	var minutes minuteSink
	want, err := Backfill(context.Background(), NewGenerator(demoProfiles(t), 3), &minutes, from, to)
	if err != nil {
		t.Fatal(err)
	}
	if r := float64(total) / float64(want); r < 0.98 || r > 1.02 {
		t.Errorf("hours stand for %d executions, minutes of the same model %d", total, want)
	}
}

// TestHistoryGrowsIntoTodaysCatalog: the catalog of the history's start
// lacks some of today's facts, gains them over time, and is today's at
// the end; past incidents thin out and on-call gets quicker.
func TestHistoryGrowsIntoTodaysCatalog(t *testing.T) {
	cat, err := catalog.Load("../examples/estate")
	if err != nil {
		t.Fatal(err)
	}
	to := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	h := History{Catalog: cat, From: to.AddDate(0, 0, -150), To: to}
	count := func(c *catalog.Catalog) (owners, business, slos int) {
		for _, in := range c.Integrations {
			if in.Owner != "" {
				owners++
			}
			if in.BusinessOwner != "" {
				business++
			}
		}
		return owners, business, len(c.SLOs)
	}
	o0, b0, s0 := count(h.CatalogAt(h.From))
	o1, b1, s1 := count(h.CatalogAt(h.From.AddDate(0, 0, 75)))
	o2, b2, s2 := count(cat)
	if !(o0 < o1 && o1 <= o2) || !(b0 < b1 && b1 < b2) || !(s0 < s1 && s1 < s2) {
		t.Errorf("owners %d→%d→%d, business owners %d→%d→%d, SLOs %d→%d→%d: want growth", o0, o1, o2, b0, b1, b2, s0, s1, s2)
	}
	if h.CatalogAt(to) != cat {
		t.Error("at the end of the history the catalog is today's")
	}
	past := h.CatalogAt(h.From)
	if past.Integration("shop-to-erp-orders") == nil || past.Integration("shop-to-erp-orders") == cat.Integration("shop-to-erp-orders") {
		t.Error("the past catalog looks integrations up in its own copies")
	}
	ps := demoProfiles(t)
	incs := h.PastIncidents(ps, to.AddDate(0, 0, -7), 1)
	var early, late int
	var earlyLong, lateLong time.Duration
	mid := h.From.AddDate(0, 0, 75)
	for _, in := range incs {
		if wd := in.From.Weekday(); wd == time.Saturday || wd == time.Sunday || in.From.Hour() < 8 || in.From.Hour() >= 16 {
			t.Errorf("incident at %v: want weekdays in office hours", in.From)
		}
		if in.From.Before(mid) {
			early++
			earlyLong += in.To.Sub(in.From)
		} else {
			late++
			lateLong += in.To.Sub(in.From)
		}
	}
	if early <= late || late == 0 || earlyLong/time.Duration(early) <= lateLong/time.Duration(late) {
		t.Errorf("%d incidents (mean %v) in the first half, %d (mean %v) in the second: want fewer and shorter", early, earlyLong/time.Duration(max(early, 1)), late, lateLong/time.Duration(max(late, 1)))
	}
	if a, b := h.AckDelay("order-platform", h.From), h.AckDelay("order-platform", to); a <= b || b < 3*time.Minute {
		t.Errorf("ack delay %v at the start, %v at the end", a, b)
	}
}
