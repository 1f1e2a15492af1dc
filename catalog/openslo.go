package catalog

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/intops/intops"
)

const openSLOVersion = "openslo/v1"

// OpenSLO v1 file types (https://github.com/OpenSLO/OpenSLO, v1). Every
// field of the specification is known, so that a misspelt one is reported.

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
	IsRolling *bool     `yaml:"isRolling"`
	Calendar  *calendar `yaml:"calendar"`
}

type calendar struct {
	StartTime string `yaml:"startTime"`
	TimeZone  string `yaml:"timeZone"`
}

type objective struct {
	DisplayName     string     `yaml:"displayName"`
	Op              string     `yaml:"op"`
	Value           *float64   `yaml:"value"`
	Target          *float64   `yaml:"target"`
	TargetPercent   *float64   `yaml:"targetPercent"`
	TimeSliceTarget *float64   `yaml:"timeSliceTarget"`
	TimeSliceWindow string     `yaml:"timeSliceWindow"` // duration-shorthand, or a number of minutes
	Indicator       *inlineSLI `yaml:"indicator"`
	IndicatorRef    string     `yaml:"indicatorRef"`
	CompositeWeight *float64   `yaml:"compositeWeight"`
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
	NotificationTargets []targetNode    `yaml:"notificationTargets"`
}

type conditionNode struct {
	ConditionRef string              `yaml:"conditionRef"`
	Kind         string              `yaml:"kind"`
	Metadata     metadataFile        `yaml:"metadata"`
	Spec         *alertConditionSpec `yaml:"spec"`
}

type targetNode struct {
	TargetRef string       `yaml:"targetRef"`
	Kind      string       `yaml:"kind"`
	Metadata  metadataFile `yaml:"metadata"`
	Spec      *targetSpec  `yaml:"spec"`
}

type targetSpec struct {
	Description string `yaml:"description"`
	Target      string `yaml:"target"`
}

type alertConditionSpec struct {
	Description string         `yaml:"description"`
	Severity    string         `yaml:"severity"`
	Condition   *burnCondition `yaml:"condition"`
}

type burnCondition struct {
	Kind           string   `yaml:"kind"`
	Op             string   `yaml:"op"`
	Threshold      *float64 `yaml:"threshold"`
	LookbackWindow string   `yaml:"lookbackWindow"`
	AlertAfter     string   `yaml:"alertAfter"`
}

type dataSourceSpec struct {
	Description       string    `yaml:"description"`
	Type              string    `yaml:"type"`
	ConnectionDetails yaml.Node `yaml:"connectionDetails"`
	// URL is where a Prometheus DataSource is queried (intops also reads
	// connectionDetails.url).
	URL string `yaml:"url"`
}

// prometheusSource is the spec of a metricSource of type Prometheus:
// OpenSLO's examples write query; some tools write promql.
type prometheusSource struct {
	Query  string `yaml:"query"`
	PromQL string `yaml:"promql"`
}

type serviceSpec struct {
	Description string `yaml:"description"`
}

// openSLOState is what the loader gathers of OpenSLO documents. They are
// converted once every file is read, so that references may point to
// documents of any file.
type openSLOState struct {
	docs         []*osloDoc
	conditions   map[string]intops.AlertCondition
	dataSources  map[string]string // DataSource name → its type
	dataURLs     map[string]string // DataSource name → its URL, if it gives one
	promSLIs     map[string]*intops.PrometheusSLI
	thresholdSLI map[string]bool // SLIs with a thresholdMetric
	pendingConds []pendingCond
}

func newOpenSLOState() openSLOState {
	return openSLOState{conditions: map[string]intops.AlertCondition{}, dataSources: map[string]string{}, thresholdSLI: map[string]bool{},
		dataURLs: map[string]string{}, promSLIs: map[string]*intops.PrometheusSLI{}}
}

type osloDoc struct {
	file string
	at   Pos
	node *yaml.Node
	doc  documentFile
}

// osloKinds are the OpenSLO v1 kinds in the order they are converted:
// what others refer to first.
var osloKinds = []string{"DataSource", "Service", "AlertNotificationTarget", "AlertCondition", "SLI", "AlertPolicy", "SLO"}

// convertOpenSLO converts the OpenSLO documents, kind by kind. Problems
// are lint's to report; a document with a problem is left out.
func (l *loader) convertOpenSLO() {
	l.soft = true
	defer func() { l.soft = false }()
	for _, d := range l.openslo.docs {
		if !contains(osloKinds, d.doc.Kind) {
			l.errorf(d.at, "kind %q: want one of %s for %s", d.doc.Kind, strings.Join(osloKinds, ", "), openSLOVersion)
		}
	}
	for _, kind := range osloKinds {
		for _, d := range l.openslo.docs {
			if d.doc.Kind == kind {
				l.openSLODocument(d)
			}
		}
	}
	l.resolveConditions()
}

