// Package integration serves an integration's page (/integrations/{id}):
// its executions, failures by error class and latency over a time range,
// with the expected band and the times intops was blind; its throughput
// against the rate at which its target began rate limiting it; its SLOs
// with their burn-down, open anomalies, incidents and maintenance
// windows; its last failed executions and the spans of a trace.
package integration

import (
	"net/http"

	"github.com/intops/intops/ui/internal/web"
)

// Handlers serve the integration page.
type Handlers struct {
	*web.Env
	Catalog web.CatalogSource
	// Store reads the chart's rollups, and the failed executions and
	// traces when it reads raw spans too (*clickhouse.DB does).
	Store web.Store
	SLOs  web.SLOSource // nil: no SLO
	// Anomalies are the open anomalies; the chart draws the expected band
	// when the source gives it (anomaly.Evaluator does).
	Anomalies web.AnomalySource
	Alerts    web.AlertsSource // nil: no incident, no maintenance window
	// Feedback reads the marks on the integration's anomaly episodes
	// (nil: none shown).
	Feedback feedbackReader
	// CSRF is the request's CSRF token, for the anomalies' buttons.
	CSRF func(http.ResponseWriter, *http.Request) string
}
