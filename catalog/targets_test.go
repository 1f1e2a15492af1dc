package catalog_test

import (
	"testing"

	"github.com/intops/intops"
	"github.com/intops/intops/catalog"
)

func TestParseTarget(t *testing.T) {
	for _, tc := range []struct {
		name, target, description string
		kind                      intops.TargetKind
		channel                   string
	}{
		{"channel", "#crm-alerts", "", intops.TargetSlack, "#crm-alerts"},
		{"slack prefix", "slack:#crm-alerts", "", intops.TargetSlack, "#crm-alerts"},
		{"slack prefix without hash", "Slack:crm-alerts", "", intops.TargetSlack, "#crm-alerts"},
		{"slack channel id", "slack:C0123ABCD", "", intops.TargetSlack, "C0123ABCD"},
		{"channel link", "https://acme.slack.com/archives/C0123ABCD", "", intops.TargetSlack, "C0123ABCD"},
		{"app link", "https://app.slack.com/client/T0001/C0123ABCD", "", intops.TargetSlack, "C0123ABCD"},
		{"incoming webhook", "https://hooks.slack.com/services/T0/B0/x", "", intops.TargetSlack, ""},
		{"bare slack, channel in the description", "slack", "Notifies #ops-on-call of burns", intops.TargetSlack, "#ops-on-call"},
		{"bare slack", "slack", "the on-call", intops.TargetSlack, ""},
		{"pagerduty", "pagerduty", "", intops.TargetPagerDuty, ""},
		{"pagerduty service", "PagerDuty:P0SVC12", "", intops.TargetPagerDuty, ""},
		{"pagerduty url", "https://acme.pagerduty.com/service-directory/P0SVC12", "", intops.TargetPagerDuty, ""},
		{"webhook", "webhook", "", intops.TargetWebhook, ""},
		{"webhook url", "https://hooks.example.com/alerts", "", intops.TargetWebhook, ""},
		{"jira", "jira:OPS", "", intops.TargetJira, ""},
		{"jira url", "https://acme.atlassian.net/browse/OPS", "", intops.TargetJira, ""},
		{"servicenow", "servicenow", "", intops.TargetServiceNow, ""},
		{"servicenow url", "https://acme.service-now.com/", "", intops.TargetServiceNow, ""},
		{"email", "email", "", intops.TargetUnknown, ""},
		{"mail address", "ops@example.com", "", intops.TargetUnknown, ""},
		{"not a channel", "#", "", intops.TargetUnknown, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := catalog.ParseTarget("t", tc.target, tc.description)
			if got.Kind != tc.kind || got.Channel != tc.channel || got.Target != tc.target || got.Name != "t" {
				t.Errorf("ParseTarget(%q, %q) = %+v, want kind %q channel %q", tc.target, tc.description, got, tc.kind, tc.channel)
			}
		})
	}
}

// TestSLOChannel: an SLO's alerts go to the channel of the first Slack
// target of its alert policies that names one; other SLOs have none.
func TestSLOChannel(t *testing.T) {
	cat, err := catalog.Load("testdata/lint/slo.notification-target")
	if err != nil {
		t.Fatal(err)
	}
	if got := cat.SLOChannel("crm-to-erp-availability"); got != "#crm-erp-alerts" {
		t.Errorf("SLOChannel = %q", got)
	}
	if p := cat.AlertPolicies["default"]; p == nil || len(p.Targets) != 1 || p.Targets[0] != "crm-alerts" {
		t.Errorf("policy targets %+v", p)
	}
	if got := cat.SLOChannel("nope"); got != "" {
		t.Errorf("unknown SLO: %q", got)
	}
	clean, err := catalog.Load("testdata/lint/slo.clean")
	if err != nil {
		t.Fatal(err)
	}
	if got := clean.SLOChannel("crm-to-erp-availability"); got != "" {
		t.Errorf("an SLO without targets: %q", got)
	}
}
