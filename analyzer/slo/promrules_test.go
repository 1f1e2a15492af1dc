package slo_test

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"gopkg.in/yaml.v3"

	"github.com/intops/intops/analyzer/slo"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/internal/promtest"
	"github.com/intops/intops/internal/testtier"
)

// promtool finds Debian's promtool (package prometheus, installed by
// make test). It fails, never skips, when it is missing.
func promtool(t *testing.T) string {
	t.Helper()
	testtier.NeedsServer(t, "promtool")
	for _, p := range []string{"promtool", "/usr/bin/promtool"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	t.Fatal("promtool not found: install Debian's prometheus package (apt-get install prometheus; make test does it as root)")
	return ""
}

func TestPrometheusRulesPassPromtool(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"backstage/org.yaml", "backstage/systems.yaml", "openslo/slos.yaml"} {
		data, err := os.ReadFile(filepath.Join("../../catalog/testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, strings.ReplaceAll(f, "/", "-")), data, 0o644)
	}
	data, _ := os.ReadFile("../../catalog/testdata/lint/slo.clean/estate.yaml")
	base, _ := os.ReadFile("../../catalog/testdata/lint/slo.clean/base.yaml")
	os.WriteFile(filepath.Join(dir, "clean.yaml"), append(append(base, []byte("\n---\n")...), data...), 0o644)
	cat, err := catalog.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	rules, err := slo.PrometheusRules(cat)
	if err != nil {
		t.Fatal(err)
	}
	text := string(rules)
	for _, want := range []string{
		"name: sloth-slo-sli-recordings-", "name: sloth-slo-meta-recordings-", "name: sloth-slo-alerts-",
		"record: slo:sli_error:ratio_rate5m", "record: slo:sli_error:ratio_rate3d", "record: slo:objective:ratio", "record: slo:error_budget:ratio",
		"alert: IntopsSLOBurnRate", "sloth_severity: page", "sloth_severity: ticket", "(14.4 * 0.005", // 14.4 × 0.5% budget
		`rate(intops_slo_good_events_total{slo="crm-to-erp-availability"}[1h])`, "sloth_slo: royalty-sync-latency",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("rules lack %q:\n%s", want, text)
		}
	}
	path := filepath.Join(t.TempDir(), "rules.yaml")
	os.WriteFile(path, rules, 0o644)
	out, err := exec.Command(promtool(t), "check", "rules", path).CombinedOutput()
	if err != nil || strings.Contains(string(out), "FAILED") {
		t.Fatalf("promtool check rules: %v\n%s\n%s", err, out, text)
	}
	t.Logf("promtool: %s", strings.TrimSpace(string(out)))
}

// minuteSeries is the shared history's minutes [historyStart, t), as the
// evaluator sees them.
func minuteSeries(t time.Time) slo.Series {
	var s slo.Series
	for m := historyStart; m.Before(t); m = m.Add(time.Minute) {
		s = append(s, slo.Minute{Good: float64(perMinute - failed(m)), Total: perMinute})
	}
	return s
}

// firingShort is, per severity, the short window of the first firing
// condition of the SLO evaluated at t (the sloth_window label the alert
// carries), absent when none fires.
func firingShort(t time.Time) map[slo.Severity]string {
	r := slo.Evaluate(slo.Policy{Objective: 0.999, Period: 30 * 24 * time.Hour}, minuteSeries(t))
	out := map[slo.Severity]string{}
	for _, w := range r.Windows {
		if _, ok := out[w.Severity]; !ok && w.Firing {
			out[w.Severity] = model.Duration(w.Short).String()
		}
	}
	return out
}

// TestSlothRulesPageLikeIntops: the rules of an intops SLO and of the same
// SLO measured in Prometheus pass promtool check rules, load into a
// Prometheus, record over its backfilled history the error ratios intops
// computes, and, run by promtool test rules over the same traffic, fire
// the page and ticket alerts at exactly the minutes the server's
// evaluation says.
func TestSlothRulesPageLikeIntops(t *testing.T) {
	cat, err := catalog.Parse("estate.yaml", []byte(estate+promSLO))
	if err != nil {
		t.Fatal(err)
	}
	rules, err := slo.PrometheusRules(cat)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	rulesFile := filepath.Join(dir, "rules.yaml")
	os.WriteFile(rulesFile, rules, 0o644)
	if out, err := exec.Command(promtool(t), "check", "rules", rulesFile).CombinedOutput(); err != nil {
		t.Fatalf("promtool check rules: %v\n%s\n%s", err, out, rules)
	}
	for _, want := range []string{
		`sum(rate(http_requests_total{code=~"5..",job="shop"}[5m]))`, `sum(rate(http_requests_total{job="shop"}[3d]))`,
		"record: slo:sli_error:ratio_rate30d", "sloth_id: shop-to-erp-orders-orders-http", "sloth_service: shop-to-erp-orders",
		"record: slo:objective:ratio", "record: slo:error_budget:ratio", "title: (page) {{$labels.sloth_service}}",
	} {
		if !strings.Contains(string(rules), want) {
			t.Errorf("rules lack %q", want)
		}
	}

	// Loaded by a Prometheus over the backfilled history: every group is
	// there, and each window's error ratio, evaluated at past times, is
	// the one intops computes over the same minutes.
	prom := promtest.Start(t, promtest.Options{History: history(), Rules: rules})
	var groups struct {
		Data struct {
			Groups []struct {
				Name  string `json:"name"`
				Rules []struct {
					Name, Query, Health, LastError string
					Labels                         map[string]string
				} `json:"rules"`
			} `json:"groups"`
		} `json:"data"`
	}
	getJSON(t, prom.URL+"/api/v1/rules", &groups)
	if len(groups.Data.Groups) != 6 {
		t.Fatalf("Prometheus loaded %d rule groups, want 6", len(groups.Data.Groups))
	}
	for _, g := range groups.Data.Groups {
		if !strings.HasSuffix(g.Name, "-orders-http") {
			continue
		}
		for _, r := range g.Rules {
			w := r.Labels["sloth_window"]
			if !strings.HasPrefix(r.Name, "slo:sli_error:ratio_rate") || w == "" || w == "30d" {
				continue
			}
			d, _ := model.ParseDuration(w)
			for _, at := range []time.Time{outageStart.Add(time.Minute), outageStart.Add(7 * time.Minute), outageEnd.Add(20 * time.Minute)} {
				var ans struct {
					Data struct {
						Result []struct {
							Value [2]any `json:"value"`
						} `json:"result"`
					} `json:"data"`
				}
				getJSON(t, prom.URL+"/api/v1/query?"+url.Values{"query": {r.Query}, "time": {fmt.Sprint(at.Unix())}}.Encode(), &ans)
				if len(ans.Data.Result) != 1 {
					t.Errorf("%s at %s: %d series", r.Name, at, len(ans.Data.Result))
					continue
				}
				got, _ := strconv.ParseFloat(ans.Data.Result[0].Value[1].(string), 64)
				s := minuteSeries(at)
				var bad, total float64
				for _, m := range s[max(0, len(s)-int(time.Duration(d)/time.Minute)):] {
					bad, total = bad+m.Total-m.Good, total+m.Total
				}
				if want := bad / total; math.Abs(got-want) > 1e-9 {
					t.Errorf("%s at %s: Prometheus %g, intops %g", r.Name, at.Format("15:04"), got, want)
				}
			}
		}
	}

	// promtool test rules over the same traffic, a sample a minute, from
	// historyStart (time 0) on.
	var ok, bad, good, total []string
	var nok, nbad float64
	for m := historyStart; !m.After(historyEnd); m = m.Add(time.Minute) {
		ok, bad = append(ok, fmt.Sprint(nok)), append(bad, fmt.Sprint(nbad))
		good, total = append(good, fmt.Sprint(nok)), append(total, fmt.Sprint(nok+nbad))
		nok, nbad = nok+float64(perMinute-failed(m)), nbad+float64(failed(m))
	}
	type alert struct {
		Labels      map[string]string `yaml:"exp_labels"`
		Annotations map[string]string `yaml:"exp_annotations"`
	}
	type alertTest struct {
		EvalTime  string  `yaml:"eval_time"`
		AlertName string  `yaml:"alertname"`
		Alerts    []alert `yaml:"exp_alerts"`
	}
	var tests []alertTest
	var times []time.Time
	for m := outageStart.Add(-3 * time.Minute); m.Before(outageEnd.Add(50 * time.Minute)); m = m.Add(time.Minute) {
		times = append(times, m)
	}
	for m := outageEnd.Add(50 * time.Minute); m.Before(outageEnd.Add(6*time.Hour + 20*time.Minute)); m = m.Add(10 * time.Minute) {
		times = append(times, m, m.Add(time.Minute))
	}
	pages := 0
	for _, at := range times {
		at := at
		tc := alertTest{EvalTime: model.Duration(at.Sub(historyStart)).String(), AlertName: slo.AlertName, Alerts: []alert{}}
		for sev, short := range firingShort(at) {
			if sev == slo.Page {
				pages++
			}
			for _, name := range []string{"orders-booked", "orders-http"} {
				tc.Alerts = append(tc.Alerts, alert{
					Labels: map[string]string{"sloth_id": "shop-to-erp-orders-" + name, "sloth_service": "shop-to-erp-orders", "sloth_slo": name,
						"sloth_window": short, "slo": name, "integration": "shop-to-erp-orders", "team": "ops",
						"sloth_severity": string(sev), "severity": string(sev)},
					Annotations: map[string]string{
						"title":       fmt.Sprintf("(%s) shop-to-erp-orders %s SLO error budget burn rate is too fast.", sev, name),
						"summary":     fmt.Sprintf("shop-to-erp-orders %s SLO error budget burn rate is over expected.", name),
						"description": fmt.Sprintf("shop-to-erp-orders is burning the error budget of SLO %s (objective 0.999 over 30d). Multiwindow burn-rate alert generated by intops slo rules; inhibit the ticket alert while the page alert fires for the same sloth_id.", name),
					},
				})
			}
		}
		tests = append(tests, tc)
	}
	if pages < 30 {
		t.Fatalf("intops pages at %d of the tested minutes, want the outage's", pages)
	}
	series := func(name, labels string, vals []string) map[string]string {
		return map[string]string{"series": name + labels, "values": strings.Join(vals, " ")}
	}
	// The recordings are evaluated before the alerts at each minute, so
	// that an alert reads the ratios of its own minute; a running
	// Prometheus evaluates groups apart, and its alerts may read ratios
	// one evaluation interval old.
	var order []string
	for _, kind := range []string{"sli-recordings", "meta-recordings", "alerts"} {
		for _, name := range []string{"orders-booked", "orders-http"} {
			order = append(order, "sloth-slo-"+kind+"-shop-to-erp-orders-"+name)
		}
	}
	unit := map[string]any{
		"rule_files":          []string{rulesFile},
		"evaluation_interval": "1m",
		"group_eval_order":    order,
		"tests": []map[string]any{{
			"interval": "1m",
			"input_series": []map[string]string{
				series("http_requests_total", `{job="shop",code="200"}`, ok),
				series("http_requests_total", `{job="shop",code="500"}`, bad),
				series(slo.MetricGoodEvents, `{slo="orders-booked",integration="shop-to-erp-orders"}`, good),
				series(slo.MetricEvents, `{slo="orders-booked",integration="shop-to-erp-orders"}`, total),
			},
			"alert_rule_test": tests,
		}},
	}
	data, err := yaml.Marshal(unit)
	if err != nil {
		t.Fatal(err)
	}
	testFile := filepath.Join(dir, "rules_test.yaml")
	os.WriteFile(testFile, data, 0o644)
	started := time.Now()
	out, err := exec.Command(promtool(t), "test", "rules", testFile).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool test rules: %v\n%s", err, tail(string(out), 6000))
	}
	t.Logf("promtool test rules: %d evaluation times in %v: %s", len(tests), time.Since(started).Round(time.Millisecond), strings.TrimSpace(string(out)))
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func getJSON(t *testing.T, u string, v any) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %s\n%s", u, resp.Status, body)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
}

