package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"
)

// Problem is one thing wrong in a deployment file: where (file and line,
// or the kustomization whose build holds it), in which object and field,
// and what.
type Problem struct {
	File   string // relative to the repository
	Line   int    // 0 when unknown
	Object string // Kind name, when the problem is in an object
	Field  string // field path, when known
	Msg    string
}

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
	}
	b.WriteString(": ")
	if p.Object != "" {
		b.WriteString(p.Object + ": ")
	}
	if p.Field != "" {
		b.WriteString(p.Field + ": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// object is one manifest read or built, with where it came from.
type object struct {
	file string // repository-relative file, or "kustomize build DIR"
	doc  document
	json []byte
	gvk  schema.GroupVersionKind
	name string
	ns   string
}

func (o object) id() string { return o.gvk.Kind + " " + o.name }

// problem places a field error of o.
func (o object) problem(e fieldError) Problem {
	p := Problem{File: o.file, Object: o.id(), Field: e.Path, Msg: e.Msg}
	if o.doc.node != nil {
		p.Line = o.doc.line + lineOf(o.doc.node, e.Path) - 1
	}
	return p
}

// readObjects reads every document of a manifest file; rel is its name
// in problems.
func readObjects(path, rel string) ([]object, []Problem) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, []Problem{{File: rel, Msg: err.Error()}}
	}
	return parseObjects(data, rel, true)
}

// parseObjects reads the documents of a YAML stream. With lines false
// (kustomize output), problems name the object but no line.
func parseObjects(data []byte, rel string, lines bool) ([]object, []Problem) {
	var objs []object
	var probs []Problem
	for _, d := range splitDocuments(data) {
		if !lines {
			d.node = nil
		}
		j, err := yaml.YAMLToJSON(d.data)
		if err != nil {
			probs = append(probs, Problem{File: rel, Line: d.line, Msg: "invalid YAML: " + err.Error()})
			continue
		}
		o := object{file: rel, doc: d, json: j}
		o.gvk, err = typeMeta(j)
		if err != nil {
			probs = append(probs, Problem{File: rel, Line: d.line, Msg: "not a Kubernetes object: " + err.Error()})
			continue
		}
		var meta struct {
			Metadata struct{ Name, Namespace string }
		}
		_ = yaml.Unmarshal(d.data, &meta)
		o.name, o.ns = meta.Metadata.Name, meta.Metadata.Namespace
		if o.gvk.Kind == "" || o.gvk.Version == "" {
			probs = append(probs, Problem{File: rel, Line: d.line, Msg: "apiVersion and kind are required"})
			continue
		}
		objs = append(objs, o)
	}
	return objs, probs
}

// validate checks one object against the schema of its kind: the API
// server's own decoding and validation for built-in kinds, the
// operator's CRD for ClickHouseInstallation.
func (c *checker) validate(o object) []Problem {
	var errs []fieldError
	if isCHI(o.gvk) {
		errs = c.validateCHI(o.json)
	} else if e, ok := validateBuiltin(o.json, o.gvk); ok {
		errs = e
	} else {
		errs = []fieldError{{"", fmt.Sprintf("no schema for apiVersion %s, kind %s: not a kind of Kubernetes %s nor of the ClickHouse operator",
			o.gvk.GroupVersion(), o.gvk.Kind, kubernetesVersion)}}
	}
	var probs []Problem
	for _, e := range errs {
		probs = append(probs, o.problem(e))
	}
	return probs
}

// relPath is path relative to the repository root, with slashes.
func (c *checker) rel(path string) string {
	r, err := filepath.Rel(c.root, path)
	if err != nil {
		return path
	}
	return filepath.ToSlash(r)
}

func sortProblems(ps []Problem) {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].File != ps[j].File {
			return ps[i].File < ps[j].File
		}
		return ps[i].Line < ps[j].Line
	})
}
