package slack

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/alerting"
	"github.com/intops/intops/alerting/pagerduty"
	"github.com/intops/intops/alerting/pagerduty/pdtest"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/clickhouse"
)

// causeEstate: twelve integrations touch the ERP (four teams), and three
// unrelated ones fail at the same time.
func causeEstate(t *testing.T) *catalog.Catalog {
	var b strings.Builder
	b.WriteString(`
apiVersion: intops.dev/v1alpha1
kind: Team
metadata: {name: erp-basis}
spec: {slackChannel: "#erp-oncall", onCall: "@erp-basis-oncall"}
---
apiVersion: intops.dev/v1alpha1
kind: Team
metadata: {name: orders}
spec: {slackChannel: "#order-alerts", onCall: "@order-oncall"}
---
apiVersion: intops.dev/v1alpha1
kind: Team
metadata: {name: crm}
spec: {slackChannel: "#crm-alerts"}
---
apiVersion: intops.dev/v1alpha1
kind: Team
metadata: {name: logistics}
spec: {slackChannel: "#wms-alerts"}
---
apiVersion: intops.dev/v1alpha1
kind: Team
metadata: {name: people}
spec: {slackChannel: "#hr-alerts"}
`)
	for _, s := range []string{"erp:SAP S/4HANA ERP:erp-basis", "shop:Webshop:orders", "crm:Salesforce:crm", "wms:Manhattan WMS:logistics",
		"marketing:Marketo:crm", "carrier:DHL:logistics", "hr:Workday:people", "payroll:ADP:people"} {
		p := strings.Split(s, ":")
		fmt.Fprintf(&b, "---\napiVersion: intops.dev/v1alpha1\nkind: System\nmetadata: {name: %s, title: %q}\nspec: {owner: %s}\n", p[0], p[1], p[2])
	}
	integration := func(name, src, tgt, owner string) {
		fmt.Fprintf(&b, "---\napiVersion: intops.dev/v1alpha1\nkind: Integration\nmetadata: {name: %s}\nspec: {source: %s, targets: [%s], owner: %s, tier: 2}\n", name, src, tgt, owner)
	}
	for i := 1; i <= 4; i++ {
		integration(fmt.Sprintf("shop-to-erp-%d", i), "shop", "erp", "orders")
		integration(fmt.Sprintf("crm-to-erp-%d", i), "crm", "erp", "crm")
		integration(fmt.Sprintf("erp-to-wms-%d", i), "erp", "wms", "logistics")
	}
	integration("crm-to-marketing", "crm", "marketing", "crm")
	integration("wms-to-carrier", "wms", "carrier", "logistics")
	integration("hr-to-payroll", "hr", "payroll", "people")
	b.WriteString(`---
apiVersion: openslo/v1
kind: SLO
metadata: {name: crm-to-erp-1-availability}
spec:
  service: crm-to-erp-1
  indicator:
    metadata: {name: crm-to-erp-1-success}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: intops, spec: {sli: success_ratio}}}
        total: {metricSource: {type: intops, spec: {sli: success_ratio}}}
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{displayName: good, target: 0.999}]
`)
	cat, err := catalog.Parse("estate.yaml", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// An ERP outage that breaks twelve integrations is one incident named for
// the ERP, routed to its owner, with one Slack root message; three
// unrelated failures at the same time stay incidents of their own: one
// of another class on a shared source system, one of another kind on a
// shared target, one of the same class on systems the others do not touch.
func TestOneIncidentPerCause(t *testing.T) {
	e := newE2E(t)
	e.cat = causeEstate(t)
	ids := map[string]string{"#order-alerts": "C0ORDER001", "#crm-alerts": "C0CRM00001"}
	for _, ch := range []string{"erp-oncall", "wms-alerts", "hr-alerts"} {
		ids["#"+ch] = "C" + strings.ToUpper(strings.ReplaceAll(ch, "-", "")) + "01"
		e.slack.AddChannel(ch, ids["#"+ch])
	}
	ctx := context.Background()
	pd := pdtest.New(t)
	pager := pagerduty.New(pdtest.RoutingKey)
	pager.URL = pd.URL
	m := e.manager()
	m.Config.GroupWait = 30 * time.Second
	m.Receivers = []alerting.Receiver{pager}
	start := e.clock()
	anomaly := func(integration, class, summary string) clickhouse.AlertEvent {
		return clickhouse.AlertEvent{At: e.clock(), Key: "anomaly/" + integration + "/error_class/" + class, Source: "anomaly", Integration: integration,
			Severity: "warning", State: "firing", Summary: integration + ": " + summary,
			Evidence: fmt.Sprintf(`{"signal":"error_class","class":%q,"direction":"high","since":%q}`, class, e.clock().Format(time.RFC3339))}
	}
	// crm-to-erp-1 first fails its SLO: its class comes from its spans.
	var spans []intops.FlowSpan
	for i := 0; i < 20; i++ {
		spans = append(spans, intops.FlowSpan{TraceID: fmt.Sprintf("%032x", i+1), SpanID: fmt.Sprintf("%016x", i+1), Name: "post order",
			Start: start.Add(-time.Duration(i) * time.Second), Duration: time.Second, Status: intops.StatusError, Execution: true,
			StatusMessage: "503 Service Unavailable", IntegrationID: "crm-to-erp-1", Attribution: intops.AttributedExplicit, ErrorClass: intops.ErrorUnavailable})
	}
	if err := e.db.InsertSpans(ctx, spans); err != nil {
		t.Fatal(err)
	}
	waves := [][]string{
		{"shop-to-erp-1", "erp-to-wms-1", "crm-to-erp-2"},
		{"shop-to-erp-2", "erp-to-wms-2", "crm-to-erp-3"},
		{"shop-to-erp-3", "erp-to-wms-3", "crm-to-erp-4", "shop-to-erp-4"},
		{"erp-to-wms-4"},
	}
	tick := func(n int) {
		for i := 0; i < n; i++ {
			e.advance(10 * time.Second)
			e.settle(m)
		}
	}
	for w, wave := range waves {
		var evs []clickhouse.AlertEvent
		for _, ig := range wave {
			evs = append(evs, anomaly(ig, "unavailable", "errors of class unavailable at 100% where 0–1% are usual"))
		}
		if w == 0 {
			evs = append(evs, clickhouse.AlertEvent{At: e.clock(), Key: "slo/crm-to-erp-1-availability", Source: "slo", Integration: "crm-to-erp-1",
				Severity: "page", State: "firing", Summary: "crm-to-erp-1: burning the error budget 14.4x", Evidence: "{}"},
				// the same minute, unrelated:
				anomaly("crm-to-marketing", "auth", "errors of class auth at 100%"),
				anomaly("hr-to-payroll", "unavailable", "errors of class unavailable at 100%"),
				clickhouse.AlertEvent{At: e.clock(), Key: "anomaly/wms-to-carrier/executions/low", Source: "anomaly", Integration: "wms-to-carrier",
					Severity: "warning", State: "firing", Summary: "wms-to-carrier: 3 runs in the last 15 min where 40–60 are usual",
					Evidence: `{"signal":"executions","direction":"low"}`})
		}
		if err := e.db.AppendAlertEvents(ctx, evs); err != nil {
			t.Fatal(err)
		}
		tick(6) // a minute
		if w == 2 {
			tick(18) // three more minutes: the last wave starts 5 min in
		}
	}
	open, _, err := m.Incidents(ctx, start.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var erp *alerting.IncidentStatus
	others := map[string]bool{}
	for i := range open {
		if len(open[i].Members) > 1 {
			if erp != nil {
				t.Fatalf("two incidents of several integrations: %s and %s", erp.ID, open[i].ID)
			}
			erp = &open[i]
			continue
		}
		others[open[i].Integration] = true
	}
	if erp == nil || len(erp.Members) != 12 {
		t.Fatalf("no incident holding the twelve ERP integrations: %+v", open)
	}
	if len(open) != 4 || !others["crm-to-marketing"] || !others["wms-to-carrier"] || !others["hr-to-payroll"] {
		t.Errorf("incidents %d (%v), want the ERP one and one for each unrelated failure", len(open), others)
	}
	wantTitle := "SAP S/4HANA ERP unavailable: 12 integrations failing with unavailable since " + start.UTC().Format("15:04")
	if erp.View.Title != wantTitle || erp.Channel != "#erp-oncall" || erp.Team != "erp-basis" || erp.Severity != "page" {
		t.Errorf("ERP incident %q in %s for %s (%s), want %q in #erp-oncall for erp-basis, a page", erp.View.Title, erp.Channel, erp.Team, erp.Severity, wantTitle)
	}
	if len(erp.View.Affected) != 12 {
		t.Errorf("%d affected integrations in the view", len(erp.View.Affected))
	}
	roots := func(ch string) (n int, last fakeMsg) {
		for _, msg := range e.slack.Messages(ids[ch]) {
			if msg.ThreadTS == "" || msg.ThreadTS == msg.TS {
				n++
				last = msg
			}
		}
		return n, last
	}
	if n, root := roots("#erp-oncall"); n != 1 || !strings.Contains(string(root.Blocks), "SAP S/4HANA ERP unavailable: 12 integrations") {
		t.Errorf("%d root messages in #erp-oncall (want 1, naming the ERP and its 12 integrations)", n)
	}
	replies := 0
	for _, msg := range e.slack.Messages(ids["#erp-oncall"]) {
		if strings.Contains(msg.Text, "Also affected") || strings.Contains(string(msg.Blocks), "Also affected") {
			replies++
		}
	}
	if replies != 11 {
		t.Errorf("%d replies tell affected teams, want one per joining integration (11)", replies)
	}
	if n, _ := roots("#order-alerts"); n != 0 {
		t.Errorf("%d root messages in the orders team's channel: its integrations are in the ERP incident", n)
	}
	// (#crm-alerts also gets the auth incident's escalation, at once.)
	for ch, want := range map[string]int{"#crm-alerts": 2, "#wms-alerts": 1, "#hr-alerts": 1} {
		if n, _ := roots(ch); n != want {
			t.Errorf("%d root messages in %s, want %d", n, ch, want)
		}
	}
	if got := pd.Events(); len(got) != 1 || got[0].Action != "trigger" || got[0].DedupKey != erp.ID || got[0].Severity != "critical" ||
		!strings.HasPrefix(got[0].Summary, "SAP S/4HANA ERP unavailable") {
		t.Errorf("PagerDuty got %+v, want one trigger of the ERP incident", got)
	}
	// Recovery: every alert resolves; the incident resolves once.
	var evs []clickhouse.AlertEvent
	for _, ig := range erp.Members {
		evs = append(evs, clickhouse.AlertEvent{At: e.clock(), Key: "anomaly/" + ig + "/error_class/unavailable", Source: "anomaly", Integration: ig,
			State: "resolved", Summary: ig + ": back to normal", Evidence: "{}"})
	}
	evs = append(evs, clickhouse.AlertEvent{At: e.clock(), Key: "slo/crm-to-erp-1-availability", Source: "slo", Integration: "crm-to-erp-1",
		State: "resolved", Summary: "crm-to-erp-1: no longer burning", Evidence: "{}"})
	if err := e.db.AppendAlertEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	tick(6)
	_, recent, err := m.Incidents(ctx, start.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(recent) != 1 || recent[0].ID != erp.ID || recent[0].ResolvedBy != "intops" {
		t.Errorf("resolved: %+v", recent)
	}
	if got := pd.Events(); len(got) != 2 || got[1].Action != "resolve" || got[1].DedupKey != erp.ID {
		t.Errorf("PagerDuty got %+v, want the trigger and one resolve", got)
	}
	if n, root := roots("#erp-oncall"); n != 1 || !strings.Contains(string(root.Blocks), "✅") {
		t.Errorf("after recovery: %d roots in #erp-oncall, the root resolved: %v", n, strings.Contains(string(root.Blocks), "✅"))
	}
	// A restarted manager folds the log into the same incident.
	again := e.manager()
	_, recent2, err := again.Incidents(ctx, start.Add(-time.Hour))
	if err != nil || len(recent2) != 1 || len(recent2[0].Members) != 12 {
		t.Errorf("after restart: %+v %v", recent2, err)
	}
}

// An auth failure on a tier-1 integration reaches its technical owner in
// the tick that sees it, not after the 15 minutes a page waits, and the
// messages say credentials and name the system that rejects them.
func TestAuthFailureEscalatesAtOnce(t *testing.T) {
	e := newE2E(t)
	m := e.manager()
	ctx := context.Background()
	if err := e.db.AppendAlertEvents(ctx, []clickhouse.AlertEvent{{At: e.clock(), Key: "anomaly/shop-to-erp-orders/error_class/auth",
		Source: "anomaly", Integration: "shop-to-erp-orders", Severity: "warning", State: "firing",
		Summary: "shop-to-erp-orders: errors of class auth at 100% where 0% are usual", Evidence: `{"signal":"error_class","class":"auth","direction":"high"}`}}); err != nil {
		t.Fatal(err)
	}
	e.advance(time.Second)
	e.settle(m)
	esc := e.slack.Messages("C0ESCAL001")
	if len(esc) != 1 {
		t.Fatalf("%d messages in the escalation channel, want 1 at once", len(esc))
	}
	text := esc[0].Text + string(esc[0].Blocks)
	for _, want := range []string{"@ana", "@order-oncall", "credentials", "SAP ERP"} {
		if !strings.Contains(text, want) {
			t.Errorf("the escalation does not say %q: %s", want, esc[0].Text)
		}
	}
	var root string
	for _, msg := range e.slack.Messages("C0ORDER001") {
		if msg.ThreadTS == "" {
			root = string(msg.Blocks)
		}
	}
	if !strings.Contains(root, "Handling:") || !strings.Contains(root, "SAP ERP rejects the integration") || !strings.Contains(root, "credentials") {
		t.Errorf("the root message gives no handling advice naming the system: %s", root)
	}
	// Fifteen minutes on, it is not escalated again.
	e.advance(16 * time.Minute)
	e.settle(m)
	if n := len(e.slack.Messages("C0ESCAL001")); n != 1 {
		t.Errorf("%d escalations after 16 minutes, want still 1", n)
	}
}
