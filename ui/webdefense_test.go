package ui_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/intops/intops/catalog"
	"github.com/intops/intops/clickhouse/chtest"
	"github.com/intops/intops/report"
	"github.com/intops/intops/ui"
)

// proxy is the auth proxy's address in these tests (httptest.NewRequest's
// remote address).
const proxy = "192.0.2.1:1234"

// guardedServer is the alerts server behind an auth proxy, with an API
// token for a bot.
func guardedServer(t *testing.T) (*ui.Server, *alertsFake) {
	t.Helper()
	srv, fake, _ := alertsServer(t, func(o *ui.Options) {
		o.SessionSecret = []byte("this test's session secret, 32 bytes or more")
		o.Auth = &ui.AuthConfig{
			TrustedProxies: []netip.Prefix{netip.MustParsePrefix("192.0.2.1/32")},
			Tokens:         map[string]ui.Principal{ui.TokenHash("bot-t0ken"): {Name: "bot", Role: ui.RoleOperator}},
			GroupRoles:     map[string]string{"sre": ui.RoleOperator},
		}
	})
	return srv, fake
}

// browse makes a request as a browser behind the proxy would.
func browse(srv http.Handler, method, path, remote string, hdr map[string]string, cookie *http.Cookie, body string) *http.Response {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.RemoteAddr = remote
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	if cookie != nil {
		req.AddCookie(cookie)
	}
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	return rec.Result()
}

// signIn loads /alerts as user and returns the session cookie and the
// forms' token.
func signIn(t *testing.T, srv http.Handler, user string) (*http.Cookie, string) {
	t.Helper()
	resp := browse(srv, "GET", "/alerts", proxy, map[string]string{"X-Forwarded-User": user, "X-Forwarded-Groups": "sre"}, nil, "")
	b, _ := io.ReadAll(resp.Body)
	m := csrfFieldRE.FindStringSubmatch(string(b))
	for _, c := range resp.Cookies() {
		if c.Name == "intops_session" && m != nil {
			return c, m[1]
		}
	}
	t.Fatalf("/alerts as %s: %d, no session cookie or token", user, resp.StatusCode)
	return nil, ""
}

func TestCSRFTokenIsBoundToTheSession(t *testing.T) {
	srv, fake := guardedServer(t)
	anaA, tokA := signIn(t, srv, "ana")
	anaB, tokB := signIn(t, srv, "ana")
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
		resp := browse(srv, "POST", "/alerts/inc-43/ack", proxy, form(c.user), c.cookie, url.Values{"csrf": {c.token}}.Encode())
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
	srv, fake := guardedServer(t)
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
		{"JSON from another site's page (Origin)", proxy, with(ana, "Origin", "https://evil.example"), 403},
		{"JSON from another site's page (Sec-Fetch-Site)", proxy, with(ana, "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"), 403},
		{"JSON from a sibling site", proxy, with(ana, "Sec-Fetch-Site", "same-site"), 403},
		{"bearer token from another site's page", "198.51.100.7:4000", with(bot, "Origin", "https://evil.example"), 403},
		{"JSON from intops' own page (Sec-Fetch-Site)", proxy, with(ana, "Sec-Fetch-Site", "same-origin", "Origin", "http://example.com"), 200},
		{"JSON from intops' own page (Origin only)", proxy, with(ana, "Origin", "http://example.com"), 200},
		{"bearer token, no browser", "198.51.100.7:4000", bot, 200},
	} {
		before := len(fake.Calls())
		resp := browse(srv, "POST", "/api/v1/alerts/inc-43/ack", c.remote, c.hdr, nil, `{}`)
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
	cookie, tok := signIn(t, srv, "ana")
	hdr := map[string]string{"X-Forwarded-User": "ana", "X-Forwarded-Groups": "sre", "Content-Type": "application/x-www-form-urlencoded", "Origin": "https://evil.example"}
	if resp := browse(srv, "POST", "/alerts/inc-43/ack", proxy, hdr, cookie, "csrf="+url.QueryEscape(tok)); resp.StatusCode != 403 {
		t.Errorf("a cross-site form with a valid token: %d", resp.StatusCode)
	}
}

func TestSessionCookieIsSecureBehindATrustedHTTPSProxy(t *testing.T) {
	srv, _ := guardedServer(t)
	for _, c := range []struct {
		name   string
		remote string
		hdr    map[string]string
		secure bool
	}{
		{"trusted proxy, https", proxy, map[string]string{"X-Forwarded-User": "ana", "X-Forwarded-Proto": "https"}, true},
		{"trusted proxy, http", proxy, map[string]string{"X-Forwarded-User": "ana", "X-Forwarded-Proto": "http"}, false},
		{"trusted proxy, no header", proxy, map[string]string{"X-Forwarded-User": "ana"}, false},
		{"anyone else saying https", "198.51.100.7:4000", map[string]string{"Authorization": "Bearer bot-t0ken", "X-Forwarded-Proto": "https"}, false},
	} {
		resp := browse(srv, "GET", "/alerts", c.remote, c.hdr, nil, "")
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
	cat, err := catalog.Load("../examples/estate")
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
		resp, body := get(t, srv, path)
		if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != want {
			t.Errorf("%s: %d, Cache-Control %q, want %q (%.200s)", path, resp.StatusCode, resp.Header.Get("Cache-Control"), want, body)
		}
	}
}

