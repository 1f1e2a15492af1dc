package importer

import (
	"bytes"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"gopkg.in/yaml.v3"

	"github.com/intops/intops"
	"github.com/intops/intops/catalog"
)

// SLOOptions adjust an import of Prometheus SLOs (Sloth, Pyrra).
type SLOOptions struct {
	// Service is the OpenSLO service (an intops integration id) every SLO
	// measures; empty: the service the source names.
	Service string
	// Period is the SLO window where the source has none (Sloth's
	// --default-slo-period); 0 means 30 days.
	Period time.Duration
}

func (o SLOOptions) period() time.Duration {
	if o.Period > 0 {
		return o.Period
	}
	return 30 * 24 * time.Hour
}

// OpenSLO v1 documents as written.

type osloDoc struct {
	APIVersion string   `yaml:"apiVersion"`
	Kind       string   `yaml:"kind"`
	Metadata   osloMeta `yaml:"metadata"`
	Spec       any      `yaml:"spec"`
}

type osloMeta struct {
	Name        string            `yaml:"name"`
	DisplayName string            `yaml:"displayName,omitempty"`
	Labels      map[string]string `yaml:"labels,omitempty"`
	Annotations map[string]string `yaml:"annotations,omitempty"`
}

type osloService struct {
	Description string `yaml:"description,omitempty"`
}

type osloSLO struct {
	Description     string          `yaml:"description,omitempty"`
	Service         string          `yaml:"service"`
	Indicator       osloIndicator   `yaml:"indicator"`
	TimeWindow      []osloWindow    `yaml:"timeWindow"`
	BudgetingMethod string          `yaml:"budgetingMethod"`
	Objectives      []osloObjective `yaml:"objectives"`
	AlertPolicies   []osloPolicyRef `yaml:"alertPolicies,omitempty"`
}

type osloIndicator struct {
	Metadata osloMeta `yaml:"metadata"`
	Spec     osloSLI  `yaml:"spec"`
}

type osloSLI struct {
	Description string    `yaml:"description,omitempty"`
	RatioMetric osloRatio `yaml:"ratioMetric"`
}

type osloRatio struct {
	Counter bool        `yaml:"counter"`
	Good    *osloMetric `yaml:"good,omitempty"`
	Bad     *osloMetric `yaml:"bad,omitempty"`
	Total   *osloMetric `yaml:"total,omitempty"`
	Raw     *osloMetric `yaml:"raw,omitempty"`
	RawType string      `yaml:"rawType,omitempty"`
}

type osloMetric struct {
	MetricSource osloSource `yaml:"metricSource"`
}

type osloSource struct {
	Type string        `yaml:"type"`
	Spec osloQuerySpec `yaml:"spec"`
}

type osloQuerySpec struct {
	Query string `yaml:"query"`
}

type osloWindow struct {
	Duration  string `yaml:"duration"`
	IsRolling bool   `yaml:"isRolling"`
}

type osloObjective struct {
	DisplayName string  `yaml:"displayName,omitempty"`
	Target      float64 `yaml:"target"`
}

type osloPolicyRef struct {
	AlertPolicyRef string `yaml:"alertPolicyRef"`
}

type osloPolicy struct {
	Description        string          `yaml:"description,omitempty"`
	AlertWhenBreaching bool            `yaml:"alertWhenBreaching"`
	AlertWhenResolved  bool            `yaml:"alertWhenResolved"`
	Conditions         []osloCondition `yaml:"conditions"`
}

type osloCondition struct {
	Kind     string            `yaml:"kind"`
	Metadata osloMeta          `yaml:"metadata"`
	Spec     osloConditionSpec `yaml:"spec"`
}

type osloConditionSpec struct {
	Description string       `yaml:"description,omitempty"`
	Severity    string       `yaml:"severity"`
	Condition   osloBurnRate `yaml:"condition"`
}

