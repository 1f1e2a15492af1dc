package catalog

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// checkKeys walks a YAML node against the struct type it will be decoded
// into and reports every key the type does not have, with its line.
func checkKeys(n *yaml.Node, t reflect.Type, path string, report func(line, col int, msg string)) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	// Aliases are not followed: their anchors were checked where they
	// stand, and following them would let a small file expand without
	// bound ("billion laughs").
	switch t.Kind() {
	case reflect.Struct:
		if t == reflect.TypeOf(yaml.Node{}) || n.Kind != yaml.MappingNode {
			return
		}
		fields := map[string]reflect.Type{}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if name == "-" || !f.IsExported() {
				continue
			}
			if name == "" {
				name = strings.ToLower(f.Name)
			}
			fields[name] = f.Type
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			ft, ok := fields[k.Value]
			if !ok {
				report(k.Line, k.Column, fmt.Sprintf("%s: unknown field %q", join(path, k.Value), k.Value))
				continue
			}
			checkKeys(v, ft, join(path, k.Value), report)
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			checkKeys(n.Content[i+1], t.Elem(), join(path, n.Content[i].Value), report)
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return
		}
		for i, c := range n.Content {
			checkKeys(c, t.Elem(), fmt.Sprintf("%s[%d]", path, i), report)
		}
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

var yamlLine = regexp.MustCompile(`line (\d+): `)

// yamlErrorLine finds the line number in a YAML error message, or 0.
func yamlErrorLine(err error) int {
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}

// typeError rewrites a YAML decoding error as "path: message" without the
// decoder's own prefixes; the position goes into the Error.
func typeError(path string, err error) string {
	msg := err.Error()
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = yamlLine.ReplaceAllString(te.Errors[0], "")
	}
	msg = yamlLine.ReplaceAllString(strings.TrimPrefix(msg, "yaml: "), "")
	if path == "" {
		return msg
	}
	return path + ": " + msg
}

// DecodeStrict decodes n, a node of file, into out, and returns every key
// out's type does not have and every wrong type as an *Error with its
// position, joined; path names n in the messages ("" for a document).
// Importers of other formats use it to read their files as strictly as
// the catalog reads its own.
func DecodeStrict(file string, n *yaml.Node, out any, path string) error {
	var errs []error
	checkKeys(n, reflect.TypeOf(out), path, func(line, col int, msg string) {
		errs = append(errs, &Error{Pos: Pos{File: file, Line: line, Column: col}, Msg: msg})
	})
	if err := n.Decode(out); err != nil {
		p := Pos{File: file, Line: n.Line, Column: n.Column}
		if line := yamlErrorLine(err); line > 0 {
			p = Pos{File: file, Line: line}
		}
		errs = append(errs, &Error{Pos: p, Msg: typeError(path, err)})
	}
	return errors.Join(errs...)
}