// osloCtx reports the problems of one OpenSLO document, each at the
// place in the file that its property path names.
type osloCtx struct {
	l    *loader
	d    *osloDoc
	what string // SLO "name"
	key  string // SLO/name
	bad  bool
	// unresolved: a metric source's type is that of a DataSource that is
	// not defined (slo.unknown-reference reports it).
	unresolved bool
	// notEvaluatedAt is where the metric source intops does not read
	// stands.
	notEvaluatedAt Pos
	// prom is the last indicator's Prometheus queries, when its metric
	// sources are all of type Prometheus.
	prom *intops.PrometheusSLI
}

func (c *osloCtx) pos(path string) Pos { return nodePos(c.d.file, c.d.node, path) }

func (c *osloCtx) errf(path, format string, args ...any) {
	c.bad = true
	c.l.errorf(c.pos(path), "%s: %s", c.what, fmt.Sprintf(format, args...))
}

// nodePos finds the node a property path (spec.objectives[0].target)
// names, or the deepest one of it that is written.
func nodePos(file string, n *yaml.Node, path string) Pos {
	p := at(file, n)
	cur := n
	for _, seg := range strings.Split(path, ".") {
		name, idx, _ := strings.Cut(seg, "[")
		if name != "" {
			k, v := mapEntry(cur, name)
			if k == nil {
				return p
			}
			p, cur = at(file, k), v
		}
		for idx != "" {
			num, rest, _ := strings.Cut(idx, "]")
			i, err := strconv.Atoi(num)
			if err != nil || cur.Kind != yaml.SequenceNode || i >= len(cur.Content) {
				return p
			}
			cur = cur.Content[i]
			p = at(file, cur)
			idx = strings.TrimPrefix(rest, "[")
		}
	}
	return p
}

func mapEntry(n *yaml.Node, key string) (k, v *yaml.Node) {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i], n.Content[i+1]
		}
	}
	return nil, nil
}

// rfc1123 is a DNS label: what every OpenSLO implementation must accept
// as a name.
var rfc1123 = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

func validName(s string) bool { return len(s) <= 63 && rfc1123.MatchString(s) }

// ValidName reports whether s is an RFC 1123 label: what an OpenSLO name
// must be.
func ValidName(s string) bool { return validName(s) }

const nameRule = "want an RFC 1123 name: at most 63 lowercase letters, digits or '-', starting and ending with a letter or digit"

// checkName reports a name (metadata.name or a reference) that is not an
// RFC 1123 label.
func (c *osloCtx) checkName(path, name string) bool {
	if name == "" {
		c.errf(path, "%s is required", path)
		return false
	}
	if !validName(name) {
		c.errf(path, "%s %q: %s", path, name, nameRule)
		return false
	}
	return true
}

func (c *osloCtx) checkDescription(path, d string) {
	if n := len([]rune(d)); n > 1050 {
		c.errf(path, "%s has %d characters: at most 1050", path, n)
	}
}

func (l *loader) openSLODocument(d *osloDoc) {
	md := &d.doc.Metadata
	spec := &d.doc.Spec
	c := &osloCtx{l: l, d: d, what: fmt.Sprintf("%s %q", d.doc.Kind, md.Name), key: d.doc.Kind + "/" + md.Name}
	if !c.checkName("metadata.name", md.Name) {
		return
	}
	// The references of a document left out are not followed.
	refs, conds := len(l.cat.refs), len(l.openslo.pendingConds)
	defer func() {
		if c.bad {
			l.cat.refs, l.openslo.pendingConds = l.cat.refs[:refs], l.openslo.pendingConds[:conds]
		}
	}()
	file, p := d.file, d.at
	switch d.doc.Kind {
	case "DataSource":
		var s dataSourceSpec
		if !l.specStrict(file, spec, &s) {
			return
		}
		c.checkDescription("spec.description", s.Description)
		if s.Type == "" {
			c.errf("spec.type", "spec.type is required (the kind of source: Prometheus, Datadog, intops, …)")
		}
		if c.bad || !l.define("DataSource", md.Name, p, spec) {
			return
		}
		l.openslo.dataSources[md.Name] = s.Type
		url := s.URL
		var cd struct {
			URL string `yaml:"url"`
		}
		if url == "" && s.ConnectionDetails.Kind == yaml.MappingNode && s.ConnectionDetails.Decode(&cd) == nil {
			url = cd.URL
		}
		if url != "" {
			l.openslo.dataURLs[md.Name] = url
		}
	case "Service":
		var s serviceSpec
		if !l.specStrict(file, spec, &s) {
			return
		}
		c.checkDescription("spec.description", s.Description)
		if c.bad || !l.define("Service", md.Name, p, spec) {
			return
		}
		l.cat.Ignored = append(l.cat.Ignored, Ignored{Kind: "Service", Name: md.Name, Why: "SLOs name the integration they measure as their service", At: p})
	case "AlertNotificationTarget":
		var s targetSpec
		if !l.specStrict(file, spec, &s) {
			return
		}
		c.target("spec", &s)
		if c.bad || !l.define("AlertNotificationTarget", md.Name, p, spec) {
			return
		}
		t := ParseTarget(md.Name, s.Target, s.Description)
		l.cat.Targets[md.Name] = &t
	case "AlertCondition":
		var s alertConditionSpec
		if !l.specStrict(file, spec, &s) {
			return
		}
		cond := c.condition("spec", md.Name, &s)
		if c.bad || !l.define("AlertCondition", md.Name, p, spec) {
			return
		}
		l.openslo.conditions[md.Name] = cond
	case "SLI":
		var s sliSpec
		if !l.specStrict(file, spec, &s) {
			return
		}
		sli, why, at := c.indicator("spec", md.Name, &s)
		if c.bad || c.unresolved || !l.define("SLI", md.Name, p, spec) {
			return
		}
		if s.ThresholdMetric != nil {
			l.openslo.thresholdSLI[md.Name] = true
		}
		if why != "" {
			l.cat.notEvaluated[md.Name] = why
			l.cat.pos["SLI/"+md.Name+"#notEvaluated"] = at
			if c.prom != nil {
				l.openslo.promSLIs[md.Name] = c.prom
			}
			return
		}
		l.cat.SLIs[md.Name] = sli
	case "AlertPolicy":
		var s alertPolicySpec
		if !l.specStrict(file, spec, &s) {
			return
		}
		ap := c.alertPolicy("spec", md.Name, &s)
		if c.bad || !l.define("AlertPolicy", md.Name, p, spec) {
			return
		}
		l.cat.AlertPolicies[md.Name] = ap
	case "SLO":
		var s sloSpec
		if !l.specStrict(file, spec, &s) {
			return
		}
		c.slo(md, &s)
	}
}

