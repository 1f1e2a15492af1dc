package importer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/intops/intops/catalog"
)

func TestCSV(t *testing.T) {
	res, err := CSV("testdata/cmdb.csv")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`testdata/cmdb.csv:4: retirement "31/12/2029": want YYYY-MM-DD`,
		`testdata/cmdb.csv:5: id is empty`,
		`testdata/cmdb.csv:6: tier "gold": want 1, 2 or 3`,
		`testdata/cmdb.csv:7: id "crm-to-erp-accounts" already on line 2`,
		`testdata/cmdb.csv:8: mechanism "carrier-pigeon": want one of api, event, batch, file, rpa, db-link`,
	}
	if strings.Join(res.Problems, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(res.Problems, "\n"), strings.Join(want, "\n"))
	}
	if res.Integrations != 2 {
		t.Errorf("%d integrations imported, want 2", res.Integrations)
	}
	// What it writes is a catalog intops loads.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "imported.yaml"), res.YAML, 0o644)
	cat, err := catalog.Load(dir)
	if err != nil {
		t.Fatalf("imported YAML does not load: %v\n%s", err, res.YAML)
	}
	in := cat.Integration("erp-to-dwh")
	if in == nil || strings.Join(in.Targets, ",") != "snowflake-dwh,bi-tool" || strings.Join(in.DataDomains, ",") != "invoice,order" || in.Tier != 3 {
		t.Errorf("erp-to-dwh: %+v", in)
	}
	acc := cat.Integration("crm-to-erp-accounts")
	if acc == nil || len(acc.Match) != 1 || len(acc.Match[0].Conditions) != 2 || acc.Retirement.Year() != 2029 {
		t.Errorf("crm-to-erp-accounts: %+v", acc)
	}
}

func TestCSVHeaderErrors(t *testing.T) {
	dir := t.TempDir()
	for name, tc := range map[string]struct{ csv, want string }{
		"unknown column": {"id,source,targets,owner_team,colour\n", `:1: unknown column "colour"`},
		"missing column": {"id,source,owner_team\n", `:1: missing required column "targets"`},
	} {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".csv")
		os.WriteFile(p, []byte(tc.csv), 0o644)
		if _, err := CSV(p); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", name, err, tc.want)
		}
	}
}

func TestBackstageImport(t *testing.T) {
	res, err := Backstage("../testdata/backstage")
	if err != nil {
		t.Fatal(err)
	}
	if res.Teams != 2 || res.Systems != 2 || res.Integrations != 1 {
		t.Errorf("imported %d teams, %d systems, %d integrations", res.Teams, res.Systems, res.Integrations)
	}
	if len(res.Problems) != 1 || !strings.Contains(res.Problems[0], `Component "artist-web" not mapped`) || !strings.Contains(res.Problems[0], "systems.yaml:21:1") {
		t.Errorf("problems: %v", res.Problems)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "imported.yaml"), res.YAML, 0o644)
	cat, err := catalog.Load(dir)
	if err != nil {
		t.Fatalf("imported YAML does not load: %v\n%s", err, res.YAML)
	}
	fs := catalog.Lint(cat, catalog.LintConfig{}, time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC))
	if len(fs) != 1 || fs[0].Rule != "slo.tier1-missing" {
		t.Errorf("lint of the import: %+v", fs)
	}
	if in := cat.Integration("royalty-sync"); in == nil || in.Target() != "royalties-erp" || in.Owner != "artist-relations-team" {
		t.Errorf("royalty-sync: %+v", in)
	}
}
