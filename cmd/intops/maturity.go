package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/intops/intops/alerting"
	"github.com/intops/intops/analyzer/maturity"
	"github.com/intops/intops/analyzer/slo"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/clickhouse"
	"github.com/intops/intops/report"
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
			ins, err := alerts.Opened(ctx, since, time.Time{})
			if err != nil {
				return nil, err
			}
			return report.IncidentOutcomes(ins, time.Now()), nil
		},
	}
}

// loadMaturityModel reads --maturity-thresholds (the built-in model when
// empty), checked like the built-in one.
func loadMaturityModel(path string) (maturity.Model, error) {
	if path == "" {
		return maturity.Default(), nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return maturity.Model{}, usageError{fmt.Errorf("--maturity-thresholds: %w", err)}
	}
	m, err := maturity.Parse(path, data)
	if err != nil {
		return maturity.Model{}, usageError{fmt.Errorf("--maturity-thresholds: %w", err)}
	}
	return m, nil
}
