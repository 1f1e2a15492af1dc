package importer

import (
	"fmt"
	"strconv"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/intops/intops/catalog"
)

// Sloth's file types (github.com/slok/sloth): the prometheus/v1 spec
// and the PrometheusServiceLevel resource, whose spec is the same.

type slothSpec struct {
	Version string            `yaml:"version"`
	Service string            `yaml:"service"`
	Labels  map[string]string `yaml:"labels"`
	SLOs    []slothSLO        `yaml:"slos"`
}

type slothResource struct {
	APIVersion string       `yaml:"apiVersion"`
	Kind       string       `yaml:"kind"`
	Metadata   k8sMeta      `yaml:"metadata"`
	Spec       slothResSpec `yaml:"spec"`
	Status     yaml.Node    `yaml:"status"`
}

type slothResSpec struct {
	Service string            `yaml:"service"`
	Labels  map[string]string `yaml:"labels"`
	SLOs    []slothSLO        `yaml:"slos"`
}

// k8sMeta is a Kubernetes object's metadata; what intops does not use is
// accepted as written.
type k8sMeta struct {
	Name              string            `yaml:"name"`
	Namespace         string            `yaml:"namespace"`
	Labels            map[string]string `yaml:"labels"`
	Annotations       map[string]string `yaml:"annotations"`
	UID               string            `yaml:"uid"`
	ResourceVersion   string            `yaml:"resourceVersion"`
	Generation        int64             `yaml:"generation"`
	CreationTimestamp yaml.Node         `yaml:"creationTimestamp"`
	ManagedFields     yaml.Node         `yaml:"managedFields"`
	OwnerReferences   yaml.Node         `yaml:"ownerReferences"`
	Finalizers        []string          `yaml:"finalizers"`
}

type slothSLO struct {
	Name        string            `yaml:"name"`
	Objective   yaml.Node         `yaml:"objective"` // a number; the resource also takes a string
	Description string            `yaml:"description"`
	Labels      map[string]string `yaml:"labels"`
	SLI         slothSLI          `yaml:"sli"`
	Alerting    slothAlerting     `yaml:"alerting"`
}

type slothSLI struct {
	Events *struct {
		ErrorQuery string `yaml:"error_query"`
		TotalQuery string `yaml:"total_query"`
	} `yaml:"events"`
	Raw *struct {
		ErrorRatioQuery string `yaml:"error_ratio_query"`
	} `yaml:"raw"`
	Plugin *struct {
		ID      string            `yaml:"id"`
		Options map[string]string `yaml:"options"`
	} `yaml:"plugin"`
}

