package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
)

// compose errors name the field first: "services.x additional properties
// 'y' not allowed", "services.x.ports.0 must be ...".
var composeField = regexp.MustCompile(`^(?:validating [^:]+: )?([\w.-]+) (.*)$`)

// checkCompose loads a Compose file as docker compose does, validating it
// against the Compose specification's schema (embedded in compose-go),
// then its model (references between services, volumes, networks).
func checkCompose(path, rel string) []Problem {
	data, err := os.ReadFile(path)
	if err != nil {
		return []Problem{{File: rel, Msg: err.Error()}}
	}
	details := types.ConfigDetails{
		WorkingDir:  filepath.Dir(path),
		ConfigFiles: []types.ConfigFile{{Filename: path, Content: data}},
		Environment: types.Mapping{}, // ${VAR:-default} take their defaults
	}
	_, err = loader.LoadWithContext(context.Background(), details, func(o *loader.Options) {
		o.SetProjectName("intops", false) // the file's own name: wins
	})
	if err == nil {
		return nil
	}
	msg := strings.TrimPrefix(err.Error(), "validating "+path+": ")
	p := Problem{File: rel, Msg: msg}
	if m := composeField.FindStringSubmatch(msg); m != nil && strings.Contains(m[1], ".") {
		p.Field, p.Msg = m[1], m[2]
		if p.Msg == "false schema" { // additionalProperties: false
			p.Msg = "unknown field (not in the Compose specification)"
		}
		if docs := splitDocuments(data); len(docs) == 1 && docs[0].node != nil {
			p.Line = docs[0].line + lineOf(docs[0].node, m[1]) - 1
		}
	}
	return []Problem{p}
}
