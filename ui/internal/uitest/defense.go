package uitest

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/intops/intops/report"
	"github.com/intops/intops/ui"
)

// Proxy is the auth proxy's address in these tests (httptest.NewRequest's
// remote address).
const Proxy = "192.0.2.1:1234"

// GuardedServer is the alerts server behind an auth proxy, with an API
// token for a bot.
func GuardedServer(t *testing.T) (*ui.Server, *AlertsFake) {
	t.Helper()
	srv, fake, _ := AlertsServer(t, func(o *ui.Options) {
		o.SessionSecret = []byte("this test's session secret, 32 bytes or more")
		o.Auth = &ui.AuthConfig{
			TrustedProxies: []netip.Prefix{netip.MustParsePrefix("192.0.2.1/32")},
			Tokens:         map[string]ui.Principal{ui.TokenHash("bot-t0ken"): {Name: "bot", Role: ui.RoleOperator}},
			GroupRoles:     map[string]string{"sre": ui.RoleOperator},
		}
	})
	return srv, fake
}

// Browse makes a request as a browser behind the proxy would.
func Browse(srv http.Handler, method, path, remote string, hdr map[string]string, cookie *http.Cookie, body string) *http.Response {
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

// SignIn loads /alerts as user and returns the session cookie and the
// forms' token.
func SignIn(t *testing.T, srv http.Handler, user string) (*http.Cookie, string) {
	t.Helper()
	resp := Browse(srv, "GET", "/alerts", Proxy, map[string]string{"X-Forwarded-User": user, "X-Forwarded-Groups": "sre"}, nil, "")
	b, _ := io.ReadAll(resp.Body)
	m := CSRFFieldRE.FindStringSubmatch(string(b))
	for _, c := range resp.Cookies() {
		if c.Name == "intops_session" && m != nil {
			return c, m[1]
		}
	}
	t.Fatalf("/alerts as %s: %d, no session cookie or token", user, resp.StatusCode)
	return nil, ""
}

// CountingPrinter prints with Chromium and counts the prints and how
// many run at once.
type CountingPrinter struct {
	Next           report.Printer
	Prints, active atomic.Int32
	mu             sync.Mutex
	Most           int32
}

// PDF prints with the next printer, counting the prints and the most at
// once.
func (p *CountingPrinter) PDF(ctx context.Context, html []byte) ([]byte, error) {
	p.Prints.Add(1)
	n := p.active.Add(1)
	defer p.active.Add(-1)
	p.mu.Lock()
	p.Most = max(p.Most, n)
	p.mu.Unlock()
	return p.Next.PDF(ctx, html)
}
