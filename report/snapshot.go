package report

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"sort"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/alerting"
	"github.com/intops/intops/analyzer/maturity"
	"github.com/intops/intops/analyzer/slo"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/internal/loop"
)

// SnapshotStore is what the snapshot job reads and writes (ClickHouse).
type SnapshotStore interface {
	RollupReader
	Traffic(ctx context.Context, from, to time.Time) ([]intops.Traffic, error)
	MaturitySnapshotDays(ctx context.Context, from, to time.Time) ([]time.Time, error)
	InsertMaturitySnapshots(ctx context.Context, ss []intops.MaturitySnapshot) error
}

// Windows of the evidence a day's snapshot is measured from.
const (
	// trafficWindow: emitting, shadow and deprecated-with-traffic measures.
	trafficWindow = 7 * 24 * time.Hour
	// incidentWindow: MTTA, MTTR and anomaly-first measures.
	incidentWindow = 30 * 24 * time.Hour
)

// Snapshotter takes the daily maturity snapshots: once a day has ended in
// the estate's time zone, the estate's and each team's evidence as of the
// day's end, scored against the model. Days already taken are left alone,
// so running it again, or on a restarted server, changes nothing.
type Snapshotter struct {
	Store      SnapshotStore
	Catalog    func() *catalog.Catalog
	LintConfig catalog.LintConfig
	Incidents  IncidentSource // nil: no incidents (MTTR unknown)
	Model      maturity.Model // zero: maturity.Default()
	Location   *time.Location // nil: UTC
	Now        func() time.Time
	// Interval between checks for a day to take (default an hour).
	Interval time.Duration
	// CatchUp is how many past days a check takes when they are missing
	// (a server that was down), scored with the catalog as it is now
	// (default 7).
	CatchUp int
	Logger  *slog.Logger
}

// Run checks for days to take until ctx ends.
func (s *Snapshotter) Run(ctx context.Context) {
	iv := s.Interval
	if iv <= 0 {
		iv = time.Hour
	}
	loop.Every(ctx, iv, s.Once, func(err error) { s.logger().Warn("maturity snapshot failed; will retry", "err", err) })
}

func (s *Snapshotter) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

func (s *Snapshotter) loc() *time.Location {
	if s.Location == nil {
		return time.UTC
	}
	return s.Location
}

// Once takes the ended days of the catch-up window that have no snapshot.
func (s *Snapshotter) Once(ctx context.Context) error {
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	catchUp := s.CatchUp
	if catchUp <= 0 {
		catchUp = 7
	}
	today := dateOf(now, s.loc())
	n, err := s.Take(ctx, today.AddDate(0, 0, -catchUp), today, func(time.Time) *catalog.Catalog { return s.Catalog() })
	if n > 0 {
		s.logger().Info("maturity snapshots taken", "days", n, "through", today.AddDate(0, 0, -1).Format(time.DateOnly))
	}
	return err
}

