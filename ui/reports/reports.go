package reports

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/a-h/templ"

	"github.com/intops/intops/analyzer/maturity"
	"github.com/intops/intops/report"
	"github.com/intops/intops/ui/internal/web"
)

// MaturitySource scores the estate and its teams.
type MaturitySource interface {
	Scores(ctx context.Context) ([]maturity.Score, error)
}

// ReportSource builds the leaders' reports (report.Service does).
type ReportSource interface {
	// Parse reads a period in the estate's time zone; "" is Default().
	Parse(period string) (report.Period, error)
	Default() report.Period
	SLOReport(ctx context.Context, p report.Period) (*report.SLOReport, error)
	MaturityReport(ctx context.Context, p report.Period) (*report.MaturityReport, error)
}

var _ ReportSource = (*report.Service)(nil)

// reportKinds are the reports, as they appear in URLs.
var reportKinds = []string{"slo", "maturity"}

// reportError writes a report failure as JSON: a bad or unreportable
// period is the caller's (400, 404), anything else ClickHouse's (503).
func (h *Handlers) reportError(w http.ResponseWriter, err error) {
	code, msg := reportStatus(err)
	if code == http.StatusServiceUnavailable && !errors.Is(err, errBusy) {
		h.Logger.Error("report", "err", err)
	}
	web.WriteJSON(w, code, map[string]string{"error": msg})
}

func reportStatus(err error) (int, string) {
	var pe periodError
	switch {
	case errors.As(err, &pe):
		return http.StatusBadRequest, err.Error()
	case errors.Is(err, report.ErrNotStarted):
		return http.StatusBadRequest, err.Error()
	case errors.Is(err, report.ErrNoSnapshots):
		return http.StatusNotFound, err.Error()
	case errors.Is(err, report.ErrNoChromium):
		return http.StatusNotImplemented, err.Error()
	case errors.Is(err, errBusy):
		return http.StatusServiceUnavailable, "reports are being rendered at capacity; try again in a few seconds"
	}
	return http.StatusServiceUnavailable, "the report is unavailable (ClickHouse); try again shortly"
}

// periodError is a period the request got wrong.
type periodError struct{ error }

func (h *Handlers) period(r *http.Request) (report.Period, error) {
	p, err := h.Reports.Parse(strings.TrimSpace(r.URL.Query().Get("period")))
	if err != nil {
		return p, periodError{err}
	}
	return p, nil
}

// SLOReport serves GET /api/v1/reports/slo?period=2026-10 (default:
// the last complete month).
func (h *Handlers) SLOReport(w http.ResponseWriter, r *http.Request) {
	if h.Reports == nil {
		web.WriteJSON(w, http.StatusNotFound, map[string]string{"error": "reports are not configured"})
		return
	}
	p, err := h.period(r)
	if err == nil {
		var rep *report.SLOReport
		if rep, err = h.Reports.SLOReport(r.Context(), p); err == nil {
			web.WriteJSON(w, http.StatusOK, rep)
			return
		}
	}
	h.reportError(w, err)
}

// MaturityReport serves GET /api/v1/reports/maturity: without a period,
// the estate's level and each team's scored now, per dimension, with
// every criterion's value and what is missing for the next level; with
// ?period=2026-10, the report of that period from the daily snapshots.
func (h *Handlers) MaturityReport(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Has("period") {
		if h.Reports == nil {
			web.WriteJSON(w, http.StatusNotFound, map[string]string{"error": "reports are not configured"})
			return
		}
		p, err := h.period(r)
		if err == nil {
			var rep *report.MaturityReport
			if rep, err = h.Reports.MaturityReport(r.Context(), p); err == nil {
				web.WriteJSON(w, http.StatusOK, rep)
				return
			}
		}
		h.reportError(w, err)
		return
	}
	if h.Maturity == nil {
		web.WriteJSON(w, http.StatusNotFound, map[string]string{"error": "maturity scoring is not running"})
		return
	}
	scores, err := h.Maturity.Scores(r.Context())
	if err != nil {
		h.Unavailable(w, "maturity scores", err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"scores": scores})
}

