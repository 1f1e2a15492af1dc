package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/intops/intops/catalog"
	"github.com/intops/intops/clickhouse"
	"github.com/intops/intops/report"
	"github.com/intops/intops/ui/catalogview"
	"github.com/intops/intops/ui/internal/web"
)

// Server is intops' HTTP server.
type Server struct {
	*web.Env
	store       Store
	catalog     CatalogSource
	lintConfig  catalog.LintConfig
	sloSource   SLOSource
	estateSrc   FindingsSource // nil: no findings
	anomalySrc  AnomalySource  // nil: no anomalies
	alertSrc    AlertsSource   // nil: no incidents
	maturitySrc MaturitySource // nil: no maturity report
	reportSrc   ReportSource   // nil: no reports
	printer     report.Printer // nil: no PDFs
	loc         *time.Location // the estate's time zone
	mux         *http.ServeMux
	handler     http.Handler
	csrf        *csrfGuard
	counts      *web.RecentCounts
	reportCache *reportCache

	integrationsMu   sync.Mutex
	integrationsBody []byte           // the last answer of GET /api/v1/integrations,
	integrationsRead *web.CountsRead  // for this read of the counts
	integrationsCat  *catalog.Catalog // and this catalog

	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// Options configure a Server.
type Options struct {
	Store      Store
	Catalog    CatalogSource
	LintConfig catalog.LintConfig
	SLOs       SLOSource      // nil: /api/v1/slos is empty
	Findings   FindingsSource // nil: /api/v1/findings is empty, impact 404s
	Anomalies  AnomalySource  // nil: /api/v1/anomalies is empty
	Alerts     AlertsSource   // nil: /api/v1/alerts is empty
	Auth       *AuthConfig    // nil: everyone is admin (the server binds 127.0.0.1 by default)
	Maturity   MaturitySource // nil: /api/v1/reports/maturity without a period 404s
	// Reports build the SLO and maturity reports of a period (nil: the
	// report pages and APIs 404); Printer prints them to PDF (nil: PDFs
	// answer 501).
	Reports ReportSource
	Printer report.Printer
	// ReportRenders is how many reports render at once (default 2); a
	// download finding them all busy waits up to ReportQueueWait (default
	// 10 s), then is answered 503 with Retry-After.
	ReportRenders   int
	ReportQueueWait time.Duration
	// SessionSecret keys the CSRF tokens of the browsers' sessions (nil:
	// a random one, so sessions end with the process). Replicas serving
	// one address must share it.
	SessionSecret []byte
	// TrustedOrigins are origins (https://intops.example.com) whose
	// browser requests count as this server's, when a proxy in front
	// changes the Host header.
	TrustedOrigins []string
	// NoSharing makes every request read and render on its own: without
	// it, the last hour's counts are shared for 5 s and the estate
	// overview for 2 s between the requests that show them.
	NoSharing bool
	// Extra are handlers mounted as they are (e.g. /slack/ endpoints).
	Extra    map[string]http.Handler
	Logger   *slog.Logger         // nil: no logs
	Registry *prometheus.Registry // nil: a new one
	Now      func() time.Time     // nil: time.Now
	// Location is the estate's time zone: maintenance windows are planned
	// in it (nil: UTC).
	Location *time.Location
}

// New builds the server and registers its metrics.
func New(o Options) *Server {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Registry == nil {
		o.Registry = prometheus.NewRegistry()
		o.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	s := &Server{
		store: o.Store, catalog: o.Catalog, lintConfig: o.LintConfig, sloSource: o.SLOs, estateSrc: o.Findings, anomalySrc: o.Anomalies, alertSrc: o.Alerts, maturitySrc: o.Maturity, reportSrc: o.Reports, printer: o.Printer, loc: o.Location,
		Env: &web.Env{Logger: o.Logger.With("component", "server"), Now: o.Now, Shared: web.NewSharedPages(web.DefaultPageMaxAge)},
		mux: http.NewServeMux(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "intops_http_requests_total", Help: "HTTP requests served, by route and status code.",
		}, []string{"route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "intops_http_request_duration_seconds", Help: "Time to serve HTTP requests, by route.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route"}),
	}
	o.Registry.MustRegister(s.requests, s.latency)
	var err error
	if s.csrf, err = newCSRF(o.SessionSecret, o.Auth, o.TrustedOrigins); err != nil {
		s.Logger.Error("some trusted origins are ignored", "err", err)
		s.csrf, _ = newCSRF(o.SessionSecret, o.Auth, nil)
	}
	s.reportCache = newReportCache(o.ReportRenders, o.ReportQueueWait)
	s.counts = &web.RecentCounts{Store: o.Store, MaxAge: web.DefaultCountsMaxAge}
	if o.NoSharing {
		s.counts.MaxAge, s.Shared.MaxAge = 0, 0
	}
	s.routes(o)
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(o.Registry, promhttp.HandlerOpts{}))
	s.handler = securityHeaders(withAuth(o.Auth, s.csrf.wrap(s.mux)))
	return s
}

// ServeHTTP serves the routes. A change (anything but GET, HEAD and
// OPTIONS) drops the shared pages, which may show what it changed.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
	default:
		s.Shared.Changed()
	}
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

func (s *Server) route(pattern string, h http.HandlerFunc) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		h(sw, r)
		s.requests.WithLabelValues(pattern, strconv.Itoa(sw.code)).Inc()
		s.latency.WithLabelValues(pattern).Observe(time.Since(start).Seconds())
	})
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		// Scripts and styles are files under /static/; JSON data blocks
		// are not scripts, so nothing inline needs allowing.
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
		// Pages and API answers carry the estate's data: nothing keeps
		// them (static files set their own caching).
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		s.Logger.Warn("health check: ClickHouse unreachable", "err", err)
		web.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "clickhouse": "unreachable"})
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok", "clickhouse": "ok"})
}

