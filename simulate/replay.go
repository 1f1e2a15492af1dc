package simulate

import (
	"context"
	"slices"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/alerting"
	"github.com/intops/intops/analyzer/slo"
	"github.com/intops/intops/analyzer/watchdog"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/clickhouse"
)

// Replay runs the SLO evaluator and the alerting manager as the server
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
func Replay(ctx context.Context, db *clickhouse.DB, hist History, incs []PastIncident, cfg alerting.Config) (int, error) {
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
	PastIncident
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
