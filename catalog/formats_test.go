package catalog_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/catalog"
)

func TestBackstageCatalogMapsAndLints(t *testing.T) {
	cat, err := catalog.Load("testdata/backstage")
	if err != nil {
		t.Fatal(err)
	}
	team := cat.Teams["infrastructure"]
	if team == nil || team.Title != "Infrastructure" || team.SlackChannel != "#infra-alerts" || strings.Join(team.Members, ",") != "jdoe" {
		t.Errorf("Group → Team: %+v", team)
	}
	if m := cat.Teams["artist-relations-team"].Members; strings.Join(m, ",") != "jdoe" {
		t.Errorf("User memberOf not mapped: %v", m)
	}
	erp := cat.Systems["royalties-erp"]
	if erp == nil || erp.Kind != "ERP" || erp.Owner != "infrastructure" || strings.Join(erp.DataDomains, ",") != "invoice,payment" {
		t.Errorf("System: %+v", erp)
	}
	in := cat.Integration("royalty-sync")
	if in == nil {
		t.Fatal("integration component not mapped")
	}
	if in.Source != "artist-engagement-portal" || in.Target() != "royalties-erp" || in.Owner != "artist-relations-team" ||
		in.Tier != 1 || in.Mechanism != "batch" || in.Retirement.Format("2006-01-02") != "2029-12-31" ||
		in.Match[0].Conditions[0].Value != "royalty-sync" {
		t.Errorf("Component → Integration: %+v", in)
	}
	if cat.Integration("artist-web") != nil {
		t.Error("a website component became an integration")
	}
	findings := catalog.Lint(cat, catalog.LintConfig{}, time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC))
	var buf bytes.Buffer
	catalog.WriteText(&buf, findings)
	// The tier-1 integration has no SLO here; the Group's parent "ops" is
	// not catalogued but is not a reference intops checks.
	if len(findings) != 1 || findings[0].Rule != "slo.tier1-missing" {
		t.Errorf("lint of the Backstage catalog:\n%s", buf.String())
	}
}

func TestBackstageAndOpenSLOTogether(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"backstage/org.yaml", "backstage/systems.yaml", "openslo/slos.yaml"} {
		data, _ := os.ReadFile(filepath.Join("testdata", f))
		os.WriteFile(filepath.Join(dir, strings.ReplaceAll(f, "/", "-")), data, 0o600)
	}
	cat, err := catalog.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(cat.SLOs); n != 2 {
		t.Fatalf("%d SLOs", n)
	}
	fresh, lat := cat.SLOs[0], cat.SLOs[1]
	if fresh.Integration != "royalty-sync" || fresh.Objective != 0.995 || fresh.Window.Calendar != "month" || fresh.Window.Rolling ||
		fresh.Indicator.Name != "royalty-sync-freshness" || fresh.AlertPolicies[0] != "default-burn-rate" {
		t.Errorf("freshness SLO %+v", fresh)
	}
	if sli := cat.SLIs["royalty-sync-freshness"]; sli == nil || sli.Kind != intops.SLIFreshness || sli.Threshold != 90*time.Minute {
		t.Errorf("SLI %+v", sli)
	}
	if lat.Indicator.Kind != intops.SLILatency || lat.Indicator.Threshold != 2*time.Second || len(lat.Indicator.BadClasses) != 2 ||
		lat.Window.Duration != 28*24*time.Hour || !lat.Window.Rolling || lat.Objective != 0.995 {
		t.Errorf("latency SLO %+v", lat)
	}
	ap := cat.AlertPolicies["default-burn-rate"]
	if ap == nil || len(ap.Conditions) != 2 || ap.Conditions[0].BurnRate != 14.4 || ap.Conditions[0].LongWindow != time.Hour ||
		ap.Conditions[0].ShortWindow != 5*time.Minute || ap.Conditions[1].Severity != "ticket" || ap.Conditions[1].LongWindow != 72*time.Hour {
		t.Errorf("alert policy %+v", ap)
	}
	// The one finding: the Slack target names no channel.
	if fs := catalog.Lint(cat, catalog.LintConfig{}, time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)); len(fs) != 1 || fs[0].Rule != "slo.notification-target" || fs[0].Severity != catalog.SeverityNote {
		t.Errorf("findings: %+v", fs)
	}
}

func TestParseErrorsSayWhere(t *testing.T) {
	for name, tc := range map[string]struct{ yaml, want string }{
		"broken YAML":   {"apiVersion: intops.dev/v1alpha1\nkind: [Team\n", "f.yaml:1: invalid YAML: did not find expected ',' or ']'"},
		"wrong type":    {"apiVersion: intops.dev/v1alpha1\nkind: Integration\nmetadata: {name: a}\nspec:\n  tier: high\n", "f.yaml:5: spec: cannot unmarshal !!str `high` into int"},
		"bad date":      {"apiVersion: intops.dev/v1alpha1\nkind: Integration\nmetadata: {name: a}\nspec:\n  retirement: 31/12/2029\n", `f.yaml:5:3: integration "a": spec.retirement "31/12/2029": want a date as YYYY-MM-DD`},
		"unknown key":   {"apiVersion: intops.dev/v1alpha1\nkind: Team\nmetadata: {name: a, owner: b}\n", `f.yaml:3:21: metadata.owner: unknown field "owner"`},
		"unknown kind":  {"apiVersion: intops.dev/v1alpha1\nkind: Flow\nmetadata: {name: a}\n", `f.yaml:1:1: kind "Flow": want Team, System, Integration, ErrorClassPolicy or Holidays`},
		"api version":   {"apiVersion: v2\nkind: Team\nmetadata: {name: a}\n", `f.yaml:1:1: apiVersion "v2": want intops.dev/v1alpha1`},
		"no name":       {"apiVersion: intops.dev/v1alpha1\nkind: Team\nmetadata: {}\n", `f.yaml:1:1: Team: metadata.name is required`},
		"not a mapping": {"- a\n- b\n", "f.yaml:1:3: a catalog document must be a mapping"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := catalog.Parse("f.yaml", []byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
}

// FuzzParse: whatever the bytes, read as YAML or as JSON, the loader
// returns a catalog or errors that say where; it never panics.
func FuzzParse(f *testing.F) {
	for _, p := range []string{"testdata/lint/slo.clean/estate.yaml", "testdata/backstage/systems.yaml", "testdata/openslo/slos.yaml", "testdata/bad/estate.yaml",
		"testdata/openslo/valid/objects.json", "testdata/openslo/valid/list-form.yaml", "testdata/openslo/invalid/json-syntax.json"} {
		data, _ := os.ReadFile(p)
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, name := range []string{"f.yaml", "f.json"} {
			cat, err := catalog.Parse(name, data)
			if err != nil {
				if !strings.HasPrefix(err.Error(), name) {
					t.Fatalf("error without position: %v", err)
				}
				continue
			}
			catalog.Lint(cat, catalog.LintConfig{}, time.Now())
		}
	})
}
