package web

import (
	"embed"
	"io/fs"
	"net/http"
)

// static holds the CSS and scripts the pages load from /static/: nothing
// comes from a CDN, so the Content-Security-Policy can stay 'self'.
//
//go:embed static
var static embed.FS

// StaticHandler serves the embedded files under /static/, cached for an
// hour.
func StaticHandler() http.Handler {
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
