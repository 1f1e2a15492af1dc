package catalog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"sort"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/intops/intops"
)

// APIVersion is the apiVersion of intops' own catalog kinds.
const APIVersion = "intops.dev/v1alpha1"

// The file types: what the YAML says, converted once into domain types.

type documentFile struct {
	APIVersion string       `yaml:"apiVersion"`
	Kind       string       `yaml:"kind"`
	Metadata   metadataFile `yaml:"metadata"`
	Spec       yaml.Node    `yaml:"spec"`
}

type metadataFile struct {
	Name        string            `yaml:"name"`
	Namespace   string            `yaml:"namespace"`
	Title       string            `yaml:"title"`
	DisplayName string            `yaml:"displayName"`
	Description string            `yaml:"description"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
	Tags        []string          `yaml:"tags"`
	Links       []yaml.Node       `yaml:"links"`
	UID         string            `yaml:"uid"`
	Etag        string            `yaml:"etag"`
}

type teamSpec struct {
	SlackChannel string   `yaml:"slackChannel"`
	OnCall       string   `yaml:"onCall"`
	Escalation   string   `yaml:"escalationChannel"`
	Members      []string `yaml:"members"`
}

type systemSpec struct {
	Kind        string   `yaml:"kind"`
	Owner       string   `yaml:"owner"`
	Vendor      string   `yaml:"vendor"`
	DataDomains []string `yaml:"systemOfRecordFor"`
}

type integrationSpec struct {
	Source         string      `yaml:"source"`
	Targets        []string    `yaml:"targets"`
	Pattern        string      `yaml:"pattern"`
	Mechanism      string      `yaml:"mechanism"`
	DataDomains    []string    `yaml:"dataDomains"`
	Owner          string      `yaml:"owner"`
	TechnicalOwner string      `yaml:"technicalOwner"`
	BusinessOwner  string      `yaml:"businessOwner"`
	DataSteward    string      `yaml:"dataSteward"`
	Lifecycle      string      `yaml:"lifecycle"`
	GoLive         string      `yaml:"goLive"`
	Retirement     string      `yaml:"retirement"`
	Tier           int         `yaml:"tier"`
	RunbookURL     string      `yaml:"runbook"`
	ContractTest   string      `yaml:"contractTest"`
	ReplacedBy     string      `yaml:"replacedBy"`
	Match          []yaml.Node `yaml:"match"`
}

type loader struct {
	cat          *Catalog
	errs         []error
	backstage    []backstageDoc
	conditions   map[string]intops.AlertCondition
	pendingConds []pendingCond
}

func (l *loader) errorf(at Pos, format string, args ...any) {
	l.errs = append(l.errs, &Error{Pos: at, Msg: fmt.Sprintf(format, args...)})
}

func at(file string, n *yaml.Node) Pos { return Pos{File: file, Line: n.Line, Column: n.Column} }

func (l *loader) parse(file string, data []byte) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var root yaml.Node
		err := dec.Decode(&root)
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			l.errorf(Pos{File: file, Line: yamlErrorLine(err)}, "invalid YAML: %s", typeError("", err))
			return
		}
		if len(root.Content) == 0 || root.Content[0].Kind == yaml.ScalarNode && root.Content[0].Tag == "!!null" {
			continue // an empty document between separators
		}
		l.document(file, root.Content[0])
	}
}

// decodeStrict decodes n into out, reporting unknown keys and wrong types
// with their position. It says whether out can be used.
func (l *loader) decodeStrict(file string, n *yaml.Node, out any, path string) bool {
	ok := true
	checkKeys(n, reflect.TypeOf(out), path, func(line, col int, msg string) {
		l.errorf(Pos{file, line, col}, "%s", msg)
		ok = false
	})
	if err := n.Decode(out); err != nil {
		p := at(file, n)
		if line := yamlErrorLine(err); line > 0 {
			p = Pos{File: file, Line: line}
		}
		l.errorf(p, "%s", typeError(path, err))
		return false
	}
	return ok
}

func (l *loader) document(file string, n *yaml.Node) {
	p := at(file, n)
	if n.Kind != yaml.MappingNode {
		l.errorf(p, "a catalog document must be a mapping with apiVersion, kind, metadata and spec")
		return
	}
	var doc documentFile
	if !l.decodeStrict(file, n, &doc, "") {
		return
	}
	if doc.Kind == "" {
		l.errorf(p, "kind is required")
		return
	}
	if doc.Metadata.Name == "" {
		l.errorf(p, "%s: metadata.name is required", doc.Kind)
		return
	}
	switch doc.APIVersion {
	case APIVersion:
		l.intopsDocument(file, p, &doc)
	case openSLOVersion:
		l.openSLODocument(file, p, &doc)
	case backstageVersion:
		l.backstage = append(l.backstage, backstageDoc{file: file, at: p, doc: doc})
	default:
		l.errorf(p, "apiVersion %q: want %s, %s or %s", doc.APIVersion, APIVersion, openSLOVersion, backstageVersion)
	}
}

// define records where kind/name is defined; false when it already was.
func (l *loader) define(kind, name string, p Pos, spec *yaml.Node) bool {
	key := kind + "/" + name
	if first, dup := l.cat.pos[key]; dup {
		l.cat.Duplicates = append(l.cat.Duplicates, Duplicate{Kind: kind, Name: name, First: first, Again: p})
		return false
	}
	l.cat.pos[key] = p
	if spec != nil && spec.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(spec.Content); i += 2 {
			k := spec.Content[i]
			l.cat.pos[key+"#"+k.Value] = Pos{p.File, k.Line, k.Column}
		}
	}
	return true
}

func (l *loader) ref(from string, kind, name, what string, p Pos) {
	if name == "" {
		return
	}
	l.cat.refs = append(l.cat.refs, Ref{From: from, Kind: kind, Name: name, What: what, At: p})
}

func (l *loader) intopsDocument(file string, p Pos, doc *documentFile) {
	md := &doc.Metadata
	if !intops.ValidID(md.Name) {
		l.errorf(p, "%s %q: metadata.name must be lowercase letters, digits, '.', '_' or '-'", doc.Kind, md.Name)
		return
	}
	spec := &doc.Spec
	fieldPos := func(field string) Pos { return l.fieldPos(doc.Kind, md.Name, field, p) }
	switch doc.Kind {
	case "Team":
		var s teamSpec
		if !l.specStrict(file, spec, &s) || !l.define("Team", md.Name, p, spec) {
			return
		}
		l.cat.Teams[md.Name] = &intops.Team{
			Name: md.Name, Title: first(md.Title, md.DisplayName), SlackChannel: s.SlackChannel,
			OnCall: s.OnCall, Escalation: s.Escalation, Members: s.Members,
		}
	case "System":
		var s systemSpec
		if !l.specStrict(file, spec, &s) || !l.define("System", md.Name, p, spec) {
			return
		}
		l.cat.Systems[md.Name] = &intops.System{
			Name: md.Name, Title: first(md.Title, md.DisplayName), Kind: s.Kind,
			Owner: s.Owner, Vendor: s.Vendor, DataDomains: s.DataDomains,
		}
		l.ref("System/"+md.Name, "Team", s.Owner, "owner", fieldPos("owner"))
	case "Integration":
		var s integrationSpec
		if !l.specStrict(file, spec, &s) {
			return
		}
		if !l.define("Integration", md.Name, p, spec) {
			return
		}
		if in, ok := l.integration(file, p, md, &s); ok {
			l.addIntegration(in)
		}
	default:
		l.errorf(p, "kind %q: want Team, System or Integration for %s", doc.Kind, APIVersion)
	}
}

func (l *loader) fieldPos(kind, name, field string, fallback Pos) Pos {
	if q, ok := l.cat.pos[kind+"/"+name+"#"+field]; ok {
		return q
	}
	return fallback
}

func (l *loader) addIntegration(in *intops.Integration) {
	from := "Integration/" + in.ID
	p := l.cat.pos[from]
	fp := func(f string) Pos { return l.fieldPos("Integration", in.ID, f, p) }
	l.ref(from, "System", in.Source, "source", fp("source"))
	for _, t := range in.Targets {
		l.ref(from, "System", t, "target", fp("targets"))
	}
	l.ref(from, "Team", in.Owner, "owner", fp("owner"))
	l.ref(from, "Integration", in.ReplacedBy, "replacedBy", fp("replacedBy"))
	l.cat.Integrations = append(l.cat.Integrations, in)
	l.cat.byID[in.ID] = in
}

func (l *loader) specStrict(file string, n *yaml.Node, out any) bool {
	if n.Kind == 0 {
		return true // no spec: every field takes its zero value
	}
	return l.decodeStrict(file, n, out, "spec")
}

func (l *loader) integration(file string, p Pos, md *metadataFile, s *integrationSpec) (*intops.Integration, bool) {
	in := &intops.Integration{
		ID: md.Name, Title: first(md.Title, md.DisplayName), Description: md.Description,
		Source: s.Source, Targets: s.Targets, Pattern: s.Pattern, Mechanism: s.Mechanism,
		DataDomains: s.DataDomains, Owner: s.Owner, TechnicalOwner: s.TechnicalOwner,
		BusinessOwner: s.BusinessOwner, DataSteward: s.DataSteward,
		Lifecycle: intops.Lifecycle(s.Lifecycle), Tier: s.Tier, RunbookURL: s.RunbookURL,
		ContractTest: s.ContractTest, ReplacedBy: first(s.ReplacedBy, md.Annotations["intops.dev/replaced-by"]),
		Annotations: copyAnnotations(md.Annotations),
	}
	if in.Lifecycle == "" {
		in.Lifecycle = intops.LifecycleProduction
	}
	ok := true
	for _, d := range []struct {
		field string
		value string
		out   *time.Time
	}{{"goLive", s.GoLive, &in.GoLive}, {"retirement", s.Retirement, &in.Retirement}} {
		if d.value == "" {
			continue
		}
		t, err := time.Parse(time.DateOnly, d.value)
		if err != nil {
			l.errorf(l.fieldPos("Integration", in.ID, d.field, p), "integration %q: spec.%s %q: want a date as YYYY-MM-DD", in.ID, d.field, d.value)
			ok = false
		}
		*d.out = t
	}
	for _, m := range s.Match {
		rule, err := matchRule(&m)
		if err != nil {
			l.errorf(at(file, &m), "integration %q: spec.match: %v", in.ID, err)
			ok = false
			continue
		}
		in.Match = append(in.Match, rule)
	}
	if err := in.Validate(); err != nil {
		for _, e := range unjoin(err) {
			ep := p
			var fe *intops.FieldError
			if errors.As(e, &fe) {
				ep = l.fieldPos("Integration", in.ID, fe.Field, p)
			}
			l.errorf(ep, "integration %q: spec.%v", in.ID, e)
		}
		return nil, false
	}
	return in, ok
}

func matchRule(n *yaml.Node) (intops.MatchRule, error) {
	var r intops.MatchRule
	if n.Kind != yaml.MappingNode {
		return r, errors.New("each rule must be a mapping of attribute: value")
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if v.Kind != yaml.ScalarNode {
			return r, fmt.Errorf("attribute %q: want a string value", k.Value)
		}
		r.Conditions = append(r.Conditions, intops.Condition{Key: k.Value, Value: v.Value})
	}
	sort.Slice(r.Conditions, func(i, j int) bool { return r.Conditions[i].Key < r.Conditions[j].Key })
	return r, nil
}

// copyAnnotations returns a copy of the annotations, or nil when there
// are none.
func copyAnnotations(a map[string]string) map[string]string {
	if len(a) == 0 {
		return nil
	}
	out := make(map[string]string, len(a))
	for k, v := range a {
		out[k] = v
	}
	return out
}

func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
