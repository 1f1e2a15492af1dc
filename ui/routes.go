package ui

import (
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/intops/intops/ui/alerts"
	"github.com/intops/intops/ui/anomalies"
	"github.com/intops/intops/ui/catalogview"
	"github.com/intops/intops/ui/estate"
	"github.com/intops/intops/ui/estatemap"
	"github.com/intops/intops/ui/findings"
	"github.com/intops/intops/ui/integration"
	"github.com/intops/intops/ui/internal/web"
	"github.com/intops/intops/ui/reports"
	"github.com/intops/intops/ui/silences"
	"github.com/intops/intops/ui/slos"
)

// routes registers every route of every feature: the pages, the form
// endpoints behind their buttons, the JSON API, health, /metrics, the
// static files and the extra handlers. The forms post plain
// application/x-www-form-urlencoded bodies with the session's CSRF token
// (csrfGuard refuses them without it) and answer with a 303 back to the
// page.
func (s *Server) routes(o Options) {
	anomalyAPI := &anomalies.Handlers{Env: s.env, Anomalies: o.Anomalies, Catalog: o.Catalog, Feedback: o.Feedback}
	findingsAPI := &findings.Handlers{Env: s.env, Findings: o.Findings}
	estateH := &estate.Handlers{Env: s.env, Catalog: o.Catalog, Counts: s.counts, SLOs: o.SLOs, Anomalies: o.Anomalies, Alerts: o.Alerts}
	integrationH := &integration.Handlers{Env: s.env, Catalog: o.Catalog, Store: o.Store, SLOs: o.SLOs, Anomalies: o.Anomalies, Alerts: o.Alerts,
		Feedback: o.Feedback, CSRF: s.csrf.token}
	reportH := reports.New(reports.Handlers{Env: s.env, Catalog: o.Catalog, Maturity: o.Maturity, Reports: o.Reports, Printer: o.Printer},
		o.ReportRenders, o.ReportQueueWait)
	catalogH := &catalogview.Handlers{Env: s.env, Catalog: o.Catalog, LintConfig: o.LintConfig, Findings: o.Findings}
	mapH := &estatemap.Handlers{Env: s.env, Catalog: o.Catalog, Counts: s.counts, SLOs: o.SLOs, Alerts: o.Alerts, Findings: o.Findings}
	sloH := &slos.Handlers{Env: s.env, Catalog: o.Catalog, SLOs: o.SLOs}
	alertH := &alerts.Handlers{Env: s.env, Alerts: o.Alerts, Catalog: o.Catalog, CSRF: s.csrf.token}
	silenceH := &silences.Handlers{Env: s.env, Alerts: o.Alerts, Catalog: o.Catalog, CSRF: s.csrf.token, Location: o.Location}

	s.mux.Handle("GET /static/", web.StaticHandler())
	s.route("GET /healthz", s.healthz)
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(o.Registry, promhttp.HandlerOpts{}))

	// The estate overview and an integration's page.
	s.route("GET /{$}", estateH.Page)
	s.route("GET /integrations/{id}", integrationH.Page)
	s.route("GET /api/v1/integrations", estateH.Integrations)

	// The catalog review and the catalog.
	s.route("GET /catalog", catalogH.Page)
	s.route("GET /catalog/export.csv", catalogH.Export)
	s.route("GET /api/v1/catalog", catalogH.Model)
	s.route("GET /api/v1/catalog/status", catalogH.Status)

	// The estate map.
	s.route("GET /map", mapH.Page)
	s.route("GET /map/data.json", mapH.Data)

	// SLOs.
	s.route("GET /slos", sloH.Page)
	s.route("GET /api/v1/slos", sloH.List)
	s.route("GET /api/v1/slos/{id}/history", sloH.History)

	// Incidents.
	s.route("GET /alerts", alertH.Page)
	s.route("POST /alerts/{id}/ack", alertH.Form)
	s.route("POST /alerts/{id}/resolve", alertH.Form)
	s.route("POST /alerts/{id}/silence", alertH.Form)
	s.route("POST /alerts/{id}/merge", alertH.Form)
	s.route("POST /alerts/{id}/split", alertH.Form)
	s.route("GET /api/v1/alerts", alertH.List)
	s.route("GET /api/v1/alerts/stats", alertH.Stats)
	s.route("POST /api/v1/alerts/{id}/{action}", alertH.Action)

	// Silences and maintenance windows.
	s.route("GET /silences", silenceH.Page)
	s.route("POST /silences", silenceH.CreateForm)
	s.route("POST /silences/{id}/expire", silenceH.ExpireForm)
	s.route("GET /api/v1/silences", silenceH.List)
	s.route("POST /api/v1/silences", silenceH.Create)
	s.route("POST /api/v1/silences/{id}/expire", silenceH.Expire)

	// Anomalies and estate findings.
	s.route("GET /api/v1/anomalies", anomalyAPI.List)
	s.route("POST /anomalies/feedback", anomalyAPI.FeedbackForm)
	s.route("GET /api/v1/anomalies/feedback", anomalyAPI.ListFeedback)
	s.route("POST /api/v1/anomalies/feedback", anomalyAPI.PostFeedback)
	s.route("GET /api/v1/findings", findingsAPI.List)
	s.route("GET /api/v1/systems/{id}/impact", findingsAPI.Impact)

	// Reports.
	s.route("GET /reports", reportH.Page)
	s.route("GET /reports/report.css", reportH.CSS)
	s.route("GET /reports/{kind}/{file}", reportH.Download)
	s.route("GET /api/v1/reports/slo", reportH.SLOReport)
	s.route("GET /api/v1/reports/maturity", reportH.MaturityReport)

	// Handlers mounted as they are (e.g. Slack's endpoints).
	for pattern, h := range o.Extra {
		s.mux.Handle(pattern, h)
	}
}
