package ui

import (
	"context"
	"embed"
	"io/fs"
	"net/http"
	"strconv"
	"time"

	"github.com/a-h/templ"
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

// render writes a page, or a plain 500 when rendering fails before any of
// it was written.
func (s *Server) render(w http.ResponseWriter, r *http.Request, code int, c templ.Component) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	if err := c.Render(r.Context(), w); err != nil {
		s.logger.Error("render page", "path", r.URL.Path, "err", err)
	}
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
	for _, st := range o {
		open = append(open, incidentViewOf(st.Incident.ID, st.Integration, st.View.Title, st.Severity, st.State, st.OpenedAt, st.ResolvedAt, st.Timeline, now))
	}
	for _, st := range rc {
		recent = append(recent, incidentViewOf(st.Incident.ID, st.Integration, st.View.Title, st.Severity, st.State, st.OpenedAt, st.ResolvedAt, st.Timeline, now))
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
