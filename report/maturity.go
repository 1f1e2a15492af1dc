package report

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/analyzer/maturity"
	"github.com/intops/intops/catalog"
)

// MaturityReport is the maturity of the estate and its teams at the end of
// a period (the last daily snapshot in it), scored against the model in
// force, with what is missing for the next level and the trend.
type MaturityReport struct {
	Kind        string    `json:"kind"` // "maturity"
	Period      Period    `json:"period"`
	GeneratedAt time.Time `json:"generated_at"`
	// Partial: the period has not ended; AsOf is the day of the
	// snapshot the levels are from (YYYY-MM-DD).
	Partial  bool                 `json:"partial"`
	AsOf     string               `json:"as_of"`
	Criteria []maturity.Criterion `json:"criteria"`
	// Scopes: the estate first, then each team by name.
	Scopes []ScopeScore `json:"scopes"`
	// Periods: the levels at the end of the previous periods and this
	// one, oldest first.
	Periods []PeriodLevels `json:"periods"`
	// Days: each snapshot day from the first trend period on, with every
	// scope's level and the estate's key measures (TrendMeasures).
	Days          []DayPoint `json:"days"`
	TrendMeasures []string   `json:"trend_measures"`
}

// ScopeScore is one scope's score, with its level at the end of the
// previous period (null: no snapshot then).
type ScopeScore struct {
	maturity.Score
	Title    string `json:"title"`
	Previous *int   `json:"previous_level"`
}

// PeriodLevels are the levels at the end of a period.
type PeriodLevels struct {
	Period string         `json:"period"`
	AsOf   string         `json:"as_of"` // "" without a snapshot
	Levels map[string]int `json:"levels"`
}

// DayPoint is one day of the trend.
type DayPoint struct {
	Day      string             `json:"day"`
	Levels   map[string]int     `json:"levels"`
	Measures map[string]float64 `json:"measures"`
}

// TrendMeasures are the estate measures the maturity trend follows.
var TrendMeasures = []string{"owner_share", "business_owner_share", "slo_coverage_tier12", "slo_attainment",
	"emitting_share", "contract_test_share", "lint_errors_per_100", "mttr_hours"}

// MaturityReport builds the maturity report of a period from the stored
// daily snapshots, scoring their evidence against the current model, so
// that the trend compares like with like.
func (s *Service) MaturityReport(ctx context.Context, p Period) (*MaturityReport, error) {
	now := s.now()
	if !p.Start().Before(now) {
		return nil, fmt.Errorf("%w: %s begins %s", ErrNotStarted, p, p.Start().Format(time.RFC3339))
	}
	loc := s.Loc()
	periods := p.Back(s.trend())
	from := dateOf(periods[0].Start(), loc)
	to := dateOf(minTime(p.End(), now).Add(-time.Nanosecond), loc).AddDate(0, 0, 1)
	snaps, err := s.Store.MaturitySnapshots(ctx, from, to)
	if err != nil {
		return nil, err
	}
	model := s.model()
	var days []time.Time
	byDay := map[time.Time][]intops.MaturitySnapshot{}
	for _, sn := range snaps {
		if byDay[sn.Day] == nil {
			days = append(days, sn.Day)
		}
		byDay[sn.Day] = append(byDay[sn.Day], sn)
	}
	score := func(sn intops.MaturitySnapshot) maturity.Score {
		return model.Assess(sn.Scope, maturity.Evidence(sn.Evidence))
	}
	// lastIn is the latest snapshot day of a period.
	lastIn := func(q Period) (time.Time, bool) {
		for i := len(days) - 1; i >= 0; i-- {
			if t := inLoc(days[i], loc); !t.Before(q.Start()) && t.Before(q.End()) {
				return days[i], true
			}
		}
		return time.Time{}, false
	}
	asOf, ok := lastIn(p)
	if !ok {
		hint := "none is stored yet"
		if first, err := s.Store.MaturitySnapshots(ctx, to, dateOf(now, loc).AddDate(0, 0, 1)); err == nil && len(first) > 0 {
			hint = "the next is of " + first[0].Day.Format(time.DateOnly)
		} else if len(days) > 0 {
			hint = "the latest before it is of " + days[len(days)-1].Format(time.DateOnly)
		}
		return nil, fmt.Errorf("%w in %s: a day is taken once it has ended; %s", ErrNoSnapshots, p, hint)
	}
	r := &MaturityReport{Kind: "maturity", Period: p, GeneratedAt: now.UTC(), Partial: p.End().After(now),
		AsOf: asOf.Format(time.DateOnly), Criteria: model.Criteria, TrendMeasures: TrendMeasures}
	cat := s.Catalog()
	for _, q := range periods {
		pl := PeriodLevels{Period: q.String(), Levels: map[string]int{}}
		if d, ok := lastIn(q); ok {
			pl.AsOf = d.Format(time.DateOnly)
			for _, sn := range byDay[d] {
				pl.Levels[sn.Scope] = score(sn).Level
			}
		}
		r.Periods = append(r.Periods, pl)
	}
	prev := r.Periods[len(r.Periods)-2].Levels
	for _, sn := range byDay[asOf] {
		sc := ScopeScore{Score: score(sn), Title: scopeTitle(cat, sn.Scope)}
		if l, ok := prev[sn.Scope]; ok {
			sc.Previous = &l
		}
		r.Scopes = append(r.Scopes, sc)
	}
	slices.SortFunc(r.Scopes, func(a, b ScopeScore) int {
		return cmp.Or(cmp.Compare(rank(a.Scope), rank(b.Scope)), cmp.Compare(a.Scope, b.Scope))
	})
	for _, d := range days {
		if d.After(asOf) {
			break
		}
		pt := DayPoint{Day: d.Format(time.DateOnly), Levels: map[string]int{}, Measures: map[string]float64{}}
		for _, sn := range byDay[d] {
			pt.Levels[sn.Scope] = score(sn).Level
			if sn.Scope == "estate" {
				for _, m := range TrendMeasures {
					if v, ok := sn.Evidence[m]; ok {
						pt.Measures[m] = v
					}
				}
			}
		}
		r.Days = append(r.Days, pt)
	}
	return r, nil
}

func scopeTitle(cat *catalog.Catalog, scope string) string {
	if scope == "estate" {
		return "Estate"
	}
	return teamTitle(cat, scope)
}

// rank puts the estate before the teams.
func rank(scope string) int {
	if scope == "estate" {
		return 0
	}
	return 1
}
