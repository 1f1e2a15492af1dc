package report

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/a-h/templ"

	"github.com/intops/intops/analyzer/maturity"
)

//go:generate go run github.com/a-h/templ/cmd/templ@v0.3.977 generate

// CSS is the reports' style sheet: inlined in the HTML documents, served
// to the UI's /reports page.
//
//go:embed report.css
var CSS string

// HTML renders reports as one self-contained, printable page (inline
// style, inline SVG charts, no script), in order.
func HTML(ctx context.Context, title string, bodies ...templ.Component) ([]byte, error) {
	var buf bytes.Buffer
	if err := document(title, bodies).Render(ctx, &buf); err != nil {
		return nil, fmt.Errorf("render %s: %w", title, err)
	}
	return buf.Bytes(), nil
}

// Title names a report kind and period: "SLO report, October 2026".
func Title(kind string, p Period) string {
	switch kind {
	case "maturity":
		return "Integration maturity, " + p.Title()
	case "slo":
		return "SLO report, " + p.Title()
	}
	return "Integration report, " + p.Title()
}

func styleTag() string { return "<style>" + CSS + "</style>" }

// periodRange writes a period's first and last day.
func periodRange(p Period) string {
	return day(p.Start(), p.loc()) + " – " + day(p.End().AddDate(0, 0, -1), p.loc())
}

// trendPeriods are the periods of an SLO report's trend, oldest first.
func (r *SLOReport) trendPeriods() []Period { return r.Period.Back(len(r.Trend) - 1) }

// previous is the estate's figures of the period before (nil: none).
func (r *SLOReport) previous() *Figures {
	if len(r.Trend) < 2 {
		return nil
	}
	return &r.Trend[len(r.Trend)-2]
}

func (r *SLOReport) previousTitle() string {
	return r.Period.Prev().Title()
}

func labels(ps []Period) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Short()
	}
	return out
}

// trendCharts draws the estate's SLOs missed and incidents per period,
// and its MTTA and MTTR.
func (r *SLOReport) trendCharts() (counts, times string) {
	ls := labels(r.trendPeriods())
	missed, incs, mtta, mttr := make([]float64, len(r.Trend)), make([]float64, len(r.Trend)), make([]float64, len(r.Trend)), make([]float64, len(r.Trend))
	top := 0.0
	for i, f := range r.Trend {
		missed[i], incs[i] = float64(f.Missed), float64(f.Incidents)
		mtta[i], mttr[i] = nan(f.MTTAMinutes), nan(f.MTTRMinutes)
		for _, v := range []float64{mtta[i], mttr[i]} {
			if !math.IsNaN(v) {
				top = math.Max(top, v)
			}
		}
	}
	counts = barChart("SLOs missed and incidents per period", ls, []series{
		{Name: "SLOs missed", Values: missed, Color: palette[1]}, {Name: "incidents", Values: incs, Color: palette[0]}},
		func(v float64) string { return fmt.Sprintf("%.0f", v) })
	times = lineChart("Mean time to acknowledge and to resolve, minutes", ls, []series{
		{Name: "MTTA", Values: mtta, Color: palette[4]}, {Name: "MTTR", Values: mttr, Color: palette[3]}},
		0, math.Max(niceStep(top, true), math.Ceil(top/niceStep(top, true))*niceStep(top, true)), niceStep(top, true), false, 1,
		func(v float64) string { return fmt.Sprintf("%.0f", v) })
	return counts, times
}

// metSpark is a group's met share over the trend.
func metSpark(fs []Figures) string {
	if len(fs) == 0 {
		return ""
	}
	vs := make([]float64, len(fs))
	for i, f := range fs {
		vs[i] = nan(f.MetShare)
	}
	return sparkline(vs, 0.9, 1, palette[2])
}

func sloTrendText(vs []*float64) string {
	var out []string
	for _, v := range vs {
		out = append(out, Attainment(v))
	}
	return strings.Join(out, " · ")
}

func f64(x float64) *float64 { return &x }

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func incidentTTA(in IncidentRow) string {
	if in.AckedAt == nil {
		return "–"
	}
	m := in.AckedAt.Sub(in.OpenedAt).Minutes()
	return Minutes(&m)
}