type osloBurnRate struct {
	Kind           string  `yaml:"kind"`
	Op             string  `yaml:"op"`
	Threshold      float64 `yaml:"threshold"`
	LookbackWindow string  `yaml:"lookbackWindow"`
	AlertAfter     string  `yaml:"alertAfter"`
}

// burnWindow is one multiwindow burn-rate alert: the error budget burnt
// Factor times faster than the window allows, over Long and confirmed
// over Short.
type burnWindow struct {
	Name        string // quick, slow, …
	Severity    string // page or ticket
	Factor      float64
	Long, Short time.Duration
}

// sloDraft is one SLO to write, with its alert windows by severity.
type sloDraft struct {
	name, displayName, description string
	service                        string
	labels, annotations            map[string]string
	window                         time.Duration
	target                         float64
	ratio                          osloRatio
	// alerting: windows of the alerts to write; alertName, alertLabels
	// and alertAnnotations of each severity's policy.
	windows          []burnWindow
	alertName        string
	alertLabels      map[string]map[string]string // by severity
	alertAnnotations map[string]map[string]string // by severity
	source           string                       // Sloth, Pyrra: for descriptions
}

// sloWriter collects the documents of an import and keeps their names
// unique.
type sloWriter struct {
	docs     []osloDoc
	names    map[string]bool // kind/name
	services map[string]bool
	res      *Result
}

func newSLOWriter() *sloWriter {
	return &sloWriter{names: map[string]bool{}, services: map[string]bool{}, res: &Result{}}
}

// unique returns name, or name with a number when kind/name is taken.
func (w *sloWriter) unique(kind, name string) string {
	n := name
	for i := 2; w.names[kind+"/"+n]; i++ {
		n = withSuffix(name, "-"+strconv.Itoa(i))
	}
	w.names[kind+"/"+n] = true
	return n
}

func (w *sloWriter) service(name, displayName, description string) {
	if w.services[name] {
		return
	}
	w.services[name] = true
	w.names["Service/"+name] = true
	md := osloMeta{Name: name}
	if displayName != name {
		md.DisplayName = displayName
	}
	w.docs = append(w.docs, osloDoc{APIVersion: "openslo/v1", Kind: "Service", Metadata: md, Spec: osloService{Description: description}})
	w.res.Services++
}

// slo adds an SLO and its alert policies: one per severity, whose
// conditions are its windows.
func (w *sloWriter) slo(d *sloDraft) {
	name := w.unique("SLO", d.name)
	md := osloMeta{Name: name, Labels: d.labels, Annotations: d.annotations}
	if d.displayName != name {
		md.DisplayName = d.displayName
	}
	spec := osloSLO{
		Description: clip(d.description),
		Service:     d.service,
		Indicator: osloIndicator{
			Metadata: osloMeta{Name: name},
			Spec:     osloSLI{RatioMetric: d.ratio},
		},
		TimeWindow:      []osloWindow{{Duration: shorthand(d.window), IsRolling: true}},
		BudgetingMethod: "Occurrences",
		Objectives:      []osloObjective{{Target: d.target}},
	}
	var policies []osloDoc
	for _, sev := range []string{"page", "ticket"} {
		var conds []osloCondition
		for _, bw := range d.windows {
			if bw.Severity != sev {
				continue
			}
			conds = append(conds, osloCondition{
				Kind:     "AlertCondition",
				Metadata: osloMeta{Name: withSuffix(name, "-"+sev+"-"+bw.Name)},
				Spec: osloConditionSpec{
					Description: fmt.Sprintf("%s when the error budget burns %s× as fast as the window allows, over %s and over %s",
						sev, trimFloat(bw.Factor), shorthand(bw.Long), shorthand(bw.Short)),
					Severity: sev,
					Condition: osloBurnRate{Kind: "burnrate", Op: "gt", Threshold: bw.Factor,
						LookbackWindow: shorthand(bw.Long), AlertAfter: shorthand(bw.Short)},
				},
			})
		}
		if len(conds) == 0 {
			continue
		}
		pname := w.unique("AlertPolicy", withSuffix(name, "-"+sev))
		pmd := osloMeta{Name: pname, DisplayName: d.alertName, Labels: d.alertLabels[sev], Annotations: d.alertAnnotations[sev]}
		policies = append(policies, osloDoc{APIVersion: "openslo/v1", Kind: "AlertPolicy", Metadata: pmd, Spec: osloPolicy{
			Description:        fmt.Sprintf("%s alerts of SLO %s, as %s generated them", sev, d.displayName, d.source),
			AlertWhenBreaching: true, AlertWhenResolved: true, Conditions: conds,
		}})
		spec.AlertPolicies = append(spec.AlertPolicies, osloPolicyRef{AlertPolicyRef: pname})
	}
	w.docs = append(w.docs, osloDoc{APIVersion: "openslo/v1", Kind: "SLO", Metadata: md, Spec: spec})
	w.docs = append(w.docs, policies...)
	w.res.SLOs++
	w.res.AlertPolicies += len(policies)
}

