package catalog

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
)

// WriteText writes findings one per line, as compilers do:
// file:line:column: severity: message [rule] (fix: …).
func WriteText(w io.Writer, fs []Finding) error {
	for _, f := range fs {
		if _, err := fmt.Fprintf(w, "%s: %s: %s [%s]\n    fix: %s\n", f.Pos(), f.Severity, f.Message, f.Rule, f.Fix); err != nil {
			return err
		}
	}
	errs, warns := 0, 0
	for _, f := range fs {
		switch f.Severity {
		case SeverityError:
			errs++
		case SeverityWarning:
			warns++
		}
	}
	_, err := fmt.Fprintf(w, "%d errors, %d warnings, %d findings\n", errs, warns, len(fs))
	return err
}

// WriteJSON writes {"findings":[…]}.
func WriteJSON(w io.Writer, fs []Finding) error {
	if fs == nil {
		fs = []Finding{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{"findings": fs})
}

// WriteSARIF writes SARIF 2.1.0, which code hosts show on pull requests.
// Paths are made relative to base.
func WriteSARIF(w io.Writer, fs []Finding, base, version string) error {
	type msg struct {
		Text string `json:"text"`
	}
	var rulesOut []map[string]any
	index := map[string]int{}
	for i, r := range Rules() {
		index[r.ID] = i
		rulesOut = append(rulesOut, map[string]any{
			"id":                   r.ID,
			"shortDescription":     msg{r.Rationale},
			"help":                 msg{r.Fix},
			"defaultConfiguration": map[string]string{"level": sarifLevel(r.Severity)},
		})
	}
	results := []map[string]any{}
	for _, f := range fs {
		uri := f.File
		if rel, err := filepath.Rel(base, f.File); err == nil {
			uri = filepath.ToSlash(rel)
		}
		region := map[string]int{"startLine": max(f.Line, 1)}
		if f.Column > 0 {
			region["startColumn"] = f.Column
		}
		results = append(results, map[string]any{
			"ruleId":    f.Rule,
			"ruleIndex": index[f.Rule],
			"level":     sarifLevel(f.Severity),
			"message":   msg{f.Message + " (fix: " + f.Fix + ")"},
			"locations": []map[string]any{{"physicalLocation": map[string]any{
				"artifactLocation": map[string]string{"uri": uri},
				"region":           region,
			}}},
		})
	}
	doc := map[string]any{
		"$schema": "https://json.schemastore.org/sarif-2.1.0.json",
		"version": "2.1.0",
		"runs": []map[string]any{{
			"tool": map[string]any{"driver": map[string]any{
				"name": "intops catalog lint", "version": version, "informationUri": "https://github.com/intops/intops",
				"rules": rulesOut,
			}},
			"results": results,
		}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

func sarifLevel(s Severity) string {
	switch s {
	case SeverityError:
		return "error"
	case SeverityWarning:
		return "warning"
	}
	return "note"
}
