package ui

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

func authServer(t *testing.T) http.Handler {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/alerts", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(PrincipalOf(r).Name + " " + PrincipalOf(r).Role))
	})
	mux.HandleFunc("POST /api/v1/alerts/{id}/ack", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("acked by " + PrincipalOf(r).Name))
	})
	mux.HandleFunc("POST /alerts/{id}/ack", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("acked by " + PrincipalOf(r).Name))
	})
	a := &AuthConfig{
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.5/32")},
		Tokens:         map[string]Principal{TokenHash("t0ken-viewer"): {Name: "dash", Role: RoleViewer}, TokenHash("t0ken-bot"): {Name: "bot", Role: RoleOperator}},
		GroupRoles:     map[string]string{"sre": RoleOperator, "icoe": RoleICoE},
	}
	g, err := newCSRF(nil, a, nil)
	if err != nil {
		t.Fatal(err)
	}
	return withAuth(a, g.wrap(mux))
}

func do(h http.Handler, method, path, remote string, hdr map[string]string, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.RemoteAddr = remote
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestAuth(t *testing.T) {
	h := authServer(t)
	proxy := "10.0.0.5:4180"
	user := map[string]string{"X-Forwarded-User": "ana", "X-Forwarded-Groups": "staff,sre"}
	viewer := map[string]string{"X-Forwarded-User": "eve", "X-Forwarded-Groups": "staff"}
	json := map[string]string{"Content-Type": "application/json"}
	with := func(a, b map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range a {
			m[k] = v
		}
		for k, v := range b {
			m[k] = v
		}
		return m
	}
	cases := []struct {
		name, method, path, remote string
		hdr                        map[string]string
		want                       int
		body                       string
	}{
		{"no identity", "GET", "/api/v1/alerts", proxy, nil, 401, ""},
		{"proxy user reads", "GET", "/api/v1/alerts", proxy, user, 200, "ana operator"},
		{"forged header from elsewhere is ignored", "GET", "/api/v1/alerts", "192.0.2.7:5555", user, 401, ""},
		{"viewer cannot ack", "POST", "/api/v1/alerts/inc-1/ack", proxy, with(viewer, json), 403, ""},
		{"operator acks", "POST", "/api/v1/alerts/inc-1/ack", proxy, with(user, json), 200, "acked by ana"},
		{"bearer viewer cannot ack", "POST", "/api/v1/alerts/inc-1/ack", "192.0.2.7:5555", with(json, map[string]string{"Authorization": "Bearer t0ken-viewer"}), 403, ""},
		{"bearer operator acks", "POST", "/api/v1/alerts/inc-1/ack", "192.0.2.7:5555", with(json, map[string]string{"Authorization": "Bearer t0ken-bot"}), 200, "acked by bot"},
		{"wrong token", "GET", "/api/v1/alerts", "192.0.2.7:5555", map[string]string{"Authorization": "Bearer nope"}, 401, ""},
		{"form without CSRF token", "POST", "/alerts/inc-1/ack", proxy, with(user, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}), 403, ""},
		{"health checks need no login", "GET", "/healthz", "192.0.2.7:5555", nil, 404, ""},
	}
	for _, c := range cases {
		w := do(h, c.method, c.path, c.remote, c.hdr, "")
		if w.Code != c.want || (c.body != "" && w.Body.String() != c.body) {
			t.Errorf("%s: %d %q, want %d %q", c.name, w.Code, w.Body.String(), c.want, c.body)
		}
	}
}

func TestCSRF(t *testing.T) {
	g, err := newCSRF([]byte("a secret of this test, 32 bytes+"), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	var token string
	mux.HandleFunc("GET /form", func(w http.ResponseWriter, r *http.Request) { token = g.token(w, r) })
	mux.HandleFunc("POST /form", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	h := g.wrap(mux)
	get := do(h, "GET", "/form", "127.0.0.1:1", nil, "")
	cookie := get.Result().Cookies()
	if len(cookie) != 1 || cookie[0].Name != sessionCookie || !cookie[0].HttpOnly || cookie[0].SameSite != http.SameSiteStrictMode || token == "" || token == cookie[0].Value {
		t.Fatalf("cookie %+v, token %q", cookie, token)
	}
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Cookie": sessionCookie + "=" + cookie[0].Value}
	if w := do(h, "POST", "/form", "127.0.0.1:1", form, "csrf="+token); w.Code != 200 {
		t.Errorf("a form with its token: %d", w.Code)
	}
	other, err := newCSRF([]byte("another server's secret, 32 byte"), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"no token": "", "wrong token": "csrf=" + strings.Repeat("x", 43),
		"the cookie's value": "csrf=" + cookie[0].Value, "another secret's token": "csrf=" + other.sign(cookie[0].Value, "local")} {
		if w := do(h, "POST", "/form", "127.0.0.1:1", form, body); w.Code != 403 {
			t.Errorf("%s: %d, want 403", name, w.Code)
		}
	}
	if w := do(h, "POST", "/form", "127.0.0.1:1", map[string]string{"Content-Type": "text/plain"}, "x"); w.Code != 403 {
		t.Errorf("a text/plain post without a token: %d", w.Code)
	}
}
