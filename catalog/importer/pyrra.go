package importer

import (
	"fmt"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/intops/intops/catalog"
)

// Pyrra's file type (github.com/pyrra-dev/pyrra,
// kubernetes/api/v1alpha1): a ServiceLevelObjective resource.

type pyrraSLO struct {
	APIVersion string    `yaml:"apiVersion"`
	Kind       string    `yaml:"kind"`
	Metadata   k8sMeta   `yaml:"metadata"`
	Spec       pyrraSpec `yaml:"spec"`
	Status     yaml.Node `yaml:"status"`
}

type pyrraSpec struct {
	Description             string         `yaml:"description"`
	Target                  yaml.Node      `yaml:"target"` // a percentage as a string, "99.5"
	Window                  string         `yaml:"window"`
	Indicator               pyrraIndicator `yaml:"indicator"`
	Alerting                pyrraAlerting  `yaml:"alerting"`
	PartialResponseStrategy string         `yaml:"partial_response_strategy"`
}

type pyrraIndicator struct {
	Ratio *struct {
		Errors   pyrraQuery `yaml:"errors"`
		Total    pyrraQuery `yaml:"total"`
		Grouping []string   `yaml:"grouping"`
	} `yaml:"ratio"`
	Latency *struct {
		Success  pyrraQuery `yaml:"success"`
		Total    pyrraQuery `yaml:"total"`
		Grouping []string   `yaml:"grouping"`
	} `yaml:"latency"`
	LatencyNative *struct {
		Total    pyrraQuery `yaml:"total"`
		Latency  string     `yaml:"latency"`
		Grouping []string   `yaml:"grouping"`
	} `yaml:"latencyNative"`
	BoolGauge *struct {
		Metric   string   `yaml:"metric"`
		Grouping []string `yaml:"grouping"`
	} `yaml:"bool_gauge"`
}

type pyrraQuery struct {
	Metric string `yaml:"metric"`
}

type pyrraAlerting struct {
	Disabled   *bool  `yaml:"disabled"`
	Burnrates  *bool  `yaml:"burnrates"`
	Absent     *bool  `yaml:"absent"`
	Name       string `yaml:"name"`
	AbsentName string `yaml:"absentName"`
}

// pyrraWindows are Pyrra's multiwindow burn-rate alerts, written for a
// 28-day window and scaled with the SLO's (slo/rules.go: Windows).
var pyrraWindows = []struct {
	name, severity string
	factor         float64
	long, short    time.Duration // for 28 days
}{
	{"quick", "page", 14, time.Hour, 5 * time.Minute},        // 50% of the budget within a day
	{"slow", "page", 7, 6 * time.Hour, 30 * time.Minute},     // 20% within a day, all within 5 days
	{"quick", "ticket", 2, 24 * time.Hour, 2 * time.Hour},    // all of the budget within 2 weeks
	{"slow", "ticket", 1, 4 * 24 * time.Hour, 6 * time.Hour}, // all of it within the window
}

func pyrraBurnWindows(window time.Duration) []burnWindow {
	scale := float64(window) / float64(28*24*time.Hour)
	var out []burnWindow
	for _, w := range pyrraWindows {
		out = append(out, burnWindow{Name: w.name, Severity: w.severity, Factor: w.factor,
			Long:  max(time.Minute, time.Duration(float64(w.long)*scale).Round(time.Minute)),
			Short: max(time.Minute, time.Duration(float64(w.short)*scale).Round(time.Minute))})
	}
	return out
}

// Pyrra reads Pyrra ServiceLevelObjective resources (pyrra.dev/v1alpha1)
// from a file, any number of YAML documents, and writes each as an
// OpenSLO SLO on Prometheus metrics, with alert policies for Pyrra's
// burn-rate alerts, and a Service for each namespace (or opts.Service).
// Invalid input is an error with every problem at its file:line; SLOs
// that cannot be written (native-histogram latency) are reported as
// problems and left out.
func Pyrra(path string, opts SLOOptions) (*Result, error) {
	docs, err := readDocs(path)
	if err != nil {
		return nil, err
	}
	e := &errs{file: path}
	w := newSLOWriter()
	var drafts []*sloDraft
	for _, doc := range docs {
		api, kind := field(doc, "apiVersion", doc), field(doc, "kind", doc)
		if api.Value != "pyrra.dev/v1alpha1" || kind.Value != "ServiceLevelObjective" {
			e.at(api, "apiVersion %q, kind %q: want pyrra.dev/v1alpha1 ServiceLevelObjective", api.Value, kind.Value)
			continue
		}
		var r pyrraSLO
		e.add(catalog.DecodeStrict(path, doc, &r, ""))
		if d := pyrraDraft(e, w, doc, &r, opts); d != nil {
			drafts = append(drafts, d)
		}
	}
	if err := e.err(); err != nil {
		return nil, err
	}
	for _, d := range drafts {
		w.service(d.service, d.service, "Imported from Pyrra ServiceLevelObjectives")
		w.slo(d)
	}
	return w.finish()
}

