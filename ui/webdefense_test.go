package ui_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/intops/intops/catalog"
	"github.com/intops/intops/clickhouse/chtest"
	"github.com/intops/intops/ui"
	"github.com/intops/intops/ui/internal/uitest"
)

func TestCSRFTokenIsBoundToTheSession(t *testing.T) {
	srv, fake := uitest.GuardedServer(t)
	anaA, tokA := uitest.SignIn(t, srv, "ana")
	anaB, tokB := uitest.SignIn(t, srv, "ana")
	if anaA.Value == anaB.Value || tokA == tokB || tokA == anaA.Value {
		t.Fatalf("two sessions share a cookie or a token, or the token is the cookie: %s %s %s", anaA.Value, anaB.Value, tokA)
	}
	chosen := strings.Repeat("A", 43)
	form := func(user string) map[string]string {
		return map[string]string{"X-Forwarded-User": user, "X-Forwarded-Groups": "sre", "Content-Type": "application/x-www-form-urlencoded"}
	}
	for _, c := range []struct {
		name   string
		user   string
		cookie *http.Cookie
		token  string
		want   int
	}{
		{"a chosen cookie and field", "ana", &http.Cookie{Name: "intops_session", Value: chosen}, chosen, 403},
		{"the cookie's own value", "ana", anaA, anaA.Value, 403},
		{"another session's token", "ana", anaA, tokB, 403},
		{"another user's token in the same session", "eve", anaA, tokA, 403},
		{"no session cookie", "ana", nil, tokA, 403},
		{"the session's token", "ana", anaA, tokA, 303},
	} {
		before := len(fake.Calls())
		resp := uitest.Browse(srv, "POST", "/alerts/inc-43/ack", uitest.Proxy, form(c.user), c.cookie, url.Values{"csrf": {c.token}}.Encode())
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != c.want {
			t.Errorf("%s: %d %s, want %d", c.name, resp.StatusCode, body, c.want)
		}
		if acted := len(fake.Calls()) > before; acted != (c.want == 303) {
			t.Errorf("%s: acted %v", c.name, acted)
		}
		if c.want == 403 && !strings.Contains(string(body), "CSRF token is missing or not this session's") {
			t.Errorf("%s: %s", c.name, body)
		}
	}
}

