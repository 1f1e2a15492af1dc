package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// The reports' number formats, shared by HTML, PDF, CSV and the digest,
// so that every format shows the API's figures the same way.

// Share formats a share (0.987) as a percentage with one decimal
// ("98.7%"); "–" when there is none.
func Share(x *float64) string {
	if x == nil {
		return "–"
	}
	return strconv.FormatFloat(*x*100, 'f', 1, 64) + "%"
}

// Attainment formats an SLI attainment with three decimals ("99.933%"),
// enough to compare with objectives like 99.95%.
func Attainment(x *float64) string {
	if x == nil {
		return "no data"
	}
	return strconv.FormatFloat(*x*100, 'f', 3, 64) + "%"
}

// Objective formats an objective as written ("99.9%", "99.95%").
func Objective(x float64) string {
	return strconv.FormatFloat(x*100, 'f', -1, 64) + "%"
}

// Budget formats a share of an error budget consumed ("67.2%").
func Budget(x *float64) string { return Share(x) }

// Minutes formats a duration in minutes, rounded to the minute: "35 min",
// "1 h 45 min", "2 d 3 h"; "–" when there is none.
func Minutes(x *float64) string {
	if x == nil {
		return "–"
	}
	m := int(math.Round(*x))
	switch {
	case m < 60:
		return fmt.Sprintf("%d min", m)
	case m < 48*60:
		if m%60 == 0 {
			return fmt.Sprintf("%d h", m/60)
		}
		return fmt.Sprintf("%d h %d min", m/60, m%60)
	}
	if h := (m / 60) % 24; h > 0 {
		return fmt.Sprintf("%d d %d h", m/(24*60), h)
	}
	return fmt.Sprintf("%d d", m/(24*60))
}

// Points formats a change of a share in percentage points with its
// direction ("▲ 1.3 pts", "▼ 0.4 pts", "no change").
func Points(now, before *float64) string {
	if now == nil || before == nil {
		return ""
	}
	d := (*now - *before) * 100
	switch {
	case math.Abs(d) < 0.05:
		return "no change"
	case d > 0:
		return fmt.Sprintf("▲ %.1f pts", d)
	}
	return fmt.Sprintf("▼ %.1f pts", -d)
}

// Measure formats a maturity measure's value: shares as percentages,
// hours and minutes with a unit, counts as they are.
func Measure(name string, v float64, known bool) string {
	if !known {
		return "no data"
	}
	switch {
	case strings.HasSuffix(name, "_share") || name == "slo_coverage_tier12" || name == "slo_attainment":
		return strconv.FormatFloat(v*100, 'f', 1, 64) + "%"
	case name == "mttr_hours":
		m := v * 60
		return Minutes(&m)
	case name == "mtta_minutes":
		return Minutes(&v)
	case name == "connection_ratio" || name == "lint_errors_per_100":
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// Threshold formats a criterion's threshold like the values it is
// compared with.
func Threshold(measure, op string, v float64) string { return op + " " + Measure(measure, v, true) }

func count(n int) string { return strconv.Itoa(n) }

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

func day(t time.Time, loc *time.Location) string { return t.In(loc).Format("2 Jan 2006") }
