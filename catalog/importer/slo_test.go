package importer

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/intops/intops/catalog"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata")

// roundTrip loads what an import wrote as a catalog and lints it: the
// documents load, and lint finds nothing but that intops does not
// evaluate SLOs on Prometheus.
func roundTrip(t *testing.T, res *Result) *catalog.Catalog {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "imported.yaml"), res.YAML, 0o600); err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.Load(dir)
	if err != nil {
		t.Fatalf("imported OpenSLO does not load: %v\n%s", err, res.YAML)
	}
	fs := catalog.Lint(cat, catalog.LintConfig{}, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	for _, f := range fs {
		if f.Rule != "slo.not-evaluated" {
			t.Errorf("lint of the import: %s:%d: [%s] %s", f.File, f.Line, f.Rule, f.Message)
		}
	}
	if n := len(fs); n != len(cat.SLOs) {
		t.Errorf("%d findings, want one slo.not-evaluated per SLO (%d)", n, len(cat.SLOs))
	}
	return cat
}

// golden compares what an import wrote with testdata/<name>.golden.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from what the import wrote (go test -update rewrites it):\n%s", path, got)
	}
}

func TestSlothSpec(t *testing.T) {
	res, err := Sloth("testdata/sloth/checkout.yaml", SLOOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Services != 1 || res.SLOs != 2 || res.AlertPolicies != 3 || len(res.Problems) != 0 {
		t.Errorf("imported %d services, %d SLOs, %d policies; problems %v", res.Services, res.SLOs, res.AlertPolicies, res.Problems)
	}
	golden(t, "sloth/checkout", res.YAML)
	cat := roundTrip(t, res)
	if len(cat.SLOs) != 2 {
		t.Fatalf("%d SLOs loaded", len(cat.SLOs))
	}
	avail, raw := cat.SLOs[0], cat.SLOs[1]
	if avail.Name != "checkout-api-requests-availability" || avail.Integration != "checkout-api" || avail.Objective != 0.999 ||
		avail.Window.Text != "30d" || !avail.Window.Rolling || avail.Budgeting != "Occurrences" || avail.NotEvaluated == "" {
		t.Errorf("events SLO %+v", avail)
	}
	if strings.Join(avail.AlertPolicies, ",") != "checkout-api-requests-availability-page,checkout-api-requests-availability-ticket" {
		t.Errorf("alert policies %v", avail.AlertPolicies)
	}
	page := cat.AlertPolicies["checkout-api-requests-availability-page"]
	if page == nil || len(page.Conditions) != 2 || page.Conditions[0].BurnRate != 14.4 || page.Conditions[0].LongWindow != time.Hour ||
		page.Conditions[0].ShortWindow != 5*time.Minute || page.Conditions[1].BurnRate != 6 || page.Conditions[0].Severity != "page" {
		t.Errorf("page policy %+v", page)
	}
	ticket := cat.AlertPolicies["checkout-api-requests-availability-ticket"]
	if ticket == nil || len(ticket.Conditions) != 2 || ticket.Conditions[0].BurnRate != 3 || ticket.Conditions[1].BurnRate != 1 ||
		ticket.Conditions[1].LongWindow != 72*time.Hour || ticket.Conditions[1].Severity != "ticket" {
		t.Errorf("ticket policy %+v", ticket)
	}
	// The ticket alert of the raw SLI is disabled.
	if raw.Objective != 0.995 || strings.Join(raw.AlertPolicies, ",") != "checkout-api-payment-provider-errors-page" {
		t.Errorf("raw SLO %+v", raw)
	}
}

func TestSlothResource(t *testing.T) {
	res, err := Sloth("testdata/sloth/resource.yaml", SLOOptions{Service: "shop-to-erp-orders", Period: 28 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	want := `testdata/sloth/resource.yaml:31: SLO "stock-sync-latency" not imported: sli.plugin "sloth-common/kubernetes/apiserver/latency" makes its queries when Sloth generates rules; write them as sli.events or sli.raw`
	if strings.Join(res.Problems, "\n") != want {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(res.Problems, "\n"), want)
	}
	golden(t, "sloth/resource", res.YAML)
	cat := roundTrip(t, res)
	if len(cat.SLOs) != 1 {
		t.Fatalf("%d SLOs loaded", len(cat.SLOs))
	}
	s := cat.SLOs[0]
	// --service names the integration; the objective was a string; the
	// page alert is disabled; 28 days keep Sloth's windows and burn
	// 28/30 as fast.
	if s.Name != "erp-gateway-order-bookings" || s.Integration != "shop-to-erp-orders" || s.Objective != 0.9995 || s.Window.Text != "28d" {
		t.Errorf("SLO %+v", s)
	}
	p := cat.AlertPolicies["erp-gateway-order-bookings-ticket"]
	if strings.Join(s.AlertPolicies, ",") != "erp-gateway-order-bookings-ticket" || p == nil || len(p.Conditions) != 2 ||
		p.Conditions[0].BurnRate != 2.8 || p.Conditions[0].LongWindow != 24*time.Hour || p.Conditions[1].BurnRate != 0.9333 {
		t.Errorf("policies %v: %+v", s.AlertPolicies, p)
	}
}

func TestSlothWindows(t *testing.T) {
	for _, tc := range []struct {
		period string
		want   string
	}{
		{"30d", "page quick 14.4 1h 5m; page slow 6 6h 30m; ticket quick 3 1d 2h; ticket slow 1 3d 6h"},
		{"28d", "page quick 13.44 1h 5m; page slow 5.6 6h 30m; ticket quick 2.8 1d 2h; ticket slow 0.9333 3d 6h"},
		{"7d", "page quick 14.4 14m 1m; page slow 6 84m 7m; ticket quick 3 336m 28m; ticket slow 1 1008m 84m"},
	} {
		d, err := ParsePeriod(tc.period)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, w := range slothBurnWindows(d) {
			got = append(got, strings.Join([]string{w.Severity, w.Name, trimFloat(w.Factor), shorthand(w.Long), shorthand(w.Short)}, " "))
		}
		if g := strings.Join(got, "; "); g != tc.want {
			t.Errorf("%s: %s\nwant %s", tc.period, g, tc.want)
		}
	}
}

func TestPyrra(t *testing.T) {
	res, err := Pyrra("testdata/pyrra/slos.yaml", SLOOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := `testdata/pyrra/slos.yaml:64: SLO "pyrra-connect-latency" not imported: spec.indicator.latencyNative reads a native histogram, which an OpenSLO ratio of queries does not express; write it as latency with success and total`
	if strings.Join(res.Problems, "\n") != want {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(res.Problems, "\n"), want)
	}
	if res.Services != 1 || res.SLOs != 3 || res.AlertPolicies != 4 {
		t.Errorf("imported %d services, %d SLOs, %d policies", res.Services, res.SLOs, res.AlertPolicies)
	}
	golden(t, "pyrra/slos", res.YAML)
	cat := roundTrip(t, res)
	if len(cat.SLOs) != 3 {
		t.Fatalf("%d SLOs loaded", len(cat.SLOs))
	}
	ratio, latency, gauge := cat.SLOs[0], cat.SLOs[1], cat.SLOs[2]
	if ratio.Name != "crm-sync-errors" || ratio.Integration != "integrations" || ratio.Objective != 0.995 || ratio.Window.Text != "28d" {
		t.Errorf("ratio SLO %+v", ratio)
	}
	page := cat.AlertPolicies["crm-sync-errors-page"]
	if page == nil || len(page.Conditions) != 2 || page.Conditions[0].BurnRate != 14 || page.Conditions[0].LongWindow != time.Hour || page.Conditions[1].BurnRate != 7 {
		t.Errorf("ratio page policy %+v", page)
	}
	// 2w scales Pyrra's windows by half.
	ticket := cat.AlertPolicies["crm-api-latency-ticket"]
	if latency.Window.Text != "14d" || ticket == nil || ticket.Conditions[0].LongWindow != 12*time.Hour || ticket.Conditions[1].LongWindow != 48*time.Hour {
		t.Errorf("latency SLO %+v, ticket policy %+v", latency, ticket)
	}
	// burnrates: false writes no alert policy.
	if gauge.Objective != 0.999 || len(gauge.AlertPolicies) != 0 || gauge.Window.Text != "30d" {
		t.Errorf("bool_gauge SLO %+v", gauge)
	}
	for _, q := range []string{
		`query: sum by (flow) (crm_sync_records_total{result="error"})`,
		`query: http_request_duration_seconds_bucket{job="crm-api",le="0.5"}`,
		`query: probe_success{job="sftp-partner"}`,
		"rawType: success",
	} {
		if !strings.Contains(string(res.YAML), q) {
			t.Errorf("the import lacks %s", q)
		}
	}
}

// TestInvalidSources: what is not a valid Sloth or Pyrra file is refused
// with every problem at its file:line.
func TestInvalidSources(t *testing.T) {
	for _, tc := range []struct {
		kind, file string
		want       []string
	}{
		{"sloth", "sloth/bad-unknown-field.yaml", []string{
			`testdata/sloth/bad-unknown-field.yaml:10:9: slos[0].sli.events.good_query: unknown field "good_query"`,
		}},
		{"sloth", "sloth/bad-objective.yaml", []string{
			`testdata/sloth/bad-objective.yaml:5:16: slos[0].objective 100: want above 0 and below 100 (an objective of 100% leaves no error budget)`,
			`testdata/sloth/bad-objective.yaml:13:7: slos[1].sli.events.total_query is required: the Prometheus query of all events`,
		}},
		{"sloth", "sloth/bad-version.yaml", []string{
			`testdata/sloth/bad-version.yaml:1:10: version "prometheus/v2": want prometheus/v1`,
		}},
		{"sloth", "sloth/bad-sli.yaml", []string{
			`testdata/sloth/bad-sli.yaml:6:5: slos[0].sli: events, raw and plugin exclude each other: set one`,
		}},
		{"sloth", "sloth/bad-yaml.yaml", []string{
			`testdata/sloth/bad-yaml.yaml:6: invalid YAML: mapping values are not allowed in this context`,
		}},
		{"sloth", "pyrra/slos.yaml", []string{
			`testdata/pyrra/slos.yaml:2:13: apiVersion "pyrra.dev/v1alpha1", kind "ServiceLevelObjective": want sloth.slok.dev/v1 PrometheusServiceLevel`,
			`testdata/pyrra/slos.yaml:23:13: apiVersion "pyrra.dev/v1alpha1", kind "ServiceLevelObjective": want sloth.slok.dev/v1 PrometheusServiceLevel`,
			`testdata/pyrra/slos.yaml:40:13: apiVersion "pyrra.dev/v1alpha1", kind "ServiceLevelObjective": want sloth.slok.dev/v1 PrometheusServiceLevel`,
			`testdata/pyrra/slos.yaml:55:13: apiVersion "pyrra.dev/v1alpha1", kind "ServiceLevelObjective": want sloth.slok.dev/v1 PrometheusServiceLevel`,
		}},
		{"pyrra", "pyrra/bad.yaml", []string{
			`testdata/pyrra/bad.yaml:6:11: spec.target "99,5": want a percentage, e.g. "99.5"`,
			`testdata/pyrra/bad.yaml:7:11: spec.window "28days": want a duration such as 28d, 30d or 4w`,
			`testdata/pyrra/bad.yaml:9:5: spec.indicator.ratio.total.metric is required: a Prometheus metric selector`,
			`testdata/pyrra/bad.yaml:12:7: spec.indicator.ratio.totals: unknown field "totals"`,
			`testdata/pyrra/bad.yaml:22:3: spec.indicator needs one of ratio, latency, latencyNative or bool_gauge`,
			`testdata/pyrra/bad.yaml:24:13: apiVersion "pyrra.dev/v1", kind "ServiceLevelObjective": want pyrra.dev/v1alpha1 ServiceLevelObjective`,
		}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			var err error
			if tc.kind == "sloth" {
				_, err = Sloth("testdata/"+tc.file, SLOOptions{})
			} else {
				_, err = Pyrra("testdata/"+tc.file, SLOOptions{})
			}
			if err == nil {
				t.Fatal("imported")
			}
			if got := err.Error(); got != strings.Join(tc.want, "\n") {
				t.Errorf("got:\n%s\nwant:\n%s", got, strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestNames(t *testing.T) {
	for in, want := range map[string]string{
		"Checkout_API":          "checkout-api",
		"--a..b--":              "a-b",
		"":                      "unnamed",
		strings.Repeat("x", 70): strings.Repeat("x", 54) + "-5c0c0dc5",
		"requests-availability": "requests-availability",
	} {
		got := dnsName(in)
		if got != want && !(len(in) == 70 && len(got) == 63) {
			t.Errorf("dnsName(%q) = %q, want %q", in, got, want)
		}
		if !catalog.ValidName(got) {
			t.Errorf("dnsName(%q) = %q is not an RFC 1123 name", in, got)
		}
	}
	if got := withSuffix(strings.Repeat("a", 60), "-page-quick"); len(got) != 63 || !strings.HasSuffix(got, "-page-quick") || !catalog.ValidName(got) {
		t.Errorf("withSuffix: %q", got)
	}
}