// dateOf is t's date in loc, as a date (00:00 UTC).
func dateOf(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// inLoc is the start of a date (00:00 UTC) in loc.
func inLoc(date time.Time, loc *time.Location) time.Time {
	y, m, d := date.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// Take snapshots the days from the date `from` up to the date `to`
// (excluded; dates at 00:00 UTC) that have none, each scored with the
// catalog catalogAt returns for the day's end. It returns how many days it
// took. The demo's history backfill calls it with the catalog of each day.
func (s *Snapshotter) Take(ctx context.Context, from, to time.Time, catalogAt func(end time.Time) *catalog.Catalog) (int, error) {
	have, err := s.Store.MaturitySnapshotDays(ctx, from, to)
	if err != nil {
		return 0, err
	}
	taken := map[time.Time]bool{}
	for _, d := range have {
		taken[d] = true
	}
	var days []time.Time
	for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
		if !taken[d] {
			days = append(days, d)
		}
	}
	if len(days) == 0 {
		return 0, nil
	}
	loc := s.loc()
	type dayIn struct {
		date, end time.Time
		cat       *catalog.Catalog
	}
	ins := make([]dayIn, len(days))
	for i, d := range days {
		end := inLoc(d.AddDate(0, 0, 1), loc)
		ins[i] = dayIn{d, end, catalogAt(end)}
	}
	// Each SLO of any day's catalog, measured over its window ending at
	// every day's end: one read of the rollup for all days.
	index := map[string]int{}
	var defs []sloDef
	for i := len(ins) - 1; i >= 0; i-- {
		ds, _ := measurable(ins[i].cat)
		for _, d := range ds {
			if _, ok := index[d.Name]; !ok {
				index[d.Name] = len(defs)
				defs = append(defs, d)
			}
		}
	}
	tallies, err := measure(ctx, s.Store, defs, func(i int) []span {
		out := make([]span, len(ins))
		for k, in := range ins {
			out[k] = span{slo.PeriodStart(defs[i].Window, in.end), in.end}
		}
		return out
	})
	if err != nil {
		return 0, err
	}
	var incs []alerting.Incident
	if s.Incidents != nil {
		if incs, err = s.Incidents.Opened(ctx, ins[0].end.Add(-incidentWindow), ins[len(ins)-1].end); err != nil {
			return 0, fmt.Errorf("read incidents: %w", err)
		}
	}
	model := s.Model
	if len(model.Criteria) == 0 {
		model = maturity.Default()
	}
	takenAt := time.Now().UTC()
	for k, in := range ins {
		input := maturity.Inputs{Catalog: in.cat, Lint: catalog.Lint(in.cat, s.LintConfig, in.end)}
		if input.Traffic, err = s.Store.Traffic(ctx, in.end.Add(-trafficWindow), in.end); err != nil {
			return k, err
		}
		ds, _ := measurable(in.cat)
		for _, d := range ds {
			t := tallies[index[d.Name]][k]
			// As the live score: an SLO without events has spent nothing.
			input.SLOs = append(input.SLOs, maturity.SLOOutcome{Integration: d.Integration.ID,
				Met: slo.BudgetConsumed(d.Objective, t.Good, t.Total) <= 1+1e-9})
		}
		var window []alerting.Incident
		for _, inc := range incs {
			if !inc.OpenedAt.Before(in.end.Add(-incidentWindow)) && inc.OpenedAt.Before(in.end) {
				window = append(window, inc)
			}
		}
		input.Incidents = IncidentOutcomes(window, in.end)
		var rows []intops.MaturitySnapshot
		evs := maturity.Gather(input)
		scopes := make([]string, 0, len(evs))
		for scope := range evs {
			scopes = append(scopes, scope)
		}
		sort.Strings(scopes)
		for _, scope := range scopes {
			ev := maturity.Evidence{}
			for m, v := range evs[scope] {
				if !math.IsNaN(v) && !math.IsInf(v, 0) {
					ev[m] = round(v)
				}
			}
			sc := model.Assess(scope, ev)
			rows = append(rows, intops.MaturitySnapshot{Day: in.date, Scope: scope, TakenAt: takenAt, Level: sc.Level,
				Dimensions: sc.Dimensions, Evidence: ev})
		}
		if err := s.Store.InsertMaturitySnapshots(ctx, rows); err != nil {
			return k, err
		}
	}
	return len(ins), nil
}

// IncidentOutcomes turns incidents into the maturity model's outcomes as
// of asOf: an acknowledgement or resolution after asOf had not happened
// yet. Alerts are in the order they joined: an anomaly first, then an SLO
// page, is an incident caught before the breach.
func IncidentOutcomes(ins []alerting.Incident, asOf time.Time) []maturity.IncidentOutcome {
	var out []maturity.IncidentOutcome
	for _, in := range ins {
		if in.OpenedAt.After(asOf) {
			continue
		}
		o := maturity.IncidentOutcome{Integration: in.Integration, Opened: in.OpenedAt}
		if !in.FirstAck.IsZero() && !in.FirstAck.After(asOf) {
			o.Acked = in.FirstAck
		}
		if !in.ResolvedAt.IsZero() && !in.ResolvedAt.After(asOf) {
			o.Resolved = in.ResolvedAt
		}
		for _, a := range in.Alerts {
			if a.Source == slo.Source && a.Severity == "page" {
				o.SLOPage = true
			}
		}
		o.AnomalyFirst = o.SLOPage && len(in.Alerts) > 0 && in.Alerts[0].Source == "anomaly"
		out = append(out, o)
	}
	return out
}
