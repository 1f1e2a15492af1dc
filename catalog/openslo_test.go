package catalog_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/catalog"
)

// problemsOf loads testdata/openslo/base.yaml beside one case file and
// returns every problem: what makes the load fail, else every lint
// finding, each as file:line:column: [rule] message.
func problemsOf(t *testing.T, file string) []string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"testdata/openslo/base.yaml", file} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var out []string
	cat, err := catalog.Load(dir)
	if err != nil {
		var e *catalog.Error
		for _, x := range unwrapAll(err) {
			if errors.As(x, &e) {
				out = append(out, strings.TrimPrefix(e.Pos.String(), dir+"/")+": [load] "+e.Msg)
			} else {
				out = append(out, "[load] "+x.Error())
			}
		}
		return out
	}
	for _, f := range catalog.Lint(cat, catalog.LintConfig{}, lintNow) {
		out = append(out, strings.TrimPrefix(f.Pos().String(), dir+"/")+": ["+f.Rule+"] "+f.Message)
	}
	return out
}

func unwrapAll(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// TestOpenSLOInvalidCases: each file of testdata/openslo/invalid breaks
// the OpenSLO v1 specification (or a rule of intops) once, and is
// reported once, where it is, with what is wrong. Problems that leave a
// file unreadable (its YAML or JSON) fail the load; every other one is a
// lint finding, and the rest of the catalog loads.
func TestOpenSLOInvalidCases(t *testing.T) {
	cases := []struct {
		file         string
		line, column int
		rule         string // a lint rule, or load
		want         string
	}{
		{"api-version.yaml", 2, 13, "openslo.invalid", `apiVersion "openslo/v2alpha": intops reads OpenSLO openslo/v1`},
		{"alert-policy-inline-kind.yaml", 30, 7, "openslo.invalid", `spec.alertPolicies[0].kind "Policy": an inline alert policy is kind:`},
		{"alert-policy-no-conditions.yaml", 6, 1, "openslo.invalid", "spec.conditions needs a condition: conditionRef, or an inline kind:"},
		{"alert-policy-ref-and-inline.yaml", 30, 7, "openslo.invalid", "spec.alertPolicies[0]: alertPolicyRef and an inline AlertPolicy"},
		{"alert-policy-ref-dangling.yaml", 30, 7, "slo.unknown-reference", `AlertPolicy "default-burn-rate" is not defined`},
		{"budgeting-unknown.yaml", 25, 3, "openslo.invalid", `spec.budgetingMethod "Weekly": want Occurrences, Timeslices or`},
		{"calendar-bad-start.yaml", 26, 9, "openslo.invalid", `spec.timeWindow[0].calendar.startTime "2026-01-01T00:00:00Z": want a`},
		{"calendar-bad-zone.yaml", 26, 9, "openslo.invalid", `spec.timeWindow[0].calendar.timeZone "Mars/Olympus_Mons": want an`},
		{"calendar-missing.yaml", 24, 7, "openslo.invalid", "spec.timeWindow[0]: a calendar-aligned window (isRolling: false)"},
		{"calendar-no-zone.yaml", 24, 7, "openslo.invalid", "spec.timeWindow[0].calendar.timeZone is required (an IANA name such"},
		{"calendar-rolling-unit.yaml", 22, 3, "slo.window", `rolling window "1M": use days (e.g. 30d) for rolling windows; M, Q`},
		{"composite-weight.yaml", 15, 7, "openslo.invalid", "spec.objectives[0].compositeWeight 0: want more than 0"},
		{"condition-bad-lookback.yaml", 16, 11, "openslo.invalid", `spec.conditions[0].spec.condition.lookbackWindow "1hour": want a`},
		{"condition-bad-op.yaml", 15, 11, "openslo.invalid", `spec.conditions[0].spec.condition.op "ge": want lte, gte, lt or gt`},
		{"condition-kind.yaml", 14, 11, "openslo.invalid", `spec.conditions[0].spec.condition.kind "threshold": want burnrate`},
		{"condition-no-lookback.yaml", 13, 9, "openslo.invalid", "spec.conditions[0].spec.condition.lookbackWindow is required (e.g. 1h)"},
		{"condition-no-severity.yaml", 11, 7, "openslo.invalid", "spec.conditions[0].spec.severity is required (e.g. page or ticket)"},
		{"condition-no-threshold.yaml", 13, 9, "openslo.invalid", "spec.conditions[0].spec.condition.threshold is required: the burn"},
		{"condition-ref-dangling.yaml", 8, 7, "slo.unknown-reference", `alertPolicy "default-burn-rate": AlertCondition "page-fast-burn" is`},
		{"datasource-no-type.yaml", 6, 1, "openslo.invalid", "spec.type is required (the kind of source: Prometheus, Datadog,"},
		{"description-too-long.yaml", 8, 3, "openslo.invalid", "spec.description has 1051 characters: at most 1050"},
		{"duplicate-slo.yaml", 30, 1, "id.duplicate", `SLO "crm-to-erp-availability" is defined twice`},
		{"good-and-bad.yaml", 18, 9, "openslo.invalid", "spec.indicator.spec.ratioMetric: good and bad exclude each other: set"},
		{"indicator-and-ref.yaml", 8, 3, "openslo.invalid", "spec.indicator and spec.indicatorRef exclude each other: set one"},
		{"indicator-ref-dangling.yaml", 8, 3, "slo.unknown-reference", `SLI "crm-to-erp-success" is not defined`},
		{"indicator-spec-and-objectives.yaml", 6, 1, "openslo.invalid", "set the indicator on the spec or on its objectives (a composite SLO),"},
		{"intops-unknown-field.yaml", 17, 40, "openslo.invalid", "spec.indicator.spec.ratioMetric.good.metricSource.spec.badClass:"},
		{"intops-unknown-sli.yaml", 17, 20, "openslo.invalid", `sli "uptime": want success_ratio, latency, freshness or throughput`},
		{"json-comment.json", 1, 1, "load", "invalid JSON: invalid character '#' looking for beginning of value"},
		{"json-good-and-bad.json", 24, 11, "openslo.invalid", "spec.indicator.spec.ratioMetric: good and bad exclude each other: set"},
		{"json-syntax.json", 9, 5, "load", `invalid JSON: invalid character '"' after object key:value pair`},
		{"json-trailing-comma.json", 45, 7, "load", "invalid JSON: invalid character '}' looking for beginning of object"},
		{"list-item-not-mapping.yaml", 29, 3, "load", "a catalog document must be a mapping with apiVersion, kind, metadata"},
		{"metric-source-bad-ref.yaml", 16, 13, "openslo.invalid", "spec.indicator.spec.ratioMetric.good.metricSource.metricSourceRef"},
		{"metric-source-no-spec.yaml", 15, 11, "openslo.invalid", "spec.indicator.spec.ratioMetric.good.metricSource.spec is required:"},
		{"metric-source-no-type.yaml", 15, 11, "openslo.invalid", "spec.indicator.spec.ratioMetric.good.metricSource needs a type (e.g."},
		{"metric-source-ref-dangling.yaml", 16, 13, "slo.unknown-reference", `DataSource "intops-traffic" is not defined`},
		{"name-not-rfc1123.yaml", 5, 3, "openslo.invalid", `metadata.name "CRM_to_ERP": want an RFC 1123 name: at most 63`},
		{"name-too-long.yaml", 5, 3, "openslo.invalid", "metadata.name"},
		{"no-budgeting.yaml", 6, 1, "openslo.invalid", "spec.budgetingMethod is required: Occurrences, Timeslices or"},
		{"no-indicator.yaml", 6, 1, "openslo.invalid", "needs an indicator or an indicatorRef"},
		{"no-metric.yaml", 11, 5, "openslo.invalid", "spec.indicator.spec needs a thresholdMetric or a ratioMetric"},
		{"no-name.yaml", 2, 1, "openslo.invalid", "SLO: metadata.name is required"},
		{"no-numerator.yaml", 14, 9, "openslo.invalid", "spec.indicator.spec.ratioMetric needs good or bad beside total"},
		{"no-service.yaml", 6, 1, "openslo.invalid", "spec.service is required: the integration the SLO measures"},
		{"no-target.yaml", 27, 7, "openslo.invalid", "spec.objectives[0] needs target (0 to 1, e.g. 0.999) or targetPercent"},
		{"no-total.yaml", 12, 7, "openslo.invalid", "spec.indicator.spec.ratioMetric needs total with good or bad, or raw"},
		{"no-window.yaml", 6, 1, "openslo.invalid", "spec.timeWindow is required: one rolling (duration, isRolling: true)"},
		{"op-invalid.yaml", 22, 7, "openslo.invalid", `spec.objectives[0].op "eq": want lte, gte, lt or gt`},
		{"ratio-timeslices-no-window.yaml", 27, 7, "openslo.invalid", "spec.objectives[0].timeSliceWindow is required with budgetingMethod"},
		{"raw-and-total.yaml", 15, 9, "openslo.invalid", "spec.indicator.spec.ratioMetric: raw (a precomputed ratio) excludes"},
		{"raw-bad-rawtype.yaml", 14, 9, "openslo.invalid", `spec.indicator.spec.ratioMetric.rawType "ratio": want success or`},
		{"raw-without-rawtype.yaml", 14, 9, "openslo.invalid", "spec.indicator.spec.ratioMetric.rawType is required with raw: success"},
		{"rawtype-without-raw.yaml", 14, 9, "openslo.invalid", "spec.indicator.spec.ratioMetric.rawType goes with raw only"},
		{"rolling-with-calendar.yaml", 25, 7, "openslo.invalid", "spec.timeWindow[0]: a rolling window (isRolling: true) takes no"},
		{"second-percent-out-of-range.yaml", 30, 7, "openslo.invalid", "spec.objectives[1].targetPercent 100: want at least 0 and below 100"},
		{"second-target-out-of-range.yaml", 30, 7, "openslo.invalid", "spec.objectives[1].target 1: want at least 0 and below 1"},
		{"service-not-integration.yaml", 14, 3, "slo.unknown-integration", `service "customer-sync" is not an integration of the catalog (it is an OpenSLO Service`},
		{"service-unknown-field.yaml", 7, 3, "openslo.invalid", `spec.descripton: unknown field "descripton"`},
		{"target-and-percent.yaml", 29, 7, "openslo.invalid", "spec.objectives[0]: target and targetPercent exclude each other: set"},
		{"target-no-target.yaml", 6, 1, "openslo.invalid", "spec.target is required: where notifications go (e.g. slack, email,"},
		{"target-out-of-range.yaml", 26, 3, "slo.objective", "objective 1.5 is outside (0, 1)"},
		{"target-ref-dangling.yaml", 19, 7, "slo.unknown-reference", `alertPolicy "default-burn-rate": AlertNotificationTarget "on-call" is`},
		{"threshold-and-ratio.yaml", 16, 7, "openslo.invalid", "spec.indicator.spec: thresholdMetric and ratioMetric exclude each"},
		{"threshold-two-objectives.yaml", 23, 7, "openslo.invalid", "an SLO on a thresholdMetric takes one objective, not 2"},
		{"timeslice-window-bad.yaml", 29, 7, "openslo.invalid", `spec.objectives[0].timeSliceWindow "5x": want a duration-shorthand: a`},
		{"timeslices-no-target.yaml", 27, 7, "openslo.invalid", "spec.objectives[0].timeSliceTarget is required with budgetingMethod"},
		{"timeslices-no-window.yaml", 27, 7, "openslo.invalid", "spec.objectives[0].timeSliceWindow is required with budgetingMethod"},
		{"timeslices-target-range.yaml", 29, 7, "openslo.invalid", "spec.objectives[0].timeSliceTarget 1.5: want above 0 and at most 1"},
		{"two-windows.yaml", 25, 7, "openslo.invalid", "spec.timeWindow takes exactly one window, not 2"},
		{"unknown-field.yaml", 26, 3, "openslo.invalid", `spec.objective: unknown field "objective"`},
		{"unknown-kind.yaml", 2, 1, "openslo.invalid", `kind "Budget": want one of DataSource, Service,`},
		{"window-bad-unit.yaml", 22, 3, "slo.window", `window "28x": unknown unit "x" (want m, h, d, w, M, Q or Y)`},
		{"window-no-duration.yaml", 23, 7, "openslo.invalid", "spec.timeWindow[0].duration is required (e.g. 28d rolling, 1M"},
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		seen[tc.file] = true
		t.Run(tc.file, func(t *testing.T) {
			got := problemsOf(t, filepath.Join("testdata/openslo/invalid", tc.file))
			want := fmt.Sprintf("%s:%d:%d: [%s] ", tc.file, tc.line, tc.column, tc.rule)
			if len(got) != 1 || !strings.HasPrefix(got[0], want) || !strings.Contains(got[0], tc.want) {
				t.Errorf("got %q\nwant one problem %s…%s", got, want, tc.want)
			}
		})
	}
	files, _ := filepath.Glob("testdata/openslo/invalid/*")
	for _, f := range files {
		if !seen[filepath.Base(f)] {
			t.Errorf("%s has no case in the table", f)
		}
	}
}

// TestOpenSLOValidExamples: the list form, several documents in a file,
// JSON (a list, and values one after another), every kind, objects
// referred to by name, calendar windows and every budgeting method load
// without an error; the indicators on other sources are kept and only
// warned about.
func TestOpenSLOValidExamples(t *testing.T) {
	dir := t.TempDir()
	files, _ := filepath.Glob("testdata/openslo/valid/*")
	for _, f := range append(files, "testdata/openslo/base.yaml") {
		data, _ := os.ReadFile(f)
		os.WriteFile(filepath.Join(dir, filepath.Base(f)), data, 0o600)
	}
	cat, err := catalog.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	var warned, noted []string
	for _, f := range catalog.Lint(cat, catalog.LintConfig{}, lintNow) {
		if f.Rule == "slo.notification-target" && f.Severity == catalog.SeverityNote {
			noted = append(noted, filepath.Base(f.File)+":"+strconv.Itoa(f.Line)+" "+f.Message)
			continue
		}
		if f.Rule != "slo.not-evaluated" || f.Severity != catalog.SeverityWarning {
			t.Errorf("%s: %s [%s]", f.Pos(), f.Message, f.Rule)
			continue
		}
		warned = append(warned, filepath.Base(f.File)+":"+strconv.Itoa(f.Line))
	}
	if strings.Join(warned, " ") != "foreign-sources.yaml:35 foreign-sources.yaml:55" {
		t.Errorf("not-evaluated warnings at %v", warned)
	}
	// Notification targets, documents and inline, are shown.
	wantNoted := `multi-document.yaml:3 AlertNotificationTarget "ops-on-call": Slack, naming no channel (#channel, slack:#channel or a channel link): alerts go to the owning team's channel
multi-document.yaml:85 AlertNotificationTarget "ops-pager": pagerduty: alerts go to the PagerDuty receiver intops is configured with`
	if got := strings.Join(noted, "\n"); got != wantNoted {
		t.Errorf("notification target notes:\n%s\nwant:\n%s", got, wantNoted)
	}
	slos := map[string]*intops.SLO{}
	for _, s := range cat.SLOs {
		slos[s.Name] = s
	}
	if len(slos) != 6 {
		t.Fatalf("%d SLOs: %v", len(slos), slos)
	}
	lat := slos["crm-to-erp-latency"]
	if sli := cat.SLIs["crm-to-erp-fast"]; lat.Indicator.Name != "crm-to-erp-fast" || sli == nil || sli.Kind != intops.SLILatency ||
		sli.Threshold != 2*time.Second || lat.Budgeting != "RatioTimeslices" || lat.Window.Duration != 28*24*time.Hour || lat.NotEvaluated != "" {
		t.Errorf("list form, DataSource of type intops: %+v %+v", lat, sli)
	}
	av := slos["crm-to-erp-availability"]
	if av.Objective != 0.995 || av.Window.Calendar != "month" || av.Window.Rolling || len(av.Indicator.BadClasses) != 2 ||
		strings.Join(av.AlertPolicies, ",") != "slow-burn,fast-burn" {
		t.Errorf("calendar month SLO: %+v", av)
	}
	if p := cat.AlertPolicies["slow-burn"]; p == nil || len(p.Conditions) != 1 || p.Conditions[0].LongWindow != 72*time.Hour || p.Conditions[0].ShortWindow != 6*time.Hour {
		t.Errorf("conditionRef not resolved: %+v", p)
	}
	if p := cat.AlertPolicies["fast-burn"]; p == nil || !p.AlertWhenNoData || p.Conditions[0].BurnRate != 14.4 {
		t.Errorf("inline policy: %+v", p)
	}
	fresh := slos["crm-to-erp-freshness"]
	if fresh.Indicator.Kind != intops.SLIFreshness || fresh.Window.Calendar != "quarter" || fresh.Objective != 0.995 {
		t.Errorf("JSON threshold SLO on a calendar quarter: %+v", fresh)
	}
	if comp := slos["crm-to-erp-composite"]; comp.Indicator.Name != "crm-to-erp-raw" || comp.Objective != 0.999 {
		t.Errorf("composite SLO: %+v", comp)
	}
	if cat.Where("Service/erp-postings").Line != 1 || cat.Where("AlertCondition/page-slow-burn").Line != 11 {
		t.Errorf("JSON values one after another: %v %v", cat.Where("Service/erp-postings"), cat.Where("AlertCondition/page-slow-burn"))
	}
	if s := slos["crm-to-erp-queue-depth"]; !strings.Contains(s.NotEvaluated, "intops evaluates only") || !strings.Contains(s.NotEvaluated, "Any") || s.Prometheus != nil {
		t.Errorf("crm-to-erp-queue-depth: NotEvaluated %q, Prometheus %+v", s.NotEvaluated, s.Prometheus)
	}
	// A Prometheus indicator keeps its queries and the DataSource's URL:
	// the server evaluates it when it has a Prometheus to query.
	http := slos["crm-to-erp-http"]
	want := intops.PrometheusSLI{DataSource: "prometheus-main", URL: "http://prometheus:9090",
		Good: `sum(rate(http_requests_total{job="crm-sync",code!~"5.."}[5m]))`, Total: `sum(rate(http_requests_total{job="crm-sync"}[5m]))`}
	if http.NotEvaluated != catalog.PrometheusNotEvaluated || http.Prometheus == nil || *http.Prometheus != want {
		t.Errorf("crm-to-erp-http: NotEvaluated %q, Prometheus %+v", http.NotEvaluated, http.Prometheus)
	}
}

// TestDatadogSLOBesideTheDemoEstate: one SLO measured in Datadog added to
// the demo estate adds one lint warning, and nothing else changes: every
// other SLO, integration and finding is as without it.
func TestDatadogSLOBesideTheDemoEstate(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../examples/estate")); err != nil {
		t.Fatal(err)
	}
	before, err := catalog.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ := catalog.LoadLintConfig(dir)
	want := catalog.Lint(before, cfg, lintNow)
	datadog := `apiVersion: openslo/v1
kind: SLO
metadata:
  name: crm-to-erp-customers-datadog
spec:
  service: crm-to-erp-customers
  indicator:
    metadata:
      name: crm-to-erp-customers-apm
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            type: Datadog
            spec:
              query: sum:trace.http.request.hits.by_http_status{service:crm-sync,http.status_class:2xx}.as_count()
        total:
          metricSource:
            type: Datadog
            spec:
              query: sum:trace.http.request.hits{service:crm-sync}.as_count()
  timeWindow:
    - duration: 30d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - target: 0.999
`
	if err := os.WriteFile(filepath.Join(dir, "slos", "datadog.yaml"), []byte(datadog), 0o600); err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := catalog.Lint(cat, cfg, lintNow)
	var added []catalog.Finding
	rest := got[:0:0]
	for _, f := range got {
		if f.Rule == "slo.not-evaluated" {
			added = append(added, f)
			continue
		}
		rest = append(rest, f)
	}
	if len(added) != 1 || added[0].Severity != catalog.SeverityWarning || !strings.HasSuffix(added[0].File, "datadog.yaml") ||
		added[0].Line != 15 || !strings.Contains(added[0].Message, "Datadog") {
		t.Errorf("want one not-evaluated warning, got %+v", added)
	}
	if fmt.Sprint(rest) != fmt.Sprint(want) {
		t.Errorf("the other findings changed:\n%v\nwant\n%v", rest, want)
	}
	if len(cat.SLOs) != len(before.SLOs)+1 || len(cat.Integrations) != len(before.Integrations) {
		t.Errorf("%d SLOs (was %d), %d integrations (was %d)", len(cat.SLOs), len(before.SLOs), len(cat.Integrations), len(before.Integrations))
	}
	for i, s := range cat.SLOs {
		if s.Name == "crm-to-erp-customers-datadog" {
			if s.NotEvaluated == "" {
				t.Error("the Datadog SLO is not marked not evaluated")
			}
			continue
		}
		if s.NotEvaluated != "" {
			t.Errorf("SLO %s (%d) marked not evaluated: %s", s.Name, i, s.NotEvaluated)
		}
	}
}
