package report

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/intops/intops/catalog"
	"github.com/intops/intops/clickhouse/chtest"
)

func TestMain(m *testing.M) { chtest.Main(m) }

func near(t *testing.T, what string, got *float64, want float64) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: null, want %.6f", what, want)
		return
	}
	if math.Abs(*got-want) > 1e-6 {
		t.Errorf("%s: %.8f, want %.8f", what, *got, want)
	}
}

// TestSLOReportOnAHandBuiltHistory checks every figure of October 2026 in
// Berlin (745 hours: the clocks go back on the 25th) against the history
// of testdata_test.go, worked out by hand.
func TestSLOReportOnAHandBuiltHistory(t *testing.T) {
	db := chtest.Shared(t).Open(t)
	storeTestHistory(t, db)
	cat := loadTestCatalog(t)
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	s := &Service{Store: db, Catalog: func() *catalog.Catalog { return cat }, Incidents: testIncidents(), Location: berlin,
		Now: func() time.Time { return time.Date(2026, 11, 15, 9, 0, 0, 0, time.UTC) }}
	p, err := s.Parse("2026-10")
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.SLOReport(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]SLORow{}
	for _, row := range r.SLOs {
		rows[row.Name] = row
	}
	const hours = 745
	// a: 500 of 745,000 failed; the budget is 0.1% of them.
	a := rows["a-availability"]
	near(t, "a attainment", a.Attainment, 1-500.0/(hours*1000))
	near(t, "a budget", a.BudgetConsumed, 500.0/(hours*1000)/0.001)
	if a.Status != "met" || a.Events != hours*1000 || a.Team != "x" || a.Tier != 1 || a.IntegrationTitle != "Flow A" {
		t.Errorf("a: %+v", a)
	}
	// In September (720 hours) 1,000 failed: 139% of the budget.
	if len(a.Trend) != 3 {
		t.Fatalf("a's trend: %v, want 3 periods", a.Trend)
	}
	near(t, "a in September", a.Trend[2], 1-1000.0/720000)
	// b: half of one hour's 100 executions were slow.
	near(t, "b attainment", rows["b-latency"].Attainment, 1-50.0/(hours*100))
	near(t, "b budget", rows["b-latency"].BudgetConsumed, 50.0/(hours*100)/0.01)
	// c: no run from 10:00 to 15:00; the last ran in the hour to 09:59,
	// so the minutes from 12:00 to 14:59 were more than 2 h stale.
	near(t, "c attainment", rows["c-freshness"].Attainment, 1-180.0/(hours*60))
	near(t, "c budget", rows["c-freshness"].BudgetConsumed, 180.0/(hours*60)/0.01)
	if d := rows["d-availability"]; d.Status != "no_data" || d.Attainment != nil || d.BudgetConsumed != nil {
		t.Errorf("d: %+v, want no data", d)
	}
	e := r.Estate
	if e.SLOs != 4 || e.Met != 3 || e.Missed != 0 || e.NoData != 1 || e.Incidents != 2 || e.Pages != 1 || e.Open != 0 || e.Partial || e.PartialData {
		t.Errorf("estate: %+v", e)
	}
	near(t, "met share", e.MetShare, 1)
	near(t, "worst budget", e.WorstBudget, 500.0/(hours*1000)/0.001)
	near(t, "MTTA", e.MTTAMinutes, (12+5)/2.0)
	near(t, "MTTR", e.MTTRMinutes, (60+30)/2.0)
	if e.IncidentMinutes != 90 {
		t.Errorf("incident minutes %v, want 90", e.IncidentMinutes)
	}
	// The trend: July (history from the 5th), August, September, October.
	if len(r.Trend) != 4 || r.Trend[0].Period != "2026-07" || !r.Trend[0].PartialData || r.Trend[1].PartialData {
		t.Fatalf("trend: %+v", r.Trend)
	}
	if sep := r.Trend[2]; sep.Missed != 1 || sep.Met != 2 || sep.Incidents != 1 {
		t.Errorf("September: %+v", sep)
	} else {
		near(t, "September met share", sep.MetShare, 2.0/3)
		near(t, "September MTTR", sep.MTTRMinutes, 180)
	}
	// Teams and tiers.
	teams := map[string]Group{}
	for _, g := range r.Teams {
		teams[g.Key] = g
	}
	x, y := teams["x"], teams["y"]
	if x.Title != "Team X" || x.SLOs != 2 || x.Met != 2 || x.Incidents != 1 || y.SLOs != 2 || y.NoData != 1 || y.Incidents != 1 || len(teams) != 2 {
		t.Errorf("teams: %+v", r.Teams)
	}
	near(t, "x MTTR", x.MTTRMinutes, 60)
	near(t, "y MTTA", y.MTTAMinutes, 5)
	if len(x.Trend) != 4 || x.Trend[2].Missed != 1 {
		t.Errorf("x's trend: %+v", x.Trend)
	}
	tiers := map[string]Group{}
	for _, g := range r.Tiers {
		tiers[g.Key] = g
	}
	if tiers["tier-1"].SLOs != 1 || tiers["tier-2"].SLOs != 2 || tiers["tier-3"].NoData != 1 || tiers["tier-2"].Incidents != 1 || tiers["tier-1"].Title != "Tier 1" {
		t.Errorf("tiers: %+v", r.Tiers)
	}
	// The worst: a (most budget), then c, then b; d did nothing.
	if len(r.Worst) != 3 || r.Worst[0].Integration != "a" || r.Worst[1].Integration != "c" || r.Worst[2].Integration != "b" ||
		r.Worst[0].Incidents != 1 || r.Worst[0].IncidentMinutes != 60 || r.Worst[0].WorstSLO != "a-availability" {
		t.Errorf("worst: %+v", r.Worst)
	}
	// The incidents of October, the shadow-flow finding left out.
	if len(r.Incidents) != 2 || r.Incidents[0].ID != "inc-a-1" || r.Incidents[0].Minutes != 60 || r.Incidents[0].Title != "Flow A" {
		t.Errorf("incidents: %+v", r.Incidents)
	}
	if r.DataFrom == nil || !r.DataFrom.Equal(historyFrom) {
		t.Errorf("data from %v, want %v", r.DataFrom, historyFrom)
	}
}

func TestSLOReportRefusesAPeriodThatHasNotStarted(t *testing.T) {
	s := &Service{Catalog: func() *catalog.Catalog { return loadTestCatalog(t) },
		Now: func() time.Time { return time.Date(2026, 11, 15, 9, 0, 0, 0, time.UTC) }}
	p, _ := s.Parse("2026-12")
	if _, err := s.SLOReport(context.Background(), p); err == nil || err.Error() != "period has not started: 2026-12 begins 2026-12-01T00:00:00Z" {
		t.Errorf("got %v", err)
	}
	if d := s.Default(); d.String() != "2026-10" {
		t.Errorf("default period %s, want the last complete month", d)
	}
}
