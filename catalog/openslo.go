package catalog

import (
	"fmt"
	"strconv"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/intops/intops"
)

const openSLOVersion = "openslo/v1"

// OpenSLO v1 file types (https://github.com/OpenSLO/OpenSLO, v1).

type sloSpec struct {
	Description     string         `yaml:"description"`
	Service         string         `yaml:"service"`
	Indicator       *inlineSLI     `yaml:"indicator"`
	IndicatorRef    string         `yaml:"indicatorRef"`
	TimeWindow      []timeWindow   `yaml:"timeWindow"`
	BudgetingMethod string         `yaml:"budgetingMethod"`
	Objectives      []objective    `yaml:"objectives"`
	AlertPolicies   []alertRefNode `yaml:"alertPolicies"`
}

type inlineSLI struct {
	Metadata metadataFile `yaml:"metadata"`
	Spec     sliSpec      `yaml:"spec"`
}

type timeWindow struct {
	Duration  string    `yaml:"duration"`
	IsRolling bool      `yaml:"isRolling"`
	Calendar  *calendar `yaml:"calendar"`
}

type calendar struct {
	StartTime string `yaml:"startTime"`
	TimeZone  string `yaml:"timeZone"`
}

type objective struct {
	DisplayName     string     `yaml:"displayName"`
	Op              string     `yaml:"op"`
	Value           float64    `yaml:"value"`
	Target          *float64   `yaml:"target"`
	TargetPercent   *float64   `yaml:"targetPercent"`
	TimeSliceTarget float64    `yaml:"timeSliceTarget"`
	TimeSliceWindow string     `yaml:"timeSliceWindow"`
	Indicator       *inlineSLI `yaml:"indicator"`
	IndicatorRef    string     `yaml:"indicatorRef"`
	CompositeWeight float64    `yaml:"compositeWeight"`
}

type alertRefNode struct {
	AlertPolicyRef string           `yaml:"alertPolicyRef"`
	Kind           string           `yaml:"kind"`
	Metadata       metadataFile     `yaml:"metadata"`
	Spec           *alertPolicySpec `yaml:"spec"`
}

type sliSpec struct {
	Description     string       `yaml:"description"`
	ThresholdMetric *metric      `yaml:"thresholdMetric"`
	RatioMetric     *ratioMetric `yaml:"ratioMetric"`
}

type ratioMetric struct {
	Counter bool    `yaml:"counter"`
	Good    *metric `yaml:"good"`
	Bad     *metric `yaml:"bad"`
	Total   *metric `yaml:"total"`
	Raw     *metric `yaml:"raw"`
	RawType string  `yaml:"rawType"`
}

type metric struct {
	MetricSource metricSource `yaml:"metricSource"`
}

type metricSource struct {
	MetricSourceRef string    `yaml:"metricSourceRef"`
	Type            string    `yaml:"type"`
	Spec            yaml.Node `yaml:"spec"`
}

// intopsSource is the spec of a metricSource of type intops.
type intopsSource struct {
	SLI        string   `yaml:"sli"`
	Threshold  string   `yaml:"threshold"`
	Floor      float64  `yaml:"floor"`
	BadClasses []string `yaml:"badClasses"`
	NoData     string   `yaml:"noData"`
}

type alertPolicySpec struct {
	Description         string          `yaml:"description"`
	AlertWhenNoData     bool            `yaml:"alertWhenNoData"`
	AlertWhenResolved   bool            `yaml:"alertWhenResolved"`
	AlertWhenBreaching  bool            `yaml:"alertWhenBreaching"`
	Conditions          []conditionNode `yaml:"conditions"`
	NotificationTargets []yaml.Node     `yaml:"notificationTargets"`
}

type conditionNode struct {
	ConditionRef string              `yaml:"conditionRef"`
	Kind         string              `yaml:"kind"`
	Metadata     metadataFile        `yaml:"metadata"`
	Spec         *alertConditionSpec `yaml:"spec"`
}