var budgetingMethods = []string{"Occurrences", "Timeslices", "RatioTimeslices"}

var operators = []string{"lte", "gte", "lt", "gt"}

func (c *osloCtx) slo(md *metadataFile, s *sloSpec) {
	l, p := c.l, c.d.at
	slo := &intops.SLO{
		Name: md.Name, Title: first(md.DisplayName, md.Title), Description: first(s.Description, md.Description),
		Integration: s.Service, Budgeting: s.BudgetingMethod,
	}
	c.checkDescription("spec.description", s.Description)
	if s.Service == "" {
		c.errf("spec", "spec.service is required: the integration the SLO measures")
	}
	switch {
	case s.BudgetingMethod == "":
		c.errf("spec", "spec.budgetingMethod is required: Occurrences, Timeslices or RatioTimeslices")
	case !contains(budgetingMethods, s.BudgetingMethod):
		c.errf("spec.budgetingMethod", "spec.budgetingMethod %q: want Occurrences, Timeslices or RatioTimeslices", s.BudgetingMethod)
	}
	// The window: exactly one, rolling or calendar-aligned. Its duration
	// is checked by the slo.window rule.
	switch len(s.TimeWindow) {
	case 0:
		c.errf("spec", "spec.timeWindow is required: one rolling (duration, isRolling: true) or calendar window (duration, calendar)")
	case 1:
		slo.Window = c.window("spec.timeWindow[0]", &s.TimeWindow[0])
	default:
		c.errf("spec.timeWindow[1]", "spec.timeWindow takes exactly one window, not %d", len(s.TimeWindow))
	}
	// The indicator: on the spec, or on the objectives (a composite SLO,
	// of which intops evaluates the first objective's).
	composite := false
	for _, o := range s.Objectives {
		composite = composite || o.Indicator != nil || o.IndicatorRef != ""
	}
	onSpec := s.Indicator != nil || s.IndicatorRef != ""
	threshold := false
	switch {
	case onSpec && composite:
		c.errf("spec", "set the indicator on the spec or on its objectives (a composite SLO), not both")
	case s.Indicator != nil && s.IndicatorRef != "":
		c.errf("spec.indicatorRef", "spec.indicator and spec.indicatorRef exclude each other: set one")
	case s.Indicator != nil:
		threshold = s.Indicator.Spec.ThresholdMetric != nil
		c.inlineIndicator(slo, "spec.indicator", s.Indicator)
	case s.IndicatorRef != "":
		threshold = c.indicatorRef(slo, "spec.indicatorRef", s.IndicatorRef)
	case composite:
		for i, o := range s.Objectives {
			path := fmt.Sprintf("spec.objectives[%d]", i)
			switch {
			case o.Indicator != nil && o.IndicatorRef != "":
				c.errf(path+".indicatorRef", "%s.indicator and %s.indicatorRef exclude each other: set one", path, path)
			case o.Indicator == nil && o.IndicatorRef == "":
				c.errf(path, "%s needs an indicator or an indicatorRef: in a composite SLO every objective has one", path)
			}
			if o.CompositeWeight != nil && *o.CompositeWeight <= 0 {
				c.errf(path+".compositeWeight", "%s.compositeWeight %g: want more than 0", path, *o.CompositeWeight)
			}
		}
		o := s.Objectives[0]
		if o.Indicator != nil {
			threshold = o.Indicator.Spec.ThresholdMetric != nil
			c.inlineIndicator(slo, "spec.objectives[0].indicator", o.Indicator)
		} else if o.IndicatorRef != "" {
			threshold = c.indicatorRef(slo, "spec.objectives[0].indicatorRef", o.IndicatorRef)
		}
	default:
		c.errf("spec", "needs an indicator or an indicatorRef")
	}
	// The objectives; intops holds the integration to the first, whose
	// range the slo.objective rule checks.
	if len(s.Objectives) == 0 {
		c.errf("spec", "spec.objectives needs at least one objective with a target")
	}
	if threshold && len(s.Objectives) > 1 {
		c.errf("spec.objectives[1]", "an SLO on a thresholdMetric takes one objective, not %d", len(s.Objectives))
	}
	for i := range s.Objectives {
		t, ok := c.objective(fmt.Sprintf("spec.objectives[%d]", i), &s.Objectives[i], s.BudgetingMethod, i > 0)
		if i == 0 && ok {
			slo.Objective = t
		}
	}
	if p := slo.Prometheus; p != nil && p.Query != "" {
		// A threshold: a minute is good when its value passes the first
		// objective's op and value.
		if len(s.Objectives) == 0 || s.Objectives[0].Op == "" || s.Objectives[0].Value == nil {
			slo.Prometheus = nil
			slo.NotEvaluated = "metric source Prometheus: a thresholdMetric needs op and value on its objective to tell good minutes"
		} else {
			p.Op, p.Value = s.Objectives[0].Op, *s.Objectives[0].Value
		}
	}
	for i, a := range s.AlertPolicies {
		path := fmt.Sprintf("spec.alertPolicies[%d]", i)
		inline := a.Spec != nil || a.Kind != "" || a.Metadata.Name != ""
		switch {
		case a.AlertPolicyRef != "" && inline:
			c.errf(path, "%s: alertPolicyRef and an inline AlertPolicy exclude each other: set one", path)
		case a.AlertPolicyRef != "":
			if c.checkName(path+".alertPolicyRef", a.AlertPolicyRef) {
				slo.AlertPolicies = append(slo.AlertPolicies, a.AlertPolicyRef)
				l.ref("SLO/"+md.Name, "AlertPolicy", a.AlertPolicyRef, "alertPolicyRef", c.pos(path+".alertPolicyRef"))
			}
		case !inline:
			c.errf(path, "%s needs alertPolicyRef, or kind: AlertPolicy with metadata and spec", path)
		default:
			if a.Kind != "AlertPolicy" {
				c.errf(path+".kind", "%s.kind %q: an inline alert policy is kind: AlertPolicy", path, a.Kind)
			}
			if !c.checkName(path+".metadata.name", a.Metadata.Name) {
				continue
			}
			if a.Spec == nil {
				c.errf(path, "%s.spec is required", path)
				continue
			}
			ap := c.alertPolicy(path+".spec", a.Metadata.Name, a.Spec)
			if !c.bad && l.define("AlertPolicy", a.Metadata.Name, c.pos(path), nil) {
				l.cat.AlertPolicies[a.Metadata.Name] = ap
			}
			slo.AlertPolicies = append(slo.AlertPolicies, a.Metadata.Name)
		}
	}
	if c.bad || c.unresolved || !l.define("SLO", md.Name, p, &c.d.doc.Spec) {
		return
	}
	l.ref("SLO/"+md.Name, "Integration", s.Service, "service", l.fieldPos("SLO", md.Name, "service", p))
	if slo.NotEvaluated != "" {
		l.cat.pos["SLO/"+md.Name+"#notEvaluated"] = c.notEvaluatedAt
	}
	l.cat.SLOs = append(l.cat.SLOs, slo)
}