// integrationJSON is one entry of GET /api/v1/integrations. Field names
// are snake_case and are only ever added to, never renamed.
type integrationJSON struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Owner        string   `json:"owner"`
	Source       string   `json:"source"`
	Target       string   `json:"target"`
	Targets      []string `json:"targets"`
	Lifecycle    string   `json:"lifecycle"`
	Tier         int      `json:"tier"`
	Mechanism    string   `json:"mechanism"`
	Spans1h      uint64   `json:"spans_1h"`
	Errors1h     uint64   `json:"errors_1h"`
	Executions1h uint64   `json:"executions_1h"`
	Failed1h     uint64   `json:"failed_1h"`
	Records1h    uint64   `json:"records_1h"`
}

func (s *Server) integrations(w http.ResponseWriter, r *http.Request) {
	read, err := s.counts.LastHour(r.Context(), s.Now())
	if err != nil {
		s.Logger.Error("read integration counts", "err", err)
		web.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "ClickHouse is unavailable; try again shortly"})
		return
	}
	cat := s.catalog.Current()
	// The answer is the same until the counts or the catalog change.
	s.integrationsMu.Lock()
	body := s.integrationsBody
	if s.integrationsRead != read || s.integrationsCat != cat {
		body = nil
	}
	s.integrationsMu.Unlock()
	if body == nil {
		body = integrationsAnswer(cat, read.Counts, read.To)
		s.integrationsMu.Lock()
		s.integrationsBody, s.integrationsRead, s.integrationsCat = body, read, cat
		s.integrationsMu.Unlock()
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}

// integrationsAnswer is the body of GET /api/v1/integrations for the hour
// before now.
func integrationsAnswer(cat *catalog.Catalog, counts map[string]clickhouse.Counts, now time.Time) []byte {
	all := cat.All()
	out := make([]integrationJSON, 0, len(all))
	for _, in := range all {
		c := counts[in.ID]
		name := in.Title
		if name == "" {
			name = in.ID
		}
		out = append(out, integrationJSON{
			ID: in.ID, Name: name, Owner: in.Owner, Source: in.Source, Target: in.Target(), Targets: in.Targets,
			Lifecycle: string(in.Lifecycle), Tier: in.Tier, Mechanism: in.Mechanism,
			Spans1h: c.Spans, Errors1h: c.ErrorSpans, Executions1h: c.Executions, Failed1h: c.Failed, Records1h: c.Records,
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	un := counts[""]
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	_ = enc.Encode(map[string]any{
		"integrations": out,
		"unattributed": map[string]uint64{"spans_1h": un.Spans, "errors_1h": un.ErrorSpans},
		"window":       map[string]string{"from": now.Add(-time.Hour).UTC().Format(time.RFC3339), "to": now.UTC().Format(time.RFC3339)},
	})
	return buf.Bytes()
}

// CatalogJSON is the catalog as the API serves it.
func CatalogJSON(c *catalog.Catalog) map[string]any { return catalogview.JSON(c) }
