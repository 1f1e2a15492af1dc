package alerts_test

import (
	"strings"
	"testing"

	"github.com/intops/intops/ui/internal/uitest"
)

// An anomaly alert has the Expected and Not an anomaly buttons, naming its
// episode; an SLO alert has none.
func TestAnomalyAlertFeedbackButtons(t *testing.T) {
	srv, _, _ := uitest.AlertsServer(t)
	_, body := uitest.Get(t, srv, "/alerts")
	_, i43, ok := strings.Cut(body, `data-id="inc-43"`)
	if !ok {
		t.Fatal("no inc-43 on the page")
	}
	i43, _, _ = strings.Cut(i43, `data-testid="alert-incident"`)
	for _, want := range []string{`data-testid="mark-expected"`, `data-testid="mark-not_anomaly"`,
		`name="signal" value="executions/low"`, `name="integration" value="wms-to-oms-stock-levels"`, `name="csrf" value="`} {
		if !strings.Contains(i43, want) {
			t.Errorf("the anomaly alert has no %s", want)
		}
	}
	_, i42, _ := strings.Cut(body, `data-id="inc-42"`)
	i42, _, _ = strings.Cut(i42, `data-testid="alert-incident"`)
	if strings.Contains(i42, "anomaly-feedback") {
		t.Error("an SLO alert has anomaly feedback buttons")
	}
}