// countingPrinter prints with Chromium and counts the prints and how
// many run at once.
type countingPrinter struct {
	next           report.Printer
	prints, active atomic.Int32
	mu             sync.Mutex
	most           int32
}

func (p *countingPrinter) PDF(ctx context.Context, html []byte) ([]byte, error) {
	p.prints.Add(1)
	n := p.active.Add(1)
	defer p.active.Add(-1)
	p.mu.Lock()
	p.most = max(p.most, n)
	p.mu.Unlock()
	return p.next.PDF(ctx, html)
}

func TestReportRendersAreBoundedAndCached(t *testing.T) {
	if _, err := report.FindChromium(); err != nil {
		t.Fatalf("this test prints with Chromium: %v", err)
	}
	cat, err := catalog.Load("../examples/estate")
	if err != nil {
		t.Fatal(err)
	}
	printer := &countingPrinter{next: &report.Chromium{}}
	srv := ui.New(ui.Options{Store: estateStore{}, Catalog: catalog.Fixed(cat), Reports: fixedReports{}, Printer: printer,
		ReportRenders: 2, ReportQueueWait: 300 * time.Millisecond, Now: func() time.Time { return webNow }})
	periods := []string{"2026-06", "2026-07", "2026-08", "2026-09", "2026-10"}
	codes := make([]int, len(periods))
	retry := make([]string, len(periods))
	var wg sync.WaitGroup
	for i, p := range periods {
		wg.Go(func() {
			resp, body := get(t, srv, "/reports/slo/"+p+".pdf")
			codes[i], retry[i] = resp.StatusCode, resp.Header.Get("Retry-After")
			if resp.StatusCode == 200 && !strings.HasPrefix(body, "%PDF-") {
				t.Errorf("%s: not a PDF: %.40q", p, body)
			}
			if resp.StatusCode == 503 && !strings.Contains(body, "try again in a few seconds") {
				t.Errorf("%s: 503 %s", p, body)
			}
		})
	}
	wg.Wait()
	ok, busy := 0, 0
	for i, c := range codes {
		switch {
		case c == 200:
			ok++
		case c == 503 && retry[i] != "":
			busy++
		default:
			t.Errorf("%s: %d (Retry-After %q)", periods[i], c, retry[i])
		}
	}
	t.Logf("5 PDFs at once: %d printed, %d answered 503, at most %d printing at once", ok, busy, printer.most)
	if printer.most > 2 || ok < 2 || busy == 0 {
		t.Errorf("%d printed, %d busy, %d at once; want at most 2 at once and the rest 503", ok, busy, printer.most)
	}
	// The same report and period again is served from the cache.
	var done string
	for i, c := range codes {
		if c == 200 {
			done = periods[i]
		}
	}
	prints := printer.prints.Load()
	start := time.Now()
	resp, body := get(t, srv, "/reports/slo/"+done+".pdf")
	if resp.StatusCode != 200 || !strings.HasPrefix(body, "%PDF-") || printer.prints.Load() != prints {
		t.Errorf("the second request of %s: %d, %d prints before and %d after", done, resp.StatusCode, prints, printer.prints.Load())
	}
	if resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("Content-Disposition") != fmt.Sprintf(`attachment; filename="intops-slo-%s.pdf"`, done) {
		t.Errorf("cached PDF headers: %v", resp.Header)
	}
	t.Logf("the second request of %s took %v", done, time.Since(start))
	// Another format of the same period is another report.
	if resp, _ := get(t, srv, "/reports/maturity/2026-10.pdf"); resp.StatusCode != 200 || printer.prints.Load() != prints+1 {
		t.Errorf("the maturity PDF: %d, %d prints", resp.StatusCode, printer.prints.Load()-prints)
	}
}

func TestTheSharedOverviewFollowsAChange(t *testing.T) {
	srv, _, _ := alertsServer(t)
	row := func() string {
		_, body := get(t, srv, "/")
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
	resp := browse(srv, "POST", "/api/v1/alerts/inc-43/resolve", "127.0.0.1:1", map[string]string{"Content-Type": "application/json"}, nil, `{}`)
	if resp.StatusCode != 200 {
		t.Fatalf("resolve: %d", resp.StatusCode)
	}
	if r := row(); strings.Contains(r, "open, 20 min ago") {
		t.Errorf("the overview still shows the resolved incident: %s", r)
	}
}
