package ui

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/intops/intops/catalog"
	"github.com/intops/intops/report"
	"github.com/intops/intops/ui/anomalies"
	"github.com/intops/intops/ui/catalogview"
	"github.com/intops/intops/ui/internal/web"
)

// Server is intops' HTTP server.
type Server struct {
	env     *web.Env
	store   Store // health checks ping it
	mux     *http.ServeMux
	handler http.Handler
	csrf    *csrfGuard
	counts  *web.RecentCounts // the last hour's counts, shared by the pages and APIs that show them

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
	// Feedback keeps on-call's marks on anomaly episodes (nil: the
	// feedback API 404s and the integration page shows none).
	Feedback anomalies.FeedbackStore
	Alerts   AlertsSource   // nil: /api/v1/alerts is empty
	Auth     *AuthConfig    // nil: everyone is admin (the server binds 127.0.0.1 by default)
	Maturity MaturitySource // nil: /api/v1/reports/maturity without a period 404s
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
		store: o.Store,
		env:   &web.Env{Logger: o.Logger.With("component", "server"), Now: o.Now, Shared: web.NewSharedPages(web.DefaultPageMaxAge)},
		mux:   http.NewServeMux(),
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
		s.env.Logger.Error("some trusted origins are ignored", "err", err)
		s.csrf, _ = newCSRF(o.SessionSecret, o.Auth, nil)
	}
	s.counts = &web.RecentCounts{Store: o.Store, MaxAge: web.DefaultCountsMaxAge}
	if o.NoSharing {
		s.counts.MaxAge, s.env.Shared.MaxAge = 0, 0
	}
	s.routes(o)
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
		s.env.Shared.Changed()
	}
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

// WriteHeader keeps the status code for the metrics.
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
		s.env.Logger.Warn("health check: ClickHouse unreachable", "err", err)
		web.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "clickhouse": "unreachable"})
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok", "clickhouse": "ok"})
}

// CatalogJSON is the catalog as the API serves it.
func CatalogJSON(c *catalog.Catalog) map[string]any { return catalogview.JSON(c) }
