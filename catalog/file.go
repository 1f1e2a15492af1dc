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
	Title       string            `yaml:"title"`
	Description string            `yaml:"description"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
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
	Match          []yaml.Node `yaml:"match"`
}

type pos struct {
	file string
	line int
}

type loader struct {
	cat   *Catalog
	errs  []error
	where map[string]pos // kind/name → where it was defined
	refs  []ref
}

// ref is a reference from one document to a team or system, checked once
// every file is read.
type ref struct {
	at         pos
	kind, name string
	what       string
}

func (l *loader) errorf(at pos, format string, args ...any) {
	l.errs = append(l.errs, &Error{File: at.file, Line: at.line, Msg: fmt.Sprintf(format, args...)})
}

func (l *loader) parse(file string, data []byte) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var root yaml.Node
		err := dec.Decode(&root)
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			l.errorf(pos{file: file}, "invalid YAML: %v", err)
			return
		}
		if len(root.Content) == 0 || root.Content[0].Kind == yaml.ScalarNode && root.Content[0].Tag == "!!null" {
			continue // an empty document between separators
		}
		l.document(file, root.Content[0])
	}
}

func (l *loader) document(file string, n *yaml.Node) {
	at := pos{file, n.Line}
	if n.Kind != yaml.MappingNode {
		l.errorf(at, "a catalog document must be a mapping with apiVersion, kind, metadata and spec")
		return
	}
	bad := false
	checkKeys(n, reflect.TypeOf(documentFile{}), "", func(line int, msg string) {
		l.errorf(pos{file, line}, "%s", msg)
		bad = true
	})
	var doc documentFile
	if err := n.Decode(&doc); err != nil {
		l.errorf(at, "%v", err)
		return
	}
	if bad {
		return
	}
	if doc.APIVersion != APIVersion {
		l.errorf(at, "apiVersion %q: want %s", doc.APIVersion, APIVersion)
		return
	}
	if doc.Metadata.Name == "" {
		l.errorf(at, "%s: metadata.name is required", doc.Kind)
		return
	}
	if !intops.ValidID(doc.Metadata.Name) {
		l.errorf(at, "%s %q: metadata.name must be lowercase letters, digits, '.', '_' or '-'", doc.Kind, doc.Metadata.Name)
		return
	}
	if prev, dup := l.where[doc.Kind+"/"+doc.Metadata.Name]; dup {
		l.errorf(at, "%s %q is defined twice (first at %s:%d)", doc.Kind, doc.Metadata.Name, prev.file, prev.line)
		return
	}
	specAt := at
	if doc.Spec.Line > 0 {
		specAt.line = doc.Spec.Line
	}
	switch doc.Kind {
	case "Team":
		var s teamSpec
		if !l.decodeSpec(specAt, &doc.Spec, &s) {
			return
		}
		l.cat.Teams[doc.Metadata.Name] = &intops.Team{
			Name: doc.Metadata.Name, Title: doc.Metadata.Title, SlackChannel: s.SlackChannel,
			OnCall: s.OnCall, Escalation: s.Escalation, Members: s.Members,
		}
	case "System":
		var s systemSpec
		if !l.decodeSpec(specAt, &doc.Spec, &s) {
			return
		}
		l.cat.Systems[doc.Metadata.Name] = &intops.System{
			Name: doc.Metadata.Name, Title: doc.Metadata.Title, Kind: s.Kind,
			Owner: s.Owner, Vendor: s.Vendor, DataDomains: s.DataDomains,
		}
		if s.Owner != "" {
			l.refs = append(l.refs, ref{specAt, "Team", s.Owner, "owner"})
		}
	case "Integration":
		var s integrationSpec
		if !l.decodeSpec(specAt, &doc.Spec, &s) {
			return
		}
		in, ok := l.integration(specAt, doc.Metadata, &s)
		if !ok {
			return
		}
		l.cat.Integrations = append(l.cat.Integrations, in)
		l.cat.byID[in.ID] = in
	default:
		l.errorf(at, "kind %q: want Team, System or Integration", doc.Kind)
		return
	}
	l.where[doc.Kind+"/"+doc.Metadata.Name] = at
}

func (l *loader) decodeSpec(at pos, n *yaml.Node, out any) bool {
	if n.Kind == 0 {
		return true // no spec: every field takes its zero value
	}
	ok := true
	checkKeys(n, reflect.TypeOf(out), "spec", func(line int, msg string) {
		l.errorf(pos{at.file, line}, "%s", msg)
		ok = false
	})
	if err := n.Decode(out); err != nil {
		l.errorf(at, "spec: %v", err)
		return false
	}
	return ok
}

func (l *loader) integration(at pos, md metadataFile, s *integrationSpec) (*intops.Integration, bool) {
	in := &intops.Integration{
		ID: md.Name, Title: md.Title, Description: md.Description,
		Source: s.Source, Targets: s.Targets, Pattern: s.Pattern, Mechanism: s.Mechanism,
		DataDomains: s.DataDomains, Owner: s.Owner, TechnicalOwner: s.TechnicalOwner,
		BusinessOwner: s.BusinessOwner, DataSteward: s.DataSteward,
		Lifecycle: intops.Lifecycle(s.Lifecycle), Tier: s.Tier, RunbookURL: s.RunbookURL,
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
			l.errorf(at, "integration %q: spec.%s %q: want a date as YYYY-MM-DD", in.ID, d.field, d.value)
			ok = false
		}
		*d.out = t
	}
	for _, m := range s.Match {
		rule, err := matchRule(&m)
		if err != nil {
			l.errorf(pos{at.file, m.Line}, "integration %q: spec.match: %v", in.ID, err)
			ok = false
			continue
		}
		in.Match = append(in.Match, rule)
	}
	if err := in.Validate(); err != nil {
		for _, e := range unjoin(err) {
			l.errorf(at, "integration %q: %v", in.ID, e)
		}
		return nil, false
	}
	l.refs = append(l.refs, ref{at, "System", in.Source, "source"})
	for _, t := range in.Targets {
		l.refs = append(l.refs, ref{at, "System", t, "target"})
	}
	l.refs = append(l.refs, ref{at, "Team", in.Owner, "owner"})
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

// resolve checks references once every document is known.
func (l *loader) resolve() {
	for _, r := range l.refs {
		var found bool
		switch r.kind {
		case "Team":
			_, found = l.cat.Teams[r.name]
		case "System":
			_, found = l.cat.Systems[r.name]
		}
		if !found {
			l.errorf(r.at, "%s %s %q is not in the catalog", r.what, lower(r.kind), r.name)
		}
	}
}

func lower(kind string) string {
	if kind == "Team" {
		return "team"
	}
	return "system"
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
