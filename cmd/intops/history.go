package main

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/intops/intops/alerting"
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
	n, err := simulate.Replay(ctx, db, hist, todo, alerting.Config{ICoEChannel: srv.icoeChannel, BaseURL: srv.baseURL})
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