// inlineIndicator converts an SLO's own SLI.
func (c *osloCtx) inlineIndicator(slo *intops.SLO, path string, in *inlineSLI) {
	name := first(in.Metadata.Name, slo.Name)
	if in.Metadata.Name != "" {
		c.checkName(path+".metadata.name", in.Metadata.Name)
	}
	sli, why, at := c.indicator(path+".spec", name, &in.Spec)
	if sli != nil {
		slo.Indicator = *sli
	}
	slo.Indicator.Name = name
	if why != "" {
		slo.NotEvaluated, c.notEvaluatedAt = why, at
		slo.Prometheus = c.prom
	}
}

// indicatorRef points an SLO to an SLI document; it says whether that
// SLI is a thresholdMetric.
func (c *osloCtx) indicatorRef(slo *intops.SLO, path, name string) bool {
	if !c.checkName(path, name) {
		return false
	}
	slo.Indicator.Name = name
	c.l.ref("SLO/"+slo.Name, "SLI", name, "indicatorRef", c.pos(path))
	if why, ok := c.l.cat.notEvaluated[name]; ok {
		slo.NotEvaluated, c.notEvaluatedAt = why, c.pos(path)
		if p := c.l.openslo.promSLIs[name]; p != nil {
			cp := *p
			slo.Prometheus = &cp
		}
	}
	return c.l.openslo.thresholdSLI[name]
}

