package catalogview_test

import (
	"encoding/csv"
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/intops/intops/catalog"
	"github.com/intops/intops/ui/internal/uitest"
)

func TestCatalogPage(t *testing.T) {
	srv, cat := uitest.CatalogServer(t)
	lint := catalog.Lint(cat, catalog.LintConfig{}, uitest.Now)
	resp, body := uitest.Get(t, srv, "/catalog")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("status %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if got := len(uitest.LintRowRE.FindAllString(body, -1)); got != len(lint) || got == 0 {
		t.Errorf("%d lint rows, want %d", got, len(lint))
	}
	for _, want := range []string{
		`data-testid="shadow" data-id="shadow:marketing-export-script-&gt;salesforce-crm"`,
		"apiVersion: intops.dev/v1alpha1", "service.name: marketing-export-script", `data-copy="draft-shadow:`,
		`data-testid="zombies"`, `data-testid="duplicates"`, `data-kind="retired_with_traffic"`,
		`data-testid="retirement-row" data-id="`, `href="/catalog/export.csv"`, `src="/static/catalog.js"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	// the draft is in a <pre>, escaped, whole
	draft := regexp.MustCompile(`(?s)<pre id="draft-[^"]+" data-testid="draft-entry" tabindex="0">(.*?)</pre>`).FindStringSubmatch(body)
	if draft == nil || !strings.Contains(html.UnescapeString(draft[1]), "owner: TODO") {
		t.Errorf("draft entry: %v", draft)
	}
	// retirements due: 2027-01-15 is 54 days after uitest.Now; 2027-02-28 is 98
	due := regexp.MustCompile(`data-testid="retirement-row" data-id="([^"]+)"`).FindAllStringSubmatch(body, -1)
	var dueIDs []string
	for _, m := range due {
		dueIDs = append(dueIDs, m[1])
		in := cat.Integration(m[1])
		if in.Retirement.After(uitest.Now.Add(90 * 24 * time.Hour)) {
			t.Errorf("%s retires on %s, after the 90 days", in.ID, in.Retirement.Format(time.DateOnly))
		}
	}
	var want []string
	for _, in := range cat.All() {
		if in.Retirement.Format(time.DateOnly) == "2027-01-15" {
			want = append(want, in.ID)
		}
	}
	if len(want) != 1 || !strings.Contains(strings.Join(dueIDs, ","), want[0]) {
		t.Errorf("retirements due %v, want to include %v", dueIDs, want)
	}
	if strings.Contains(body, "<script>") || strings.Contains(body, " style=") {
		t.Error("the page has inline script or style the CSP would block")
	}

	for _, tc := range []struct{ query, rule, severity string }{
		{"?severity=error", "", "error"},
		{"?severity=warning", "", "warning"},
		{"?rule=ownership.team", "ownership.team", ""},
	} {
		_, body := uitest.Get(t, srv, "/catalog"+tc.query)
		wantN := 0
		for _, l := range lint {
			if (tc.rule == "" || l.Rule == tc.rule) && (tc.severity == "" || string(l.Severity) == tc.severity) {
				wantN++
			}
		}
		got := uitest.LintRowRE.FindAllStringSubmatch(body, -1)
		if len(got) != wantN || wantN == 0 || wantN == len(lint) {
			t.Errorf("%s: %d lint rows, want %d of %d", tc.query, len(got), wantN, len(lint))
		}
		for _, m := range got {
			if (tc.rule != "" && m[1] != tc.rule) || (tc.severity != "" && m[2] != tc.severity) {
				t.Errorf("%s: row %v should be filtered out", tc.query, m)
			}
		}
		if !strings.Contains(body, `href="/catalog/export.csv`+html.EscapeString(tc.query)+`"`) {
			t.Errorf("%s: the export link does not carry the filter", tc.query)
		}
	}
	_, body = uitest.Get(t, srv, "/catalog?kind=zombie")
	if uitest.LintRowRE.MatchString(body) || strings.Contains(body, `data-testid="shadow"`) || strings.Count(body, `data-kind="zombie"`) != 2 {
		t.Errorf("kind=zombie: shows lint, shadows or not the 2 zombies")
	}
}

func TestCatalogExport(t *testing.T) {
	srv, cat := uitest.CatalogServer(t)
	resp, body := uitest.Get(t, srv, "/catalog/export.csv")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
		!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment;") {
		t.Fatalf("status %d, %s, %s", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
	}
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(recs[0], ",") != "kind,severity,subject,summary,file,line" {
		t.Fatalf("header %v", recs[0])
	}
	kinds := map[string]int{}
	for _, r := range recs[1:] {
		kinds[r[0]]++
		if r[0] == "lint" && (r[4] == "" || r[5] == "") {
			t.Errorf("lint row without file:line: %v", r)
		}
		if r[0] == "shadow" && r[2] != "marketing-export-script->salesforce-crm" {
			t.Errorf("shadow subject %q", r[2])
		}
	}
	lint := catalog.Lint(cat, catalog.LintConfig{}, uitest.Now)
	if kinds["lint"] != len(lint) || kinds["shadow"] != 1 || kinds["zombie"] != 2 || kinds["duplicate"] != 4 ||
		kinds["retired_with_traffic"] != 1 || kinds["retirement"] == 0 {
		t.Errorf("kinds %v (lint %d)", kinds, len(lint))
	}
	_, body = uitest.Get(t, srv, "/catalog/export.csv?severity=error")
	recs, err = csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(recs) < 2 {
		t.Fatalf("severity=error: %d records, %v", len(recs), err)
	}
	for _, r := range recs[1:] {
		if r[1] != "error" {
			t.Errorf("severity=error exports %v", r)
		}
	}
}
