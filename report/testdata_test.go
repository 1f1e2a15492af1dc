package report

import (
	"context"
	"testing"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/alerting"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/clickhouse"
)

// testCatalog is a small estate: two teams, four integrations, one SLO
// each (success ratio, latency, freshness, and one with no traffic).
const testCatalog = `
apiVersion: intops.dev/v1alpha1
kind: Team
metadata: {name: x, title: Team X}
---
apiVersion: intops.dev/v1alpha1
kind: Team
metadata: {name: "y"}
---
apiVersion: intops.dev/v1alpha1
kind: System
metadata: {name: s1}
---
apiVersion: intops.dev/v1alpha1
kind: System
metadata: {name: s2}
---
apiVersion: intops.dev/v1alpha1
kind: Integration
metadata: {name: a, title: Flow A}
spec: {source: s1, targets: [s2], owner: x, mechanism: api, tier: 1, lifecycle: production}
---
apiVersion: intops.dev/v1alpha1
kind: Integration
metadata: {name: b}
spec: {source: s2, targets: [s1], owner: "y", mechanism: event, tier: 2, lifecycle: production}
---
apiVersion: intops.dev/v1alpha1
kind: Integration
metadata: {name: c}
spec: {source: s1, targets: [s2], owner: x, mechanism: batch, tier: 2, lifecycle: production}
---
apiVersion: intops.dev/v1alpha1
kind: Integration
metadata: {name: d}
spec: {source: s2, targets: [s1], owner: "y", mechanism: api, tier: 3, lifecycle: production}
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: a-availability}
spec:
  service: a
  indicator:
    metadata: {name: a-ok}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: intops, spec: {sli: success_ratio}}}
        total: {metricSource: {type: intops, spec: {sli: success_ratio}}}
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.999}]
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: b-latency}
spec:
  service: b
  indicator:
    metadata: {name: b-fast}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: intops, spec: {sli: latency, threshold: 500ms}}}
        total: {metricSource: {type: intops, spec: {sli: latency, threshold: 500ms}}}
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.99}]
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: c-freshness}
spec:
  service: c
  indicator:
    metadata: {name: c-fresh}
    spec:
      thresholdMetric:
        metricSource: {type: intops, spec: {sli: freshness, threshold: 2h}}
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: Timeslices
  objectives: [{target: 0.99, timeSliceTarget: 1, timeSliceWindow: 1m}]
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: d-availability}
spec:
  service: d
  indicator:
    metadata: {name: d-ok}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: intops, spec: {sli: success_ratio}}}
        total: {metricSource: {type: intops, spec: {sli: success_ratio}}}
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.999}]
`

func loadTestCatalog(t testing.TB) *catalog.Catalog {
	t.Helper()
	cat, err := catalog.Parse("estate.yaml", []byte(testCatalog))
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// The hand-built history, hour by hour from 2026-07-05 to 2026-11-05 UTC:
//   - a: 1,000 executions an hour; 500 fail in the hour of 2026-10-10
//     10:00 and 1,000 in the hour of 2026-09-15 10:00;
//   - b: 100 an hour, all at 100 ms, except the hour of 2026-10-20 10:00,
//     when half take 2 s;
//   - c: a run an hour, but none from 10:00 to 15:00 on 2026-10-05;
//   - d: nothing.
var (
	historyFrom = time.Date(2026, 7, 5, 0, 0, 0, 0, time.UTC)
	historyTo   = time.Date(2026, 11, 5, 0, 0, 0, 0, time.UTC)
	aOutage     = time.Date(2026, 10, 10, 10, 0, 0, 0, time.UTC)
	aSeptember  = time.Date(2026, 9, 15, 10, 0, 0, 0, time.UTC)
	bSlow       = time.Date(2026, 10, 20, 10, 0, 0, 0, time.UTC)
	cGap        = time.Date(2026, 10, 5, 10, 0, 0, 0, time.UTC)
)

func storeTestHistory(t testing.TB, db *clickhouse.DB) {
	t.Helper()
	ms, sec := uint64(time.Millisecond), uint64(time.Second)
	var hs []clickhouse.Minute
	for h := historyFrom; h.Before(historyTo); h = h.Add(time.Hour) {
		a := clickhouse.Minute{Minute: h, IntegrationID: "a", Executions: 1000, Spans: 2000, Records: 1000, Durations: []uint64{100 * ms}}
		switch {
		case h.Equal(aOutage):
			a.Failed, a.ByClass = 500, map[intops.ErrorClass]uint64{intops.ErrorUnavailable: 500}
		case h.Equal(aSeptember):
			a.Failed, a.ByClass = 1000, map[intops.ErrorClass]uint64{intops.ErrorUnavailable: 1000}
		}
		b := clickhouse.Minute{Minute: h, IntegrationID: "b", Executions: 100, Spans: 200, Records: 100, Durations: []uint64{100 * ms}}
		if h.Equal(bSlow) {
			b.Durations = []uint64{100 * ms, 2 * sec}
		}
		hs = append(hs, a, b)
		if h.Before(cGap) || !h.Before(cGap.Add(5*time.Hour)) {
			hs = append(hs, clickhouse.Minute{Minute: h, IntegrationID: "c", Executions: 1, Spans: 2, Records: 500, Durations: []uint64{30 * sec}})
		}
	}
	if err := db.InsertHours(context.Background(), hs); err != nil {
		t.Fatal(err)
	}
}

// fakeIncidents serves a fixed list of incidents.
type fakeIncidents []alerting.Incident

func (f fakeIncidents) Opened(_ context.Context, from, to time.Time) ([]alerting.Incident, error) {
	var out []alerting.Incident
	for _, in := range f {
		if !in.OpenedAt.Before(from) && in.OpenedAt.Before(to) {
			out = append(out, in)
		}
	}
	return out, nil
}

// testIncidents: a's outage (a page, acknowledged after 12 minutes,
// resolved after an hour) and b's slow hour (a ticket, acknowledged after
// 5 minutes, resolved after 30), both in October; one in September.
func testIncidents() fakeIncidents {
	return fakeIncidents{
		{ID: "inc-a-1", Integration: "a", Team: "x", Severity: "page", State: alerting.StateResolved,
			OpenedAt: aOutage.Add(2 * time.Minute), FirstAck: aOutage.Add(14 * time.Minute), ResolvedAt: aOutage.Add(62 * time.Minute),
			Alerts: []*alerting.AlertView{{Key: "slo/a-availability", Source: "slo", Severity: "page"}}},
		{ID: "inc-b-1", Integration: "b", Team: "y", Severity: "ticket", State: alerting.StateResolved,
			OpenedAt: bSlow.Add(10 * time.Minute), FirstAck: bSlow.Add(15 * time.Minute), ResolvedAt: bSlow.Add(40 * time.Minute)},
		{ID: "inc-a-0", Integration: "a", Team: "x", Severity: "page", State: alerting.StateResolved,
			OpenedAt: aSeptember.Add(2 * time.Minute), FirstAck: aSeptember.Add(32 * time.Minute), ResolvedAt: aSeptember.Add(182 * time.Minute)},
		{ID: "inc-shadow", Integration: "", Team: "", Severity: "warning", State: alerting.StateOpen, OpenedAt: aOutage},
	}
}