func (c *osloCtx) window(path string, tw *timeWindow) intops.Window {
	rolling := tw.Calendar == nil
	if tw.IsRolling != nil {
		rolling = *tw.IsRolling
	}
	switch {
	case tw.Duration == "":
		c.errf(path, "%s.duration is required (e.g. 28d rolling, 1M calendar)", path)
	case rolling && tw.Calendar != nil:
		c.errf(path+".calendar", "%s: a rolling window (isRolling: true) takes no calendar", path)
	case !rolling && tw.Calendar == nil:
		c.errf(path+".isRolling", "%s: a calendar-aligned window (isRolling: false) needs calendar.startTime and calendar.timeZone", path)
	}
	if cal := tw.Calendar; cal != nil {
		cp := path + ".calendar"
		if cal.StartTime == "" {
			c.errf(cp, "%s.startTime is required (e.g. 2026-01-01 00:00:00)", cp)
		} else if _, err := time.Parse(time.DateTime, cal.StartTime); err != nil {
			c.errf(cp+".startTime", "%s.startTime %q: want a date and time as 2006-01-02 15:04:05, without a time zone", cp, cal.StartTime)
		}
		if cal.TimeZone == "" {
			c.errf(cp, "%s.timeZone is required (an IANA name such as Europe/Berlin or UTC)", cp)
		} else if _, err := time.LoadLocation(cal.TimeZone); err != nil || cal.TimeZone == "Local" {
			c.errf(cp+".timeZone", "%s.timeZone %q: want an IANA time zone such as Europe/Berlin or UTC", cp, cal.TimeZone)
		}
	}
	w, err := intops.ParseWindow(tw.Duration, rolling)
	if err != nil {
		w = intops.Window{Text: tw.Duration, Rolling: rolling} // the slo.window rule reports it
	}
	return w
}

// objective checks one objective and returns its target as a share.
// The range of the first is the slo.objective rule's to report.
// op and value are what a thresholdMetric's values are compared with;
// an intops indicator compares by its own spec and needs neither.
func (c *osloCtx) objective(path string, o *objective, budgeting string, checkRange bool) (float64, bool) {
	if o.Op != "" && !contains(operators, o.Op) {
		c.errf(path+".op", "%s.op %q: want lte, gte, lt or gt", path, o.Op)
	}
	var t float64
	ok := true
	switch {
	case o.Target != nil && o.TargetPercent != nil:
		c.errf(path+".targetPercent", "%s: target and targetPercent exclude each other: set one", path)
		ok = false
	case o.Target != nil:
		t = *o.Target
		if checkRange && !(t >= 0 && t < 1) {
			c.errf(path+".target", "%s.target %g: want at least 0 and below 1", path, t)
		}
	case o.TargetPercent != nil:
		t = *o.TargetPercent / 100
		if checkRange && !(*o.TargetPercent >= 0 && *o.TargetPercent < 100) {
			c.errf(path+".targetPercent", "%s.targetPercent %g: want at least 0 and below 100", path, *o.TargetPercent)
		}
	default:
		c.errf(path, "%s needs target (0 to 1, e.g. 0.999) or targetPercent (e.g. 99.9)", path)
		ok = false
	}
	if budgeting == "Timeslices" {
		switch {
		case o.TimeSliceTarget == nil:
			c.errf(path, "%s.timeSliceTarget is required with budgetingMethod Timeslices: the share of good events that makes a slice good", path)
		case !(*o.TimeSliceTarget > 0 && *o.TimeSliceTarget <= 1):
			c.errf(path+".timeSliceTarget", "%s.timeSliceTarget %g: want above 0 and at most 1", path, *o.TimeSliceTarget)
		}
	}
	if budgeting == "Timeslices" || budgeting == "RatioTimeslices" {
		if o.TimeSliceWindow == "" {
			c.errf(path, "%s.timeSliceWindow is required with budgetingMethod %s (e.g. 5m)", path, budgeting)
		}
	}
	if o.TimeSliceWindow != "" {
		if _, err := sliceWindow(o.TimeSliceWindow); err != nil {
			c.errf(path+".timeSliceWindow", "%s.timeSliceWindow %q: %v", path, o.TimeSliceWindow, err)
		}
	}
	return t, ok
}

// sliceWindow reads a time slice: a duration-shorthand, or a number of
// minutes.
func sliceWindow(s string) (time.Duration, error) {
	if n, err := strconv.Atoi(s); err == nil {
		if n <= 0 {
			return 0, fmt.Errorf("want a positive number of minutes or a duration such as 5m")
		}
		return time.Duration(n) * time.Minute, nil
	}
	return shorthand(s, false)
}

// shorthand reads an OpenSLO duration-shorthand: a positive whole number
// and one of m, h, d, w, M, Q, Y (months, quarters and years at their
// nominal length). zero allows 0 (an alertAfter of none).
func shorthand(s string, zero bool) (time.Duration, error) {
	bad := fmt.Errorf("want a duration-shorthand: a whole number and one of m, h, d, w, M, Q, Y (e.g. 5m, 1h, 28d)")
	if len(s) < 2 {
		return 0, bad
	}
	n, err := strconv.Atoi(s[:len(s)-1])
	if err != nil || n < 0 || (n == 0 && !zero) || strings.ContainsAny(s[:len(s)-1], "+-") {
		return 0, bad
	}
	day := 24 * time.Hour
	unit := map[byte]time.Duration{'m': time.Minute, 'h': time.Hour, 'd': day, 'w': 7 * day, 'M': 30 * day, 'Q': 91 * day, 'Y': 365 * day}[s[len(s)-1]]
	if unit == 0 {
		return 0, bad
	}
	return time.Duration(n) * unit, nil
}

