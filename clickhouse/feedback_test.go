package clickhouse_test

import (
	"context"
	"testing"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/clickhouse"
	"github.com/intops/intops/clickhouse/chtest"
)

// Marks on anomaly episodes are stored; a later mark of the same episode
// replaces the earlier; an open episode's expected period lasts until the
// end asked for.
func TestAnomalyFeedback(t *testing.T) {
	db := chtest.Shared(t).Open(t)
	ctx := context.Background()
	start := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	at := start.Add(2 * time.Hour)
	marks := []intops.AnomalyFeedback{
		{Integration: "a", Signal: "executions/low", Start: start, End: start.Add(time.Hour), Verdict: intops.VerdictNotAnomaly, Note: "first", User: "ann", At: at},
		{Integration: "a", Signal: "executions/low", Start: start, End: start.Add(time.Hour), Verdict: intops.VerdictExpected, Note: "migration", User: "bob", At: at.Add(time.Minute)},
		{Integration: "a", Signal: "failures/high", Start: start.Add(3 * time.Hour), Verdict: intops.VerdictExpected, User: "ann", At: at.Add(2 * time.Hour)},
		{Integration: "b", Signal: "executions/low", Start: start, End: start.Add(30 * time.Minute), Verdict: intops.VerdictNotAnomaly, User: "U123", At: at},
	}
	for _, m := range marks {
		if err := db.AppendFeedback(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.Feedback(ctx, clickhouse.FeedbackQuery{Integration: "a"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d marks of a, want 2 (the later mark replaces the earlier): %+v", len(got), got)
	}
	if got[0].Signal != "failures/high" || !got[0].End.IsZero() || !got[0].Start.Equal(start.Add(3*time.Hour)) {
		t.Errorf("newest episode first, open: %+v", got[0])
	}
	if got[1].Verdict != intops.VerdictExpected || got[1].Note != "migration" || got[1].User != "bob" || !got[1].At.Equal(at.Add(time.Minute)) || !got[1].End.Equal(start.Add(time.Hour)) {
		t.Errorf("the later mark did not replace the earlier: %+v", got[1])
	}
	all, err := db.Feedback(ctx, clickhouse.FeedbackQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 {
		t.Errorf("got %d marks in all, want 3: %+v", len(all), all)
	}
	recent, err := db.Feedback(ctx, clickhouse.FeedbackQuery{Since: start.Add(45 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if len(recent) != 2 {
		t.Errorf("got %d marks of episodes ending after 09:45, want 2 (b's ended at 09:30): %+v", len(recent), recent)
	}
	to := start.Add(6 * time.Hour)
	exp, err := db.ExpectedPeriods(ctx, start.Add(-24*time.Hour), to)
	if err != nil {
		t.Fatal(err)
	}
	if len(exp["b"]) != 0 || len(exp["a"]) != 2 {
		t.Fatalf("expected periods %v, want a's two", exp)
	}
	if p := exp["a"][0]; !p[0].Equal(start.Add(3*time.Hour)) || !p[1].Equal(to) {
		t.Errorf("the open episode's period %v, want until %v", p, to)
	}
	// Long after it was marked, an open mark covers OpenMarkSpan only.
	later, err := db.ExpectedPeriods(ctx, start.Add(-24*time.Hour), start.Add(10*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if p := later["a"][0]; !p[1].Equal(at.Add(2*time.Hour + clickhouse.OpenMarkSpan)) {
		t.Errorf("the open episode's period %v, want until a day after it was marked", p)
	}
}