type slothAlerting struct {
	Name        string            `yaml:"name"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
	PageAlert   slothAlert        `yaml:"page_alert"`
	TicketAlert slothAlert        `yaml:"ticket_alert"`
}

type slothAlert struct {
	Disable     bool              `yaml:"disable"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

// slothWindows are Sloth's multiwindow, multi-burn-rate alerts for a
// 30-day SLO (the Google SRE workbook's): the share of the error budget
// each alert fires at, over its long window, confirmed by its short one.
// The factor is the budget share × the SLO period / the long window.
var slothWindows = []struct {
	name, severity string
	budget         float64 // share of the error budget burnt within long
	long, short    time.Duration
}{
	{"quick", "page", 0.02, time.Hour, 5 * time.Minute},         // 2% of the budget in an hour: 14.4× for 30d
	{"slow", "page", 0.05, 6 * time.Hour, 30 * time.Minute},     // 5% in 6 hours: 6×
	{"quick", "ticket", 0.10, 24 * time.Hour, 2 * time.Hour},    // 10% in a day: 3×
	{"slow", "ticket", 0.10, 3 * 24 * time.Hour, 6 * time.Hour}, // 10% in 3 days: 1×
}

// slothBurnWindows returns Sloth's alert windows for an SLO period. For
// 28 and 30 days they are Sloth's own; other periods scale the windows
// with the period, to the minute, as Sloth's generated windows do.
func slothBurnWindows(period time.Duration) []burnWindow {
	day := 24 * time.Hour
	scale := 1.0
	if period != 28*day && period != 30*day {
		scale = float64(period) / float64(30*day)
	}
	var out []burnWindow
	for _, w := range slothWindows {
		long := max(time.Minute, time.Duration(float64(w.long)*scale).Round(time.Minute))
		short := max(time.Minute, time.Duration(float64(w.short)*scale).Round(time.Minute))
		factor := w.budget * float64(period) / float64(long)
		factor, _ = strconv.ParseFloat(strconv.FormatFloat(factor, 'f', 4, 64), 64)
		out = append(out, burnWindow{Name: w.name, Severity: w.severity, Factor: factor, Long: long, Short: short})
	}
	return out
}

// Sloth reads Sloth SLOs from a file: prometheus/v1 specs and
// PrometheusServiceLevel resources (sloth.slok.dev/v1), any number of
// YAML documents. Each becomes an OpenSLO Service, and each of its SLOs
// an OpenSLO SLO on Prometheus queries with alert policies for Sloth's
// page and ticket alerts. Invalid input is an error with every problem at
// its file:line; SLOs that cannot be written (SLI plugins) are reported
// as problems and left out.
func Sloth(path string, opts SLOOptions) (*Result, error) {
	docs, err := readDocs(path)
	if err != nil {
		return nil, err
	}
	e := &errs{file: path}
	w := newSLOWriter()
	for _, doc := range docs {
		var spec slothSpec
		var specNode *yaml.Node
		switch {
		case field(doc, "version", nil) != nil:
			e.add(catalog.DecodeStrict(path, doc, &spec, ""))
			if spec.Version != "prometheus/v1" {
				e.at(field(doc, "version", doc), "version %q: want prometheus/v1", spec.Version)
				continue
			}
			specNode = doc
		case field(doc, "apiVersion", nil) != nil:
			api, kind := field(doc, "apiVersion", doc), field(doc, "kind", doc)
			if api.Value != "sloth.slok.dev/v1" || kind.Value != "PrometheusServiceLevel" {
				e.at(api, "apiVersion %q, kind %q: want sloth.slok.dev/v1 PrometheusServiceLevel", api.Value, kind.Value)
				continue
			}
			var r slothResource
			e.add(catalog.DecodeStrict(path, doc, &r, ""))
			spec = slothSpec{Version: "prometheus/v1", Service: r.Spec.Service, Labels: r.Spec.Labels, SLOs: r.Spec.SLOs}
			specNode = field(doc, "spec", doc)
		default:
			e.at(doc, "not a Sloth document: want version: prometheus/v1, or apiVersion: sloth.slok.dev/v1 with kind: PrometheusServiceLevel")
			continue
		}
		slothService(e, w, specNode, &spec, opts)
	}
	if err := e.err(); err != nil {
		return nil, err
	}
	return w.finish()
}

func slothService(e *errs, w *sloWriter, n *yaml.Node, spec *slothSpec, opts SLOOptions) {
	if spec.Service == "" {
		e.at(n, "service is required: the application the SLOs are of")
		return
	}
	if len(spec.SLOs) == 0 {
		e.at(n, "slos: want at least one SLO")
		return
	}
	service := opts.Service
	if service == "" {
		service = dnsName(spec.Service)
	}
	period := opts.period()
	var drafts []*sloDraft
	for i := range spec.SLOs {
		s := &spec.SLOs[i]
		sn := item(field(n, "slos", n), i)
		at := func(path string) *yaml.Node { return key(sn, path) }
		bad := len(e.list)
		if s.Name == "" {
			e.at(sn, "slos[%d].name is required", i)
		}
		obj, err := percent(&s.Objective)
		switch {
		case s.Objective.Kind == 0:
			e.at(sn, "slos[%d].objective is required: the target percentage, e.g. 99.9", i)
		case err != nil:
			e.at(&s.Objective, "slos[%d].objective %q: want a percentage, e.g. 99.9", i, s.Objective.Value)
		case !(obj > 0 && obj < 100):
			e.at(&s.Objective, "slos[%d].objective %s: want above 0 and below 100 (an objective of 100%% leaves no error budget)", i, s.Objective.Value)
		}
		d := &sloDraft{
			name: dnsName(spec.Service + "-" + s.Name), displayName: s.Name, description: s.Description,
			service: service, labels: merge(spec.Labels, s.Labels), window: period, target: share(obj), source: "Sloth",
		}
		sli := s.SLI
		set := 0
		for _, b := range []bool{sli.Events != nil, sli.Raw != nil, sli.Plugin != nil} {
			if b {
				set++
			}
		}
		switch {
		case set == 0:
			e.at(at("sli"), "slos[%d].sli needs one of events, raw or plugin", i)
		case set > 1:
			e.at(at("sli"), "slos[%d].sli: events, raw and plugin exclude each other: set one", i)
		case sli.Events != nil:
			if sli.Events.ErrorQuery == "" {
				e.at(at("sli.events"), "slos[%d].sli.events.error_query is required: the Prometheus query of bad events", i)
			}
			if sli.Events.TotalQuery == "" {
				e.at(at("sli.events"), "slos[%d].sli.events.total_query is required: the Prometheus query of all events", i)
			}
			d.ratio = osloRatio{Bad: promSource(sli.Events.ErrorQuery), Total: promSource(sli.Events.TotalQuery)}
		case sli.Raw != nil:
			if sli.Raw.ErrorRatioQuery == "" {
				e.at(at("sli.raw"), "slos[%d].sli.raw.error_ratio_query is required: the Prometheus query of the error ratio", i)
			}
			d.ratio = osloRatio{Raw: promSource(sli.Raw.ErrorRatioQuery), RawType: "failure"}
		case sli.Plugin != nil:
			p := at("sli.plugin")
			w.res.Problems = append(w.res.Problems, fmt.Sprintf("%s:%d: SLO %q not imported: sli.plugin %q makes its queries when Sloth generates rules; write them as sli.events or sli.raw",
				e.file, p.Line, s.Name, sli.Plugin.ID))
			continue
		}
		if len(e.list) > bad {
			continue
		}
		a := s.Alerting
		d.alertName = a.Name
		d.alertLabels = map[string]map[string]string{
			"page": merge(a.Labels, a.PageAlert.Labels), "ticket": merge(a.Labels, a.TicketAlert.Labels),
		}
		d.alertAnnotations = map[string]map[string]string{
			"page": merge(a.Annotations, a.PageAlert.Annotations), "ticket": merge(a.Annotations, a.TicketAlert.Annotations),
		}
		for _, bw := range slothBurnWindows(period) {
			if (bw.Severity == "page" && a.PageAlert.Disable) || (bw.Severity == "ticket" && a.TicketAlert.Disable) {
				continue
			}
			d.windows = append(d.windows, bw)
		}
		drafts = append(drafts, d)
	}
	if len(drafts) == 0 {
		return
	}
	w.service(service, spec.Service, fmt.Sprintf("Imported from the Sloth SLOs of service %s", spec.Service))
	for _, d := range drafts {
		w.slo(d)
	}
}

// percent reads a percentage written as a number or a string.
func percent(n *yaml.Node) (float64, error) {
	if n.Kind != yaml.ScalarNode {
		return 0, fmt.Errorf("not a number")
	}
	return strconv.ParseFloat(n.Value, 64)
}