// indicator checks an SLI spec and converts it when its metric source is
// intops'. Otherwise it returns why intops does not evaluate it, and
// where the metric source stands.
func (c *osloCtx) indicator(path, name string, s *sliSpec) (*intops.SLI, string, Pos) {
	c.checkDescription(path+".description", s.Description)
	type src struct {
		path string
		m    *metricSource
	}
	var srcs []src
	add := func(p string, m *metric) {
		if m != nil {
			srcs = append(srcs, src{p + ".metricSource", &m.MetricSource})
		}
	}
	switch {
	case s.ThresholdMetric != nil && s.RatioMetric != nil:
		c.errf(path+".ratioMetric", "%s: thresholdMetric and ratioMetric exclude each other: set one", path)
	case s.ThresholdMetric != nil:
		add(path+".thresholdMetric", s.ThresholdMetric)
	case s.RatioMetric != nil:
		rp, r := path+".ratioMetric", s.RatioMetric
		switch {
		case r.Raw != nil && (r.Total != nil || r.Good != nil || r.Bad != nil):
			c.errf(rp+".raw", "%s: raw (a precomputed ratio) excludes good, bad and total", rp)
		case r.Raw != nil:
			switch r.RawType {
			case "success", "failure":
			case "":
				c.errf(rp+".raw", "%s.rawType is required with raw: success (good/total) or failure (bad/total)", rp)
			default:
				c.errf(rp+".rawType", "%s.rawType %q: want success or failure", rp, r.RawType)
			}
			add(rp+".raw", r.Raw)
		case r.Total == nil:
			c.errf(rp, "%s needs total with good or bad, or raw with rawType", rp)
		case r.Good != nil && r.Bad != nil:
			c.errf(rp+".bad", "%s: good and bad exclude each other: set one beside total", rp)
		case r.Good == nil && r.Bad == nil:
			c.errf(rp+".total", "%s needs good or bad beside total", rp)
		default:
			if r.RawType != "" {
				c.errf(rp+".rawType", "%s.rawType goes with raw only", rp)
			}
			add(rp+".good", r.Good)
			add(rp+".bad", r.Bad)
			add(rp+".total", r.Total)
		}
	default:
		c.errf(path, "%s needs a thresholdMetric or a ratioMetric", path)
	}
	// Every metric source has a spec and a type, written or taken from the
	// DataSource it refers to.
	var mine *src
	var foreign []string
	var foreignAt Pos
	c.prom = nil
	for i := range srcs {
		sp, m := srcs[i].path, srcs[i].m
		typ := m.Type
		if m.MetricSourceRef != "" && c.checkName(sp+".metricSourceRef", m.MetricSourceRef) {
			dsType, ok := c.l.openslo.dataSources[m.MetricSourceRef]
			if !ok {
				c.l.ref(c.key, "DataSource", m.MetricSourceRef, "metricSourceRef", c.pos(sp+".metricSourceRef"))
			}
			if typ == "" {
				typ = dsType
				c.unresolved = c.unresolved || !ok
			}
		}
		if m.MetricSourceRef == "" && m.Type == "" {
			c.errf(sp, "%s needs a type (e.g. intops) or a metricSourceRef to a DataSource", sp)
		}
		if m.Spec.Kind == 0 {
			c.errf(sp, "%s.spec is required: what to read from the source", sp)
		}
		switch {
		case strings.EqualFold(typ, "intops"):
			if mine == nil {
				mine = &srcs[i]
			}
		case typ != "":
			if !contains(foreign, typ) {
				foreign = append(foreign, typ)
			}
			if foreignAt.File == "" {
				foreignAt = c.pos(sp + ".type")
			}
		}
	}
	if c.bad || c.unresolved {
		return nil, "", Pos{}
	}
	if mine == nil {
		if len(foreign) == 1 && strings.EqualFold(foreign[0], "Prometheus") {
			if p, why := c.prometheusSLI(s, srcs[0].m); p != nil {
				c.prom = p
				return nil, PrometheusNotEvaluated, foreignAt
			} else if why != "" {
				return nil, "metric source Prometheus: " + why, foreignAt
			}
		}
		return nil, fmt.Sprintf("metric source %s: intops evaluates only indicators of type intops, computed from the integration's traffic", strings.Join(foreign, ", ")), foreignAt
	}
	return c.intopsSLI(mine.path+".spec", name, mine.m), "", Pos{}
}

