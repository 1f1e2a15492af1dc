package clickhouse_test

import (
	"context"
	"testing"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/clickhouse"
	"github.com/intops/intops/clickhouse/chtest"
)

// TestInsertHoursFillsTheHourlyRollupOnly: history sent as hours is read
// back by Rollup(Hourly) and Traffic, and adds nothing to the minutes.
func TestInsertHoursFillsTheHourlyRollupOnly(t *testing.T) {
	db := chtest.Shared(t).Open(t)
	ctx := context.Background()
	h := time.Date(2026, 7, 1, 10, 0, 0, 0, time.UTC)
	err := db.InsertHours(ctx, []clickhouse.Minute{
		{Minute: h, IntegrationID: "flow", Executions: 600, Failed: 3, Spans: 1200, ErrorSpans: 6, Records: 597,
			ByClass: map[intops.ErrorClass]uint64{intops.ErrorTimeout: 3}, Durations: []uint64{uint64(20 * time.Millisecond), uint64(2 * time.Second)}},
		{Minute: h.Add(time.Hour + 17*time.Minute), IntegrationID: "flow", Executions: 100, Spans: 200, Records: 100},
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.Rollup(ctx, clickhouse.RollupQuery{Integrations: []string{"flow"}, From: h, To: h.Add(3 * time.Hour), Hourly: true})
	if err != nil {
		t.Fatal(err)
	}
	rows := got["flow"]
	if len(rows) != 2 || rows[0].Executions != 600 || rows[0].Failed != 3 || rows[0].ByClass.Get(intops.ErrorTimeout) != 3 ||
		!rows[1].Minute.Equal(h.Add(time.Hour)) || rows[1].Executions != 100 {
		t.Fatalf("hours read back: %+v", rows)
	}
	// Half of the sample is under 25 ms: half of the executions.
	if le := rows[0].LE[clickhouse.LatencyBucket(25*time.Millisecond)]; le != 300 {
		t.Errorf("executions under 25 ms: %d, want 300", le)
	}
	mins, err := db.Minutes(ctx, []string{"flow"}, h, h.Add(3*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(mins["flow"]) != 0 {
		t.Errorf("hours leaked into the per-minute rollup: %+v", mins["flow"])
	}
	earliest, err := db.EarliestHour(ctx)
	if err != nil || !earliest.Equal(h) {
		t.Errorf("earliest hour %v (%v), want %v", earliest, err, h)
	}
}

func TestMaturitySnapshotsKeepTheLatestTakeOfADay(t *testing.T) {
	db := chtest.Shared(t).Open(t)
	ctx := context.Background()
	d1 := time.Date(2026, 10, 30, 0, 0, 0, 0, time.UTC)
	d2 := d1.AddDate(0, 0, 1)
	take := func(day time.Time, at time.Time, scope string, level int, owner float64) clickhouse.MaturitySnapshot {
		return clickhouse.MaturitySnapshot{Day: day, Scope: scope, TakenAt: at, Level: level,
			Dimensions: map[string]int{"ownership": level}, Evidence: map[string]float64{"owner_share": owner}}
	}
	if err := db.InsertMaturitySnapshots(ctx, []clickhouse.MaturitySnapshot{
		take(d1, d2.Add(time.Hour), "estate", 2, 0.9), take(d1, d2.Add(time.Hour), "team-a", 1, 0.5),
		take(d2, d2.Add(25*time.Hour), "estate", 2, 0.91),
	}); err != nil {
		t.Fatal(err)
	}
	// d1 taken again later: it replaces the first take.
	if err := db.InsertMaturitySnapshots(ctx, []clickhouse.MaturitySnapshot{take(d1, d2.Add(2*time.Hour), "estate", 3, 0.96)}); err != nil {
		t.Fatal(err)
	}
	got, err := db.MaturitySnapshots(ctx, d1, d2.AddDate(0, 0, 1))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("%d snapshots, want 3: %+v", len(got), got)
	}
	if g := got[0]; g.Scope != "estate" || !g.Day.Equal(d1) || g.Level != 3 || g.Evidence["owner_share"] != 0.96 || g.Dimensions["ownership"] != 3 {
		t.Errorf("d1 estate: %+v, want the second take", g)
	}
	if g := got[2]; !g.Day.Equal(d2) || g.Level != 2 {
		t.Errorf("d2 estate: %+v", g)
	}
	days, err := db.MaturitySnapshotDays(ctx, d1, d2)
	if err != nil || len(days) != 1 || !days[0].Equal(d1) {
		t.Errorf("days in [d1, d2): %v (%v), want [d1]", days, err)
	}
}

func TestLatestDigestIsHowFarItGot(t *testing.T) {
	db := chtest.Shared(t).Open(t)
	ctx := context.Background()
	if _, ok, err := db.LatestDigest(ctx, "2026-10", "#leaders"); err != nil || ok {
		t.Fatalf("no digest yet: ok %v, err %v", ok, err)
	}
	at := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	for _, r := range []clickhouse.DigestRecord{
		{At: at, Period: "2026-10", Channel: "#leaders", Status: "failed", Error: "slack: 500"},
		{At: at.Add(time.Minute), Period: "2026-10", Channel: "#leaders", Status: "posted", RefChannel: "C1", RefTS: "1.2"},
		{At: at.Add(time.Minute), Period: "2026-10", Channel: "#leaders", Status: "sent", RefChannel: "C1", RefTS: "1.2"},
		{At: at.Add(time.Hour), Period: "2026-10", Channel: "#other", Status: "failed"},
	} {
		if err := db.AppendDigest(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	r, ok, err := db.LatestDigest(ctx, "2026-10", "#leaders")
	if err != nil || !ok || r.Status != "sent" || r.RefTS != "1.2" || r.RefChannel != "C1" {
		t.Fatalf("latest: %+v ok %v err %v, want sent at C1/1.2", r, ok, err)
	}
}