// finish writes the documents as one YAML stream.
func (w *sloWriter) finish() (*Result, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	for _, d := range w.docs {
		if err := enc.Encode(d); err != nil {
			return nil, fmt.Errorf("write OpenSLO: %w", err)
		}
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("write OpenSLO: %w", err)
	}
	w.res.YAML = buf.Bytes()
	return w.res, nil
}

// promSource is a Prometheus metric source with a query.
func promSource(q string) *osloMetric {
	return &osloMetric{MetricSource: osloSource{Type: "Prometheus", Spec: osloQuerySpec{Query: strings.TrimSpace(q)}}}
}

var notName = regexp.MustCompile(`[^a-z0-9]+`)

// dnsName makes s an RFC 1123 label: lowercase letters, digits and '-',
// at most 63, starting and ending with a letter or digit. A name that
// has to be cut keeps a hash of the whole, so that names stay distinct.
func dnsName(s string) string {
	n := strings.Trim(notName.ReplaceAllString(strings.ToLower(s), "-"), "-")
	if n == "" {
		n = "unnamed"
	}
	return withSuffix(n, "")
}

// withSuffix appends suffix to an RFC 1123 name, cutting the name (and
// adding a hash of it) when the whole would be longer than 63.
func withSuffix(name, suffix string) string {
	if len(name)+len(suffix) <= 63 {
		return name + suffix
	}
	h := fnv.New32a()
	h.Write([]byte(name))
	tag := fmt.Sprintf("-%08x", h.Sum32())
	keep := 63 - len(suffix) - len(tag)
	return strings.TrimRight(name[:keep], "-") + tag + suffix
}

// clip keeps a description within OpenSLO's 1050 characters.
func clip(s string) string {
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > 1050 {
		return string(r[:1049]) + "…"
	}
	return s
}

// share turns a percentage (99.9) into the share OpenSLO targets are
// (0.999), without the float noise of dividing.
func share(percent float64) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(percent/100, 'g', 12, 64), 64)
	return v
}

func trimFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// shorthand writes a duration as an OpenSLO duration-shorthand in the
// largest unit that divides it (28d, 6h, 5m).
func shorthand(d time.Duration) string {
	day := 24 * time.Hour
	switch {
	case d%day == 0:
		return fmt.Sprintf("%dd", d/day)
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	}
	return fmt.Sprintf("%dm", max(1, d/time.Minute))
}

// ParsePeriod reads an SLO window as Prometheus writes durations (30d,
// 4w, 28d) and checks that intops takes it as a rolling window.
func ParsePeriod(s string) (time.Duration, error) {
	d, err := model.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("want a duration such as 28d, 30d or 4w")
	}
	dd := time.Duration(d)
	if dd%time.Minute != 0 {
		return 0, fmt.Errorf("want whole minutes")
	}
	if _, err := intops.ParseWindow(shorthand(dd), true); err != nil {
		return 0, fmt.Errorf("want a rolling window between 1h and 400d")
	}
	return dd, nil
}

