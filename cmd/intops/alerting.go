package main

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	neturl "net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/intops/intops/alerting"
	"github.com/intops/intops/alerting/jira"
	"github.com/intops/intops/alerting/pagerduty"
	"github.com/intops/intops/alerting/servicenow"
	"github.com/intops/intops/alerting/webhook"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/clickhouse"
)

// newAlerting builds the alerting manager: with Slack when
// INTOPS_SLACK_TOKEN is set (and the /slack/ endpoints, verified with
// INTOPS_SLACK_SIGNING_SECRET), else the inbox of the API.
func newAlerting(db *clickhouse.DB, cat func() *catalog.Catalog, f serverFlags, listenURL string, logger *slog.Logger) (*alerting.Manager, map[string]http.Handler, error) {
	base := f.baseURL
	if base == "" {
		base = listenURL
	}
	m := &alerting.Manager{Store: db, Catalog: cat, Logger: logger.With("component", "alerting"), Interval: f.alertInterval,
		Config: alerting.Config{ICoEChannel: f.icoeChannel, BaseURL: base, GroupWait: f.alertGroupWait, CorrelationWindow: f.correlationWindow,
			PlatformChannel: f.platformChannel, InhibitGrace: f.inhibitGrace}}
	if loc, err := time.LoadLocation(f.timezone); err == nil {
		m.Config.Location = loc
	}
	if f.alertRoutes != "" {
		routes, err := alerting.LoadRoutes(f.alertRoutes)
		if err != nil {
			return nil, nil, unusable{err}
		}
		m.Config.Overrides = routes
	}
	extra := map[string]http.Handler{}
	if token := os.Getenv("INTOPS_SLACK_TOKEN"); token != "" {
		n, handlers := slackParts(token, os.Getenv("INTOPS_SLACK_SIGNING_SECRET"), os.Getenv("INTOPS_SLACK_API_URL"), m, db.AppendFeedback, logger)
		m.Notifier = n
		for k, v := range handlers {
			extra[k] = v
		}
		logger.Info("alerts go to Slack", "icoe_channel", f.icoeChannel)
	} else {
		logger.Info("INTOPS_SLACK_TOKEN is not set: alerts go to the inbox (GET /api/v1/alerts)")
	}
	if key := os.Getenv("INTOPS_PAGERDUTY_ROUTING_KEY"); key != "" {
		pd := pagerduty.New(key)
		pd.URL = os.Getenv("INTOPS_PAGERDUTY_URL")
		m.Receivers = append(m.Receivers, pd)
		logger.Info("pages go to PagerDuty (Events API v2)")
	}
	if url := os.Getenv("INTOPS_ALERT_WEBHOOK_URL"); url != "" {
		wh := webhook.New(url)
		wh.Bearer = os.Getenv("INTOPS_ALERT_WEBHOOK_TOKEN")
		m.Receivers = append(m.Receivers, wh)
		logger.Info("incidents go to a webhook (Alertmanager's format)", "url", redactURL(url))
	}
	tickets, err := ticketReceivers(os.Getenv)
	if err != nil {
		return nil, nil, unusable{err}
	}
	for _, r := range tickets {
		switch r := r.(type) {
		case *jira.Receiver:
			logger.Info("tickets go to Jira", "url", redactURL(r.URL), "project", r.Project, "issue_type", r.IssueType)
		case *servicenow.Receiver:
			logger.Info("tickets go to ServiceNow", "url", redactURL(r.URL), "assignment_group", r.AssignmentGroup)
		}
	}
	m.Receivers = append(m.Receivers, tickets...)
	return m, extra, nil
}

// ticketReceivers are the ticket systems the environment configures:
// Jira Cloud (INTOPS_JIRA_URL, _USER, _TOKEN, _PROJECT, optional
// _ISSUE_TYPE) and ServiceNow (INTOPS_SERVICENOW_URL, _USER, _PASSWORD,
// optional _ASSIGNMENT_GROUP). One variable of a set without the others
// it needs is an error saying which are missing.
func ticketReceivers(getenv func(string) string) ([]alerting.Receiver, error) {
	var out []alerting.Receiver
	var errs []error
	// vars reads a set of variables: all of required, or none of them
	// nor of optional.
	vars := func(system string, required, optional []string) (map[string]string, bool) {
		v := map[string]string{}
		var set, missing []string
		for _, name := range append(append([]string(nil), required...), optional...) {
			if v[name] = strings.TrimSpace(getenv(name)); v[name] != "" {
				set = append(set, name)
			} else if slices.Contains(required, name) {
				missing = append(missing, name)
			}
		}
		switch {
		case len(set) == 0:
			return nil, false
		case len(missing) > 0:
			errs = append(errs, fmt.Errorf("%s tickets: %s set without %s", system, strings.Join(set, ", "), strings.Join(missing, ", ")))
			return nil, false
		}
		if err := siteURL(v[required[0]]); err != nil {
			errs = append(errs, fmt.Errorf("%s tickets: %s: %v", system, required[0], err))
			return nil, false
		}
		return v, true
	}
	if v, ok := vars("Jira", []string{"INTOPS_JIRA_URL", "INTOPS_JIRA_USER", "INTOPS_JIRA_TOKEN", "INTOPS_JIRA_PROJECT"}, []string{"INTOPS_JIRA_ISSUE_TYPE"}); ok {
		r := jira.New(v["INTOPS_JIRA_URL"], v["INTOPS_JIRA_USER"], v["INTOPS_JIRA_TOKEN"], v["INTOPS_JIRA_PROJECT"])
		r.IssueType = cmp.Or(v["INTOPS_JIRA_ISSUE_TYPE"], "Task")
		out = append(out, r)
	}
	if v, ok := vars("ServiceNow", []string{"INTOPS_SERVICENOW_URL", "INTOPS_SERVICENOW_USER", "INTOPS_SERVICENOW_PASSWORD"}, []string{"INTOPS_SERVICENOW_ASSIGNMENT_GROUP"}); ok {
		r := servicenow.New(v["INTOPS_SERVICENOW_URL"], v["INTOPS_SERVICENOW_USER"], v["INTOPS_SERVICENOW_PASSWORD"])
		r.AssignmentGroup = v["INTOPS_SERVICENOW_ASSIGNMENT_GROUP"]
		out = append(out, r)
	}
	return out, errors.Join(errs...)
}

// siteURL checks a ticket system's address: http(s), a host, no
// credentials, query or fragment.
func siteURL(s string) error {
	u, err := neturl.Parse(s)
	switch {
	case err != nil:
		return fmt.Errorf("not a URL")
	case u.Scheme != "https" && u.Scheme != "http", u.Host == "":
		return fmt.Errorf("want https://host, e.g. https://yourco.atlassian.net")
	case u.User != nil:
		return fmt.Errorf("credentials go in their own variables, not in the URL")
	case u.RawQuery != "" || u.Fragment != "":
		return fmt.Errorf("want the site's address without query or fragment")
	}
	return nil
}

// redactURL keeps a URL's scheme, host and path: no credentials or query
// (where tokens hide) in logs.
func redactURL(s string) string {
	u, err := neturl.Parse(s)
	if err != nil {
		return "(unreadable URL)"
	}
	return u.Scheme + "://" + u.Host + u.Path
}