// intopsSLI converts a metric source of type intops.
func (c *osloCtx) intopsSLI(path, name string, src *metricSource) *intops.SLI {
	l, file := c.l, c.d.file
	var is intopsSource
	if !l.decodeStrict(file, &src.Spec, &is, path) {
		c.bad = true
		return nil
	}
	sli := &intops.SLI{Name: name, Kind: intops.SLIKind(is.SLI), Floor: is.Floor, NoData: is.NoData}
	if is.SLI == "" {
		c.errf(path, "%s.sli is required: success_ratio, latency, freshness or throughput", path)
		return nil
	}
	if !slices.Contains(intops.SLIKinds, sli.Kind) {
		c.errf(path+".sli", "sli %q: want success_ratio, latency, freshness or throughput", is.SLI)
		return nil
	}
	if is.Threshold != "" {
		d, err := time.ParseDuration(is.Threshold)
		if err != nil || d <= 0 {
			c.errf(path+".threshold", "threshold %q: want a duration such as 2s or 15m", is.Threshold)
			return nil
		}
		sli.Threshold = d
	}
	if (sli.Kind == intops.SLILatency || sli.Kind == intops.SLIFreshness) && sli.Threshold == 0 {
		c.errf(path, "a %s SLI needs a threshold", sli.Kind)
		return nil
	}
	if sli.Kind == intops.SLIThroughput && sli.Floor <= 0 {
		c.errf(path, "a throughput SLI needs a floor (records per window) above 0")
		return nil
	}
	switch is.NoData {
	case "", "good", "bad", "alert":
	default:
		c.errf(path+".noData", "noData %q: want good, bad or alert", is.NoData)
		return nil
	}
	for _, cl := range is.BadClasses {
		cls, err := intops.ParseErrorClass(cl)
		if err != nil {
			c.errf(path+".badClasses", "badClasses: %v", err)
			return nil
		}
		sli.BadClasses = append(sli.BadClasses, cls)
	}
	return sli
}

func (c *osloCtx) target(path string, s *targetSpec) {
	c.checkDescription(path+".description", s.Description)
	if s.Target == "" {
		c.errf(path, "%s.target is required: where notifications go (e.g. slack, email, webhook)", path)
	}
}

// alertPolicy checks and converts an AlertPolicy spec. OpenSLO v1 holds
// one condition per policy; intops also takes several (the multiwindow
// burn rates of one policy).
func (c *osloCtx) alertPolicy(path, name string, s *alertPolicySpec) *intops.AlertPolicy {
	l := c.l
	c.checkDescription(path+".description", s.Description)
	ap := &intops.AlertPolicy{Name: name, Description: s.Description, AlertWhenNoData: s.AlertWhenNoData}
	if len(s.Conditions) == 0 {
		c.errf(path, "%s.conditions needs a condition: conditionRef, or an inline kind: AlertCondition", path)
	}
	for i, cn := range s.Conditions {
		cp := fmt.Sprintf("%s.conditions[%d]", path, i)
		inline := cn.Spec != nil || cn.Kind != "" || cn.Metadata.Name != ""
		switch {
		case cn.ConditionRef != "" && inline:
			c.errf(cp, "%s: conditionRef and an inline AlertCondition exclude each other: set one", cp)
		case cn.ConditionRef != "":
			if c.checkName(cp+".conditionRef", cn.ConditionRef) {
				l.openslo.pendingConds = append(l.openslo.pendingConds, pendingCond{policy: ap, ref: cn.ConditionRef, at: c.pos(cp + ".conditionRef")})
			}
		case !inline:
			c.errf(cp, "%s needs conditionRef, or kind: AlertCondition with metadata and spec", cp)
		default:
			if cn.Kind != "AlertCondition" {
				c.errf(cp+".kind", "%s.kind %q: an inline condition is kind: AlertCondition", cp, cn.Kind)
			}
			c.checkName(cp+".metadata.name", cn.Metadata.Name)
			if cn.Spec == nil {
				c.errf(cp, "%s.spec is required", cp)
				continue
			}
			ap.Conditions = append(ap.Conditions, c.condition(cp+".spec", cn.Metadata.Name, cn.Spec))
		}
	}
	for i, t := range s.NotificationTargets {
		tp := fmt.Sprintf("%s.notificationTargets[%d]", path, i)
		inline := t.Spec != nil || t.Kind != "" || t.Metadata.Name != ""
		switch {
		case t.TargetRef != "" && inline:
			c.errf(tp, "%s: targetRef and an inline AlertNotificationTarget exclude each other: set one", tp)
		case t.TargetRef != "":
			if c.checkName(tp+".targetRef", t.TargetRef) {
				l.ref("AlertPolicy/"+name, "AlertNotificationTarget", t.TargetRef, "targetRef", c.pos(tp+".targetRef"))
				ap.Targets = append(ap.Targets, t.TargetRef)
			}
		case !inline:
			c.errf(tp, "%s needs targetRef, or kind: AlertNotificationTarget with metadata and spec", tp)
		default:
			if t.Kind != "AlertNotificationTarget" {
				c.errf(tp+".kind", "%s.kind %q: an inline target is kind: AlertNotificationTarget", tp, t.Kind)
			}
			ok := c.checkName(tp+".metadata.name", t.Metadata.Name)
			if t.Spec == nil {
				c.errf(tp, "%s.spec is required", tp)
				continue
			}
			c.target(tp+".spec", t.Spec)
			if ok && !c.bad && l.define("AlertNotificationTarget", t.Metadata.Name, c.pos(tp), nil) {
				nt := ParseTarget(t.Metadata.Name, t.Spec.Target, t.Spec.Description)
				l.cat.Targets[t.Metadata.Name] = &nt
				ap.Targets = append(ap.Targets, t.Metadata.Name)
			}
		}
	}
	return ap
}

