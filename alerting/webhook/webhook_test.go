package webhook_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/intops/intops/alerting"
	"github.com/intops/intops/alerting/webhook"
)

// The payload is Alertmanager's webhook message, as a receiver written
// for Alertmanager reads it; 5xx may work later, 4xx is a refusal.
func TestAlertmanagerPayload(t *testing.T) {
	var got map[string]any
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.Header.Get("Content-Type") != "application/json" || r.Header.Get("Authorization") != "Bearer s3cret" {
			t.Errorf("headers %v", r.Header)
		}
		got = nil
		json.Unmarshal(b, &got)
		w.WriteHeader(status)
	}))
	defer srv.Close()
	r := webhook.New(srv.URL)
	r.Bearer = "s3cret"
	since := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	e := alerting.PageEvent{ID: "p1", Incident: "inc-erp-1", Action: alerting.PageTrigger, Severity: "page", CreatedAt: since.Add(time.Minute),
		View: alerting.IncidentView{Title: "SAP ERP unavailable: 2 integrations", Team: "erp-basis", Cause: "SAP ERP", URL: "http://intops/alerts",
			Alerts: []alerting.AlertView{{Key: "slo/a", Integration: "a", Source: "slo", Severity: "page", State: "firing", Summary: "burning 14x", Since: since}}}}
	if err := r.Send(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	if got["version"] != "4" || got["status"] != "firing" || got["groupKey"] != `{}:{incident="inc-erp-1"}` || got["externalURL"] != "http://intops/alerts" {
		t.Errorf("message %v", got)
	}
	alerts, _ := got["alerts"].([]any)
	if len(alerts) != 1 {
		t.Fatalf("alerts %v", got["alerts"])
	}
	a := alerts[0].(map[string]any)
	labels := a["labels"].(map[string]any)
	if a["status"] != "firing" || labels["alertname"] != "slo/a" || labels["integration"] != "a" || a["startsAt"] != "2026-11-22T10:00:00Z" || a["fingerprint"] == "" {
		t.Errorf("alert %v", a)
	}
	e.Action = alerting.PageResolve
	if err := r.Send(context.Background(), e); err != nil || got["status"] != "resolved" {
		t.Errorf("resolve: %v %v", err, got["status"])
	}
	status = http.StatusBadGateway
	if err := r.Send(context.Background(), e); err == nil || alerting.IsPermanent(err) {
		t.Errorf("502: %v, want an error that may work later", err)
	}
	status = http.StatusNotFound
	if err := r.Send(context.Background(), e); !alerting.IsPermanent(err) {
		t.Errorf("404: %v, want a refusal", err)
	}
}