// builtReport is a report of either kind, ready to render.
type builtReport struct {
	Kind     string
	Period   report.Period
	SLO      *report.SLOReport
	Maturity *report.MaturityReport
}

func (b builtReport) body() templ.Component {
	if b.SLO != nil {
		return report.SLOBody(b.SLO)
	}
	return report.MaturityBody(b.Maturity)
}

func (b builtReport) csv(w *bytes.Buffer, table string) error {
	if b.SLO != nil {
		return b.SLO.CSV(w, table)
	}
	return b.Maturity.CSV(w, table)
}

func (h *Handlers) build(ctx context.Context, kind string, p report.Period) (builtReport, error) {
	b := builtReport{Kind: kind, Period: p}
	var err error
	if kind == "slo" {
		b.SLO, err = h.Reports.SLOReport(ctx, p)
	} else {
		b.Maturity, err = h.Reports.MaturityReport(ctx, p)
	}
	return b, err
}

// Download serves /reports/{slo|maturity}/{period}.{html|csv|pdf}
// (CSV: ?table=, see report.SLOTables and report.MaturityTables).
func (h *Handlers) Download(w http.ResponseWriter, r *http.Request) {
	kind, file := r.PathValue("kind"), r.PathValue("file")
	dot := strings.LastIndexByte(file, '.')
	if !slices.Contains(reportKinds, kind) || dot < 0 {
		web.WriteJSON(w, http.StatusNotFound, map[string]string{"error": "no report " + r.URL.Path + ": want /reports/slo/PERIOD.html, .csv or .pdf (or /reports/maturity/…), PERIOD like 2026-10 or 2026-Q3"})
		return
	}
	if h.Reports == nil {
		web.WriteJSON(w, http.StatusNotFound, map[string]string{"error": "reports are not configured"})
		return
	}
	name, format := file[:dot], file[dot+1:]
	if format != "html" && format != "csv" && format != "pdf" {
		web.WriteJSON(w, http.StatusNotFound, map[string]string{"error": "format " + format + ": want html, csv or pdf"})
		return
	}
	p, err := h.Reports.Parse(name)
	if err != nil {
		h.reportError(w, periodError{err})
		return
	}
	table := ""
	if format == "csv" {
		table = r.URL.Query().Get("table")
	}
	body, err := h.cachedReport(r.Context(), kind, p, format, table)
	var te tableError
	var pe printError
	switch {
	case errors.Is(err, errBusy):
		w.Header().Set("Retry-After", h.cache.retryAfter())
		h.reportError(w, err)
		return
	case errors.As(err, &te):
		web.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	case errors.As(err, &pe):
		web.WriteJSON(w, http.StatusInternalServerError, map[string]string{"error": "the PDF could not be printed: " + err.Error()})
		return
	case err != nil:
		h.reportError(w, err)
		return
	}
	filename := "intops-" + kind + "-" + p.String()
	switch format {
	case "csv":
		if table != "" {
			filename += "-" + table
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+filename+`.csv"`)
	case "html":
		// The document's style is inline: its own policy allows it.
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
	case "pdf":
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Content-Disposition", `attachment; filename="`+filename+`.pdf"`)
	}
	_, _ = w.Write(body)
}

// cachedReport returns a report rendered in a format: from the cache, or
// rendered with a render slot.
func (h *Handlers) cachedReport(ctx context.Context, kind string, p report.Period, format, table string) ([]byte, error) {
	now := h.Now()
	ttl := reportTTLEnded
	if p.End().After(now) {
		ttl = reportTTLRunning
	}
	key := kind + "/" + p.String() + "." + format + "?" + table
	body, hit, err := h.cache.get(ctx, key, h.Catalog.Current(), now, ttl, func(ctx context.Context) ([]byte, error) {
		return h.renderReport(ctx, kind, p, format, table)
	})
	if hit {
		h.Logger.Debug("report served from the cache", "report", key)
	}
	return body, err
}

// tableError is a CSV table the request got wrong.
type tableError struct{ error }

// printError is a PDF that Chromium failed to print.
type printError struct{ error }

