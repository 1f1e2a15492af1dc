package uitest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/intops/intops/analyzer/maturity"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/report"
	"github.com/intops/intops/ui"
)

// FixedReports serves hand-made reports of October 2026 and refuses what
// a report.Service refuses.
type FixedReports struct{}

// Parse reads a period in UTC; "" is the default.
func (FixedReports) Parse(s string) (report.Period, error) {
	if s == "" {
		return FixedReports{}.Default(), nil
	}
	return report.ParsePeriod(s, time.UTC)
}

// Default is October 2026.
func (FixedReports) Default() report.Period {
	p, _ := report.ParsePeriod("2026-10", time.UTC)
	return p
}

// Share returns a pointer to x.
func Share(x float64) *float64 { return &x }

// SLOReport returns a hand-made SLO report of October 2026.
func (FixedReports) SLOReport(_ context.Context, p report.Period) (*report.SLOReport, error) {
	if !p.Start().Before(Now) {
		return nil, fmt.Errorf("%w: %s", report.ErrNotStarted, p)
	}
	if p.String() == "2026-01" {
		return nil, errors.New("clickhouse: connection refused")
	}
	var trend []report.Figures
	for i, q := range p.Back(3) {
		trend = append(trend, report.Figures{Period: q.String(), SLOs: 79, Met: 78 - i%2, Missed: 1 + i%2, MetShare: Share(float64(78-i%2) / 79),
			Incidents: 4 - i, MTTRMinutes: Share(float64(60 - 5*i)), MTTAMinutes: Share(12), WorstBudget: Share(1.2 + 0.1*float64(i))})
	}
	e := trend[3]
	return &report.SLOReport{Kind: "slo", Period: p, GeneratedAt: Now, Estate: e, Trend: trend,
		Teams: []report.Group{{Key: "order-platform", Title: "Order Platform", Figures: e, Trend: trend}},
		Tiers: []report.Group{{Key: "tier-1", Title: "Tier 1", Figures: e, Trend: trend}},
		SLOs: []report.SLORow{{Name: "shop-to-erp-orders-availability", Title: "Orders reach the ERP", Integration: "shop-to-erp-orders",
			Team: "order-platform", Tier: 1, SLI: "success_ratio", Objective: 0.999, Events: 1e6, Attainment: Share(0.9985),
			BudgetConsumed: Share(1.5), Status: "missed", Trend: []*float64{Share(0.9999), nil, Share(0.9995)}}},
		Worst: []report.IntegrationRow{{Integration: "shop-to-erp-orders", Title: "Webshop orders to ERP", Team: "order-platform",
			Tier: 1, SLOs: 2, Missed: 1, WorstSLO: "shop-to-erp-orders-availability", BudgetConsumed: 1.5, Incidents: 1, IncidentMinutes: 42}},
		Incidents: []report.IncidentRow{}}, nil
}

// MaturityReport returns a hand-made maturity report of October 2026.
func (FixedReports) MaturityReport(_ context.Context, p report.Period) (*report.MaturityReport, error) {
	if p.String() != "2026-10" {
		return nil, errors.Join(report.ErrNoSnapshots, errors.New("none in "+p.String()))
	}
	m := maturity.Default()
	prev := 1
	est := report.ScopeScore{Score: m.Assess("estate", maturity.Evidence{"owner_share": 0.99, "emitting_share": 0.98, "mttr_hours": 0.7, "lint_errors_per_100": 6.7}),
		Title: "Estate", Previous: &prev}
	r := &report.MaturityReport{Kind: "maturity", Period: p, GeneratedAt: Now, AsOf: "2026-10-31", Criteria: m.Criteria,
		Scopes: []report.ScopeScore{est}, TrendMeasures: report.TrendMeasures}
	for _, q := range p.Back(3) {
		r.Periods = append(r.Periods, report.PeriodLevels{Period: q.String(), AsOf: q.End().AddDate(0, 0, -1).Format(time.DateOnly), Levels: map[string]int{"estate": 2}})
	}
	for d := 0; d < 30; d++ {
		r.Days = append(r.Days, report.DayPoint{Day: time.Date(2026, 10, 2+d, 0, 0, 0, 0, time.UTC).Format(time.DateOnly),
			Levels: map[string]int{"estate": 1 + d/15}, Measures: map[string]float64{"owner_share": 0.9 + float64(d)/300}})
	}
	return r, nil
}

// FixedPrinter "prints" a PDF without Chromium.
type FixedPrinter struct{}

// PDF returns a PDF header and the start of the HTML.
func (FixedPrinter) PDF(_ context.Context, html []byte) ([]byte, error) {
	return append([]byte("%PDF-1.7\n"), html[:20]...), nil
}

// ReportServer serves the example estate with the fixed reports and
// printer.
func ReportServer(t testing.TB) *ui.Server {
	cat, err := catalog.Load(Examples)
	if err != nil {
		t.Fatal(err)
	}
	return ui.New(ui.Options{Store: EstateStore{}, Catalog: catalog.Fixed(cat), Reports: FixedReports{}, Printer: FixedPrinter{},
		Now: func() time.Time { return Now }})
}
