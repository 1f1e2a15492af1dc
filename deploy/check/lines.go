package main

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// document is one YAML document of a file, where it starts, and its
// tree (for the line of a field).
type document struct {
	data []byte
	line int // 1-based line of the document's first line in its file
	node *yaml.Node
}

var separator = regexp.MustCompile(`^---(\s.*)?$`)

// splitDocuments splits a YAML stream at its "---" lines, as kubectl does,
// and drops documents that hold nothing but comments.
func splitDocuments(data []byte) []document {
	var docs []document
	lines := bytes.SplitAfter(data, []byte("\n"))
	start := 0
	flush := func(end int) {
		chunk := bytes.Join(lines[start:end], nil)
		var n yaml.Node
		if err := yaml.Unmarshal(chunk, &n); err == nil && len(n.Content) == 0 {
			return // empty or only comments
		}
		d := document{data: chunk, line: start + 1}
		if len(n.Content) > 0 {
			d.node = n.Content[0]
		}
		docs = append(docs, d)
	}
	for i, l := range lines {
		if separator.Match(bytes.TrimRight(l, "\r\n")) {
			flush(i)
			start = i + 1
		}
	}
	flush(len(lines))
	return docs
}

// segment is one step of a field path: a field name, a list index or a
// map key.
type segment struct {
	name  string
	index int // -1 unless a list index
}

// parsePath reads a field path as Kubernetes prints them:
// spec.template.spec.containers[0].ports[1].containerPort,
// metadata.labels[app.kubernetes.io/name].
func parsePath(p string) []segment {
	var segs []segment
	for len(p) > 0 {
		switch p[0] {
		case '.':
			p = p[1:]
		case '[':
			end := strings.IndexByte(p, ']')
			if end < 0 {
				return segs
			}
			inner := p[1:end]
			if i, err := strconv.Atoi(inner); err == nil {
				segs = append(segs, segment{index: i})
			} else {
				segs = append(segs, segment{name: inner, index: -1})
			}
			p = p[end+1:]
		default:
			end := strings.IndexAny(p, ".[")
			if end < 0 {
				end = len(p)
			}
			segs = append(segs, segment{name: p[:end], index: -1})
			p = p[end:]
		}
	}
	return segs
}

// lineOf is the line (relative to the document) of the field at path, or
// of the deepest part of the path that exists. A path without list
// indices (as encoding/json reports them) matches the first element that
// has the rest of the path.
func lineOf(n *yaml.Node, path string) int {
	if n == nil {
		return 1
	}
	line, _ := find(n, n.Line, parsePath(path))
	return line
}

// find returns the line of the deepest part of the path found under n
// (at reached when n is not entered) and whether the whole path was found.
func find(n *yaml.Node, reached int, segs []segment) (int, bool) {
	if len(segs) == 0 {
		return reached, true
	}
	s := segs[0]
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if s.index < 0 && n.Content[i].Value == s.name {
				return find(n.Content[i+1], n.Content[i].Line, segs[1:])
			}
		}
	case yaml.SequenceNode:
		if s.index >= 0 {
			if s.index < len(n.Content) {
				return find(n.Content[s.index], n.Content[s.index].Line, segs[1:])
			}
			break
		}
		if i, err := strconv.Atoi(s.name); err == nil && i >= 0 && i < len(n.Content) {
			// a.0.b, as JSON Schema validators print list indices
			return find(n.Content[i], n.Content[i].Line, segs[1:])
		}
		for _, c := range n.Content {
			if line, ok := find(c, c.Line, segs); ok {
				return line, true
			}
		}
	}
	return reached, false
}
