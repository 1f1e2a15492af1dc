package ui_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/intops/intops/analyzer/maturity"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/report"
	"github.com/intops/intops/ui"
)

// fixedReports serves hand-made reports of October 2026 and refuses what
// a report.Service refuses.
type fixedReports struct{}

func (fixedReports) Parse(s string) (report.Period, error) {
	if s == "" {
		return fixedReports{}.Default(), nil
	}
	return report.ParsePeriod(s, time.UTC)
}

func (fixedReports) Default() report.Period {
	p, _ := report.ParsePeriod("2026-10", time.UTC)
	return p
}

func share(x float64) *float64 { return &x }

func (fixedReports) SLOReport(_ context.Context, p report.Period) (*report.SLOReport, error) {
	if !p.Start().Before(webNow) {
		return nil, fmt.Errorf("%w: %s", report.ErrNotStarted, p)
	}
	if p.String() == "2026-01" {
		return nil, errors.New("clickhouse: connection refused")
	}
	var trend []report.Figures
	for i, q := range p.Back(3) {
		trend = append(trend, report.Figures{Period: q.String(), SLOs: 79, Met: 78 - i%2, Missed: 1 + i%2, MetShare: share(float64(78-i%2) / 79),
			Incidents: 4 - i, MTTRMinutes: share(float64(60 - 5*i)), MTTAMinutes: share(12), WorstBudget: share(1.2 + 0.1*float64(i))})
	}
	e := trend[3]
	return &report.SLOReport{Kind: "slo", Period: p, GeneratedAt: webNow, Estate: e, Trend: trend,
		Teams: []report.Group{{Key: "order-platform", Title: "Order Platform", Figures: e, Trend: trend}},
		Tiers: []report.Group{{Key: "tier-1", Title: "Tier 1", Figures: e, Trend: trend}},
		SLOs: []report.SLORow{{Name: "shop-to-erp-orders-availability", Title: "Orders reach the ERP", Integration: "shop-to-erp-orders",
			Team: "order-platform", Tier: 1, SLI: "success_ratio", Objective: 0.999, Events: 1e6, Attainment: share(0.9985),
			BudgetConsumed: share(1.5), Status: "missed", Trend: []*float64{share(0.9999), nil, share(0.9995)}}},
		Worst: []report.IntegrationRow{{Integration: "shop-to-erp-orders", Title: "Webshop orders to ERP", Team: "order-platform",
			Tier: 1, SLOs: 2, Missed: 1, WorstSLO: "shop-to-erp-orders-availability", BudgetConsumed: 1.5, Incidents: 1, IncidentMinutes: 42}},
		Incidents: []report.IncidentRow{}}, nil
}

