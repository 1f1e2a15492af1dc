package anomalies_test

import (
	"context"
	"encoding/json"
	"io"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/intops/intops"
	"github.com/intops/intops/clickhouse"
	"github.com/intops/intops/ui"
	"github.com/intops/intops/ui/internal/uitest"
)

// marks is a FeedbackStore in memory: the latest mark of an episode wins.
type marks struct {
	mu  sync.Mutex
	all []intops.AnomalyFeedback
}

func (m *marks) AppendFeedback(_ context.Context, f intops.AnomalyFeedback) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, x := range m.all {
		if x.Integration == f.Integration && x.Signal == f.Signal && x.Start.Equal(f.Start) {
			m.all[i] = f
			return nil
		}
	}
	m.all = append(m.all, f)
	return nil
}

func (m *marks) Feedback(_ context.Context, q clickhouse.FeedbackQuery) ([]intops.AnomalyFeedback, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []intops.AnomalyFeedback
	for _, x := range m.all {
		if q.Integration == "" || x.Integration == q.Integration {
			out = append(out, x)
		}
	}
	return out, nil
}

const integ = "wms-to-oms-stock-levels"

func TestFeedbackAPI(t *testing.T) {
	store := &marks{}
	srv, _, _ := uitest.AlertsServer(t, func(o *ui.Options) { o.Feedback = store })
	json := map[string]string{"Content-Type": "application/json"}
	post := func(body string, hdr map[string]string) (int, string) {
		resp := uitest.Browse(srv, "POST", "/api/v1/anomalies/feedback", "127.0.0.1:1", hdr, nil, body)
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	good := `{"integration":"` + integ + `","signal":"executions/low","start":"2026-11-21T09:00:00Z","end":"2026-11-21T11:00:00Z","verdict":"expected","note":"ERP migration","user":"ana"}`
	for _, c := range []struct {
		name, body string
		want       int
		msg        string
	}{
		{"unknown integration", strings.Replace(good, integ, "no-such-flow", 1), 400, `integration \"no-such-flow\" is not in the catalog`},
		{"unknown verdict", strings.Replace(good, `"expected"`, `"maybe"`, 1), 400, `verdict \"maybe\" is unknown`},
		{"end before start", strings.Replace(good, "11:00:00Z", "08:00:00Z", 1), 400, "end is before start"},
		{"oversized note", strings.Replace(good, "ERP migration", strings.Repeat("x", intops.MaxFeedbackNote+1), 1), 400, "note is 2001 bytes"},
		{"bad start", strings.Replace(good, "2026-11-21T09:00:00Z", "yesterday", 1), 400, "start: want an RFC 3339 time"},
		{"future start", strings.Replace(good, "2026-11-21T09", "2027-01-01T09", 1), 400, "is in the future"},
		{"no signal", strings.Replace(good, "executions/low", "", 1), 400, "signal is required"},
	} {
		code, body := post(c.body, json)
		if code != c.want || !strings.Contains(body, c.msg) {
			t.Errorf("%s: %d %s, want %d with %q", c.name, code, body, c.want, c.msg)
		}
	}
	if len(store.all) != 0 {
		t.Fatalf("refused marks were stored: %+v", store.all)
	}
	if code, body := post(good, map[string]string{"Content-Type": "application/json", "Origin": "https://evil.example"}); code != 403 {
		t.Errorf("a cross-site JSON post: %d %s, want 403", code, body)
	}
	if code, body := post(good, json); code != 201 || !strings.Contains(body, `"verdict": "expected"`) {
		t.Fatalf("a good mark: %d %s", code, body)
	}
	// Marked again, the later mark replaces the earlier.
	if code, body := post(strings.Replace(good, `"expected"`, `"not_anomaly"`, 1), json); code != 201 {
		t.Fatalf("a second mark: %d %s", code, body)
	}
	if len(store.all) != 1 || store.all[0].Verdict != intops.VerdictNotAnomaly || store.all[0].Note != "ERP migration" {
		t.Errorf("stored %+v, want one not_anomaly mark", store.all)
	}

	resp, body := uitest.Get(t, srv, "/api/v1/anomalies/feedback?integration="+integ)
	var got struct {
		Feedback []map[string]string `json:"feedback"`
	}
	if err := jsonDecode(body, &got); err != nil || resp.StatusCode != 200 || len(got.Feedback) != 1 || got.Feedback[0]["signal"] != "executions/low" {
		t.Errorf("list: %d %s (%v)", resp.StatusCode, body, err)
	}
	if resp, body := uitest.Get(t, srv, "/api/v1/anomalies/feedback?integration=nope"); resp.StatusCode != 400 {
		t.Errorf("list of an unknown integration: %d %s", resp.StatusCode, body)
	}
}

// The buttons post a form with the session's CSRF token; without it the
// mark is refused.
func TestFeedbackForm(t *testing.T) {
	store := &marks{}
	srv, _, _ := uitest.AlertsServer(t, func(o *ui.Options) { o.Feedback = store })
	s := &uitest.Session{T: t, Srv: srv}
	token := s.Token("/alerts")
	form := url.Values{"integration": {integ}, "signal": {"executions/low"}, "start": {"2026-11-21T09:00:00Z"}, "verdict": {"not_anomaly"}}
	if resp, _ := s.Post("/anomalies/feedback", form, "/alerts"); resp.StatusCode != 403 || len(store.all) != 0 {
		t.Errorf("a form without the CSRF token: %d, stored %d", resp.StatusCode, len(store.all))
	}
	form.Set("csrf", token)
	resp, _ := s.Post("/anomalies/feedback", form, "/alerts")
	if resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/alerts?") {
		t.Errorf("a form with the token: %d to %q, want 303 back to /alerts", resp.StatusCode, resp.Header.Get("Location"))
	}
	if len(store.all) != 1 || store.all[0].Verdict != intops.VerdictNotAnomaly || !store.all[0].End.IsZero() || store.all[0].User == "" {
		t.Errorf("stored %+v, want one open not_anomaly mark with its user", store.all)
	}
	form.Set("verdict", "maybe")
	if resp, body := s.Post("/anomalies/feedback", form, "/alerts"); resp.StatusCode != 400 || !strings.Contains(body, "is unknown") {
		t.Errorf("a form with an unknown verdict: %d", resp.StatusCode)
	}
}

func jsonDecode(s string, v any) error { return json.NewDecoder(strings.NewReader(s)).Decode(v) }