// readDocs reads the YAML documents of a file.
func readDocs(path string) ([]*yaml.Node, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []*yaml.Node
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line := 0
			if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
				line, _ = strconv.Atoi(m[1])
			}
			return nil, &catalog.Error{Pos: catalog.Pos{File: path, Line: line}, Msg: "invalid YAML: " + yamlLine.ReplaceAllString(strings.TrimPrefix(err.Error(), "yaml: "), "")}
		}
		if len(n.Content) == 0 || (n.Content[0].Kind == yaml.ScalarNode && n.Content[0].Tag == "!!null") {
			continue // an empty document
		}
		docs = append(docs, n.Content[0])
	}
	if len(docs) == 0 {
		return nil, &catalog.Error{Pos: catalog.Pos{File: path, Line: 1}, Msg: "no documents"}
	}
	return docs, nil
}

var yamlLine = regexp.MustCompile(`line (\d+): `)

// errs collects the problems of one source file, each at its place.
type errs struct {
	file string
	list []error
}

func (e *errs) at(n *yaml.Node, format string, args ...any) {
	p := catalog.Pos{File: e.file}
	if n != nil {
		p.Line, p.Column = n.Line, n.Column
	}
	e.list = append(e.list, &catalog.Error{Pos: p, Msg: fmt.Sprintf(format, args...)})
}

func (e *errs) add(err error) {
	if err == nil {
		return
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		e.list = append(e.list, j.Unwrap()...)
		return
	}
	e.list = append(e.list, err)
}

// err returns the problems in the order of the file.
func (e *errs) err() error {
	line := func(err error) (int, int) {
		var ce *catalog.Error
		if errors.As(err, &ce) {
			return ce.Line, ce.Column
		}
		return 0, 0
	}
	sort.SliceStable(e.list, func(i, j int) bool {
		li, ci := line(e.list[i])
		lj, cj := line(e.list[j])
		return li < lj || (li == lj && ci < cj)
	})
	return errors.Join(e.list...)
}

// field returns the value node of key in a mapping (a dotted path), or
// fallback when it is not written.
func field(n *yaml.Node, path string, fallback *yaml.Node) *yaml.Node {
	_, v := lookup(n, path)
	if v == nil {
		return fallback
	}
	return v
}

// key returns the key node of a dotted path, where a message about the
// field stands, or the deepest node of the path that is written.
func key(n *yaml.Node, path string) *yaml.Node {
	cur, deepest := n, n
	for _, seg := range strings.Split(path, ".") {
		k, v := lookup(cur, seg)
		if k == nil {
			return deepest
		}
		deepest, cur = k, v
	}
	return deepest
}

func lookup(n *yaml.Node, path string) (k, v *yaml.Node) {
	cur := n
	for _, seg := range strings.Split(path, ".") {
		if cur == nil || cur.Kind != yaml.MappingNode {
			return nil, nil
		}
		k, v = nil, nil
		for i := 0; i+1 < len(cur.Content); i += 2 {
			if cur.Content[i].Value == seg {
				k, v = cur.Content[i], cur.Content[i+1]
			}
		}
		if v == nil {
			return nil, nil
		}
		cur = v
	}
	return k, v
}

// item returns the i-th item of a sequence node, or n.
func item(n *yaml.Node, i int) *yaml.Node {
	if n != nil && n.Kind == yaml.SequenceNode && i < len(n.Content) {
		return n.Content[i]
	}
	return n
}

func merge(ms ...map[string]string) map[string]string {
	var out map[string]string
	for _, m := range ms {
		for k, v := range m {
			if out == nil {
				out = map[string]string{}
			}
			out[k] = v
		}
	}
	return out
}