func TestCrossSiteStateChangesAreRefused(t *testing.T) {
	srv, fake := uitest.GuardedServer(t)
	ana := map[string]string{"X-Forwarded-User": "ana", "X-Forwarded-Groups": "sre", "Content-Type": "application/json"}
	bot := map[string]string{"Authorization": "Bearer bot-t0ken", "Content-Type": "application/json"}
	with := func(a map[string]string, kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range a {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	for _, c := range []struct {
		name   string
		remote string
		hdr    map[string]string
		want   int
	}{
		{"JSON from another site's page (Origin)", uitest.Proxy, with(ana, "Origin", "https://evil.example"), 403},
		{"JSON from another site's page (Sec-Fetch-Site)", uitest.Proxy, with(ana, "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"), 403},
		{"JSON from a sibling site", uitest.Proxy, with(ana, "Sec-Fetch-Site", "same-site"), 403},
		{"bearer token from another site's page", "198.51.100.7:4000", with(bot, "Origin", "https://evil.example"), 403},
		{"JSON from intops' own page (Sec-Fetch-Site)", uitest.Proxy, with(ana, "Sec-Fetch-Site", "same-origin", "Origin", "http://example.com"), 200},
		{"JSON from intops' own page (Origin only)", uitest.Proxy, with(ana, "Origin", "http://example.com"), 200},
		{"bearer token, no browser", "198.51.100.7:4000", bot, 200},
	} {
		before := len(fake.Calls())
		resp := uitest.Browse(srv, "POST", "/api/v1/alerts/inc-43/ack", c.remote, c.hdr, nil, `{}`)
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != c.want {
			t.Errorf("%s: %d %s, want %d", c.name, resp.StatusCode, body, c.want)
		}
		if acted := len(fake.Calls()) > before; acted != (c.want == 200) {
			t.Errorf("%s: acted %v", c.name, acted)
		}
		if c.want == 403 && (!strings.Contains(string(body), "a cross-site request") || resp.Header.Get("Content-Type") != "application/json") {
			t.Errorf("%s: %s %s", c.name, resp.Header.Get("Content-Type"), body)
		}
	}
	// A form with a good token is still refused from another site.
	cookie, tok := uitest.SignIn(t, srv, "ana")
	hdr := map[string]string{"X-Forwarded-User": "ana", "X-Forwarded-Groups": "sre", "Content-Type": "application/x-www-form-urlencoded", "Origin": "https://evil.example"}
	if resp := uitest.Browse(srv, "POST", "/alerts/inc-43/ack", uitest.Proxy, hdr, cookie, "csrf="+url.QueryEscape(tok)); resp.StatusCode != 403 {
		t.Errorf("a cross-site form with a valid token: %d", resp.StatusCode)
	}
}

func TestSessionCookieIsSecureBehindATrustedHTTPSProxy(t *testing.T) {
	srv, _ := uitest.GuardedServer(t)
	for _, c := range []struct {
		name   string
		remote string
		hdr    map[string]string
		secure bool
	}{
		{"trusted proxy, https", uitest.Proxy, map[string]string{"X-Forwarded-User": "ana", "X-Forwarded-Proto": "https"}, true},
		{"trusted proxy, http", uitest.Proxy, map[string]string{"X-Forwarded-User": "ana", "X-Forwarded-Proto": "http"}, false},
		{"trusted proxy, no header", uitest.Proxy, map[string]string{"X-Forwarded-User": "ana"}, false},
		{"anyone else saying https", "198.51.100.7:4000", map[string]string{"Authorization": "Bearer bot-t0ken", "X-Forwarded-Proto": "https"}, false},
	} {
		resp := uitest.Browse(srv, "GET", "/alerts", c.remote, c.hdr, nil, "")
		var session *http.Cookie
		for _, k := range resp.Cookies() {
			if k.Name == "intops_session" {
				session = k
			}
		}
		if resp.StatusCode != 200 || session == nil || session.Secure != c.secure || !session.HttpOnly || session.SameSite != http.SameSiteStrictMode {
			t.Errorf("%s: %d, cookie %+v, want Secure=%v", c.name, resp.StatusCode, session, c.secure)
		}
	}
}

func TestEstateDataIsNotCached(t *testing.T) {
	db := chtest.Shared(t).Open(t)
	cat, err := catalog.Load(uitest.Examples)
	if err != nil {
		t.Fatal(err)
	}
	srv := ui.New(ui.Options{Store: db, Catalog: catalog.Fixed(cat)})
	for path, want := range map[string]string{
		"/":                                "no-store",
		"/api/v1/integrations":             "no-store",
		"/integrations/shop-to-erp-orders": "no-store",
		"/static/intops.css":               "public, max-age=3600",
	} {
		resp, body := uitest.Get(t, srv, path)
		if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != want {
			t.Errorf("%s: %d, Cache-Control %q, want %q (%.200s)", path, resp.StatusCode, resp.Header.Get("Cache-Control"), want, body)
		}
	}
}

func TestTheSharedOverviewFollowsAChange(t *testing.T) {
	srv, _, _ := uitest.AlertsServer(t)
	row := func() string {
		_, body := uitest.Get(t, srv, "/")
		i := strings.Index(body, `data-id="wms-to-oms-stock-levels"`)
		if i < 0 {
			t.Fatal("no row for wms-to-oms-stock-levels")
		}
		j := strings.Index(body[i:], "</tr>")
		return body[i : i+j]
	}
	if r := row(); !strings.Contains(r, "badge-ticket") || !strings.Contains(r, "open, 20 min ago") {
		t.Fatalf("before: %s", r)
	}
	resp := uitest.Browse(srv, "POST", "/api/v1/alerts/inc-43/resolve", "127.0.0.1:1", map[string]string{"Content-Type": "application/json"}, nil, `{}`)
	if resp.StatusCode != 200 {
		t.Fatalf("resolve: %d", resp.StatusCode)
	}
	if r := row(); strings.Contains(r, "open, 20 min ago") {
		t.Errorf("the overview still shows the resolved incident: %s", r)
	}
}
