// Package pagerduty pages through PagerDuty's Events API v2: an
// incident's trigger, acknowledgement and resolution, deduplicated by the
// incident id.
package pagerduty

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/intops/intops/alerting"
	"github.com/intops/intops/alerting/internal/restapi"
)

// DefaultURL is the Events API v2 endpoint.
const DefaultURL = "https://events.pagerduty.com/v2/enqueue"

// Receiver sends page events to one PagerDuty service (its integration's
// routing key).
type Receiver struct {
	RoutingKey string
	URL        string // default DefaultURL
	Client     *http.Client
	// Severities it pages for (default: page only).
	Severities []string
}

var _ alerting.Receiver = (*Receiver)(nil)

// New returns a receiver for a routing key.
func New(routingKey string) *Receiver {
	return &Receiver{RoutingKey: routingKey, Client: &http.Client{Timeout: 10 * time.Second}}
}

// Name implements alerting.Receiver.
func (r *Receiver) Name() string { return "pagerduty" }

// Wants implements alerting.Receiver: pages (and what Severities adds).
func (r *Receiver) Wants(severity string) bool {
	if len(r.Severities) == 0 {
		return severity == "page"
	}
	for _, s := range r.Severities {
		if s == severity {
			return true
		}
	}
	return false
}

// Event is an Events API v2 event.
type Event struct {
	RoutingKey  string   `json:"routing_key"`
	EventAction string   `json:"event_action"` // trigger, acknowledge, resolve
	DedupKey    string   `json:"dedup_key"`
	Payload     *Payload `json:"payload,omitempty"` // trigger only
	Client      string   `json:"client,omitempty"`
	ClientURL   string   `json:"client_url,omitempty"`
	Links       []Link   `json:"links,omitempty"`
}

// Payload is a trigger's alert.
type Payload struct {
	Summary       string         `json:"summary"` // at most 1024 characters
	Source        string         `json:"source"`
	Severity      string         `json:"severity"` // critical, error, warning, info
	Timestamp     string         `json:"timestamp,omitempty"`
	Component     string         `json:"component,omitempty"`
	Group         string         `json:"group,omitempty"`
	Class         string         `json:"class,omitempty"`
	CustomDetails map[string]any `json:"custom_details,omitempty"`
}

// Link is a link in the alert.
type Link struct {
	Href string `json:"href"`
	Text string `json:"text,omitempty"`
}

// Response is the API's answer.
type Response struct {
	Status   string   `json:"status"`
	Message  string   `json:"message"`
	DedupKey string   `json:"dedup_key"`
	Errors   []string `json:"errors"`
}

// EventOf is the Events API event of a page event.
func EventOf(routingKey string, e alerting.PageEvent) Event {
	ev := Event{RoutingKey: routingKey, EventAction: e.Action, DedupKey: e.Incident, Client: "intops", ClientURL: e.View.URL}
	if e.Action != alerting.PageTrigger {
		return ev
	}
	v := e.View
	summary := v.Title
	for _, a := range v.Alerts {
		if a.State != "resolved" {
			summary += ": " + a.Summary
			break
		}
	}
	if r := []rune(summary); len(r) > 1024 {
		summary = string(r[:1023]) + "…"
	}
	sev := map[string]string{"page": "critical", "ticket": "error", "warning": "warning"}[e.Severity]
	if sev == "" {
		sev = "warning"
	}
	details := map[string]any{"incident": e.Incident, "team": v.Team, "tier": v.Tier, "state": v.State}
	if v.Technical != "" {
		details["technical_owner"] = v.Technical
	}
	if v.Advice != "" {
		details["advice"] = v.Advice
	}
	if len(v.Affected) > 0 {
		var names []string
		for _, a := range v.Affected {
			names = append(names, a.Integration)
		}
		details["affected_integrations"] = names
	}
	var alerts []string
	for _, a := range v.Alerts {
		alerts = append(alerts, fmt.Sprintf("[%s] %s", a.State, a.Summary))
	}
	details["alerts"] = alerts
	source := v.Cause
	if source == "" {
		source = v.Integration
	}
	ev.Payload = &Payload{Summary: summary, Source: source, Severity: sev, Timestamp: v.OpenedAt.UTC().Format(time.RFC3339),
		Component: v.Integration, Group: v.Team, Class: v.Source, CustomDetails: details}
	if v.URL != "" {
		ev.Links = append(ev.Links, Link{Href: v.URL, Text: "intops"})
	}
	if v.Runbook != "" {
		ev.Links = append(ev.Links, Link{Href: v.Runbook, Text: "runbook"})
	}
	return ev
}

// Send implements alerting.Receiver.
func (r *Receiver) Send(ctx context.Context, e alerting.PageEvent) error {
	body, err := json.Marshal(EventOf(r.RoutingKey, e))
	if err != nil {
		return &alerting.PermanentError{Code: "encode", Err: err}
	}
	url := r.URL
	if url == "" {
		url = DefaultURL
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return &alerting.PermanentError{Code: "request", Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	client := r.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("pagerduty: %w", err) // the routing key is in the body, never in the error
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var answer Response
	_ = json.Unmarshal(b, &answer)
	if resp.StatusCode == http.StatusAccepted || resp.StatusCode == http.StatusOK {
		return nil
	}
	err = fmt.Errorf("pagerduty: %d %s", resp.StatusCode, answer.Message)
	if resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode >= 400 && resp.StatusCode < 500 {
		err = fmt.Errorf("pagerduty: %s %s", answer.Message, strings.Join(answer.Errors, "; "))
	}
	return restapi.StatusError("pagerduty", resp.StatusCode, resp.Header, err)
}
