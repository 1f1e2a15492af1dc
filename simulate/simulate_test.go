package simulate

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/clickhouse"
)

func demoProfiles(t *testing.T) []*Profile {
	t.Helper()
	cat, err := catalog.Load("../examples/estate")
	if err != nil {
		t.Fatal(err)
	}
	return Profiles(cat.Integrations)
}

func TestProfilesSpanTheVolumesOfARealEstate(t *testing.T) {
	ps := demoProfiles(t)
	busiest, scheduled, daily := 0.0, 0, 0
	for _, p := range ps {
		busiest = math.Max(busiest, p.PeakPerMinute/60)
		if p.Every > 0 {
			scheduled++
		}
		if p.Every >= 6*time.Hour {
			daily++
		}
		if p.Integration.Lifecycle == intops.LifecycleDesign {
			t.Errorf("%s is in design and must not run", p.Integration.ID)
		}
	}
	if busiest < 100 {
		t.Errorf("busiest flow peaks at %.0f/s, want hundreds per second", busiest)
	}
	if scheduled < 5 || daily < 1 {
		t.Errorf("%d scheduled flows, %d running a few times a day", scheduled, daily)
	}
}

func TestSeasonality(t *testing.T) {
	mon := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	noon, night := Seasonality(mon.Add(11*time.Hour)), Seasonality(mon.Add(3*time.Hour))
	sat := Seasonality(mon.AddDate(0, 0, 5).Add(11 * time.Hour))
	if !(noon > 3*night && sat < noon/2) {
		t.Errorf("noon %.2f, night %.2f, Saturday noon %.2f", noon, night, sat)
	}
}

func TestExecutionsFollowTheRate(t *testing.T) {
	p := &Profile{Integration: &intops.Integration{ID: "x", Mechanism: "event"}, PeakPerMinute: 600,
		ErrorRate: 0.1, ErrorMix: map[intops.ErrorClass]float64{intops.ErrorAuth: 1}, MedianLatency: time.Second}
	g := NewGenerator([]*Profile{p}, 3)
	from := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	execs := g.Executions(from, from.Add(time.Hour))
	want := 0.0
	for m := 0; m < 60; m++ {
		want += p.RateAt(from.Add(time.Duration(m) * time.Minute))
	}
	if d := math.Abs(float64(len(execs)) - want); d > 5*math.Sqrt(want) {
		t.Errorf("%d executions, want about %.0f", len(execs), want)
	}
	failed := 0
	for i, e := range execs {
		if e.Start.Before(from) || !e.Start.Before(from.Add(time.Hour)) || (i > 0 && e.Start.Before(execs[i-1].Start)) {
			t.Fatalf("execution %d at %v out of range or order", i, e.Start)
		}
		if e.Class != intops.ErrorNone {
			failed++
		}
	}
	if r := float64(failed) / float64(len(execs)); r < 0.08 || r > 0.12 {
		t.Errorf("error rate %.3f, want about 0.1", r)
	}
}

type minuteSink struct{ ms []clickhouse.Minute }

func (s *minuteSink) InsertMinutes(_ context.Context, ms []clickhouse.Minute) error {
	s.ms = append(s.ms, ms...)
	return nil
}

func TestBackfillIsConsistent(t *testing.T) {
	ps := append(demoProfiles(t), Shadow())
	g := NewGenerator(ps, 5)
	to := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	var sink minuteSink
	total, err := Backfill(context.Background(), g, &sink, to.Add(-24*time.Hour), to)
	if err != nil {
		t.Fatal(err)
	}
	var sum uint64
	perIntegration := map[string]uint64{}
	for _, m := range sink.ms {
		var byClass uint64
		for _, n := range m.ByClass {
			byClass += n
		}
		if byClass != m.Failed || m.Failed > m.Executions || m.Spans != 2*m.Executions || len(m.Durations) == 0 {
			t.Fatalf("inconsistent minute %+v", m)
		}
		if m.Minute.Before(to.Add(-24*time.Hour)) || !m.Minute.Before(to) {
			t.Fatalf("minute %v outside the range", m.Minute)
		}
		if (m.IntegrationID == "") != (m.ServiceName != "") {
			t.Fatalf("unattributed minutes carry the service, others not: %+v", m)
		}
		sum += m.Executions
		perIntegration[m.IntegrationID] += m.Executions
	}
	if sum != total || total == 0 {
		t.Errorf("minutes add up to %d, Backfill said %d", sum, total)
	}
	for _, p := range ps {
		if perIntegration[p.Integration.ID] == 0 {
			t.Errorf("%q has no history", p.Integration.ID)
		}
	}
}
