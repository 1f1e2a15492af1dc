// Package webhook sends incidents to any HTTP endpoint in Alertmanager's
// webhook format (version 4), so that tools written for Alertmanager
// receivers take intops' incidents as they are.
package webhook

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/intops/intops/alerting"
)

// Receiver posts to one URL.
type Receiver struct {
	URL    string
	Client *http.Client
	// Bearer, when set, is sent as Authorization: Bearer (never logged).
	Bearer string
}

var _ alerting.Receiver = (*Receiver)(nil)

// New returns a receiver for a URL.
func New(url string) *Receiver {
	return &Receiver{URL: url, Client: &http.Client{Timeout: 10 * time.Second}}
}

// Name implements alerting.Receiver.
func (r *Receiver) Name() string { return "webhook" }

// Wants implements alerting.Receiver: every incident.
func (r *Receiver) Wants(string) bool { return true }

// Message is Alertmanager's webhook payload.
type Message struct {
	Version           string            `json:"version"`
	GroupKey          string            `json:"groupKey"`
	TruncatedAlerts   int               `json:"truncatedAlerts"`
	Status            string            `json:"status"` // firing, resolved
	Receiver          string            `json:"receiver"`
	GroupLabels       map[string]string `json:"groupLabels"`
	CommonLabels      map[string]string `json:"commonLabels"`
	CommonAnnotations map[string]string `json:"commonAnnotations"`
	ExternalURL       string            `json:"externalURL"`
	Alerts            []Alert           `json:"alerts"`
}

// Alert is one alert of the payload.
type Alert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`
}

// MessageOf is the payload of a page event: the incident is the group,
// its alerts the alerts.
func MessageOf(e alerting.PageEvent) Message {
	v := e.View
	status := "firing"
	if e.Action == alerting.PageResolve {
		status = "resolved"
	}
	common := map[string]string{"incident": e.Incident, "severity": e.Severity, "team": v.Team}
	if v.Cause != "" {
		common["cause"] = v.Cause
	} else if v.Integration != "" {
		common["integration"] = v.Integration
	}
	ann := map[string]string{"summary": v.Title}
	if v.Advice != "" {
		ann["advice"] = v.Advice
	}
	if v.Runbook != "" {
		ann["runbook_url"] = v.Runbook
	}
	if v.AckedBy != "" {
		ann["acknowledged_by"] = v.AckedBy
	}
	m := Message{Version: "4", GroupKey: "{}:{incident=\"" + e.Incident + "\"}", Status: status, Receiver: "intops",
		GroupLabels: map[string]string{"incident": e.Incident}, CommonLabels: common, CommonAnnotations: ann, ExternalURL: v.URL, Alerts: []Alert{}}
	for _, a := range v.Alerts {
		st := "firing"
		end := time.Time{}
		if a.State == "resolved" || e.Action == alerting.PageResolve {
			st, end = "resolved", e.CreatedAt
		}
		labels := map[string]string{"alertname": a.Key, "incident": e.Incident, "source": a.Source, "severity": a.Severity}
		if a.Integration != "" {
			labels["integration"] = a.Integration
		}
		sum := sha256.Sum256([]byte(a.Key))
		m.Alerts = append(m.Alerts, Alert{Status: st, Labels: labels, Annotations: map[string]string{"summary": a.Summary},
			StartsAt: a.Since, EndsAt: end, GeneratorURL: v.URL, Fingerprint: hex.EncodeToString(sum[:8])})
	}
	return m
}

// Send implements alerting.Receiver. An acknowledgement is sent as the
// firing group again, with acknowledged_by.
func (r *Receiver) Send(ctx context.Context, e alerting.PageEvent) error {
	body, err := json.Marshal(MessageOf(e))
	if err != nil {
		return &alerting.PermanentError{Code: "encode", Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.URL, bytes.NewReader(body))
	if err != nil {
		return &alerting.PermanentError{Code: "request", Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	if r.Bearer != "" {
		req.Header.Set("Authorization", "Bearer "+r.Bearer)
	}
	client := r.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode == http.StatusTooManyRequests:
		after := 10 * time.Second
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
			after = time.Duration(s) * time.Second
		}
		return &alerting.RetryAfterError{After: after, Err: fmt.Errorf("webhook: %d", resp.StatusCode)}
	case resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusRequestTimeout:
		return &alerting.PermanentError{Code: fmt.Sprintf("webhook_%d", resp.StatusCode), Err: fmt.Errorf("webhook: %d", resp.StatusCode)}
	}
	return fmt.Errorf("webhook: %d", resp.StatusCode)
}
