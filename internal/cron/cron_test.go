package cron

import (
	"testing"
	"time"
)

func TestSchedule(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	at := func(s string) time.Time {
		x, err := time.ParseInLocation("2006-01-02 15:04", s, berlin)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	for _, c := range []struct {
		expr, from, next, prev string
	}{
		{"0 8 1 * *", "2026-10-15 12:00", "2026-11-01 08:00", "2026-10-01 08:00"},
		{"0 8 1 * *", "2026-11-01 08:00", "2026-12-01 08:00", "2026-11-01 08:00"},
		{"@monthly", "2026-11-01 00:00", "2026-12-01 00:00", "2026-11-01 00:00"},
		{"30 9 * * mon", "2026-11-22 10:00", "2026-11-23 09:30", "2026-11-16 09:30"}, // the 22nd is a Sunday
		{"*/15 8-9 * * 1-5", "2026-11-20 09:50", "2026-11-23 08:00", "2026-11-20 09:45"},
		{"0 7 1 1,4,7,10 *", "2026-11-22 10:00", "2027-01-01 07:00", "2026-10-01 07:00"},
		{"0 0 13 * 5", "2026-11-14 00:00", "2026-11-20 00:00", "2026-11-13 00:00"}, // the 13th or a Friday
		{"0 12 * * 7", "2026-11-22 13:00", "2026-11-29 12:00", "2026-11-22 12:00"}, // 7 is Sunday
	} {
		s, err := ParseSchedule(c.expr, berlin)
		if err != nil {
			t.Fatalf("%s: %v", c.expr, err)
		}
		if got := s.Next(at(c.from)); got.Format("2006-01-02 15:04") != c.next {
			t.Errorf("%s after %s: %s, want %s", c.expr, c.from, got.Format("2006-01-02 15:04"), c.next)
		}
		if got := s.Prev(at(c.from)); got.Format("2006-01-02 15:04") != c.prev {
			t.Errorf("%s at or before %s: %s, want %s", c.expr, c.from, got.Format("2006-01-02 15:04"), c.prev)
		}
	}
	for expr, want := range map[string]string{
		"0 8 1 *":      `schedule "0 8 1 *": want 5 fields (minute hour day-of-month month day-of-week), e.g. "0 8 1 * *" for 08:00 on the 1st of each month; got 4`,
		"60 8 1 * *":   `schedule "60 8 1 * *": minute "60": "60": want 0 to 59`,
		"0 8 0 * *":    `schedule "0 8 0 * *": day of month "0": "0": want 1 to 31`,
		"0 8 1 foo *":  `schedule "0 8 1 foo *": month "foo": "foo": want 1 to 12`,
		"0 8 1 * */0":  `schedule "0 8 1 * */0": day of week "*/0": step "0": want a whole number of 1 or more`,
		"0 10-8 1 * *": `schedule "0 10-8 1 * *": hour "10-8": range 10-8: the start is after the end`,
		"every monday": `schedule "every monday": want 5 fields (minute hour day-of-month month day-of-week), e.g. "0 8 1 * *" for 08:00 on the 1st of each month; got 2`,
	} {
		if _, err := ParseSchedule(expr, nil); err == nil || err.Error() != want {
			t.Errorf("%q: %v\n want %s", expr, err, want)
		}
	}
	never, _ := ParseSchedule("0 0 30 2 *", nil)
	if !never.Next(time.Now()).IsZero() || !never.Prev(time.Now()).IsZero() {
		t.Error("30 February never comes")
	}
}
