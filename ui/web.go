package ui

import (
	"bytes"
	"context"
	"embed"
	"io"
	"io/fs"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/a-h/templ"

	"github.com/intops/intops/alerting"
)

//go:generate go run github.com/a-h/templ/cmd/templ@v0.3.977 generate

// static holds the CSS and scripts the pages load from /static/: nothing
// comes from a CDN, so the Content-Security-Policy can stay 'self'.
//
//go:embed static
var static embed.FS

func staticHandler() http.Handler {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	files := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})
}

// pages are buffers that pages are rendered into.
var pages = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// render writes a page, or a plain 500 when rendering fails. The page is
// rendered whole, then written at once: a 1,000-row overview is hundreds
// of kilobytes, which small writes would send in as many syscalls.
func (s *Server) render(w http.ResponseWriter, r *http.Request, code int, c templ.Component) {
	buf := pages.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= 4<<20 {
			pages.Put(buf)
		}
	}()
	if err := c.Render(r.Context(), buf); err != nil {
		s.pageFailed(w, r, err)
		return
	}
	writePage(w, code, buf.Bytes())
}

func (s *Server) pageFailed(w http.ResponseWriter, r *http.Request, err error) {
	s.logger.Error("render page", "path", r.URL.Path, "err", err)
	http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
}

func writePage(w http.ResponseWriter, code int, page []byte) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(page)))
	w.WriteHeader(code)
	_, _ = w.Write(page)
}

// renderShared serves a page that every user sees alike from the shared
// pages, rendering it when they lack it.
func (s *Server) renderShared(w http.ResponseWriter, r *http.Request, page func(*http.Request) templ.Component) {
	body, err := s.shared.get(r.Context(), r.URL.RawQuery, func(ctx context.Context) ([]byte, error) {
		var buf bytes.Buffer
		err := page(r.WithContext(ctx)).Render(ctx, &buf)
		return buf.Bytes(), err
	})
	if err != nil {
		s.pageFailed(w, r, err)
		return
	}
	writePage(w, http.StatusOK, body)
}

// statusBadge is <span class="badge badge-STATUS">LABEL</span>, written
// directly rather than by templ's class handling: the overview has one
// or two per row.
func statusBadge(status, label string) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		_, err := io.WriteString(w, `<span class="badge badge-`+templ.EscapeString(status)+`">`+templ.EscapeString(label)+`</span>`)
		return err
	})
}

// notFound serves the HTML 404 page.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request, msg string) {
	s.render(w, r, http.StatusNotFound, notFoundPage(msg))
}

// incidentsSince reads the incidents, or none when alerting does not run
// or cannot be read (the page says so rather than failing).
func (s *Server) incidentsSince(ctx context.Context, since time.Time) (open, recent []incidentView, err error) {
	if s.alertSrc == nil {
		return nil, nil, nil
	}
	o, rc, err := s.alertSrc.Incidents(ctx, since)
	if err != nil {
		return nil, nil, err
	}
	now := s.now()
	view := func(st alerting.IncidentStatus) incidentView {
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

func pct(x float64) string {
	return strconv.FormatFloat(finite(x)*100, 'f', 1, 64) + "%"
}

func count(n uint64) string { return strconv.FormatUint(n, 10) }

func itoa(n int) string { return strconv.Itoa(n) }

func ago(now, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	d := now.Sub(t).Round(time.Minute)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return strconv.Itoa(int(d.Minutes())) + " min ago"
	case d < 48*time.Hour:
		return strconv.Itoa(int(d.Hours())) + " h ago"
	}
	return strconv.Itoa(int(d.Hours()/24)) + " days ago"
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}