// condition checks and converts an AlertCondition spec (a burn rate).
func (c *osloCtx) condition(path, name string, s *alertConditionSpec) intops.AlertCondition {
	c.checkDescription(path+".description", s.Description)
	cond := intops.AlertCondition{Name: name, Severity: s.Severity}
	if s.Severity == "" {
		c.errf(path, "%s.severity is required (e.g. page or ticket)", path)
	}
	if s.Condition == nil {
		c.errf(path, "%s.condition is required: kind burnrate with threshold, lookbackWindow and alertAfter", path)
		return cond
	}
	cp, b := path+".condition", s.Condition
	if b.Kind != "" && b.Kind != "burnrate" {
		c.errf(cp+".kind", "%s.kind %q: want burnrate", cp, b.Kind)
	}
	if b.Op != "" && !contains(operators, b.Op) {
		c.errf(cp+".op", "%s.op %q: want lte, gte, lt or gt", cp, b.Op)
	}
	switch {
	case b.Threshold == nil:
		c.errf(cp, "%s.threshold is required: the burn rate to alert at (e.g. 14.4)", cp)
	case *b.Threshold <= 0:
		c.errf(cp+".threshold", "%s.threshold %g: want a burn rate above 0", cp, *b.Threshold)
	default:
		cond.BurnRate = *b.Threshold
	}
	if b.LookbackWindow == "" {
		c.errf(cp, "%s.lookbackWindow is required (e.g. 1h)", cp)
	} else if d, err := shorthand(b.LookbackWindow, false); err != nil {
		c.errf(cp+".lookbackWindow", "%s.lookbackWindow %q: %v", cp, b.LookbackWindow, err)
	} else {
		cond.LongWindow = d
	}
	if b.AlertAfter != "" {
		if d, err := shorthand(b.AlertAfter, true); err != nil {
			c.errf(cp+".alertAfter", "%s.alertAfter %q: %v", cp, b.AlertAfter, err)
		} else {
			cond.ShortWindow = d
		}
	}
	return cond
}

type pendingCond struct {
	policy *intops.AlertPolicy
	ref    string
	at     Pos
}

// resolveConditions attaches referenced AlertConditions to their policies.
func (l *loader) resolveConditions() {
	for _, pc := range l.openslo.pendingConds {
		c, ok := l.openslo.conditions[pc.ref]
		if !ok {
			l.cat.refs = append(l.cat.refs, Ref{From: "AlertPolicy/" + pc.policy.Name, Kind: "AlertCondition", Name: pc.ref, What: "conditionRef", At: pc.at})
			continue
		}
		pc.policy.Conditions = append(pc.policy.Conditions, c)
	}
}

// PrometheusNotEvaluated is why a Prometheus SLO is not evaluated until a
// server knows a Prometheus to query; the server evaluates it when its
// DataSource gives a URL or the server has --prometheus-url.
const PrometheusNotEvaluated = "metric source Prometheus: evaluated by the server when it has a Prometheus URL to query " +
	"(spec.url on the SLO's DataSource, or the server's --prometheus-url / INTOPS_PROMETHEUS_URL)"

// prometheusSLI reads the queries of an indicator whose metric sources
// are all of type Prometheus; src is one of them, for the DataSource.
// It returns why not when the indicator has no form intops evaluates.
func (c *osloCtx) prometheusSLI(s *sliSpec, src *metricSource) (*intops.PrometheusSLI, string) {
	query := func(m *metric) string {
		if m == nil {
			return ""
		}
		var ps prometheusSource
		if m.MetricSource.Spec.Kind != yaml.MappingNode || m.MetricSource.Spec.Decode(&ps) != nil {
			return ""
		}
		return strings.TrimSpace(first(ps.Query, ps.PromQL))
	}
	p := &intops.PrometheusSLI{DataSource: src.MetricSourceRef}
	if p.DataSource != "" {
		p.URL = c.l.openslo.dataURLs[p.DataSource]
	}
	switch {
	case s.ThresholdMetric != nil:
		p.Query = query(s.ThresholdMetric)
		if p.Query == "" {
			return nil, "the thresholdMetric's spec has no query"
		}
	case s.RatioMetric != nil && s.RatioMetric.Raw != nil:
		return nil, "intops reads good, bad and total counters of a Prometheus ratioMetric, not a raw ratio"
	case s.RatioMetric != nil:
		r := s.RatioMetric
		p.Good, p.Bad, p.Total = query(r.Good), query(r.Bad), query(r.Total)
		if p.Total == "" || (p.Good == "" && p.Bad == "") {
			return nil, "the ratioMetric needs a query in the spec of total and of good or bad"
		}
	default:
		return nil, ""
	}
	return p, ""
}
