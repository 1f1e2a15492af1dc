package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
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
	Name        string               `yaml:"name"`
	Namespace   string               `yaml:"namespace"`
	Title       string               `yaml:"title"`
	DisplayName string               `yaml:"displayName"`
	Description string               `yaml:"description"`
	Labels      map[string]yaml.Node `yaml:"labels"` // OpenSLO: a string or a list of strings
	Annotations map[string]string    `yaml:"annotations"`
	Tags        []string             `yaml:"tags"`
	Links       []yaml.Node          `yaml:"links"`
	UID         string               `yaml:"uid"`
	Etag        string               `yaml:"etag"`
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
	cat       *Catalog
	errs      []error
	backstage []backstageDoc
	openslo   openSLOState
	// soft sends problems to the catalog's invalid documents, which lint
	// reports, instead of failing the load: set while an OpenSLO document
	// is read, so that one bad SLO leaves the rest of the catalog usable.
	soft bool
}

func (l *loader) errorf(at Pos, format string, args ...any) {
	e := &Error{Pos: at, Msg: fmt.Sprintf(format, args...)}
	if l.soft {
		l.cat.invalid = append(l.cat.invalid, e)
		return
	}
	l.errs = append(l.errs, e)
}

func at(file string, n *yaml.Node) Pos { return Pos{File: file, Line: n.Line, Column: n.Column} }

func (l *loader) parse(file string, data []byte) {
	if strings.EqualFold(filepath.Ext(file), ".json") {
		l.parseJSON(file, data)
		return
	}
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
		l.root(file, &root)
	}
}

// root reads one YAML document: a catalog document, or a list of them
// (OpenSLO's list form); empty documents between separators are skipped.
func (l *loader) root(file string, root *yaml.Node) {
	if len(root.Content) == 0 || root.Content[0].Kind == yaml.ScalarNode && root.Content[0].Tag == "!!null" {
		return
	}
	n := root.Content[0]
	if n.Kind == yaml.SequenceNode {
		for _, item := range n.Content {
			l.document(file, item)
		}
		return
	}
	l.document(file, n)
}

// parseJSON reads a JSON file: one document, a list of documents, or
// several of either one after another. The JSON must be valid as JSON
// (not merely as YAML); each value is then read as YAML, which JSON is,
// with every position as in the file.
func (l *loader) parseJSON(file string, data []byte) {
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		start := dec.InputOffset()
		var v json.RawMessage
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			off := dec.InputOffset()
			var se *json.SyntaxError
			var ute *json.UnmarshalTypeError
			switch {
			case errors.As(err, &se):
				off = se.Offset - 1 // the offending byte
			case errors.As(err, &ute):
				off = ute.Offset
			case errors.Is(err, io.ErrUnexpectedEOF):
				off = int64(len(data))
			}
			line, col := offsetPos(data, off)
			l.errorf(Pos{File: file, Line: line, Column: col}, "invalid JSON: %v", err)
			return
		}
		end := dec.InputOffset()
		// Blank everything before the value so that YAML reports the
		// value's lines and columns as they stand in the file.
		buf := make([]byte, end)
		for i := range buf {
			switch c := data[i]; {
			case int64(i) >= start:
				buf[i] = c
			case c == '\n':
				buf[i] = c
			default:
				buf[i] = ' '
			}
		}
		var root yaml.Node
		if err := yaml.Unmarshal(buf, &root); err != nil {
			line, col := offsetPos(data, start)
			l.errorf(Pos{File: file, Line: max(yamlErrorLine(err), line), Column: col}, "invalid JSON: %s", typeError("", err))
			return
		}
		l.root(file, &root)
	}
}

