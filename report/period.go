package report

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Period kinds.
const (
	Month   = "month"
	Quarter = "quarter"
)

// Period is a calendar month or quarter in the estate's time zone.
type Period struct {
	Kind string // Month or Quarter
	Year int
	N    int // the month (1–12) or the quarter (1–4)
	Loc  *time.Location
}

// ParsePeriod reads a month (2026-10) or a quarter (2026-Q3) in loc.
func ParsePeriod(s string, loc *time.Location) (Period, error) {
	if loc == nil {
		loc = time.UTC
	}
	bad := func(why string) (Period, error) {
		return Period{}, fmt.Errorf("period %q: %s", s, why)
	}
	y, rest, ok := strings.Cut(strings.TrimSpace(s), "-")
	year, err := strconv.Atoi(y)
	if !ok || err != nil || len(y) != 4 || year < 1970 {
		return bad("want a month YYYY-MM (2026-10) or a quarter YYYY-Qn (2026-Q3)")
	}
	if q, isQ := strings.CutPrefix(strings.ToUpper(rest), "Q"); isQ {
		n, err := strconv.Atoi(q)
		if err != nil || len(q) != 1 || n < 1 || n > 4 {
			return bad("quarter " + rest + ": want Q1 to Q4")
		}
		return Period{Kind: Quarter, Year: year, N: n, Loc: loc}, nil
	}
	n, err := strconv.Atoi(rest)
	if err != nil || len(rest) != 2 || n < 1 || n > 12 {
		return bad("month " + rest + ": want 01 to 12")
	}
	return Period{Kind: Month, Year: year, N: n, Loc: loc}, nil
}

// Containing is the period of a kind that t falls in.
func Containing(kind string, t time.Time, loc *time.Location) Period {
	if loc == nil {
		loc = time.UTC
	}
	t = t.In(loc)
	p := Period{Kind: kind, Year: t.Year(), N: int(t.Month()), Loc: loc}
	if kind == Quarter {
		p.N = (p.N-1)/3 + 1
	}
	return p
}

// LastComplete is the latest period of a kind that has ended by t.
func LastComplete(kind string, t time.Time, loc *time.Location) Period {
	return Containing(kind, t, loc).Prev()
}

func (p Period) loc() *time.Location {
	if p.Loc == nil {
		return time.UTC
	}
	return p.Loc
}

func (p Period) months() int {
	if p.Kind == Quarter {
		return 3
	}
	return 1
}

func (p Period) firstMonth() time.Month {
	if p.Kind == Quarter {
		return time.Month(3*(p.N-1) + 1)
	}
	return time.Month(p.N)
}

// Start is the period's first instant.
func (p Period) Start() time.Time {
	return time.Date(p.Year, p.firstMonth(), 1, 0, 0, 0, 0, p.loc())
}

// End is the instant after the period (the next one's start).
func (p Period) End() time.Time {
	return time.Date(p.Year, p.firstMonth()+time.Month(p.months()), 1, 0, 0, 0, 0, p.loc())
}

// Prev is the period before.
func (p Period) Prev() Period { return p.shift(-1) }

// Next is the period after.
func (p Period) Next() Period { return p.shift(1) }

func (p Period) shift(k int) Period {
	per := 12
	if p.Kind == Quarter {
		per = 4
	}
	i := p.Year*per + p.N - 1 + k
	return Period{Kind: p.Kind, Year: i / per, N: i%per + 1, Loc: p.Loc}
}

// Back returns the n periods before p and p, oldest first.
func (p Period) Back(n int) []Period {
	out := make([]Period, 0, n+1)
	for k := n; k >= 0; k-- {
		out = append(out, p.shift(-k))
	}
	return out
}

// String is the period as written: 2026-10 or 2026-Q3.
func (p Period) String() string {
	if p.Kind == Quarter {
		return fmt.Sprintf("%04d-Q%d", p.Year, p.N)
	}
	return fmt.Sprintf("%04d-%02d", p.Year, p.N)
}

// Title is the period in words: October 2026, Q3 2026.
func (p Period) Title() string {
	if p.Kind == Quarter {
		return fmt.Sprintf("Q%d %d", p.N, p.Year)
	}
	return fmt.Sprintf("%s %d", time.Month(p.N), p.Year)
}

// Short is a chart label: Oct 26, Q3 26.
func (p Period) Short() string {
	if p.Kind == Quarter {
		return fmt.Sprintf("Q%d %02d", p.N, p.Year%100)
	}
	return fmt.Sprintf("%s %02d", time.Month(p.N).String()[:3], p.Year%100)
}

// MarshalJSON writes the period with its bounds and time zone.
func (p Period) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		ID       string `json:"id"`
		Kind     string `json:"kind"`
		Title    string `json:"title"`
		From     string `json:"from"`
		To       string `json:"to"`
		TimeZone string `json:"timezone"`
	}{p.String(), p.Kind, p.Title(), p.Start().Format(time.RFC3339), p.End().Format(time.RFC3339), p.loc().String()})
}

// UnmarshalJSON reads a period as MarshalJSON writes it.
func (p *Period) UnmarshalJSON(data []byte) error {
	var v struct {
		ID       string `json:"id"`
		TimeZone string `json:"timezone"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	loc, err := time.LoadLocation(v.TimeZone)
	if err != nil {
		return fmt.Errorf("period %s: time zone: %w", v.ID, err)
	}
	q, err := ParsePeriod(v.ID, loc)
	if err != nil {
		return err
	}
	*p = q
	return nil
}
