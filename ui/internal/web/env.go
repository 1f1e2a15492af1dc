package web

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/a-h/templ"

	"github.com/intops/intops/alerting"
)

// Env is what the handlers of every feature share: the server's log and
// clock, and the pages every user sees alike.
type Env struct {
	Logger *slog.Logger
	Now    func() time.Time
	Shared *SharedPages
}

// pages are buffers that pages are rendered into.
var pages = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Render writes a page, or a plain 500 when rendering fails. The page is
// rendered whole, then written at once: a 1,000-row overview is hundreds
// of kilobytes, which small writes would send in as many syscalls.
func (e *Env) Render(w http.ResponseWriter, r *http.Request, code int, c templ.Component) {
	buf := pages.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= 4<<20 {
			pages.Put(buf)
		}
	}()
	if err := c.Render(r.Context(), buf); err != nil {
		e.pageFailed(w, r, err)
		return
	}
	writePage(w, code, buf.Bytes())
}

func (e *Env) pageFailed(w http.ResponseWriter, r *http.Request, err error) {
	e.Logger.Error("render page", "path", r.URL.Path, "err", err)
	http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
}

func writePage(w http.ResponseWriter, code int, page []byte) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(page)))
	w.WriteHeader(code)
	_, _ = w.Write(page)
}

// RenderShared serves a page that every user sees alike from the shared
// pages, rendering it when they lack it.
func (e *Env) RenderShared(w http.ResponseWriter, r *http.Request, page func(*http.Request) templ.Component) {
	body, err := e.Shared.get(r.Context(), r.URL.RawQuery, func(ctx context.Context) ([]byte, error) {
		var buf bytes.Buffer
		err := page(r.WithContext(ctx)).Render(ctx, &buf)
		return buf.Bytes(), err
	})
	if err != nil {
		e.pageFailed(w, r, err)
		return
	}
	writePage(w, http.StatusOK, body)
}

// NotFound serves the HTML 404 page.
func (e *Env) NotFound(w http.ResponseWriter, r *http.Request, msg string) {
	e.Render(w, r, http.StatusNotFound, notFoundPage(msg))
}

// Problem serves the page that says why a form action failed, with the
// way back.
func (e *Env) Problem(w http.ResponseWriter, r *http.Request, code int, title, msg, back string) {
	e.Render(w, r, code, problemPage(title, msg, back))
}

// FormError answers a failed form action: 404 for an unknown (or already
// resolved) incident or silence, 503 when alerting cannot be reached.
func (e *Env) FormError(w http.ResponseWriter, r *http.Request, what string, err error, back string) {
	if errors.Is(err, alerting.ErrNotFound) {
		e.Problem(w, r, http.StatusNotFound, "Not found", "Cannot act on "+what+": "+err.Error()+".", back)
		return
	}
	e.Logger.Error("form action", "path", r.URL.Path, "err", err)
	e.Problem(w, r, http.StatusServiceUnavailable, "Alerting is unavailable", "The action was not done: alerting cannot be reached; try again shortly.", back)
}

// Unavailable answers an API request 503 when what it reads (what) cannot
// be read from ClickHouse.
func (e *Env) Unavailable(w http.ResponseWriter, what string, err error) {
	e.Logger.Error(what, "err", err)
	WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"error": what + " are unavailable (ClickHouse); try again shortly"})
}

// ActionResult answers an API action on an incident or a silence: ok,
// 404 for an unknown one, 409 for an action that does not apply, 503
// when alerting cannot be reached.
func (e *Env) ActionResult(w http.ResponseWriter, err error) {
	switch {
	case err == nil:
		WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	case errors.Is(err, alerting.ErrNotFound):
		WriteJSON(w, http.StatusNotFound, map[string]string{"error": err.Error()})
	case errors.Is(err, alerting.ErrInvalid):
		WriteJSON(w, http.StatusConflict, map[string]string{"error": err.Error()})
	default:
		e.Unavailable(w, "alerts", err)
	}
}

// IncidentsSince reads the incidents, or none when alerting does not run
// (src is nil) or cannot be read (the page says so rather than failing).
func (e *Env) IncidentsSince(ctx context.Context, src AlertsSource, since time.Time) (open, recent []IncidentView, err error) {
	if src == nil {
		return nil, nil, nil
	}
	o, rc, err := src.Incidents(ctx, since)
	if err != nil {
		return nil, nil, err
	}
	now := e.Now()
	view := func(st alerting.IncidentStatus) IncidentView {
		v := incidentViewOf(st.Incident.ID, st.Integration, st.View.Title, st.Severity, st.State, st.OpenedAt, st.ResolvedAt, st.Timeline, now)
		v.Members, v.Since = st.Members, st.OpenedAt
		for _, a := range st.Alerts {
			if !a.Since.IsZero() && a.Since.Before(v.Since) {
				v.Since = a.Since
			}
		}
		return v
	}
	for _, st := range o {
		open = append(open, view(st))
	}
	for _, st := range rc {
		recent = append(recent, view(st))
	}
	return open, recent, nil
}