func (fixedReports) MaturityReport(_ context.Context, p report.Period) (*report.MaturityReport, error) {
	if p.String() != "2026-10" {
		return nil, errors.Join(report.ErrNoSnapshots, errors.New("none in "+p.String()))
	}
	m := maturity.Default()
	prev := 1
	est := report.ScopeScore{Score: m.Assess("estate", maturity.Evidence{"owner_share": 0.99, "emitting_share": 0.98, "mttr_hours": 0.7, "lint_errors_per_100": 6.7}),
		Title: "Estate", Previous: &prev}
	r := &report.MaturityReport{Kind: "maturity", Period: p, GeneratedAt: webNow, AsOf: "2026-10-31", Criteria: m.Criteria,
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

type fixedPrinter struct{}

func (fixedPrinter) PDF(_ context.Context, html []byte) ([]byte, error) {
	return append([]byte("%PDF-1.7\n"), html[:20]...), nil
}

func reportServer(t testing.TB) *ui.Server {
	cat, err := catalog.Load("../examples/estate")
	if err != nil {
		t.Fatal(err)
	}
	return ui.New(ui.Options{Store: estateStore{}, Catalog: catalog.Fixed(cat), Reports: fixedReports{}, Printer: fixedPrinter{},
		Now: func() time.Time { return webNow }})
}

func TestReportAPIs(t *testing.T) {
	srv := reportServer(t)
	for _, c := range []struct {
		path string
		code int
		want string
	}{
		{"/api/v1/reports/slo", 200, `"id": "2026-10"`},
		{"/api/v1/reports/slo?period=2026-Q3", 200, `"id": "2026-Q3"`},
		{"/api/v1/reports/slo?period=2026-13", 400, `period \"2026-13\": month 13: want 01 to 12`},
		{"/api/v1/reports/slo?period=October", 400, `want a month YYYY-MM (2026-10) or a quarter YYYY-Qn (2026-Q3)`},
		{"/api/v1/reports/slo?period=2027-01", 400, "period has not started: 2027-01"},
		{"/api/v1/reports/slo?period=2026-01", 503, "the report is unavailable (ClickHouse)"},
		{"/api/v1/reports/maturity?period=2026-10", 200, `"as_of": "2026-10-31"`},
		{"/api/v1/reports/maturity?period=2026-06", 404, "no maturity snapshot"},
		{"/api/v1/reports/maturity", 404, "maturity scoring is not running"},
		{"/reports/slo/2026-10.csv?table=teams", 200, "period,team,title,slos,met,missed"},
		{"/reports/slo/2026-10.csv", 200, "shop-to-erp-orders-availability"},
		{"/reports/slo/2026-10.csv?table=nope", 400, `table \"nope\": want one of slos, teams, tiers, incidents, trend`},
		{"/reports/maturity/2026-10.csv", 200, "period,as_of,scope,title,level"},
		{"/reports/slo/2026-10.html", 200, "<style>"},
		{"/reports/slo/2026-10.pdf", 200, "%PDF-"},
		{"/reports/slo/2026-10.docx", 404, "format docx: want html, csv or pdf"},
		{"/reports/budget/2026-10.html", 404, "want /reports/slo/PERIOD.html"},
		{"/reports/slo/2026-99.pdf", 400, `month 99`},
		{"/reports", 200, `data-testid="slo-report"`},
		{"/reports?kind=maturity&period=2026-10", 200, `data-testid="maturity-report"`},
		{"/reports?kind=maturity&period=2026-06", 404, "no maturity snapshot"},
		{"/reports?period=2026-13", 400, "month 13: want 01 to 12"},
		{"/reports?kind=budget", 400, "kind budget: want slo or maturity"},
	} {
		resp, body := get(t, srv, c.path)
		if resp.StatusCode != c.code || !strings.Contains(body, c.want) {
			t.Errorf("%s: %d, want %d with %q; got %.300s", c.path, resp.StatusCode, c.code, c.want, body)
		}
	}
	resp, body := get(t, srv, "/reports/slo/2026-10.csv?table=teams")
	if ct := resp.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" || !strings.Contains(resp.Header.Get("Content-Disposition"), `filename="intops-slo-2026-10-teams.csv"`) {
		t.Errorf("CSV headers: %v", resp.Header)
	}
	if recs, err := csv.NewReader(strings.NewReader(body)).ReadAll(); err != nil || len(recs) != 2 || recs[1][1] != "order-platform" {
		t.Errorf("teams CSV: %v %v", recs, err)
	}
	resp, _ = get(t, srv, "/reports/slo/2026-10.pdf")
	if resp.Header.Get("Content-Type") != "application/pdf" {
		t.Errorf("PDF content type %q", resp.Header.Get("Content-Type"))
	}
	_, body = get(t, srv, "/api/v1/reports/slo")
	var doc struct {
		Estate struct {
			Met      int      `json:"met"`
			MetShare *float64 `json:"met_share"`
		} `json:"estate"`
		Trend []json.RawMessage `json:"trend"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil || doc.Estate.Met != 77 || len(doc.Trend) != 4 {
		t.Errorf("SLO report JSON: %+v (%v)", doc, err)
	}
	_, page := get(t, srv, "/reports?period=2026-10")
	for _, want := range []string{`href="/reports/report.css"`, `href="/reports/slo/2026-10.pdf"`, `href="/reports/slo/2026-10.csv?table=incidents"`,
		`<option value="2026-10" selected`, `<option value="2026-Q4"`, `aria-current="page">Reports</a>`} {
		if !strings.Contains(page, want) {
			t.Errorf("/reports lacks %s", want)
		}
	}
}

func TestReportsWithoutASource(t *testing.T) {
	srv := ui.New(ui.Options{Store: estateStore{}, Catalog: catalog.Fixed(&catalog.Catalog{})})
	for _, path := range []string{"/api/v1/reports/slo", "/reports", "/reports/slo/2026-10.pdf"} {
		if resp, body := get(t, srv, path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d %s", path, resp.StatusCode, body)
		}
	}
}
