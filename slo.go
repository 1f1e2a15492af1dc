package intops

import (
	"fmt"
	"strconv"
	"time"
)

// SLIKind is what an SLO measures.
type SLIKind string

const (
	// SLISuccessRatio: good executions over all (availability).
	SLISuccessRatio SLIKind = "success_ratio"
	// SLILatency: executions faster than a threshold over all.
	SLILatency SLIKind = "latency"
	// SLIFreshness: time since the last successful run stays under a
	// threshold (batch flows).
	SLIFreshness SLIKind = "freshness"
	// SLIThroughput: records per window stay at or above a floor.
	SLIThroughput SLIKind = "throughput"
)

// SLIKinds lists the indicators intops computes.
var SLIKinds = []SLIKind{SLISuccessRatio, SLILatency, SLIFreshness, SLIThroughput}

// SLI is how an SLO's indicator is computed from an integration's traffic.
type SLI struct {
	Name      string
	Kind      SLIKind
	Threshold time.Duration // latency and freshness
	Floor     float64       // throughput: records per window
	// BadClasses are the error classes that count against the SLO;
	// empty means every failure does.
	BadClasses []ErrorClass
	// NoData says what minutes without any event mean: "good" (silence
	// is fine, the default), "bad" (silence burns the budget like errors)
	// or "alert" (silence is its own status).
	NoData string
}

// Window is an SLO's time window: rolling (e.g. 28d) or calendar-aligned
// (a week, month, quarter or year).
type Window struct {
	Text     string        // as written: 28d, 1M, 1Q
	Duration time.Duration // rolling windows; calendar ones: the nominal length
	Rolling  bool
	Calendar string // week, month, quarter, year
}

// SLO is a service level objective of one integration.
type SLO struct {
	Name          string
	Title         string
	Description   string
	Integration   string
	Indicator     SLI
	Objective     float64 // target share of good events, in (0,1)
	Window        Window
	Budgeting     string // Occurrences, Timeslices, RatioTimeslices
	AlertPolicies []string
	// NotEvaluated, when set, says why intops does not evaluate the SLO
	// from the integration's traffic: its indicator reads another metric
	// source (Datadog, Prometheus, …). The SLO stays in the catalog, is
	// listed with the reason and never alerts, unless it is a Prometheus
	// SLO (Prometheus set) and the server has a Prometheus to query.
	NotEvaluated string
	// Prometheus, when set, is the indicator's queries of a Prometheus
	// metric source; the server evaluates them through the same burn-rate
	// windows as its own indicators.
	Prometheus *PrometheusSLI
}

// PrometheusSLI is an indicator read from a Prometheus-compatible HTTP
// API (OpenSLO metricSource type Prometheus). A ratio has Total and one
// of Good or Bad: PromQL queries of event counters. A threshold has Query,
// a value compared each minute with Op and Value.
type PrometheusSLI struct {
	// DataSource is the OpenSLO DataSource the queries name, if any.
	DataSource string
	// URL is the server to query, from the DataSource (spec.url or
	// spec.connectionDetails.url); empty means the server's default.
	URL              string
	Good, Bad, Total string
	Query            string
	Op               string // lt, lte, gt, gte: a minute is good when Query Op Value
	Value            float64
}

// AlertPolicy says when an SLO alerts (OpenSLO AlertPolicy).
type AlertPolicy struct {
	Name            string
	Description     string
	AlertWhenNoData bool
	Conditions      []AlertCondition
	// Targets name the policy's notification targets, in order.
	Targets []string
}

// TargetKind is the receiver an alert notification target names.
type TargetKind string

const (
	// TargetSlack: a Slack channel; the alerts of the SLOs that name it
	// go to that channel instead of the owning team's.
	TargetSlack TargetKind = "slack"
	// TargetPagerDuty, TargetWebhook, TargetJira and TargetServiceNow
	// are the receivers intops is configured with: alerts go to them as
	// configured.
	TargetPagerDuty  TargetKind = "pagerduty"
	TargetWebhook    TargetKind = "webhook"
	TargetJira       TargetKind = "jira"
	TargetServiceNow TargetKind = "servicenow"
	// TargetUnknown is a receiver intops does not have (email, …).
	TargetUnknown TargetKind = ""
)

// NotificationTarget is where an alert policy's notifications go (OpenSLO
// AlertNotificationTarget).
type NotificationTarget struct {
	Name   string
	Target string // as written
	Kind   TargetKind
	// Channel is the Slack channel (#name or a channel id) of a Slack
	// target; empty when the target names none.
	Channel string
}

// AlertCondition is one burn-rate condition of an alert policy.
type AlertCondition struct {
	Name        string
	Severity    string        // page, ticket
	BurnRate    float64       // threshold, × the sustainable rate
	LongWindow  time.Duration // lookback window
	ShortWindow time.Duration // alertAfter / the confirming short window
}

// ParseWindow reads an OpenSLO duration ({n}{m,h,d,w,M,Q,Y}). Rolling
// windows take m, h, d or w; calendar windows take 1w, 1M, 1Q or 1Y.
func ParseWindow(s string, rolling bool) (Window, error) {
	w := Window{Text: s, Rolling: rolling}
	if len(s) < 2 {
		return w, fmt.Errorf("window %q: want a number and a unit (m, h, d, w, M, Q, Y)", s)
	}
	n, err := strconv.Atoi(s[:len(s)-1])
	if err != nil || n <= 0 {
		return w, fmt.Errorf("window %q: want a positive whole number before the unit", s)
	}
	unit := s[len(s)-1]
	day := 24 * time.Hour
	switch unit {
	case 'm':
		w.Duration = time.Duration(n) * time.Minute
	case 'h':
		w.Duration = time.Duration(n) * time.Hour
	case 'd':
		w.Duration = time.Duration(n) * day
	case 'w':
		w.Duration, w.Calendar = time.Duration(n)*7*day, "week"
	case 'M':
		w.Duration, w.Calendar = time.Duration(n)*30*day, "month"
	case 'Q':
		w.Duration, w.Calendar = time.Duration(n)*91*day, "quarter"
	case 'Y':
		w.Duration, w.Calendar = time.Duration(n)*365*day, "year"
	default:
		return w, fmt.Errorf("window %q: unknown unit %q (want m, h, d, w, M, Q or Y)", s, string(unit))
	}
	if rolling {
		w.Calendar = ""
		if unit == 'M' || unit == 'Q' || unit == 'Y' {
			return w, fmt.Errorf("rolling window %q: use days (e.g. 30d) for rolling windows; M, Q and Y are calendar windows", s)
		}
		if w.Duration < time.Hour || w.Duration > 400*day {
			return w, fmt.Errorf("rolling window %q: want between 1h and 400d", s)
		}
		return w, nil
	}
	if n != 1 || w.Calendar == "" {
		return w, fmt.Errorf("calendar window %q: want 1w, 1M, 1Q or 1Y", s)
	}
	return w, nil
}
