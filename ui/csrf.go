package ui

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"mime"
	"net/http"
	"strings"
)

// CSRF protection for the HTML forms: a random token in a SameSite=Strict
// cookie, repeated in every form (the hidden field "csrf") or in the
// X-CSRF-Token header; a form post without the matching token is refused.
// JSON requests need no token: a cross-site page cannot send
// Content-Type: application/json without the server's CORS consent, which
// intops never gives; bearer-token requests carry no cookie to abuse.
const (
	csrfCookie = "intops_csrf"
	csrfField  = "csrf"
	csrfHeader = "X-CSRF-Token"
)

// CSRFToken returns the request's CSRF token, setting the cookie when the
// browser has none yet. Pages put it in their forms.
func CSRFToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) >= 32 {
		return c.Value
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	tok := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: tok, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	// The request itself carries it from now on (pages render after).
	r.AddCookie(&http.Cookie{Name: csrfCookie, Value: tok})
	return tok
}

// validCSRF reports whether a request carries the token of its cookie.
func validCSRF(r *http.Request) bool {
	c, err := r.Cookie(csrfCookie)
	if err != nil || len(c.Value) < 32 {
		return false
	}
	got := r.Header.Get(csrfHeader)
	if got == "" {
		got = r.PostFormValue(csrfField)
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(c.Value)) == 1
}

// withCSRF refuses unsafe requests that a cross-site page could send (form
// and plain-text bodies) unless they carry the token. Slack's endpoints
// are verified by their signature instead.
func withCSRF(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			next.ServeHTTP(w, r)
			return
		}
		if strings.HasPrefix(r.URL.Path, "/slack/") || strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
			next.ServeHTTP(w, r)
			return
		}
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if mt == "application/json" {
			next.ServeHTTP(w, r)
			return
		}
		if !validCSRF(r) {
			http.Error(w, "forbidden: the form's CSRF token is missing or wrong; reload the page and try again", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}
