package slo

import (
	"strings"
	"testing"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/clickhouse"
)

var t0 = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

func mc(minute int, exec, failed uint64, byClass map[intops.ErrorClass]uint64, records uint64, le []uint64) clickhouse.MinuteCounts {
	var cc intops.ClassCounts
	for c, n := range byClass {
		cc[c.Index()] = n
	}
	return clickhouse.MinuteCounts{Minute: t0.Add(time.Duration(minute) * time.Minute), Executions: exec, Failed: failed, ByClass: cc, Records: records, LE: le}
}

func TestSuccessRatioCountsOnlyBadClasses(t *testing.T) {
	ms := []clickhouse.MinuteCounts{mc(1, 100, 10, map[intops.ErrorClass]uint64{intops.ErrorValidation: 6, intops.ErrorTimeout: 4}, 0, nil)}
	all := BuildSeries(intops.SLI{Kind: intops.SLISuccessRatio}, ms, t0, t0.Add(3*time.Minute))
	ours := BuildSeries(intops.SLI{Kind: intops.SLISuccessRatio, BadClasses: []intops.ErrorClass{intops.ErrorTimeout}}, ms, t0, t0.Add(3*time.Minute))
	if len(all) != 3 || all[1] != (Minute{90, 100}) || all[0] != (Minute{}) || ours[1] != (Minute{96, 100}) {
		t.Errorf("all %v, timeouts only %v", all, ours)
	}
}

func TestLatencyUsesTheBucketUnderTheThreshold(t *testing.T) {
	le := make([]uint64, len(clickhouse.LatencyBounds))
	for i := range le {
		le[i] = uint64(10 * (i + 1))
	}
	s := BuildSeries(intops.SLI{Kind: intops.SLILatency, Threshold: 2500 * time.Millisecond}, []clickhouse.MinuteCounts{mc(0, 200, 0, nil, 0, le)}, t0, t0.Add(time.Minute))
	b := clickhouse.LatencyBucket(2 * time.Second)
	if s[0] != (Minute{Good: float64(le[b]), Total: 200}) {
		t.Errorf("got %v, want good = executions under 2s (%d)", s[0], le[b])
	}
}

func TestFreshness(t *testing.T) {
	// Runs every 30 minutes; the run at minute 30 fails.
	ms := []clickhouse.MinuteCounts{mc(-10, 1, 0, nil, 0, nil), mc(30, 1, 1, nil, 0, nil), mc(60, 1, 0, nil, 0, nil)}
	s := BuildSeries(intops.SLI{Kind: intops.SLIFreshness, Threshold: 45 * time.Minute}, ms, t0, t0.Add(70*time.Minute))
	var bad []int
	for i, m := range s {
		if m.Good == 0 {
			bad = append(bad, i)
		}
	}
	// The last success is at -10 until minute 60: stale from minute 36 to 59.
	if len(bad) != 24 || bad[0] != 36 || bad[len(bad)-1] != 59 {
		t.Errorf("stale minutes %v", bad)
	}
}

func TestTimeSlicesStartWithTheFirstData(t *testing.T) {
	ms := []clickhouse.MinuteCounts{mc(30, 1, 0, nil, 0, nil)}
	s := BuildSeries(intops.SLI{Kind: intops.SLIFreshness, Threshold: time.Hour}, ms, t0, t0.Add(40*time.Minute))
	if s[29].Total != 0 || s[30] != (Minute{1, 1}) {
		t.Errorf("before the first data %v, at it %v", s[29], s[30])
	}
	if s := BuildSeries(intops.SLI{Kind: intops.SLIThroughput, Floor: 1}, nil, t0, t0.Add(time.Minute)); s[0].Total != 0 {
		t.Errorf("no data at all must be no events: %v", s[0])
	}
}

func TestThroughput(t *testing.T) {
	var ms []clickhouse.MinuteCounts
	for m := -60; m < 120; m++ {
		r := uint64(20)
		if m >= 60 {
			r = 5 // the flow slows to a quarter
		}
		ms = append(ms, mc(m, 1, 0, nil, r, nil))
	}
	s := BuildSeries(intops.SLI{Kind: intops.SLIThroughput, Floor: 1000}, ms, t0, t0.Add(120*time.Minute))
	if s[0].Good != 1 || s[59].Good != 1 || s[80].Good != 0 || s[119].Good != 0 {
		t.Errorf("throughput slices: 0:%v 59:%v 80:%v 119:%v", s[0], s[59], s[80], s[119])
	}
}

func TestWideBucketsSpreadOverTheirMinutes(t *testing.T) {
	hour := mc(0, 120, 60, nil, 0, nil)
	hour.Width = time.Hour
	// The series starts 45 minutes into the hour: it gets a quarter of it.
	s := BuildSeries(intops.SLI{Kind: intops.SLISuccessRatio}, []clickhouse.MinuteCounts{hour}, t0.Add(45*time.Minute), t0.Add(2*time.Hour))
	var good, total float64
	for _, m := range s {
		good += m.Good
		total += m.Total
	}
	if total != 30 || good != 15 || s[0] != (Minute{1, 2}) || s[15] != (Minute{}) {
		t.Errorf("a quarter of the hour: good %v total %v; first minutes %v", good, total, s[:16])
	}
	// A day with a success is fresh through its last minute.
	day := mc(-24*60, 1, 0, nil, 0, nil)
	day.Width = 24 * time.Hour
	f := BuildSeries(intops.SLI{Kind: intops.SLIFreshness, Threshold: 30 * time.Minute}, []clickhouse.MinuteCounts{day}, t0.Add(-time.Hour), t0.Add(time.Hour))
	if f[59].Good != 1 || f[89].Good != 1 || f[90].Good != 0 {
		t.Errorf("freshness after a day bucket: %v %v %v", f[59], f[89], f[90])
	}
}

func TestPolicyTakesTheIndicatorsNoData(t *testing.T) {
	cat, err := catalog.Parse("x.yaml", []byte(`apiVersion: intops.dev/v1alpha1
kind: Team
metadata: {name: t}
---
apiVersion: intops.dev/v1alpha1
kind: System
metadata: {name: a}
---
apiVersion: intops.dev/v1alpha1
kind: Integration
metadata: {name: f}
spec: {source: a, targets: [a], owner: t}
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: f-fresh}
spec:
  service: f
  indicator: {metadata: {name: i}, spec: {ratioMetric: {counter: true, good: {metricSource: {type: intops, spec: {sli: success_ratio, noData: bad}}}, total: {metricSource: {type: intops, spec: {sli: success_ratio, noData: bad}}}}}}
  timeWindow: [{duration: 7d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.99}]
`))
	if err != nil {
		t.Fatal(err)
	}
	if p := PolicyFor(cat, cat.SLOs[0]); p.NoData != NoDataBad {
		t.Errorf("no-data policy %q, want bad", p.NoData)
	}
	bad, err := catalog.Parse("x.yaml", []byte(`apiVersion: openslo/v1
kind: SLI
metadata: {name: i}
spec: {ratioMetric: {counter: true, good: {metricSource: {type: intops, spec: {sli: success_ratio, noData: maybe}}}, total: {metricSource: {type: intops, spec: {sli: success_ratio}}}}}
`))
	if err != nil {
		t.Fatal(err)
	}
	if fs := catalog.Lint(bad, catalog.LintConfig{}, time.Now()); len(fs) != 1 || fs[0].Rule != "openslo.invalid" || !strings.Contains(fs[0].Message, `noData "maybe"`) {
		t.Errorf("a bad noData: %+v", fs)
	}
}