// renderReport builds a report and renders it in a format (html, csv of
// a table, pdf, or page: the body the /reports page shows).
func (h *Handlers) renderReport(ctx context.Context, kind string, p report.Period, format, table string) ([]byte, error) {
	b, err := h.build(ctx, kind, p)
	if err != nil {
		return nil, err
	}
	if format == "page" {
		var buf bytes.Buffer
		err := b.body().Render(ctx, &buf)
		return buf.Bytes(), err
	}
	if format == "csv" {
		var buf bytes.Buffer
		if err := b.csv(&buf, table); err != nil {
			return nil, tableError{err}
		}
		return buf.Bytes(), nil
	}
	page, err := report.HTML(ctx, report.Title(kind, p), b.body())
	if err != nil || format == "html" {
		return page, err
	}
	if h.Printer == nil {
		return nil, report.ErrNoChromium
	}
	start := time.Now()
	pdf, err := h.Printer.PDF(ctx, page)
	if err != nil {
		if errors.Is(err, report.ErrNoChromium) || ctx.Err() != nil {
			return nil, err
		}
		h.Logger.Error("print PDF", "err", err, "took", time.Since(start).Round(time.Millisecond))
		return nil, printError{err}
	}
	h.Logger.Info("report PDF printed", "report", kind, "period", p.String(), "bytes", len(pdf), "took", time.Since(start).Round(time.Millisecond))
	return pdf, nil
}

// reportsModel is the /reports page.
type reportsModel struct {
	Kind, Period string
	Kinds        []string
	Periods      []string // the choices, latest first
	Error        string
	Body         templ.Component
	Downloads    []downloadLink
}

type downloadLink struct{ Label, URL string }

// Page serves /reports?kind=slo|maturity&period=2026-10.
func (h *Handlers) Page(w http.ResponseWriter, r *http.Request) {
	m := reportsModel{Kind: r.URL.Query().Get("kind"), Kinds: reportKinds}
	if m.Kind == "" {
		m.Kind = "slo"
	}
	if !slices.Contains(reportKinds, m.Kind) {
		h.Render(w, r, http.StatusBadRequest, reportsPage(reportsModel{Kind: "slo", Kinds: reportKinds, Error: "kind " + m.Kind + ": want slo or maturity"}))
		return
	}
	if h.Reports == nil {
		m.Error = "Reports are not configured on this server."
		h.Render(w, r, http.StatusNotFound, reportsPage(m))
		return
	}
	last := h.Reports.Default()
	for p, i := last.Next(), 0; i < 13; p, i = p.Prev(), i+1 {
		m.Periods = append(m.Periods, p.String())
	}
	for p, i := report.Containing(report.Quarter, last.End(), last.Loc), 0; i < 5; p, i = p.Prev(), i+1 {
		m.Periods = append(m.Periods, p.String())
	}
	p, err := h.period(r)
	code := http.StatusOK
	if err == nil {
		m.Period = p.String()
		// The page's report is rendered once per period, like the
		// downloads, and with their render slots.
		var body []byte
		if body, err = h.cachedReport(r.Context(), m.Kind, p, "page", ""); err == nil {
			m.Body = templ.Raw(string(body))
			base := "/reports/" + m.Kind + "/" + p.String()
			m.Downloads = []downloadLink{{"HTML", base + ".html"}, {"PDF", base + ".pdf"}}
			tables := report.SLOTables
			if m.Kind == "maturity" {
				tables = report.MaturityTables
			}
			for _, t := range tables {
				m.Downloads = append(m.Downloads, downloadLink{"CSV: " + t, base + ".csv?table=" + t})
			}
		}
	} else {
		m.Period = r.URL.Query().Get("period")
	}
	if err != nil {
		code, m.Error = reportStatus(err)
		if errors.Is(err, errBusy) {
			w.Header().Set("Retry-After", h.cache.retryAfter())
		}
	}
	if m.Period != "" && !slices.Contains(m.Periods, m.Period) {
		m.Periods = append([]string{m.Period}, m.Periods...)
	}
	h.Render(w, r, code, reportsPage(m))
}