func pyrraDraft(e *errs, w *sloWriter, doc *yaml.Node, r *pyrraSLO, opts SLOOptions) *sloDraft {
	at := func(path string) *yaml.Node { return key(doc, path) }
	bad := len(e.list)
	md, s := &r.Metadata, &r.Spec
	if md.Name == "" {
		e.at(at("metadata"), "metadata.name is required")
	}
	target, err := percent(&s.Target)
	switch {
	case s.Target.Kind == 0:
		e.at(at("spec"), "spec.target is required: the target percentage, e.g. \"99.5\"")
	case err != nil:
		e.at(&s.Target, "spec.target %q: want a percentage, e.g. \"99.5\"", s.Target.Value)
	case !(target > 0 && target < 100):
		e.at(&s.Target, "spec.target %s: want above 0 and below 100 (a target of 100%% leaves no error budget)", s.Target.Value)
	}
	var window time.Duration
	if s.Window == "" {
		e.at(at("spec"), "spec.window is required, e.g. 28d")
	} else if window, err = ParsePeriod(s.Window); err != nil {
		e.at(field(doc, "spec.window", doc), "spec.window %q: %v", s.Window, err)
	}
	service := opts.Service
	if service == "" {
		service = dnsName(first(md.Namespace, md.Name))
	}
	d := &sloDraft{
		name: dnsName(md.Name), displayName: md.Name, description: s.Description, service: service,
		labels: md.Labels, annotations: md.Annotations, window: window, target: share(target), source: "Pyrra",
		alertName: first(s.Alerting.Name, "ErrorBudgetBurn"),
	}
	in := s.Indicator
	set := 0
	for _, b := range []bool{in.Ratio != nil, in.Latency != nil, in.LatencyNative != nil, in.BoolGauge != nil} {
		if b {
			set++
		}
	}
	required := func(path, v string) {
		if v == "" {
			e.at(at(path[:strings.LastIndex(path, ".")]), "%s is required: a Prometheus metric selector", path)
		}
	}
	switch {
	case set == 0:
		e.at(at("spec.indicator"), "spec.indicator needs one of ratio, latency, latencyNative or bool_gauge")
	case set > 1:
		e.at(at("spec.indicator"), "spec.indicator: ratio, latency, latencyNative and bool_gauge exclude each other: set one")
	case in.Ratio != nil:
		required("spec.indicator.ratio.errors.metric", in.Ratio.Errors.Metric)
		required("spec.indicator.ratio.total.metric", in.Ratio.Total.Metric)
		d.ratio = osloRatio{Counter: true, Bad: promSource(grouped("sum", in.Ratio.Errors.Metric, in.Ratio.Grouping)),
			Total: promSource(grouped("sum", in.Ratio.Total.Metric, in.Ratio.Grouping))}
	case in.Latency != nil:
		required("spec.indicator.latency.success.metric", in.Latency.Success.Metric)
		required("spec.indicator.latency.total.metric", in.Latency.Total.Metric)
		d.ratio = osloRatio{Counter: true, Good: promSource(grouped("sum", in.Latency.Success.Metric, in.Latency.Grouping)),
			Total: promSource(grouped("sum", in.Latency.Total.Metric, in.Latency.Grouping))}
	case in.BoolGauge != nil:
		required("spec.indicator.bool_gauge.metric", in.BoolGauge.Metric)
		// A gauge of 1 (success) and 0 (failure): its mean is the share
		// of good samples.
		d.ratio = osloRatio{Raw: promSource(grouped("avg", in.BoolGauge.Metric, in.BoolGauge.Grouping)), RawType: "success"}
	case in.LatencyNative != nil:
		if len(e.list) == bad {
			p := at("spec.indicator.latencyNative")
			w.res.Problems = append(w.res.Problems, fmt.Sprintf("%s:%d: SLO %q not imported: spec.indicator.latencyNative reads a native histogram, which an OpenSLO ratio of queries does not express; write it as latency with success and total",
				e.file, p.Line, md.Name))
		}
		return nil
	}
	if len(e.list) > bad {
		return nil
	}
	a := s.Alerting
	if (a.Disabled == nil || !*a.Disabled) && (a.Burnrates == nil || *a.Burnrates) {
		d.windows = pyrraBurnWindows(window)
	}
	return d
}

// grouped aggregates a metric by Pyrra's grouping labels; without them
// the metric stands as written.
func grouped(agg, metric string, by []string) string {
	if len(by) == 0 {
		return metric
	}
	return fmt.Sprintf("%s by (%s) (%s)", agg, strings.Join(by, ", "), metric)
}

func first(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
