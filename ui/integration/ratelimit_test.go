package integration

import (
	"strings"
	"testing"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/clickhouse"
)

// rateLimitChart is the chart of buckets from `from` on, one a step, with
// execs executions and limited rate_limit failures each (and a timeout
// in every bucket, which the panel ignores).
func rateLimitChart(rangeName string, from time.Time, step time.Duration, execs, limited []uint64) chartData {
	var bs []clickhouse.MinuteCounts
	for i, n := range execs {
		b := clickhouse.MinuteCounts{Minute: from.Add(time.Duration(i) * step), Width: step, Executions: n}
		b.ByClass[intops.ErrorTimeout.Index()] = 1
		b.ByClass[intops.ErrorRateLimit.Index()] = limited[i]
		b.Failed = 1 + limited[i]
		bs = append(bs, b)
	}
	return chartOf(rangeName, bs, from, from.Add(time.Duration(len(execs))*step), step)
}

// The panel measures the limit from the buckets that were rate limited
// and those that were not, and says when it is no throughput ceiling.
func TestRateLimitOf(t *testing.T) {
	from := time.Date(2026, 11, 22, 6, 0, 0, 0, time.UTC)
	cases := []struct {
		name           string
		step           time.Duration
		execs, limited []uint64
		now            time.Duration // after from; 0: the end of the chart
		want           *rateLimitView
		say, never     []string
	}{
		{name: "no limiting", step: time.Minute, execs: []uint64{300, 500, 480}, limited: []uint64{0, 0, 0}},
		{name: "a clear ceiling", step: time.Minute,
			execs: []uint64{300, 350, 400, 460, 475, 500, 480, 410}, limited: []uint64{0, 0, 0, 0, 5, 20, 8, 0},
			want: &rateLimitView{Limited: 3, Buckets: 8, Failures: 33, Measured: true, Onset: 475, Unlimited: 460, Ceiling: true, Now: 410, Peak: 500, NowKnown: true},
			say: []string{"3 of the 8 minutes in the last 8m had rate_limit failures, 33 in all.",
				"Observed limit: about 475/min, the lowest throughput at which SAP S/4HANA ERP refused calls; the busiest minute it did not limit ran 460/min.",
				"Now 410/min, 86% of the rate at which limiting began (475/min); peak 500/min, 105%."}},
		{name: "limiting just under the busiest unlimited minute", step: time.Minute,
			execs: []uint64{480, 470, 300}, limited: []uint64{0, 3, 0},
			want: &rateLimitView{Limited: 1, Buckets: 3, Failures: 3, Measured: true, Onset: 470, Unlimited: 480, Ceiling: true, Now: 300, Peak: 480, NowKnown: true},
			say:  []string{"about 470/min", "Now 300/min, 64% of the rate at which limiting began (470/min); peak 480/min, 102%."}},
		{name: "limiting at low throughput too", step: time.Minute,
			execs: []uint64{500, 120, 480, 300}, limited: []uint64{0, 4, 9, 0},
			want: &rateLimitView{Limited: 2, Buckets: 4, Failures: 13, Measured: true, Onset: 120, Unlimited: 500, Now: 300, Peak: 500, NowKnown: true},
			say: []string{"Rate limited at 120/min too, while another minute ran 500/min without limiting: the limit is not a throughput ceiling",
				"shared with other clients", "Now 300/min; peak 500/min in the last 4m."},
			never: []string{"%", "Observed limit"}},
		{name: "a single limited minute", step: time.Minute,
			execs: []uint64{200, 210, 650, 220}, limited: []uint64{0, 0, 30, 0},
			want: &rateLimitView{Limited: 1, Buckets: 4, Failures: 30, Measured: true, Onset: 650, Unlimited: 220, Ceiling: true, Now: 220, Peak: 650, NowKnown: true},
			say:  []string{"1 of the 4 minutes", "30 in all", "about 650/min", "Now 220/min, 34% of the rate at which limiting began (650/min); peak 650/min, 100%."}},
		{name: "every minute limited", step: time.Minute, execs: []uint64{600, 640}, limited: []uint64{12, 20},
			want: &rateLimitView{Limited: 2, Buckets: 2, Failures: 32, Measured: true, Onset: 600, Ceiling: true, Now: 640, Peak: 640, NowKnown: true},
			say:  []string{"Observed limit: 600/min or less; SAP S/4HANA ERP rate limited every minute with traffic.", "Now 640/min, 107%"}},
		{name: "hourly, the current hour still running", step: time.Hour, now: 4*time.Hour + 20*time.Minute,
			execs: []uint64{20000, 26000, 28500, 24000, 9000}, limited: []uint64{0, 0, 300, 0, 40},
			want: &rateLimitView{Limited: 2, Buckets: 5, Failures: 340, Measured: true, Onset: 28500, Unlimited: 26000, Ceiling: true, Now: 24000, Peak: 28500, NowKnown: true},
			say: []string{"2 of the 5 hours in the last 5h", "about 28500/h", "the busiest hour it did not limit ran 26000/h",
				"Now 24000/h, 84% of the rate at which limiting began (28500/h); peak 28500/h, 100%."},
			never: []string{"/min", "9000"}},
		{name: "hourly, only the current hour limited", step: time.Hour, now: 2*time.Hour + 10*time.Minute,
			execs: []uint64{20000, 21000, 4000}, limited: []uint64{0, 0, 15},
			want: &rateLimitView{Limited: 1, Buckets: 3, Failures: 15, Unlimited: 21000, Now: 21000, Peak: 21000, NowKnown: true},
			say:  []string{"Observed limit: not measured yet; only the current hour, still running, was rate limited.", "Now 21000/h; peak 21000/h"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			span := time.Duration(len(tc.execs)) * tc.step
			rangeName := strings.TrimSuffix(strings.TrimSuffix(span.String(), "0s"), "0m")
			c := rateLimitChart(rangeName, from, tc.step, tc.execs, tc.limited)
			now := from.Add(span)
			if tc.now > 0 {
				now = from.Add(tc.now)
			}
			got := rateLimitOf(c, now)
			if tc.want == nil {
				if got != nil {
					t.Fatalf("a panel without rate_limit failures: %+v", *got)
				}
				return
			}
			if got == nil {
				t.Fatal("no panel")
			}
			got.System = "SAP S/4HANA ERP"
			tc.want.System, tc.want.Range, tc.want.Step = got.System, rangeName, tc.step
			if *got != *tc.want {
				t.Errorf("got  %+v\nwant %+v", *got, *tc.want)
			}
			text := got.CountText() + "\n" + got.LimitText() + "\n" + got.NowText()
			for _, s := range tc.say {
				if !strings.Contains(text, s) {
					t.Errorf("the panel does not say %q:\n%s", s, text)
				}
			}
			for _, s := range tc.never {
				if strings.Contains(text, s) {
					t.Errorf("the panel says %q:\n%s", s, text)
				}
			}
		})
	}
}

// The panel names the integration's first target by its catalog title.
func TestSystemTitle(t *testing.T) {
	cat := &catalog.Catalog{Systems: map[string]*intops.System{"sap-erp": {Name: "sap-erp", Title: "SAP S/4HANA ERP"}, "wms": {Name: "wms"}}}
	for _, tc := range []struct {
		in   intops.Integration
		want string
	}{
		{intops.Integration{Source: "shop", Targets: []string{"sap-erp", "wms"}}, "SAP S/4HANA ERP"},
		{intops.Integration{Source: "shop", Targets: []string{"wms"}}, "wms"},
		{intops.Integration{Source: "sap-erp"}, "SAP S/4HANA ERP"},
		{intops.Integration{}, "the target system"},
	} {
		if got := systemTitle(cat, &tc.in); got != tc.want {
			t.Errorf("%v → %v: %q, want %q", tc.in.Source, tc.in.Targets, got, tc.want)
		}
	}
}
