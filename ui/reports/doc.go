// Package reports serves the leaders' reports: the /reports page (an SLO
// or maturity report of a month or quarter, with the period picker and
// the downloads), the downloads in HTML, CSV and PDF, kept in a cache and
// rendered a few at a time, and the reports API.
package reports

import (
	"net/http"
	"time"

	"github.com/intops/intops/report"
	"github.com/intops/intops/ui/internal/web"
)

// Handlers serve the reports' page, downloads and API; New makes them.
type Handlers struct {
	*web.Env
	Catalog  web.CatalogSource
	Maturity MaturitySource // nil: the maturity API without a period 404s
	// Reports build the reports of a period (nil: the report pages and
	// APIs 404); Printer prints them to PDF (nil: PDFs answer 501).
	Reports ReportSource
	Printer report.Printer

	cache *reportCache
}

// New returns the handlers h with a cache of rendered reports: renders
// reports render at once (default 2); a download finding them all busy
// waits up to wait (default 10 s), then is answered 503 with Retry-After.
func New(h Handlers, renders int, wait time.Duration) *Handlers {
	h.cache = newReportCache(renders, wait)
	return &h
}

// CSS serves the reports' style sheet, which their HTML links to.
func (h *Handlers) CSS(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write([]byte(report.CSS))
}