type alertConditionSpec struct {
	Description string        `yaml:"description"`
	Severity    string        `yaml:"severity"`
	Condition   burnCondition `yaml:"condition"`
}

type burnCondition struct {
	Kind           string  `yaml:"kind"`
	Op             string  `yaml:"op"`
	Threshold      float64 `yaml:"threshold"`
	LookbackWindow string  `yaml:"lookbackWindow"`
	AlertAfter     string  `yaml:"alertAfter"`
}

func (l *loader) openSLODocument(file string, p Pos, doc *documentFile) {
	md := &doc.Metadata
	spec := &doc.Spec
	switch doc.Kind {
	case "SLO":
		var s sloSpec
		if !l.specStrict(file, spec, &s) || !l.define("SLO", md.Name, p, spec) {
			return
		}
		l.slo(file, p, md, &s)
	case "SLI":
		var s sliSpec
		if !l.specStrict(file, spec, &s) || !l.define("SLI", md.Name, p, spec) {
			return
		}
		if sli, ok := l.sli(file, p, md.Name, &s); ok {
			l.cat.SLIs[md.Name] = sli
		}
	case "AlertPolicy":
		var s alertPolicySpec
		if !l.specStrict(file, spec, &s) || !l.define("AlertPolicy", md.Name, p, spec) {
			return
		}
		l.cat.AlertPolicies[md.Name] = l.alertPolicy(file, p, md.Name, &s)
	case "AlertCondition":
		var s alertConditionSpec
		if !l.specStrict(file, spec, &s) || !l.define("AlertCondition", md.Name, p, spec) {
			return
		}
		l.conditions[md.Name] = l.condition(p, md.Name, &s)
	case "DataSource", "AlertNotificationTarget", "Service":
		// Accepted: intops reads its own traffic and routes by the catalog.
		l.cat.Ignored = append(l.cat.Ignored, Ignored{Kind: doc.Kind, Name: md.Name, Why: "not used by intops", At: p})
	default:
		l.errorf(p, "kind %q: want SLO, SLI, AlertPolicy or AlertCondition for %s", doc.Kind, openSLOVersion)
	}
}

func (l *loader) slo(file string, p Pos, md *metadataFile, s *sloSpec) {
	key := "SLO/" + md.Name
	fp := func(f string) Pos { return l.fieldPos("SLO", md.Name, f, p) }
	slo := &intops.SLO{
		Name: md.Name, Title: first(md.DisplayName, md.Title), Description: first(s.Description, md.Description),
		Integration: s.Service, Budgeting: s.BudgetingMethod,
	}
	l.ref(key, "Integration", s.Service, "service", fp("service"))
	if s.Service == "" {
		l.errorf(p, "SLO %q: spec.service must name the integration", md.Name)
		return
	}
	if len(s.Objectives) == 0 {
		l.errorf(p, "SLO %q: spec.objectives needs at least one objective with a target", md.Name)
		return
	}
	o := s.Objectives[0]
	switch {
	case o.Target != nil:
		slo.Objective = *o.Target
	case o.TargetPercent != nil:
		slo.Objective = *o.TargetPercent / 100
	default:
		l.errorf(fp("objectives"), "SLO %q: objectives[0] needs target (0 to 1) or targetPercent", md.Name)
		return
	}
	if len(s.TimeWindow) == 0 {
		l.errorf(p, "SLO %q: spec.timeWindow is required", md.Name)
		return
	}
	tw := s.TimeWindow[0]
	rolling := tw.IsRolling || tw.Calendar == nil
	w, err := intops.ParseWindow(tw.Duration, rolling)
	if err != nil {
		w = intops.Window{Text: tw.Duration, Rolling: rolling} // lint reports it
	}
	slo.Window = w
	// The indicator: inline, or by reference (on the SLO or its objective).
	switch {
	case s.Indicator != nil:
		if sli, ok := l.sli(file, p, first(s.Indicator.Metadata.Name, md.Name), &s.Indicator.Spec); ok {
			slo.Indicator = *sli
		} else {
			return
		}
	case o.Indicator != nil:
		if sli, ok := l.sli(file, p, first(o.Indicator.Metadata.Name, md.Name), &o.Indicator.Spec); ok {
			slo.Indicator = *sli
		} else {
			return
		}
	case first(s.IndicatorRef, o.IndicatorRef) != "":
		name := first(s.IndicatorRef, o.IndicatorRef)
		slo.Indicator.Name = name
		l.ref(key, "SLI", name, "indicatorRef", fp("indicatorRef"))
	default:
		l.errorf(p, "SLO %q: needs an indicator or an indicatorRef", md.Name)
		return
	}
	for _, a := range s.AlertPolicies {
		switch {
		case a.AlertPolicyRef != "":
			slo.AlertPolicies = append(slo.AlertPolicies, a.AlertPolicyRef)
			l.ref(key, "AlertPolicy", a.AlertPolicyRef, "alertPolicies", fp("alertPolicies"))
		case a.Spec != nil && a.Metadata.Name != "":
			if l.define("AlertPolicy", a.Metadata.Name, p, nil) {
				l.cat.AlertPolicies[a.Metadata.Name] = l.alertPolicy(file, p, a.Metadata.Name, a.Spec)
			}
			slo.AlertPolicies = append(slo.AlertPolicies, a.Metadata.Name)
		default:
			l.errorf(fp("alertPolicies"), "SLO %q: each alert policy needs alertPolicyRef, or metadata.name and spec", md.Name)
		}
	}
	l.cat.SLOs = append(l.cat.SLOs, slo)
}

