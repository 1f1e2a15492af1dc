package main

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/alerting"
	"github.com/intops/intops/analyzer/slo"
	"github.com/intops/intops/analyzer/watchdog"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/clickhouse"
	"github.com/intops/intops/report"
	"github.com/intops/intops/simulate"
)

// demoHistory writes what the demo estate did before the demo started,
// so that reports have months to show: --history-days of hourly rollups
// (with minutes around each past incident) and --backfill-days of
// minutes; then it replays the incidents of what it wrote through the SLO
// evaluator and the alerting manager, and takes a maturity snapshot of
// every day with a week of traffic before it, each with the catalog of
// that day. A restarted demo writes only what is missing.
func demoHistory(ctx context.Context, logger *slog.Logger, db *clickhouse.DB, sim simulateFlags, srv serverFlags,
	gen *simulate.Generator, hist simulate.History, past []simulate.PastIncident, now time.Time) error {
	written := now
	minuteFrom := now.AddDate(0, 0, -sim.backfillDays).Truncate(time.Hour)
	hoursTo := minuteFrom
	earliest, err := db.EarliestHour(ctx)
	if err != nil {
		return err
	}
	if !earliest.IsZero() && earliest.Before(hoursTo) {
		hoursTo = earliest
	}
	if hist.From.Before(hoursTo) {
		start := time.Now()
		n, err := simulate.BackfillHours(ctx, gen, db, hist.From, hoursTo, func(id string, h time.Time) bool {
			for _, p := range past {
				if p.Integration == id && !h.Before(p.From.Add(-3*time.Hour).Truncate(time.Hour)) && h.Before(p.To.Add(9*time.Hour)) {
					return true
				}
			}
			return false
		})
		if err != nil {
			return fmt.Errorf("hourly history: %w", err)
		}
		written = hist.From
		logger.Info("hourly history backfilled", "from", hist.From.Format(time.RFC3339), "to", hoursTo.Format(time.RFC3339),
			"executions", n, "took", time.Since(start).Round(time.Millisecond))
	}
	from, err := backfill(ctx, logger, db, sim, gen, now)
	if err != nil {
		return err
	}
	written = minTime(written, from)
	// The incidents of what was just written, the past ones and the
	// demo's that are over.
	var todo []simulate.PastIncident
	for _, p := range gen.Profiles {
		for _, in := range p.Incidents {
			if p.Integration.ID != "" && !in.From.Before(written) && in.To.Before(now) {
				todo = append(todo, simulate.PastIncident{Integration: p.Integration.ID, Incident: in})
			}
		}
	}
	// The ingest outages too: the watchdog sees them.
	for _, g := range gen.Gaps {
		if !g.From.Before(written) && g.To.Before(now) {
			todo = append(todo, simulate.PastIncident{Integration: alerting.IngestSubject, Incident: simulate.Incident{Name: g.Name, From: g.From, To: g.To}})
		}
	}
	// In order: the manager reads alert events after the last it saw.
	slices.SortFunc(todo, func(a, b simulate.PastIncident) int { return a.From.Compare(b.From) })
	start := time.Now()
	n, err := replay(ctx, db, hist, todo, alerting.Config{ICoEChannel: srv.icoeChannel, BaseURL: srv.baseURL})
	if err != nil {
		return fmt.Errorf("replay past incidents: %w", err)
	}
	if len(todo) > 0 {
		logger.Info("past incidents replayed", "incidents", n, "of", len(todo), "took", time.Since(start).Round(time.Millisecond))
	}
	loc, err := time.LoadLocation(srv.timezone)
	if err != nil {
		return usageError{fmt.Errorf("--timezone %q: %v", srv.timezone, err)}
	}
	model, err := loadMaturityModel(srv.maturityThresholds)
	if err != nil {
		return err
	}
	lintCfg, err := catalog.LoadLintConfig(srv.catalog)
	if err != nil {
		return err
	}
	current := func() *catalog.Catalog { return hist.Catalog }
	snaps := &report.Snapshotter{Store: db, Catalog: current, LintConfig: lintCfg, Model: model, Location: loc,
		Incidents: &alerting.Manager{Store: db, Catalog: current}}
	first := time.Date(hist.From.Year(), hist.From.Month(), hist.From.Day()+8, 0, 0, 0, 0, time.UTC)
	y, m, d := now.In(loc).Date()
	start = time.Now()
	days, err := snaps.Take(ctx, first, time.Date(y, m, d, 0, 0, 0, 0, time.UTC), hist.CatalogAt)
	if err != nil {
		return fmt.Errorf("maturity snapshots: %w", err)
	}
	if days > 0 {
		logger.Info("maturity snapshots of the history taken", "days", days, "took", time.Since(start).Round(time.Millisecond))
	}
	return nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// replay runs the SLO evaluator and the alerting manager as the server
// runs them over the time around the incidents, on one clock that steps
// through them in order: a minute at a time from just before an incident
// until its on-call engineer has acknowledged it, then five minutes at a
// time until it is resolved, and straight on to the next incident in
// between. The evaluator of an incident measures its integration's SLOs of
// the catalog of the time (an SLO not yet defined pages no one). The
// owning team's engineer acknowledges an incident after the history's
// AckDelay and resolves it ResolveDelay after its cause ended. Alerts
// still firing then (the long ticket windows) are evaluated once more at
// now, when they have stopped. It returns how many incidents opened.
func replay(ctx context.Context, db *clickhouse.DB, hist simulate.History, incs []simulate.PastIncident, cfg alerting.Config) (int, error) {
	if len(incs) == 0 {
		return 0, nil
	}
	end := hist.To
	var now time.Time
	clock := func() time.Time { return now }
	m := &alerting.Manager{Store: db, Catalog: func() *catalog.Catalog { return hist.CatalogAt(now) }, Now: clock, Config: cfg}
	blind := &watchdog.Watchdog{Store: db, Now: clock}
	type run = pastRun
	var active, done []run
	next, opened := 0, 0
	seen := map[string]bool{}
	now = incs[0].From.Add(-2 * time.Minute)
	for now.Before(end.Add(-time.Minute)) && (next < len(incs) || len(active) > 0) {
		for next < len(incs) && !incs[next].From.Add(-2*time.Minute).After(now) {
			inc := incs[next]
			next++
			cat := hist.CatalogAt(inc.From)
			var slos []*intops.SLO
			for _, s := range cat.SLOs {
				if s.Integration == inc.Integration {
					slos = append(slos, s)
				}
			}
			switch {
			case inc.Integration == alerting.IngestSubject:
				active = append(active, run{PastIncident: inc})
			case len(slos) > 0:
				view := cat.With(cat.Integrations, slos)
				active = append(active, run{inc, &slo.Evaluator{Store: db, Catalog: func() *catalog.Catalog { return view }, Now: clock}})
			}
		}
		for _, r := range active {
			if err := r.evaluate(ctx); err != nil {
				return opened, err
			}
		}
		if err := blind.Check(ctx); err != nil {
			return opened, err
		}
		if err := m.Tick(ctx); err != nil {
			return opened, err
		}
		ins, err := m.Opened(ctx, now.Add(-48*time.Hour), time.Time{})
		if err != nil {
			return opened, err
		}
		fine := false
		var still []run
		acted := map[string]bool{} // incidents of several integrations are acted on once
		for _, r := range active {
			var open *alerting.Incident
			for i := range ins {
				if slices.Contains(ins[i].Members, r.Integration) && !ins[i].OpenedAt.Before(r.From.Add(-time.Hour)) {
					if !seen[ins[i].ID] {
						seen[ins[i].ID] = true
						opened++
					}
					if ins[i].Open() {
						open = &ins[i]
					}
				}
			}
			cat := hist.CatalogAt(now)
			switch {
			case open != nil && acted[open.ID]:
				fine = fine || open.State == alerting.StateOpen
			case open != nil && open.State == alerting.StateOpen:
				acted[open.ID] = true
				fine = true
				if !now.Before(open.OpenedAt.Add(hist.AckDelay(open.Team, open.OpenedAt))) {
					if err := m.Acknowledge(ctx, open.ID, onCall(cat, open.Team)); err != nil {
						return opened, err
					}
				}
			case open != nil:
				acted[open.ID] = true
				if !now.Before(r.To.Add(hist.ResolveDelay(open.Team, r.From))) {
					if err := m.Resolve(ctx, open.ID, onCall(cat, open.Team)); err != nil {
						return opened, err
					}
				}
			case !now.After(r.To):
				fine = true // not yet acknowledged, or not yet alerting
			}
			if open == nil && now.After(r.To.Add(15*time.Minute)) || now.After(r.To.Add(6*time.Hour)) {
				done = append(done, r)
				continue
			}
			still = append(still, r)
		}
		active = still
		step := 5 * time.Minute
		if fine {
			step = time.Minute
		}
		now = now.Add(step)
		if len(active) == 0 && next < len(incs) {
			now = incs[next].From.Add(-2 * time.Minute)
		}
	}
	// Alerts still firing stop by the end of the history: a minute
	// before it, as the live evaluators' first events may be at its
	// minute, and the manager reads the events after the last it saw.
	now = end.Add(-time.Minute)
	for _, r := range append(done, active...) {
		if err := r.evaluate(ctx); err != nil {
			return opened, err
		}
	}
	return opened, m.Tick(ctx)
}

// pastRun is a past incident being replayed, with the evaluator of its
// integration's SLOs (none for an ingest outage: the watchdog sees it).
type pastRun struct {
	simulate.PastIncident
	ev *slo.Evaluator
}

func (r pastRun) evaluate(ctx context.Context) error {
	if r.ev == nil {
		return nil
	}
	return r.ev.EvaluateOnce(ctx)
}

// onCall names who acknowledges a team's incidents in the history.
func onCall(cat *catalog.Catalog, team string) string {
	if t := cat.Teams[team]; t != nil && t.OnCall != "" {
		return t.OnCall
	}
	return team + " on-call"
}
