package main

import (
	"strings"
	"testing"

	"github.com/intops/intops/alerting/jira"
	"github.com/intops/intops/alerting/servicenow"
)

// Ticket systems from the environment: each set is all or nothing, and
// the error names what is missing (never a secret's value).
func TestTicketReceivers(t *testing.T) {
	full := map[string]string{
		"INTOPS_JIRA_URL": "https://yourco.atlassian.net", "INTOPS_JIRA_USER": "bot@yourco.com", "INTOPS_JIRA_TOKEN": "s3cret-token", "INTOPS_JIRA_PROJECT": "OPS",
		"INTOPS_SERVICENOW_URL": "https://yourco.service-now.com", "INTOPS_SERVICENOW_USER": "intops", "INTOPS_SERVICENOW_PASSWORD": "s3cret-password",
		"INTOPS_SERVICENOW_ASSIGNMENT_GROUP": "Integration Support",
	}
	without := func(names ...string) map[string]string {
		env := map[string]string{}
		for k, v := range full {
			env[k] = v
		}
		for _, n := range names {
			delete(env, n)
		}
		return env
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		want int
		err  string
	}{
		{name: "none", env: map[string]string{}},
		{name: "both", env: full, want: 2},
		{name: "jira without its token", env: without("INTOPS_JIRA_TOKEN"),
			err: "Jira tickets: INTOPS_JIRA_URL, INTOPS_JIRA_USER, INTOPS_JIRA_PROJECT set without INTOPS_JIRA_TOKEN"},
		{name: "issue type alone", env: map[string]string{"INTOPS_JIRA_ISSUE_TYPE": "Bug"},
			err: "Jira tickets: INTOPS_JIRA_ISSUE_TYPE set without INTOPS_JIRA_URL, INTOPS_JIRA_USER, INTOPS_JIRA_TOKEN, INTOPS_JIRA_PROJECT"},
		{name: "servicenow without its password", env: without("INTOPS_SERVICENOW_PASSWORD"),
			err: "ServiceNow tickets: INTOPS_SERVICENOW_URL, INTOPS_SERVICENOW_USER, INTOPS_SERVICENOW_ASSIGNMENT_GROUP set without INTOPS_SERVICENOW_PASSWORD"},
		{name: "credentials in the URL", env: map[string]string{"INTOPS_SERVICENOW_URL": "https://intops:pw@yourco.service-now.com", "INTOPS_SERVICENOW_USER": "intops", "INTOPS_SERVICENOW_PASSWORD": "pw"},
			err: "ServiceNow tickets: INTOPS_SERVICENOW_URL: credentials go in their own variables, not in the URL"},
		{name: "a host name only", env: without("INTOPS_SERVICENOW_URL", "INTOPS_SERVICENOW_USER", "INTOPS_SERVICENOW_PASSWORD", "INTOPS_SERVICENOW_ASSIGNMENT_GROUP", "INTOPS_JIRA_URL"),
			err: "Jira tickets: INTOPS_JIRA_USER, INTOPS_JIRA_TOKEN, INTOPS_JIRA_PROJECT set without INTOPS_JIRA_URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rs, err := ticketReceivers(func(k string) string { return tc.env[k] })
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				if strings.Contains(err.Error(), "s3cret") {
					t.Errorf("a secret is in the error: %v", err)
				}
				return
			}
			if err != nil || len(rs) != tc.want {
				t.Fatalf("%d receivers, %v; want %d", len(rs), err, tc.want)
			}
		})
	}
	rs, _ := ticketReceivers(func(k string) string { return full[k] })
	j, s := rs[0].(*jira.Receiver), rs[1].(*servicenow.Receiver)
	if j.IssueType != "Task" || j.Project != "OPS" || !j.Wants("ticket") || j.Wants("page") {
		t.Errorf("jira %+v", j)
	}
	if s.AssignmentGroup != "Integration Support" || !s.Wants("ticket") {
		t.Errorf("servicenow %+v", s)
	}
	bad := without()
	bad["INTOPS_JIRA_URL"] = "yourco.atlassian.net"
	if _, err := ticketReceivers(func(k string) string { return bad[k] }); err == nil || err.Error() != "Jira tickets: INTOPS_JIRA_URL: want https://host, e.g. https://yourco.atlassian.net" {
		t.Errorf("a URL without scheme: %v", err)
	}
}