// sli converts an OpenSLO indicator whose metric source is intops'.
func (l *loader) sli(file string, p Pos, name string, s *sliSpec) (*intops.SLI, bool) {
	var src *metricSource
	switch {
	case s.ThresholdMetric != nil:
		src = &s.ThresholdMetric.MetricSource
	case s.RatioMetric != nil:
		for _, m := range []*metric{s.RatioMetric.Good, s.RatioMetric.Total, s.RatioMetric.Bad, s.RatioMetric.Raw} {
			if m != nil && m.MetricSource.Type == "intops" {
				src = &m.MetricSource
				break
			}
		}
		if src == nil {
			for _, m := range []*metric{s.RatioMetric.Good, s.RatioMetric.Total, s.RatioMetric.Bad, s.RatioMetric.Raw} {
				if m != nil {
					src = &m.MetricSource
					break
				}
			}
		}
	}
	if src == nil {
		l.errorf(p, "SLI %q: needs a thresholdMetric or a ratioMetric", name)
		return nil, false
	}
	if src.Type != "intops" {
		l.errorf(p, "SLI %q: metricSource type %q: intops computes SLIs from its own traffic; use type: intops with spec.sli one of success_ratio, latency, freshness, throughput", name, src.Type)
		return nil, false
	}
	var is intopsSource
	if src.Spec.Kind == 0 {
		l.errorf(p, "SLI %q: metricSource.spec.sli is required", name)
		return nil, false
	}
	if !l.decodeStrict(file, &src.Spec, &is, "metricSource.spec") {
		return nil, false
	}
	sli := &intops.SLI{Name: name, Kind: intops.SLIKind(is.SLI), Floor: is.Floor, NoData: is.NoData}
	sp := at(file, &src.Spec)
	known := false
	for _, k := range intops.SLIKinds {
		known = known || k == sli.Kind
	}
	if !known {
		l.errorf(sp, "SLI %q: sli %q: want success_ratio, latency, freshness or throughput", name, is.SLI)
		return nil, false
	}
	if is.Threshold != "" {
		d, err := time.ParseDuration(is.Threshold)
		if err != nil || d <= 0 {
			l.errorf(sp, "SLI %q: threshold %q: want a duration such as 2s or 15m", name, is.Threshold)
			return nil, false
		}
		sli.Threshold = d
	}
	if (sli.Kind == intops.SLILatency || sli.Kind == intops.SLIFreshness) && sli.Threshold == 0 {
		l.errorf(sp, "SLI %q: a %s SLI needs a threshold", name, sli.Kind)
		return nil, false
	}
	if sli.Kind == intops.SLIThroughput && sli.Floor <= 0 {
		l.errorf(sp, "SLI %q: a throughput SLI needs a floor (records per window) above 0", name)
		return nil, false
	}
	switch is.NoData {
	case "", "good", "bad", "alert":
	default:
		l.errorf(sp, "SLI %q: noData %q: want good, bad or alert", name, is.NoData)
		return nil, false
	}
	for _, c := range is.BadClasses {
		cls, err := intops.ParseErrorClass(c)
		if err != nil {
			l.errorf(sp, "SLI %q: badClasses: %v", name, err)
			return nil, false
		}
		sli.BadClasses = append(sli.BadClasses, cls)
	}
	return sli, true
}

