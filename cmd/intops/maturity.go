package main

import (
	"context"
	"time"

	"github.com/intops/intops/alerting"
	"github.com/intops/intops/analyzer/maturity"
	"github.com/intops/intops/analyzer/slo"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/clickhouse"
)

// newMaturity scores the running platform from its parts.
func newMaturity(db *clickhouse.DB, cat func() *catalog.Catalog, lint catalog.LintConfig, slos *slo.Evaluator, alerts *alerting.Manager, model maturity.Model) *maturity.Service {
	return &maturity.Service{
		Catalog: cat, LintConfig: lint, Traffic: db.Traffic, Model: model,
		SLOs: func() []maturity.SLOOutcome {
			var out []maturity.SLOOutcome
			for _, st := range slos.Results() {
				out = append(out, maturity.SLOOutcome{Integration: st.SLO.Integration, Met: st.Result.BudgetRemaining >= 0})
			}
			return out
		},
		Incidents: func(ctx context.Context, since time.Time) ([]maturity.IncidentOutcome, error) {
			open, recent, err := alerts.Incidents(ctx, since)
			if err != nil {
				return nil, err
			}
			var out []maturity.IncidentOutcome
			for _, st := range append(open, recent...) {
				if st.OpenedAt.Before(since) {
					continue
				}
				o := maturity.IncidentOutcome{Integration: st.Integration, Opened: st.OpenedAt, Acked: st.FirstAck, Resolved: st.ResolvedAt}
				// Alerts are in the order they joined: an anomaly first, then
				// an SLO page, is an incident caught before the breach.
				for _, a := range st.Alerts {
					if a.Source == "slo" && a.Severity == "page" {
						o.SLOPage = true
					}
				}
				o.AnomalyFirst = o.SLOPage && len(st.Alerts) > 0 && st.Alerts[0].Source == "anomaly"
				out = append(out, o)
			}
			return out, nil
		},
	}
}
