package estate

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/internal/loop"
)

// RunAlerts turns the estate's shadow findings into alerts (source
// "finding", no integration, so they go to the ICoE channel) every
// interval: a new shadow flow fires, one no longer seen resolves.
func (s *Service) RunAlerts(ctx context.Context, store AlertStore, every time.Duration, logger *slog.Logger) {
	loop.Every(ctx, every, func(ctx context.Context) error { return s.AlertOnce(ctx, store, time.Now().UTC()) },
		func(err error) { logger.Warn("shadow findings not turned into alerts; will retry", "err", err) })
}

// AlertStore keeps the findings' alert events.
type AlertStore interface {
	LatestAlertStates(ctx context.Context, source string) (map[string]intops.AlertEvent, error)
	AppendAlertEvents(ctx context.Context, evs []intops.AlertEvent) error
}

// AlertOnce records the shadow findings' alert changes as of now.
func (s *Service) AlertOnce(ctx context.Context, db AlertStore, now time.Time) error {
	fs, err := s.Findings(ctx)
	if err != nil {
		return err
	}
	states, err := db.LatestAlertStates(ctx, "finding")
	if err != nil {
		return err
	}
	var evs []intops.AlertEvent
	seen := map[string]bool{}
	for _, f := range Filter(fs, KindShadow) {
		key := "finding/" + f.ID
		seen[key] = true
		if states[key].State == "firing" {
			continue
		}
		evs = append(evs, intops.AlertEvent{At: now, Key: key, Source: "finding", Severity: intops.SeverityWarning, State: intops.AlertFiring,
			Summary: "Shadow integration: " + f.Summary, Evidence: "{}"})
	}
	for key, st := range states {
		if st.State == "firing" && !seen[key] {
			evs = append(evs, intops.AlertEvent{At: now, Key: key, Source: "finding", State: intops.AlertResolved,
				Summary: "no longer seen: " + strings.TrimPrefix(st.Summary, "Shadow integration: "), Evidence: "{}"})
		}
	}
	return db.AppendAlertEvents(ctx, evs)
}
