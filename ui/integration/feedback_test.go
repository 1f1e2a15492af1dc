package integration_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/analyzer/anomaly"
	"github.com/intops/intops/clickhouse"
	"github.com/intops/intops/ui"
	"github.com/intops/intops/ui/internal/uitest"
)

type fixedMarks []intops.AnomalyFeedback

func (f fixedMarks) AppendFeedback(context.Context, intops.AnomalyFeedback) error { return nil }

func (f fixedMarks) Feedback(_ context.Context, q clickhouse.FeedbackQuery) ([]intops.AnomalyFeedback, error) {
	var out []intops.AnomalyFeedback
	for _, x := range f {
		if x.Integration == q.Integration {
			out = append(out, x)
		}
	}
	return out, nil
}

// The integration page's anomalies have the Expected and Not an anomaly
// buttons; it shows the sensitivity, each signal's false alarms of the
// last 30 days with the latest note, and the marks.
func TestIntegrationPageAnomalyFeedback(t *testing.T) {
	const id = "wms-to-oms-stock-levels"
	now := uitest.Now
	mark := func(signal string, v intops.Verdict, ago time.Duration, note string) intops.AnomalyFeedback {
		return intops.AnomalyFeedback{Integration: id, Signal: signal, Start: now.Add(-ago), End: now.Add(-ago + time.Hour), Verdict: v, Note: note, User: "ana", At: now.Add(-ago + 2*time.Hour)}
	}
	marks := fixedMarks{ // newest episode first, as the store returns them
		mark("executions/low", intops.VerdictNotAnomaly, 24*time.Hour, "batch moved to 6am"),
		mark("executions/low", intops.VerdictExpected, 3*24*time.Hour, "ERP migration"),
		mark("executions/low", intops.VerdictNotAnomaly, 10*24*time.Hour, "older note"),
		mark("records/high", intops.VerdictNotAnomaly, 12*24*time.Hour, ""),
		mark("executions/low", intops.VerdictNotAnomaly, 40*24*time.Hour, "too old to count"),
	}
	srv, _, _ := uitest.AlertsServer(t, func(o *ui.Options) {
		o.Feedback = marks
		o.Anomalies = uitest.FixedAnomalies{{Integration: id, Key: "anomaly/" + id + "/executions/low",
			Episode: anomaly.Episode{Opened: now.Add(-25 * time.Minute), Anomaly: anomaly.Anomaly{Signal: "executions", Kind: "drop", Direction: "low", Summary: "executions dropped"}}}}
	})
	resp, body := uitest.Get(t, srv, "/integrations/"+id)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	for _, want := range []string{
		`data-testid="mark-expected"`, `data-testid="mark-not_anomaly"`, `name="signal" value="executions/low"`,
		`name="start" value="` + now.Add(-25*time.Minute).UTC().Format(time.RFC3339) + `"`,
		`data-testid="anomaly-sensitivity">Sensitivity: normal`,
		`data-signal="executions/low" data-count="2"`, `data-signal="records/high" data-count="1"`,
		"batch moved to 6am", "ERP migration", `data-verdict="expected"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the page has no %s", want)
		}
	}
	_, alarms, _ := strings.Cut(body, `data-testid="false-alarms"`)
	alarms, _, _ = strings.Cut(alarms, "</ul>")
	if strings.Contains(alarms, "older note") || strings.Contains(alarms, "too old to count") {
		t.Errorf("the false alarms show an older note than the latest: %s", alarms)
	}
	if n := strings.Count(body, `name="csrf" value="`); n < 2 {
		t.Errorf("%d CSRF fields, want the buttons' two", n)
	}
}