func (l *loader) alertPolicy(file string, p Pos, name string, s *alertPolicySpec) *intops.AlertPolicy {
	ap := &intops.AlertPolicy{Name: name, Description: s.Description, AlertWhenNoData: s.AlertWhenNoData}
	for _, c := range s.Conditions {
		switch {
		case c.ConditionRef != "":
			l.pendingConds = append(l.pendingConds, pendingCond{policy: ap, ref: c.ConditionRef, at: p})
		case c.Spec != nil:
			ap.Conditions = append(ap.Conditions, l.condition(p, c.Metadata.Name, c.Spec))
		default:
			l.errorf(p, "AlertPolicy %q: each condition needs conditionRef or an inline AlertCondition", name)
		}
	}
	return ap
}

func (l *loader) condition(p Pos, name string, s *alertConditionSpec) intops.AlertCondition {
	c := intops.AlertCondition{Name: name, Severity: s.Severity, BurnRate: s.Condition.Threshold}
	for _, d := range []struct {
		field, v string
		out      *time.Duration
	}{{"lookbackWindow", s.Condition.LookbackWindow, &c.LongWindow}, {"alertAfter", s.Condition.AlertAfter, &c.ShortWindow}} {
		if d.v == "" {
			continue
		}
		w, err := intops.ParseWindow(d.v, true)
		if err != nil {
			// Short windows may be under an hour: minutes are fine here.
			if dur, err2 := parseShort(d.v); err2 == nil {
				*d.out = dur
				continue
			}
			l.errorf(p, "AlertCondition %q: %s: %v", name, d.field, err)
			continue
		}
		*d.out = w.Duration
	}
	if s.Condition.Kind != "" && s.Condition.Kind != "burnrate" {
		l.errorf(p, "AlertCondition %q: condition kind %q: intops supports burnrate", name, s.Condition.Kind)
	}
	return c
}

func parseShort(s string) (time.Duration, error) {
	if len(s) < 2 {
		return 0, fmt.Errorf("bad duration %q", s)
	}
	n, err := strconv.Atoi(s[:len(s)-1])
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("bad duration %q", s)
	}
	switch s[len(s)-1] {
	case 's':
		return time.Duration(n) * time.Second, nil
	case 'm':
		return time.Duration(n) * time.Minute, nil
	case 'h':
		return time.Duration(n) * time.Hour, nil
	}
	return 0, fmt.Errorf("bad duration %q", s)
}

type pendingCond struct {
	policy *intops.AlertPolicy
	ref    string
	at     Pos
}

// resolveConditions attaches referenced AlertConditions to their policies.
func (l *loader) resolveConditions() {
	for _, pc := range l.pendingConds {
		c, ok := l.conditions[pc.ref]
		if !ok {
			l.cat.refs = append(l.cat.refs, Ref{From: "AlertPolicy/" + pc.policy.Name, Kind: "AlertCondition", Name: pc.ref, What: "conditionRef", At: pc.at})
			continue
		}
		pc.policy.Conditions = append(pc.policy.Conditions, c)
	}
}
