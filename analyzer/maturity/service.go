package maturity

import (
	"context"
	"sort"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/catalog"
)

// Service scores the running platform: it gathers the inputs from its
// sources at each call.
type Service struct {
	Catalog    func() *catalog.Catalog
	LintConfig catalog.LintConfig
	Traffic    func(ctx context.Context, from, to time.Time) ([]intops.Traffic, error)
	SLOs       func() []SLOOutcome
	Incidents  func(ctx context.Context, since time.Time) ([]IncidentOutcome, error)
	Model      Model // zero: Default()
	Now        func() time.Time
}

// Scores returns the estate's score first, then each team's by name.
func (s *Service) Scores(ctx context.Context) ([]Score, error) {
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	cat := s.Catalog()
	in := Inputs{Catalog: cat, Lint: catalog.Lint(cat, s.LintConfig, now)}
	var err error
	if s.Traffic != nil {
		if in.Traffic, err = s.Traffic(ctx, now.Add(-7*24*time.Hour), now); err != nil {
			return nil, err
		}
	}
	if s.SLOs != nil {
		in.SLOs = s.SLOs()
	}
	if s.Incidents != nil {
		if in.Incidents, err = s.Incidents(ctx, now.Add(-30*24*time.Hour)); err != nil {
			return nil, err
		}
	}
	m := s.Model
	if len(m.Criteria) == 0 {
		m = Default()
	}
	evs := Gather(in)
	out := []Score{m.Assess("estate", evs["estate"])}
	var teams []string
	for t := range evs {
		if t != "estate" {
			teams = append(teams, t)
		}
	}
	sort.Strings(teams)
	for _, t := range teams {
		out = append(out, m.Assess(t, evs[t]))
	}
	return out, nil
}
