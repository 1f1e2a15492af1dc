package report

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/intops/intops/alerting"
	"github.com/intops/intops/analyzer/maturity"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/clickhouse/chtest"
)

// TestSnapshotsAndTheMaturityReport takes the daily snapshots of August to
// October 2026 (Berlin) from the hand-built history, checks the evidence
// of two days by hand, then the report built from them.
func TestSnapshotsAndTheMaturityReport(t *testing.T) {
	db := chtest.Shared(t).Open(t)
	storeTestHistory(t, db)
	cat := loadTestCatalog(t)
	current := func() *catalog.Catalog { return cat }
	berlin, _ := time.LoadLocation("Europe/Berlin")
	ctx := context.Background()
	sn := &Snapshotter{Store: db, Catalog: current, Incidents: testIncidents(), Location: berlin}
	aug1, nov1 := time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	n, err := sn.Take(ctx, aug1, nov1, func(time.Time) *catalog.Catalog { return cat })
	if err != nil || n != 92 {
		t.Fatalf("took %d days (%v), want 92", n, err)
	}
	if n, err := sn.Take(ctx, aug1, nov1, func(time.Time) *catalog.Catalog { return cat }); err != nil || n != 0 {
		t.Fatalf("taking them again took %d days (%v), want none", n, err)
	}
	snaps, err := db.MaturitySnapshots(ctx, time.Date(2026, 9, 20, 0, 0, 0, 0, time.UTC), time.Date(2026, 9, 21, 0, 0, 0, 0, time.UTC))
	if err != nil || len(snaps) != 3 { // estate, x, y
		t.Fatalf("2026-09-20: %+v (%v)", snaps, err)
	}
	// On 2026-09-20 a's 28-day window holds the 1,000 failures of 09-15:
	// 1,000 of 672,000 is more than its 0.1% budget. The incident of
	// 09-15 took 3 hours to resolve, 30 minutes to acknowledge.
	est := snaps[0].Evidence
	for m, want := range map[string]float64{"slo_attainment": 0.75, "mttr_hours": 3, "mtta_minutes": 30, "owner_share": 1,
		"emitting_share": 0.75, "slo_coverage_tier12": 1} {
		if math.Abs(est[m]-want) > 1e-9 {
			t.Errorf("2026-09-20 %s: %v, want %v", m, est[m], want)
		}
	}
	s := &Service{Store: db, Catalog: current, Location: berlin, Now: func() time.Time { return time.Date(2026, 11, 15, 9, 0, 0, 0, time.UTC) }}
	p, _ := s.Parse("2026-10")
	r, err := s.MaturityReport(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if r.AsOf != "2026-10-31" || r.Partial || len(r.Scopes) != 3 || r.Scopes[0].Scope != "estate" || r.Scopes[1].Title != "Team X" {
		t.Fatalf("report: as of %s, scopes %+v", r.AsOf, r.Scopes)
	}
	// On 10-31: every SLO within budget; the two October incidents took
	// 60 and 30 minutes to resolve, 12 and 5 to acknowledge.
	estate := r.Scopes[0]
	for m, want := range map[string]float64{"slo_attainment": 1, "mttr_hours": 0.75, "mtta_minutes": 8.5, "emitting_share": 0.75} {
		if got := value(estate.Score, m); math.Abs(got-want) > 1e-9 {
			t.Errorf("2026-10-31 %s: %v, want %v", m, got, want)
		}
	}
	if estate.Previous == nil || len(r.Periods) != 4 || r.Periods[0].AsOf != "" || r.Periods[2].AsOf != "2026-09-30" ||
		*estate.Previous != r.Periods[2].Levels["estate"] || estate.Level != r.Periods[3].Levels["estate"] {
		t.Errorf("periods: %+v, previous %v", r.Periods, estate.Previous)
	}
	if len(r.Days) != 92 || r.Days[0].Day != "2026-08-01" || r.Days[91].Day != "2026-10-31" || r.Days[91].Measures["mttr_hours"] != 0.75 {
		t.Errorf("days: %d, first %+v", len(r.Days), r.Days[0])
	}
	// Scored against the model in force: stricter thresholds lower the
	// level of the same evidence.
	strict, err := maturity.Parse("strict.yaml", []byte(`criteria: [{level: 2, dimension: observability, measure: emitting_share, op: ">=", threshold: 0.9}]`))
	if err != nil {
		t.Fatal(err)
	}
	s.Model = strict
	if r, err := s.MaturityReport(ctx, p); err != nil || r.Scopes[0].Level != 1 || len(r.Criteria) != 1 {
		t.Errorf("with emitting_share >= 0.9 at level 2: %+v (%v), want level 1", r.Scopes[0].Score, err)
	}
	// A period without snapshots says where they are.
	june, _ := s.Parse("2026-06")
	if _, err := s.MaturityReport(ctx, june); !errors.Is(err, ErrNoSnapshots) ||
		err.Error() != "no maturity snapshot in 2026-06: a day is taken once it has ended; the next is of 2026-08-01" {
		t.Errorf("June: %v", err)
	}
}

func value(s maturity.Score, measure string) float64 {
	for _, r := range s.Results {
		if r.Measure == measure {
			return r.Value
		}
	}
	return math.NaN()
}

// TestSnapshotterOnceTakesTheEndedDays: the job takes yesterday and the
// missing days before it, never today, and nothing on its second run.
func TestSnapshotterOnceTakesTheEndedDays(t *testing.T) {
	db := chtest.Shared(t).Open(t)
	storeTestHistory(t, db)
	cat := loadTestCatalog(t)
	now := time.Date(2026, 10, 20, 0, 30, 0, 0, time.UTC)
	sn := &Snapshotter{Store: db, Catalog: func() *catalog.Catalog { return cat }, CatchUp: 3, Now: func() time.Time { return now }}
	ctx := context.Background()
	if err := sn.Once(ctx); err != nil {
		t.Fatal(err)
	}
	if err := sn.Once(ctx); err != nil {
		t.Fatal(err)
	}
	days, err := db.MaturitySnapshotDays(ctx, now.AddDate(0, 0, -10), now.AddDate(0, 0, 2))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range days {
		got = append(got, d.Format(time.DateOnly))
	}
	if want := "[2026-10-17 2026-10-18 2026-10-19]"; fmt.Sprint(got) != want {
		t.Errorf("days taken: %s, want %s", fmt.Sprint(got), want)
	}
}

func TestIncidentOutcomesAsOfADay(t *testing.T) {
	t0 := time.Date(2026, 10, 10, 10, 0, 0, 0, time.UTC)
	ins := []alerting.Incident{
		{Integration: "a", OpenedAt: t0, FirstAck: t0.Add(10 * time.Minute), ResolvedAt: t0.Add(3 * time.Hour),
			Alerts: []*alerting.AlertView{{Source: "anomaly", Severity: "warning"}, {Source: "slo", Severity: "page"}}},
		{Integration: "b", OpenedAt: t0.Add(2 * time.Hour)},
	}
	got := IncidentOutcomes(ins, t0.Add(time.Hour))
	if len(got) != 1 || got[0].Acked.IsZero() || !got[0].Resolved.IsZero() || !got[0].SLOPage || !got[0].AnomalyFirst {
		t.Errorf("as of an hour in: %+v, want a acknowledged, not yet resolved, an SLO page caught by an anomaly first", got)
	}
}