// offsetPos turns a byte offset into a line and column (from 1).
func offsetPos(data []byte, off int64) (line, col int) {
	line, col = 1, 1
	for i := int64(0); i < off && i < int64(len(data)); i++ {
		if data[i] == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
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
	// An OpenSLO document's problems are lint's to report: the document
	// is left out and the rest of the catalog still loads.
	if v := mapValue(n, "apiVersion"); v != nil && strings.HasPrefix(v.Value, "openslo/") {
		l.soft = true
		defer func() { l.soft = false }()
		if v.Value != openSLOVersion {
			l.errorf(at(file, v), "apiVersion %q: intops reads OpenSLO %s", v.Value, openSLOVersion)
			return
		}
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
		l.openslo.docs = append(l.openslo.docs, &osloDoc{file: file, at: p, node: n, doc: doc})
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
	case "ErrorClassPolicy":
		class, err := intops.ParseErrorClass(md.Name)
		if err != nil {
			l.errorf(p, "ErrorClassPolicy %q: metadata.name must be an error class (%v)", md.Name, err)
			return
		}
		var s intops.ClassPolicy
		if !l.specStrict(file, spec, &s) || !l.define("ErrorClassPolicy", md.Name, p, spec) {
			return
		}
		if s.Escalate != "" && s.Escalate != "now" {
			l.errorf(fieldPos("escalate"), "ErrorClassPolicy %q: escalate %q: want now, or leave it out", md.Name, s.Escalate)
			return
		}
		for _, who := range s.Notify {
			if !slices.Contains(intops.PolicyRecipients, who) {
				l.errorf(fieldPos("notify"), "ErrorClassPolicy %q: notify %q: want %s", md.Name, who, strings.Join(intops.PolicyRecipients, ", "))
				return
			}
		}
		l.cat.ClassPolicies[class] = &s
	case "Holidays":
		var s struct {
			Dates []string `yaml:"dates"`
			ICS   string   `yaml:"ics"`
		}
		if !l.specStrict(file, spec, &s) || !l.define("Holidays", md.Name, p, spec) {
			return
		}
		for _, d := range s.Dates {
			if _, err := time.Parse("2006-01-02", d); err != nil {
				l.errorf(fieldPos("dates"), "Holidays %q: date %q: want YYYY-MM-DD", md.Name, d)
				return
			}
			l.cat.Holidays[d] = true
		}
		if s.ICS != "" {
			path := s.ICS
			if !filepath.IsAbs(path) {
				path = filepath.Join(filepath.Dir(file), path)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				l.errorf(fieldPos("ics"), "Holidays %q: ics %q: %v", md.Name, s.ICS, err)
				return
			}
			days, err := icsDays(data)
			if err != nil {
				l.errorf(fieldPos("ics"), "Holidays %q: %s: %v", md.Name, s.ICS, err)
				return
			}
			for _, d := range days {
				l.cat.Holidays[d] = true
			}
		}
	default:
		l.errorf(p, "kind %q: want Team, System, Integration, ErrorClassPolicy or Holidays for %s", doc.Kind, APIVersion)
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
	if v, set := md.Annotations[intops.AnnotationAnomalySensitivity]; set && !slices.Contains(intops.AnomalySensitivities, v) {
		l.errorf(p, "Integration %q: annotation %s %q: want %s", md.Name, intops.AnnotationAnomalySensitivity, v, strings.Join(intops.AnomalySensitivities, ", "))
		ok = false
	}
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

// mapValue returns the value of key in a mapping node, or nil.
func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// icsDays reads the all-day events of an iCalendar file (RFC 5545:
// DTSTART;VALUE=DATE and its optional DTEND, exclusive) as dates; lines
// folded with a leading space are unfolded.
func icsDays(data []byte) ([]string, error) {
	text := strings.ReplaceAll(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n ", "")
	if !strings.Contains(text, "BEGIN:VCALENDAR") {
		return nil, errors.New("not an iCalendar file (no BEGIN:VCALENDAR)")
	}
	var out []string
	var start, end string
	for n, line := range strings.Split(text, "\n") {
		name, value, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok {
			continue
		}
		prop, _, _ := strings.Cut(name, ";")
		switch prop {
		case "BEGIN":
			if value == "VEVENT" {
				start, end = "", ""
			}
		case "DTSTART":
			start = value
		case "DTEND":
			end = value
		case "END":
			if value != "VEVENT" || start == "" {
				continue
			}
			from, err := time.Parse("20060102", start[:min(8, len(start))])
			if err != nil {
				return nil, fmt.Errorf("line %d: DTSTART %q: want a date", n+1, start)
			}
			to := from.AddDate(0, 0, 1)
			if end != "" {
				if t, err := time.Parse("20060102", end[:min(8, len(end))]); err == nil && t.After(from) {
					to = t
				}
			}
			for d := from; d.Before(to) && len(out) < 10000; d = d.AddDate(0, 0, 1) {
				out = append(out, d.Format("2006-01-02"))
			}
		}
	}
	return out, nil
}