// TestSlothRulesFireInPrometheus: a Prometheus started with the rules
// over history that ends now, in an outage that began ten minutes ago,
// fires the page alert of the Prometheus-sourced SLO at its first
// evaluations, as the server's evaluation of the same minutes says.
func TestSlothRulesFireInPrometheus(t *testing.T) {
	cat, err := catalog.Parse("estate.yaml", []byte(estate+promSLO))
	if err != nil {
		t.Fatal(err)
	}
	rules, err := slo.PrometheusRules(cat)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Minute)
	start, from := now.Add(-8*time.Hour), now.Add(-10*time.Minute)
	failing := func(m time.Time) int {
		if !m.Before(from) {
			return perMinute
		}
		return 0
	}
	var s slo.Series
	for m := start; m.Before(now); m = m.Add(time.Minute) {
		s = append(s, slo.Minute{Good: float64(perMinute - failing(m)), Total: perMinute})
	}
	if r := slo.Evaluate(slo.Policy{Objective: 0.999, Period: 30 * 24 * time.Hour}, s); r.Status != "page" {
		t.Fatalf("intops: %s", r.Status)
	}
	// Rules every 5s, so that the first evaluations come soon.
	prom := promtest.Start(t, promtest.Options{History: trafficHistory(start, now, failing), Rules: rules, EvaluationInterval: 5 * time.Second})
	deadline := time.Now().Add(time.Minute)
	for {
		var ans struct {
			Data struct {
				Alerts []struct {
					Labels map[string]string `json:"labels"`
					State  string            `json:"state"`
				} `json:"alerts"`
			} `json:"data"`
		}
		getJSON(t, prom.URL+"/api/v1/alerts", &ans)
		firing := map[string]bool{}
		for _, a := range ans.Data.Alerts {
			if a.State == "firing" && a.Labels["alertname"] == slo.AlertName {
				firing[a.Labels["sloth_slo"]+" "+a.Labels["sloth_severity"]] = true
			}
		}
		if firing["orders-http page"] {
			t.Logf("Prometheus fires %v", firing)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no page alert of orders-http in a minute: %+v", ans.Data.Alerts)
		}
		time.Sleep(500 * time.Millisecond)
	}
}
