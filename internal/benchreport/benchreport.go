// Package benchreport writes benchmark results into sections of
// docs/benchmarks.md, each between markers, leaving the others alone.
package benchreport

import (
	"os"
	"regexp"
	"runtime"
	"strings"
)

// Machine describes this machine in one line.
func Machine() string {
	cpu := "unknown CPU"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		if m := regexp.MustCompile(`model name\s*:\s*(.*)`).FindSubmatch(data); m != nil {
			cpu = strings.TrimSpace(string(m[1]))
		}
	}
	return strings.Join([]string{itoa(runtime.NumCPU()) + " cores (" + cpu + ")", runtime.GOOS + "/" + runtime.GOARCH}, ", ")
}

func itoa(n int) string {
	s := ""
	for n > 0 || s == "" {
		s = string(rune('0'+n%10)) + s
		n /= 10
	}
	return s
}

// Write replaces (or appends) the section named name in the Markdown file
// at path with body.
func Write(path, name, body string) error {
	start, end := "<!-- "+name+":start -->", "<!-- "+name+":end -->"
	section := start + "\n" + strings.TrimRight(body, "\n") + "\n" + end + "\n"
	old, _ := os.ReadFile(path)
	doc := string(old)
	if doc == "" {
		doc = "# Benchmarks\n\nFigures measured on this project's machines. Compare ratios from one run, not absolute times.\n\n"
	}
	re := regexp.MustCompile(`(?s)` + regexp.QuoteMeta(start) + `.*` + regexp.QuoteMeta(end) + `\n?`)
	if re.MatchString(doc) {
		doc = re.ReplaceAllLiteralString(doc, section)
	} else {
		doc += "\n" + section
	}
	return os.WriteFile(path, []byte(doc), 0o644)
}