func incidentState(in IncidentRow) string {
	if in.Open {
		return "open"
	}
	return "resolved"
}

func statusText(s string) string {
	if s == "no_data" {
		return "no data"
	}
	return s
}

// Maturity helpers.

func (r *MaturityReport) estate() *ScopeScore {
	for i := range r.Scopes {
		if r.Scopes[i].Scope == "estate" {
			return &r.Scopes[i]
		}
	}
	return nil
}

func levelText(l int) string { return fmt.Sprintf("%d %s", l, maturity.Levels[l]) }

func change(now int, before *int) string {
	switch {
	case before == nil:
		return "new"
	case now > *before:
		return fmt.Sprintf("▲ from %d", *before)
	case now < *before:
		return fmt.Sprintf("▼ from %d", *before)
	}
	return "no change"
}

func (r *MaturityReport) previousTitle() string { return r.Period.Prev().Title() }

// teamsAtLeast counts the teams at level 3 or above.
func (r *MaturityReport) teamsAtLeast(level int) (n, of int) {
	for _, s := range r.Scopes {
		if s.Scope == "estate" {
			continue
		}
		of++
		if s.Level >= level {
			n++
		}
	}
	return n, of
}

// levelChart draws the estate's level day by day.
func (r *MaturityReport) levelChart() string {
	ls := make([]string, len(r.Days))
	vs := make([]float64, len(r.Days))
	for i, d := range r.Days {
		ls[i] = d.Day[5:] // MM-DD
		v, ok := d.Levels["estate"]
		vs[i] = math.NaN()
		if ok {
			vs[i] = float64(v)
		}
	}
	every := max(1, len(ls)/8)
	return lineChart("The estate's maturity level, day by day", ls, []series{{Name: "estate level", Values: vs, Color: palette[0]}},
		1, 5, 1, true, every, func(v float64) string { return fmt.Sprintf("%.0f", v) })
}

// measureTrend is one key measure over the trend days.
type measureTrend struct {
	Name, Meaning, First, Last string
	Spark                      string
}

func (r *MaturityReport) firstDay() string {
	if len(r.Days) == 0 {
		return ""
	}
	return r.Days[0].Day
}

func (r *MaturityReport) measureTrends() []measureTrend {
	var out []measureTrend
	for k, m := range r.TrendMeasures {
		vs := make([]float64, len(r.Days))
		for i, d := range r.Days {
			v, ok := d.Measures[m]
			vs[i] = math.NaN()
			if ok {
				vs[i] = v
			}
		}
		t := measureTrend{Name: m, Meaning: maturity.Measures[m], First: "no data", Last: "no data", Spark: sparkline(vs, math.Inf(1), math.Inf(-1), palette[k%len(palette)])}
		if n := len(vs); n > 0 {
			t.First, t.Last = Measure(m, vs[0], !math.IsNaN(vs[0])), Measure(m, vs[n-1], !math.IsNaN(vs[n-1]))
		}
		out = append(out, t)
	}
	return out
}

// measureNames are the measures any criterion reads, sorted.
func (r *MaturityReport) measureNames() []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range r.Criteria {
		if !seen[c.Measure] {
			seen[c.Measure] = true
			out = append(out, c.Measure)
		}
	}
	sort.Strings(out)
	return out
}

// scopeValue is a scope's measured value of a measure.
func scopeValue(s ScopeScore, measure string) string {
	for _, res := range s.Results {
		if res.Measure == measure {
			return Measure(measure, res.Value, res.Known)
		}
	}
	return "–"
}

func levelOf(levels map[string]int, scope string) string {
	if l, ok := levels[scope]; ok {
		return count(l)
	}
	return "–"
}

func metText(r maturity.Result) string {
	if r.Met {
		return "met"
	}
	return "missing"
}

func dimensions() []string { return maturity.Dimensions }

func periodDays(r *MaturityReport) string {
	var out []string
	for _, p := range r.Periods {
		d := p.AsOf
		if d == "" {
			d = "none"
		}
		out = append(out, p.Period+": "+d)
	}
	return strings.Join(out, ", ")
}

func trendLen(gs []Group) int {
	if len(gs) == 0 {
		return 0
	}
	return len(gs[0].Trend)
}
