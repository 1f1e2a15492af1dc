package ui

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/intops/intops/ui/internal/web"
)

// Protection against cross-site request forgery, in two layers:
//
//   - Every state-changing request (POST, PUT, PATCH, DELETE), JSON API
//     included, is refused when the browser says it comes from another
//     site: Sec-Fetch-Site other than same-origin or none, or else an
//     Origin whose host is not the request's (nor a trusted origin).
//     Requests with neither header are not from a browser's cross-site
//     page (curl, scripts with a bearer token) and pass.
//   - Form and plain-text posts, which a cross-site page can send without
//     the server's consent, must also carry a token bound to the browser's
//     session: the HMAC of the server's secret over the session cookie and
//     the signed-in user. A value chosen by someone else (a cookie planted
//     with its "matching" field) is not a token: only the server can make
//     one, and a token is worth nothing in another session or for another
//     user. Replicas behind one address must share the secret.
//
// Slack's endpoints are verified by their signature instead.
const (
	sessionCookie = "intops_session"
	csrfField     = "csrf"
	csrfHeader    = "X-CSRF-Token"
)

// csrfGuard holds the session secret and which origins are this server.
type csrfGuard struct {
	secret  []byte
	auth    *AuthConfig
	origins *http.CrossOriginProtection
}

// newCSRF builds the guard; an empty secret is replaced by a random one
// (sessions then end with the process, and replicas do not share them).
func newCSRF(secret []byte, auth *AuthConfig, trustedOrigins []string) (*csrfGuard, error) {
	if len(secret) == 0 {
		secret = make([]byte, 32)
		_, _ = rand.Read(secret)
	}
	g := &csrfGuard{secret: secret, auth: auth, origins: http.NewCrossOriginProtection()}
	for _, o := range trustedOrigins {
		if err := g.origins.AddTrustedOrigin(o); err != nil {
			return nil, fmt.Errorf("trusted origin %q: %w", o, err)
		}
	}
	return g, nil
}

// token returns the request's CSRF token, starting a session (the
// cookie) when the browser has none yet. Pages put it in their forms.
func (g *csrfGuard) token(w http.ResponseWriter, r *http.Request) string {
	sid := sessionOf(r)
	if sid == "" {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		sid = base64.RawURLEncoding.EncodeToString(b)
		http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: sid, Path: "/", HttpOnly: true,
			SameSite: http.SameSiteStrictMode, Secure: g.auth.https(r)})
		// The request itself carries it from now on (pages render after).
		r.AddCookie(&http.Cookie{Name: sessionCookie, Value: sid})
	}
	return g.sign(sid, PrincipalOf(r).Name)
}

// sign is the token of a session and user.
func (g *csrfGuard) sign(sid, user string) string {
	m := hmac.New(sha256.New, g.secret)
	m.Write([]byte("intops csrf\x00"))
	m.Write([]byte(sid))
	m.Write([]byte{0})
	m.Write([]byte(user))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// sessionOf returns the session cookie's value, or "".
func sessionOf(r *http.Request) string {
	c, err := r.Cookie(sessionCookie)
	if err != nil || len(c.Value) < 32 {
		return ""
	}
	return c.Value
}

// valid reports whether a request carries its session's token.
func (g *csrfGuard) valid(r *http.Request) bool {
	sid := sessionOf(r)
	if sid == "" {
		return false
	}
	got := r.Header.Get(csrfHeader)
	if got == "" {
		got = r.PostFormValue(csrfField)
	}
	return hmac.Equal([]byte(got), []byte(g.sign(sid, PrincipalOf(r).Name)))
}

// wrap refuses cross-site state changes, and form posts without their
// session's token.
func (g *csrfGuard) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			next.ServeHTTP(w, r)
			return
		}
		if strings.HasPrefix(r.URL.Path, "/slack/") {
			next.ServeHTTP(w, r)
			return
		}
		if err := g.origins.Check(r); err != nil {
			from := "Sec-Fetch-Site: " + r.Header.Get("Sec-Fetch-Site")
			if o := r.Header.Get("Origin"); o != "" {
				from = "Origin " + o
			}
			refuse(w, r, "forbidden: a cross-site request ("+from+") cannot change anything here; use intops' own pages, or call the API from outside a browser")
			return
		}
		if strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
			next.ServeHTTP(w, r)
			return
		}
		// A cross-site page cannot send Content-Type: application/json
		// without the server's CORS consent, which intops never gives.
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/json" {
			next.ServeHTTP(w, r)
			return
		}
		if !g.valid(r) {
			refuse(w, r, "forbidden: the form's CSRF token is missing or not this session's; reload the page and try again")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// refuse answers 403, as JSON to the API and as text to pages.
func refuse(w http.ResponseWriter, r *http.Request, msg string) {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		web.WriteJSON(w, http.StatusForbidden, map[string]string{"error": msg})
		return
	}
	http.Error(w, msg, http.StatusForbidden)
}
