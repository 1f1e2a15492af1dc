package ui

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/intops/intops/ui/internal/web"
)

// Roles, each allowed what the ones before it are.
const (
	RoleViewer   = "viewer"   // reads everything
	RoleOperator = "operator" // acknowledges, resolves, silences
	RoleICoE     = "icoe"     // catalog actions
	RoleAdmin    = "admin"
)

var roleRank = map[string]int{RoleViewer: 1, RoleOperator: 2, RoleICoE: 3, RoleAdmin: 4}

// ValidRole reports whether r names a role.
func ValidRole(r string) bool { return roleRank[r] > 0 }

// Principal is who makes a request.
type Principal = web.Principal

// AuthConfig says who may do what. The zero value (nothing configured)
// lets everyone in as admin: the server then binds 127.0.0.1 by default.
type AuthConfig struct {
	// TrustedProxies are the addresses of the reverse proxy (oauth2-proxy
	// or alike) whose identity headers are believed: X-Forwarded-User or
	// X-Auth-Request-User (else the Email variants) and
	// X-Forwarded-Groups / X-Auth-Request-Groups (comma-separated), and
	// X-Forwarded-Proto (https: cookies are Secure). The same headers from
	// any other address are ignored.
	TrustedProxies []netip.Prefix
	// Tokens are API bearer tokens, by their SHA-256 (hex), each with the
	// principal it stands for.
	Tokens map[string]Principal
	// GroupRoles maps proxy groups to roles; a user gets the highest.
	GroupRoles map[string]string
	// DefaultRole is the role of a proxy user in no mapped group
	// (default viewer).
	DefaultRole string
}

// Enabled reports whether anything is configured.
func (a *AuthConfig) Enabled() bool {
	return a != nil && (len(a.TrustedProxies) > 0 || len(a.Tokens) > 0)
}

// TokenHash is how a bearer token is kept in the configuration.
func TokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return fmt.Sprintf("%x", sum)
}

// PrincipalOf returns who made the request (admin "local" when auth is
// not configured).
func PrincipalOf(r *http.Request) Principal {
	if p, ok := web.PrincipalIn(r); ok {
		return p
	}
	return Principal{Name: "local", Role: RoleAdmin}
}

// authenticate finds the request's principal, or false.
func (a *AuthConfig) authenticate(r *http.Request) (Principal, bool) {
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
		want := TokenHash(strings.TrimSpace(strings.TrimPrefix(h, "Bearer ")))
		for hash, p := range a.Tokens {
			if subtle.ConstantTimeCompare([]byte(hash), []byte(want)) == 1 {
				return p, true
			}
		}
		return Principal{}, false
	}
	if !a.trusted(r.RemoteAddr) {
		return Principal{}, false // identity headers from anyone else are ignored
	}
	user := firstOf(r.Header.Get("X-Forwarded-User"), r.Header.Get("X-Auth-Request-User"),
		r.Header.Get("X-Forwarded-Email"), r.Header.Get("X-Auth-Request-Email"))
	if user == "" {
		return Principal{}, false
	}
	role := a.DefaultRole
	if role == "" {
		role = RoleViewer
	}
	for _, g := range strings.Split(firstOf(r.Header.Get("X-Forwarded-Groups"), r.Header.Get("X-Auth-Request-Groups")), ",") {
		if gr := a.GroupRoles[strings.TrimSpace(g)]; roleRank[gr] > roleRank[role] {
			role = gr
		}
	}
	return Principal{Name: user, Role: role}, true
}

func (a *AuthConfig) trusted(remote string) bool {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	for _, p := range a.TrustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// https reports whether the browser reached intops over HTTPS: directly,
// or through a trusted proxy that says so in X-Forwarded-Proto (from
// anyone else the header is ignored). Cookies are Secure then.
func (a *AuthConfig) https(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	if a == nil || !a.trusted(r.RemoteAddr) {
		return false
	}
	proto, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ",")
	return strings.EqualFold(strings.TrimSpace(proto), "https")
}

// needs is the role a request requires.
func needs(r *http.Request) string {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return RoleViewer
	}
	if strings.HasPrefix(r.URL.Path, "/catalog") || strings.HasPrefix(r.URL.Path, "/api/v1/catalog") {
		return RoleICoE
	}
	return RoleOperator // acknowledge, resolve, silence
}

// open paths need no login: health checks, and Slack's requests, which
// are verified with the signing secret instead.
func open(path string) bool {
	return path == "/healthz" || strings.HasPrefix(path, "/slack/") || strings.HasPrefix(path, "/static/")
}

// withAuth authenticates and authorizes every request when auth is
// configured: 401 without a valid identity, 403 without the role.
func withAuth(a *AuthConfig, next http.Handler) http.Handler {
	if !a.Enabled() {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if open(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		p, ok := a.authenticate(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="intops"`)
			web.WriteJSON(w, http.StatusUnauthorized, map[string]string{"error": "authentication required: a bearer token, or sign in through the proxy"})
			return
		}
		if need := needs(r); roleRank[p.Role] < roleRank[need] {
			web.WriteJSON(w, http.StatusForbidden, map[string]string{"error": fmt.Sprintf("%s is %s; this needs %s", p.Name, p.Role, need)})
			return
		}
		next.ServeHTTP(w, r.WithContext(web.WithPrincipal(r.Context(), p)))
	})
}

// firstOf returns the first non-empty string.
func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
