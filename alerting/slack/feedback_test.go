package slack

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/alerting"
)

// An incident with an anomaly alert has Expected and Not an anomaly
// buttons; one of SLO alerts only has none.
func TestRenderAnomalyButtons(t *testing.T) {
	if r := render(t, sampleNotification("n-1", alerting.KindPost)); strings.Contains(r.json, ActionExpected) {
		t.Error("an SLO incident has anomaly buttons")
	}
	n := sampleNotification("n-2", alerting.KindPost)
	n.View.Alerts = append(n.View.Alerts, alerting.AlertView{Key: "anomaly/crm-to-erp-order-sync/executions/low", Source: "anomaly",
		Severity: "warning", State: "firing", Summary: "executions dropped"})
	r := render(t, n)
	for _, want := range []string{`"action_id":"` + ActionExpected + `"`, `"action_id":"` + ActionNotAnomaly + `"`, "Not an anomaly"} {
		if !strings.Contains(r.json, want) {
			t.Errorf("no %s in %s", want, r.json)
		}
	}
}

// A signed click on Not an anomaly marks the incident's anomaly episodes
// (not its SLO alerts) with the Slack user, and says so.
func TestInteractionMarksAnomaly(t *testing.T) {
	since := testNow.Add(-20 * time.Minute).Truncate(time.Second)
	a := &fakeActions{view: sampleView()}
	a.view.ID = "inc-42"
	a.view.Alerts = append(a.view.Alerts, alerting.AlertView{Key: "anomaly/crm-to-erp-order-sync/executions/low", Source: "anomaly",
		Severity: "warning", State: "firing", Since: since})
	var mu sync.Mutex
	var marks []intops.AnomalyFeedback
	h := NewHandler(testSecret, a, WithClock(func() time.Time { return testNow }),
		WithAnomalyFeedback(func(_ context.Context, f intops.AnomalyFeedback) error {
			mu.Lock()
			defer mu.Unlock()
			marks = append(marks, f)
			return nil
		}))
	w := serve(h, signed("/slack/interactions", interaction(ActionNotAnomaly, "inc-42", jdoe), testNow))
	if w.Code != 200 {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	var msg map[string]string
	if err := json.Unmarshal(w.Body.Bytes(), &msg); err != nil || !strings.Contains(msg["text"], "`executions/low`") || !strings.Contains(msg["text"], "not an anomaly") {
		t.Errorf("answer %s (%v)", w.Body, err)
	}
	if len(marks) != 1 {
		t.Fatalf("marks %+v, want the anomaly's one", marks)
	}
	f := marks[0]
	if f.Integration != "crm-to-erp-order-sync" || f.Signal != "executions/low" || f.Verdict != intops.VerdictNotAnomaly ||
		f.User != "@jdoe" || !f.Start.Equal(since) || !f.End.IsZero() {
		t.Errorf("mark %+v", f)
	}
	// The signature is checked as for every button.
	bad := signed("/slack/interactions", interaction(ActionExpected, "inc-42", jdoe), testNow)
	bad.Header.Set("X-Slack-Signature", "v0=00")
	if w := serve(h, bad); w.Code == 200 || len(marks) != 1 {
		t.Errorf("an unsigned click: %d, %d marks", w.Code, len(marks))
	}
}
