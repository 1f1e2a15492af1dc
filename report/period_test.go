package report

import (
	"fmt"
	"testing"
	"time"
)

func TestParsePeriod(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		in, want, from, to string
	}{
		{"2026-10", "2026-10", "2026-10-01T00:00:00+02:00", "2026-11-01T00:00:00+01:00"},
		{"2026-12", "2026-12", "2026-12-01T00:00:00+01:00", "2027-01-01T00:00:00+01:00"},
		{"2026-q3", "2026-Q3", "2026-07-01T00:00:00+02:00", "2026-10-01T00:00:00+02:00"},
		{"2026-Q4", "2026-Q4", "2026-10-01T00:00:00+02:00", "2027-01-01T00:00:00+01:00"},
	} {
		p, err := ParsePeriod(c.in, berlin)
		if err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		if p.String() != c.want || p.Start().Format(time.RFC3339) != c.from || p.End().Format(time.RFC3339) != c.to {
			t.Errorf("%s: %s [%s, %s), want %s [%s, %s)", c.in, p, p.Start().Format(time.RFC3339), p.End().Format(time.RFC3339), c.want, c.from, c.to)
		}
	}
	for in, want := range map[string]string{
		"2026-13":  `period "2026-13": month 13: want 01 to 12`,
		"2026-1":   `period "2026-1": month 1: want 01 to 12`,
		"2026-Q5":  `period "2026-Q5": quarter Q5: want Q1 to Q4`,
		"26-10":    `period "26-10": want a month YYYY-MM (2026-10) or a quarter YYYY-Qn (2026-Q3)`,
		"October":  `period "October": want a month YYYY-MM (2026-10) or a quarter YYYY-Qn (2026-Q3)`,
		"":         `period "": want a month YYYY-MM (2026-10) or a quarter YYYY-Qn (2026-Q3)`,
		"2026-10x": `period "2026-10x": month 10x: want 01 to 12`,
	} {
		if _, err := ParsePeriod(in, time.UTC); err == nil || err.Error() != want {
			t.Errorf("%q: %v, want %s", in, err, want)
		}
	}
}

func TestPeriodArithmetic(t *testing.T) {
	jan, _ := ParsePeriod("2027-01", time.UTC)
	if got := jan.Prev().String(); got != "2026-12" {
		t.Errorf("before 2027-01: %s", got)
	}
	q1, _ := ParsePeriod("2027-Q1", time.UTC)
	var got []string
	for _, p := range q1.Back(3) {
		got = append(got, p.String())
	}
	if want := "[2026-Q2 2026-Q3 2026-Q4 2027-Q1]"; fmt.Sprint(got) != want {
		t.Errorf("Back(3) of 2027-Q1: %s, want %s", fmt.Sprint(got), want)
	}
	now := time.Date(2026, 11, 1, 0, 30, 0, 0, time.UTC) // 01:30 in Berlin
	if p := LastComplete(Month, now, time.UTC); p.String() != "2026-10" {
		t.Errorf("last complete month at %v: %s", now, p)
	}
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	if p := LastComplete(Month, time.Date(2026, 10, 31, 16, 0, 0, 0, time.UTC), tokyo); p.String() != "2026-10" {
		t.Errorf("in Tokyo October has ended at 16:00 UTC on the 31st: %s", p)
	}
	if p := LastComplete(Quarter, now, time.UTC); p.String() != "2026-Q3" || p.Title() != "Q3 2026" {
		t.Errorf("last complete quarter: %s (%s)", p, p.Title())
	}
	if jan.Title() != "January 2027" || jan.Short() != "Jan 27" {
		t.Errorf("titles: %q %q", jan.Title(), jan.Short())
	}
}
