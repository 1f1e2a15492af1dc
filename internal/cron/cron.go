// Package cron reads five-field cron expressions in a time zone.
package cron

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Schedule is a cron expression of five fields — minute (0–59), hour
// (0–23), day of month (1–31), month (1–12 or jan–dec), day of week (0–7
// or sun–sat, 0 and 7 are Sunday) — in a time zone. A field is *, a
// value, a range a-b, a list a,b,c, each with an optional step /n; when
// both days are restricted either may match (as in Vixie cron). @yearly,
// @monthly, @weekly, @daily and @hourly stand for their usual fields.
type Schedule struct {
	expr                          string
	minute, hour, dom, month, dow uint64 // bit i: value i allowed
	anyDOM, anyDOW                bool
	loc                           *time.Location
}

var macros = map[string]string{"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
	"@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *"}

var (
	monthNames = map[string]int{"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12}
	dayNames   = map[string]int{"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}
)

// ParseSchedule reads a cron expression in loc (nil: UTC).
func ParseSchedule(expr string, loc *time.Location) (*Schedule, error) {
	if loc == nil {
		loc = time.UTC
	}
	s := &Schedule{expr: strings.TrimSpace(expr), loc: loc}
	spec := s.expr
	if m, ok := macros[strings.ToLower(spec)]; ok {
		spec = m
	}
	fields := strings.Fields(spec)
	if len(fields) != 5 {
		return nil, fmt.Errorf("schedule %q: want 5 fields (minute hour day-of-month month day-of-week), e.g. \"0 8 1 * *\" for 08:00 on the 1st of each month; got %d", expr, len(fields))
	}
	var err error
	parts := []struct {
		name     string
		lo, hi   int
		names    map[string]int
		out      *uint64
		wildcard *bool
	}{
		{"minute", 0, 59, nil, &s.minute, nil},
		{"hour", 0, 23, nil, &s.hour, nil},
		{"day of month", 1, 31, nil, &s.dom, &s.anyDOM},
		{"month", 1, 12, monthNames, &s.month, nil},
		{"day of week", 0, 7, dayNames, &s.dow, &s.anyDOW},
	}
	for i, p := range parts {
		if *p.out, err = parseField(fields[i], p.lo, p.hi, p.names); err != nil {
			return nil, fmt.Errorf("schedule %q: %s %q: %v", expr, p.name, fields[i], err)
		}
		if p.wildcard != nil {
			*p.wildcard = fields[i] == "*" || strings.HasPrefix(fields[i], "*/")
		}
	}
	if s.dow&(1<<7) != 0 { // 7 is Sunday too
		s.dow |= 1
	}
	return s, nil
}

func parseField(f string, lo, hi int, names map[string]int) (uint64, error) {
	var bits uint64
	for _, part := range strings.Split(f, ",") {
		rng, stepText, hasStep := strings.Cut(part, "/")
		step := 1
		if hasStep {
			n, err := strconv.Atoi(stepText)
			if err != nil || n < 1 {
				return 0, fmt.Errorf("step %q: want a whole number of 1 or more", stepText)
			}
			step = n
		}
		a, b := lo, hi
		switch {
		case rng == "*":
		case strings.Contains(rng, "-"):
			x, y, _ := strings.Cut(rng, "-")
			var err error
			if a, err = fieldValue(x, lo, hi, names); err != nil {
				return 0, err
			}
			if b, err = fieldValue(y, lo, hi, names); err != nil {
				return 0, err
			}
			if a > b {
				return 0, fmt.Errorf("range %s: the start is after the end", rng)
			}
		default:
			var err error
			if a, err = fieldValue(rng, lo, hi, names); err != nil {
				return 0, err
			}
			if !hasStep {
				b = a
			}
		}
		for v := a; v <= b; v += step {
			bits |= 1 << v
		}
	}
	return bits, nil
}

func fieldValue(s string, lo, hi int, names map[string]int) (int, error) {
	if v, ok := names[strings.ToLower(s)]; ok {
		return v, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < lo || v > hi {
		return 0, fmt.Errorf("%q: want %d to %d", s, lo, hi)
	}
	return v, nil
}

// String is the expression as given.
func (s *Schedule) String() string { return s.expr }

func (s *Schedule) dayMatches(t time.Time) bool {
	dom := s.dom&(1<<t.Day()) != 0
	dow := s.dow&(1<<int(t.Weekday())) != 0
	switch {
	case s.anyDOM && s.anyDOW:
		return true
	case s.anyDOM:
		return dow
	case s.anyDOW:
		return dom
	}
	return dom || dow
}

// horizon bounds the search for a firing time.
const horizon = 5 * 366 * 24 * time.Hour

// Next is the first time after t the schedule fires (zero: none within
// five years, as for "0 0 30 2 *").
func (s *Schedule) Next(t time.Time) time.Time {
	t = t.In(s.loc).Truncate(time.Minute).Add(time.Minute)
	end := t.Add(horizon)
	for t.Before(end) {
		y, mo, d := t.Date()
		switch {
		case s.month&(1<<int(mo)) == 0:
			t = time.Date(y, mo+1, 1, 0, 0, 0, 0, s.loc)
		case !s.dayMatches(t):
			t = time.Date(y, mo, d+1, 0, 0, 0, 0, s.loc)
		case s.hour&(1<<t.Hour()) == 0:
			t = time.Date(y, mo, d, t.Hour()+1, 0, 0, 0, s.loc)
		case s.minute&(1<<t.Minute()) == 0:
			t = t.Add(time.Minute)
		default:
			return t
		}
	}
	return time.Time{}
}

// Prev is the latest time at or before t the schedule fired (zero: none
// within five years).
func (s *Schedule) Prev(t time.Time) time.Time {
	t = t.In(s.loc).Truncate(time.Minute)
	end := t.Add(-horizon)
	for t.After(end) {
		y, mo, d := t.Date()
		switch {
		case s.month&(1<<int(mo)) == 0:
			t = time.Date(y, mo, 1, 0, 0, 0, 0, s.loc).Add(-time.Minute)
		case !s.dayMatches(t):
			t = time.Date(y, mo, d, 0, 0, 0, 0, s.loc).Add(-time.Minute)
		case s.hour&(1<<t.Hour()) == 0:
			t = time.Date(y, mo, d, t.Hour(), 0, 0, 0, s.loc).Add(-time.Minute)
		case s.minute&(1<<t.Minute()) == 0:
			t = t.Add(-time.Minute)
		default:
			return t
		}
	}
	return time.Time{}
}
