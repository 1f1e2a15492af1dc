package anomaly

import (
	"strings"
	"testing"
	"time"

	"github.com/intops/intops/clickhouse"
)

func TestSpikeSummaryNearZero(t *testing.T) {
	for _, c := range []struct {
		o, e, lo, hi float64
		want         string
	}{
		{5, 0.3, 0, 1.2, "5 executions over the last 1 h where 0–1 are usual (0.3 expected)"},
		{5, 0, 0, 0, "5 executions over the last 1 h where 0 are usual (0 expected)"},
		{12, 2, 0.4, 4.6, "12 executions over the last 1 h where 1–4 are usual (2.0 expected)"},
		{300, 100, 60, 140, "executions 3.0x normal over the last 1 h (300 vs 100 expected, normal range 60–140)"},
	} {
		got := SpikeSummary("executions", c.o, c.e, c.lo, c.hi, "1 h")
		if got != c.want {
			t.Errorf("got  %q\nwant %q", got, c.want)
		}
		if strings.Contains(got, "e+") || strings.Contains(got, "000000") {
			t.Errorf("absurd figure in %q", got)
		}
	}
}

// TestQuietHours: a flow that runs now and then at night (most night
// hours have no run at all) expects a little at night, not zero, so one
// or two runs are no spike; a burst of many runs is, told without a
// factor.
func TestQuietHours(t *testing.T) {
	from := time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC) // a Monday
	to := from.Add(21 * 24 * time.Hour)
	var hours []clickhouse.MinuteCounts
	for h := from; h.Before(to); h = h.Add(time.Hour) {
		n := uint64(0)
		switch {
		case h.Hour() >= 8 && h.Hour() < 18:
			n = 40
		case (h.Hour()+h.Day())%5 == 0: // a run in one night hour of five
			n = 1
		}
		if n > 0 {
			hours = append(hours, clickhouse.MinuteCounts{Minute: h, Width: time.Hour, Executions: n, Records: n})
		}
	}
	b := Learn(hours, from, to, time.UTC)
	if e := b.Exec[0][3]; e <= 0.05 || e >= 0.6 {
		t.Fatalf("expected runs at 03:00: %.3f, want about 0.2", e)
	}
	at := to.Add(3 * time.Hour)
	detect := func(n uint64) []Anomaly {
		var ms []clickhouse.MinuteCounts
		if n > 0 {
			ms = []clickhouse.MinuteCounts{{Minute: at.Add(-30 * time.Minute), Width: time.Minute, Executions: n, Records: n}}
		}
		return b.Detect(Recent{Split: at.Add(-2 * time.Hour), Minutes: ms}, at, Config{})
	}
	for _, n := range []uint64{1, 2} {
		if got := detect(n); len(got) > 0 {
			t.Errorf("%d runs at night: %s", n, got[0].Summary)
		}
	}
	got := detect(30)
	if len(got) == 0 || got[0].Direction != "high" {
		t.Fatalf("30 runs at night: %v", got)
	}
	if s := got[0].Summary; strings.Contains(s, "x normal") || !strings.Contains(s, "are usual") {
		t.Errorf("summary %q", s)
	}
	t.Log(got[0].Summary)
}
