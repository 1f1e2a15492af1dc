package anomaly

import (
	"testing"
	"time"

	"github.com/intops/intops/clickhouse"
)

// TestCalendar: seasonality is kept in local time. A flow busy at 09:00
// local on weekdays and quiet at weekends, learned across both
// daylight-saving changes in Berlin, expects its peak at 09:00 local on
// either side of each change (07:00 UTC in summer, 08:00 UTC in winter),
// and the day type changes at local midnight, not at UTC midnight.
func TestCalendar(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no time zone data")
	}
	for _, c := range []struct {
		name     string
		from     time.Time
		summerAt time.Time // a Monday 09:00 local in summer time
		winterAt time.Time // and one in winter time
	}{
		{"clocks go back", time.Date(2026, 10, 5, 0, 0, 0, 0, berlin), time.Date(2026, 10, 19, 9, 0, 0, 0, berlin), time.Date(2026, 10, 26, 9, 0, 0, 0, berlin)},
		{"clocks go forward", time.Date(2026, 3, 9, 0, 0, 0, 0, berlin), time.Date(2026, 3, 30, 9, 0, 0, 0, berlin), time.Date(2026, 3, 23, 9, 0, 0, 0, berlin)},
	} {
		t.Run(c.name, func(t *testing.T) {
			to := c.from.Add(28 * 24 * time.Hour)
			var hours []clickhouse.MinuteCounts
			for h := c.from.UTC(); h.Before(to); h = h.Add(time.Hour) {
				lt := h.In(berlin)
				n := uint64(20)
				switch {
				case dayType(lt) == 1:
					n = 8
				case lt.Hour() == 9:
					n = 200
				}
				hours = append(hours, clickhouse.MinuteCounts{Minute: h, Width: time.Hour, Executions: n, Records: n})
			}
			b := Learn(hours, c.from.UTC(), to.UTC(), berlin)
			at := func(t time.Time) float64 { tl := t.In(berlin); return b.Exec[dayType(tl)][tl.Hour()] }
			if s, w := c.summerAt.UTC(), c.winterAt.UTC(); s.Hour() != 7 || w.Hour() != 8 || at(s) != 200 || at(w) != 200 {
				t.Errorf("09:00 local: %v expects %.0f, %v expects %.0f; want 200", s, at(s), w, at(w))
			}
			// Friday 23:30 local is a weekday, Saturday 00:30 local a weekend
			// day, though both are Friday in UTC.
			fri := time.Date(2026, 10, 23, 23, 30, 0, 0, berlin)
			sat := fri.Add(time.Hour)
			if fri.UTC().Weekday() != time.Friday || sat.UTC().Weekday() != time.Friday {
				t.Fatal("the example needs both in UTC's Friday")
			}
			if at(fri) != 20 || at(sat) != 8 {
				t.Errorf("Friday 23:30 expects %.0f (want 20), Saturday 00:30 %.0f (want 8)", at(fri), at(sat))
			}
		})
	}
}
