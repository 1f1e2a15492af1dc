package slack

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/intops/intops/alerting"
)

const testSecret = "8f742231b10e8888abcd99yyyzzz85a5"

// fakeActions records calls; err (if set) is what every call returns.
type fakeActions struct {
	mu    sync.Mutex
	calls []string
	err   error
	view  alerting.IncidentView
}

func (f *fakeActions) record(call string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call)
	return f.err
}

func (f *fakeActions) Acknowledge(_ context.Context, id, actor string) error {
	return f.record("ack " + id + " " + actor)
}

func (f *fakeActions) Resolve(_ context.Context, id, actor string) error {
	return f.record("resolve " + id + " " + actor)
}

func (f *fakeActions) Silence(_ context.Context, s alerting.SilenceRequest) (alerting.Silence, error) {
	err := f.record(fmt.Sprintf("silence integration=%q incident=%q %s reason=%q by %s", s.Integration, s.Incident, s.Duration, s.Reason, s.Creator))
	return alerting.Silence{ID: "sil-1", Integration: s.Integration, Ends: testNow.Add(s.Duration), Creator: s.Creator, Reason: s.Reason}, err
}

func (f *fakeActions) Status(_ context.Context, integration string) (string, error) {
	return "Order sync: 91.2% success (SLO 99.5%), 1 open incident", f.record("status " + integration)
}

func (f *fakeActions) Incident(_ context.Context, idOrIntegration string) (alerting.IncidentView, error) {
	if err := f.record("incident " + idOrIntegration); err != nil {
		return alerting.IncidentView{}, err
	}
	return f.view, nil
}

func (f *fakeActions) got() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

// testNow is near the real time: slack-go's verifier checks timestamps
// against time.Now as well as against the handler's clock.
var testNow = time.Now().Truncate(time.Second)

func newTestHandler(a alerting.Actions) *Handler {
	return NewHandler(testSecret, a, WithClock(func() time.Time { return testNow }))
}

// signed builds a request to path signed as Slack would at ts.
func signed(path, body string, ts time.Time) *http.Request {
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	stamp := strconv.FormatInt(ts.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(testSecret))
	fmt.Fprintf(mac, "v0:%s:%s", stamp, body)
	r.Header.Set("X-Slack-Request-Timestamp", stamp)
	r.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	return r
}

func interaction(actionID, value string, user map[string]string) string {
	payload, _ := json.Marshal(map[string]any{
		"type":    "block_actions",
		"user":    user,
		"channel": map[string]string{"id": "C0ORDER001"},
		"actions": []map[string]string{{"type": "button", "action_id": actionID, "value": value, "block_id": "b1"}},
	})
	return url.Values{"payload": {string(payload)}}.Encode()
}

var jdoe = map[string]string{"id": "U0JDOE001", "username": "jdoe", "name": "jdoe"}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestInteractions(t *testing.T) {
	for _, tc := range []struct {
		name, action, value string
		user                map[string]string
		want                []string
	}{
		{"ack", ActionAck, "inc-42", jdoe, []string{"ack inc-42 @jdoe"}},
		{"resolve", ActionResolve, "inc-42", jdoe, []string{"resolve inc-42 @jdoe"}},
		{"silence 1h", ActionSilence1h, "inc-42", jdoe, []string{`silence integration="" incident="inc-42" 1h0m0s reason="silenced from Slack" by @jdoe`}},
		{"silence 4h", ActionSilence4h, "inc-42", jdoe, []string{`silence integration="" incident="inc-42" 4h0m0s reason="silenced from Slack" by @jdoe`}},
		{"silence 24h", ActionSilence24h, "inc-42", jdoe, []string{`silence integration="" incident="inc-42" 24h0m0s reason="silenced from Slack" by @jdoe`}},
		{"user without name", ActionAck, "inc-42", map[string]string{"id": "U0JDOE001"}, []string{"ack inc-42 @U0JDOE001"}},
		{"link button", "link_runbook", "", jdoe, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := &fakeActions{}
			w := serve(newTestHandler(a), signed("/slack/interactions", interaction(tc.action, tc.value, tc.user), testNow))
			if w.Code != http.StatusOK || w.Body.Len() != 0 {
				t.Errorf("%d %q", w.Code, w.Body)
			}
			if got := a.got(); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("calls %q, want %q", got, tc.want)
			}
		})
	}
}

func TestInteractionErrors(t *testing.T) {
	a := &fakeActions{err: fmt.Errorf("ack: %w", alerting.ErrNotFound)}
	w := serve(newTestHandler(a).Interactions(), signed("/slack/interactions", interaction(ActionAck, "inc-gone", jdoe), testNow))
	var resp map[string]string
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &resp) != nil || resp["response_type"] != "ephemeral" || !strings.Contains(resp["text"], "inc-gone") {
		t.Errorf("not found: %d %s", w.Code, w.Body)
	}
	a = &fakeActions{err: errors.New("clickhouse: connection refused")}
	w = serve(newTestHandler(a), signed("/slack/interactions", interaction(ActionResolve, "inc-42", jdoe), testNow))
	if w.Code != http.StatusInternalServerError || strings.Contains(w.Body.String(), "clickhouse") {
		t.Errorf("failure: %d %q", w.Code, w.Body)
	}
}

func TestRefused(t *testing.T) {
	good := interaction(ActionAck, "inc-42", jdoe)
	payload := func(v any) string {
		b, _ := json.Marshal(v)
		return url.Values{"payload": {string(b)}}.Encode()
	}
	for _, tc := range []struct {
		name string
		req  func() *http.Request
		code int
	}{
		{"wrong signature", func() *http.Request {
			r := signed("/slack/interactions", good, testNow)
			r.Header.Set("X-Slack-Signature", "v0="+strings.Repeat("ab", 32))
			return r
		}, 401},
		{"signed with another secret", func() *http.Request {
			r := signed("/slack/interactions", good, testNow)
			mac := hmac.New(sha256.New, []byte("other"))
			fmt.Fprintf(mac, "v0:%d:%s", testNow.Unix(), good)
			r.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
			return r
		}, 401},
		{"body changed after signing", func() *http.Request {
			r := signed("/slack/interactions", good, testNow)
			other := signed("/slack/interactions", interaction(ActionResolve, "inc-42", jdoe), testNow)
			other.Header = r.Header
			return other
		}, 401},
		{"stale timestamp", func() *http.Request { return signed("/slack/interactions", good, testNow.Add(-6*time.Minute)) }, 401},
		{"future timestamp", func() *http.Request { return signed("/slack/interactions", good, testNow.Add(6*time.Minute)) }, 401},
		{"no headers", func() *http.Request {
			r := signed("/slack/interactions", good, testNow)
			r.Header.Del("X-Slack-Signature")
			r.Header.Del("X-Slack-Request-Timestamp")
			return r
		}, 401},
		{"no signature", func() *http.Request {
			r := signed("/slack/interactions", good, testNow)
			r.Header.Del("X-Slack-Signature")
			return r
		}, 401},
		{"no timestamp", func() *http.Request {
			r := signed("/slack/interactions", good, testNow)
			r.Header.Del("X-Slack-Request-Timestamp")
			return r
		}, 401},
		{"bad timestamp", func() *http.Request {
			r := signed("/slack/interactions", good, testNow)
			r.Header.Set("X-Slack-Request-Timestamp", "soon")
			return r
		}, 401},
		{"too large", func() *http.Request {
			return signed("/slack/interactions", good+"&pad="+strings.Repeat("x", 70<<10), testNow)
		}, 413},
		{"GET", func() *http.Request { return httptest.NewRequest(http.MethodGet, "/slack/interactions", nil) }, 405},
		{"bad form", func() *http.Request { return signed("/slack/interactions", "payload=%zz", testNow) }, 400},
		{"no payload", func() *http.Request { return signed("/slack/interactions", "x=1", testNow) }, 400},
		{"bad json", func() *http.Request { return signed("/slack/interactions", "payload=%7Bnope", testNow) }, 400},
		{"unknown action", func() *http.Request {
			return signed("/slack/interactions", interaction("delete_everything", "inc-42", jdoe), testNow)
		}, 400},
		{"missing incident id", func() *http.Request { return signed("/slack/interactions", interaction(ActionAck, "", jdoe), testNow) }, 400},
		{"no user", func() *http.Request {
			return signed("/slack/interactions", interaction(ActionAck, "inc-42", map[string]string{}), testNow)
		}, 400},
		{"not block_actions", func() *http.Request {
			return signed("/slack/interactions", payload(map[string]any{"type": "view_submission", "user": jdoe}), testNow)
		}, 400},
		{"no actions", func() *http.Request {
			return signed("/slack/interactions", payload(map[string]any{"type": "block_actions", "user": jdoe}), testNow)
		}, 400},
		{"one bad action of two", func() *http.Request {
			return signed("/slack/interactions", payload(map[string]any{"type": "block_actions", "user": jdoe, "actions": []map[string]string{
				{"action_id": ActionAck, "value": "inc-42"}, {"action_id": "nope", "value": "inc-42"}}}), testNow)
		}, 400},
		{"command, wrong signature", func() *http.Request {
			r := signed("/slack/commands", "command=%2Fintops&text=ack+inc-42&user_id=U1&user_name=jdoe", testNow)
			r.Header.Set("X-Slack-Signature", "v0=00")
			return r
		}, 401},
		{"command, stale", func() *http.Request {
			return signed("/slack/commands", "command=%2Fintops&text=ack+inc-42&user_id=U1&user_name=jdoe", testNow.Add(-6*time.Minute))
		}, 401},
		{"command, bad form", func() *http.Request { return signed("/slack/commands", "text=%zz", testNow) }, 400},
		{"command, no user", func() *http.Request { return signed("/slack/commands", "command=%2Fintops&text=ack+inc-42", testNow) }, 400},
		{"unknown path", func() *http.Request { return signed("/slack/events", good, testNow) }, 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := &fakeActions{}
			w := serve(newTestHandler(a), tc.req())
			if w.Code != tc.code {
				t.Errorf("code %d, want %d (%s)", w.Code, tc.code, strings.TrimSpace(w.Body.String()))
			}
			if got := a.got(); len(got) > 0 {
				t.Errorf("called %q", got)
			}
		})
	}
}

func TestNoSecretRefusesAll(t *testing.T) {
	a := &fakeActions{}
	h := NewHandler("", a, WithClock(func() time.Time { return testNow }))
	r := signed("/slack/interactions", interaction(ActionAck, "inc-42", jdoe), testNow)
	if w := serve(h, r); w.Code != http.StatusUnauthorized || len(a.got()) > 0 {
		t.Errorf("%d %q", w.Code, a.got())
	}
}

func TestCommands(t *testing.T) {
	open := alerting.IncidentView{ID: "inc-42", Integration: "crm-to-erp-order-sync", Title: "Order sync CRM → ERP"}
	for _, tc := range []struct {
		name, text string
		err        error
		want       []string // calls
		reply      string   // in the ephemeral text
	}{
		{"status", "status crm-to-erp-order-sync", nil, []string{"status crm-to-erp-order-sync"}, "91.2% success"},
		{"status unknown", "status nope", alerting.ErrNotFound, []string{"status nope"}, "No integration `nope`"},
		{"status without integration", "status", nil, nil, "Usage:"},
		{"silence", "silence crm-to-erp-order-sync 2h SAP upgrade <tonight> & more", nil,
			[]string{`silence integration="crm-to-erp-order-sync" incident="" 2h0m0s reason="SAP upgrade <tonight> & more" by @jdoe`},
			"🔕 Silenced `crm-to-erp-order-sync` until <!date^"},
		{"silence 30m", "silence x 30m deploy", nil, []string{`silence integration="x" incident="" 30m0s reason="deploy" by @jdoe`}, "(`sil-1`)"},
		{"silence 1d", "silence x 1d deploy", nil, []string{`silence integration="x" incident="" 24h0m0s reason="deploy" by @jdoe`}, "deploy"},
		{"silence 7d", "silence x 7d long deploy", nil, []string{`silence integration="x" incident="" 168h0m0s reason="long deploy" by @jdoe`}, "long deploy"},
		{"silence 1d12h", "SILENCE x 1d12h deploy", nil, []string{`silence integration="x" incident="" 36h0m0s reason="deploy" by @jdoe`}, "deploy"},
		{"silence unknown", "silence nope 1h x", alerting.ErrNotFound, []string{`silence integration="nope" incident="" 1h0m0s reason="x" by @jdoe`}, "No integration `nope`"},
		{"silence 8d", "silence x 8d too long", nil, nil, "not a duration between 1m and 7d"},
		{"silence 0m", "silence x 0m nothing", nil, nil, "not a duration"},
		{"silence -1h", "silence x -1h nothing", nil, nil, "not a duration"},
		{"silence bad duration", "silence x soon <!channel>", nil, nil, "`soon` is not a duration"},
		{"silence without reason", "silence x 2h", nil, nil, "Usage:"},
		{"ack by id", "ack inc-42", nil, []string{"incident inc-42", "ack inc-42 @jdoe"}, "👀 Acknowledged `inc-42` (Order sync CRM → ERP)"},
		{"ack by integration", "ack crm-to-erp-order-sync", nil, []string{"incident crm-to-erp-order-sync", "ack inc-42 @jdoe"}, "Acknowledged `inc-42`"},
		{"ack unknown", "ack <!here>", alerting.ErrNotFound, []string{"incident <!here>"}, "No open incident for `&lt;!here&gt;`"},
		{"ack failure", "ack inc-42", errors.New("boom"), []string{"incident inc-42"}, "Could not ack right now"},
		{"ack without id", "ack", nil, nil, "Usage:"},
		{"help", "help", nil, nil, "`/intops silence <integration> <duration> <reason…>`"},
		{"empty", "", nil, nil, "Usage:"},
		{"unknown", "deploy everything", nil, nil, "Usage:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := &fakeActions{err: tc.err, view: open}
			body := url.Values{"command": {"/intops"}, "text": {tc.text}, "user_id": {"U0JDOE001"}, "user_name": {"jdoe"},
				"channel_id": {"C0ORDER001"}, "response_url": {"https://hooks.slack.com/commands/1/2/3"}}.Encode()
			w := serve(newTestHandler(a), signed("/slack/commands", body, testNow))
			var resp map[string]string
			if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &resp) != nil {
				t.Fatalf("%d %s", w.Code, w.Body)
			}
			if resp["response_type"] != "ephemeral" || !strings.Contains(resp["text"], tc.reply) {
				t.Errorf("reply %q, want %q in it", resp["text"], tc.reply)
			}
			if strings.Contains(resp["text"], "<!") && !strings.Contains(resp["text"], "<!date^") {
				t.Errorf("reply echoes a mention: %q", resp["text"])
			}
			if got := a.got(); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("calls %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCommandsHandler(t *testing.T) {
	a := &fakeActions{}
	body := "command=%2Fintops&text=status+x&user_id=U1&user_name=jdoe"
	if w := serve(newTestHandler(a).Commands(), signed("/anywhere", body, testNow)); w.Code != http.StatusOK || len(a.got()) != 1 {
		t.Errorf("%d %q", w.Code, a.got())
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"30m": 30 * time.Minute, "2h": 2 * time.Hour, "1d": 24 * time.Hour, "1d12h": 36 * time.Hour, "90m": 90 * time.Minute, "1D": 24 * time.Hour,
	} {
		if got, err := parseDuration(in); err != nil || got != want {
			t.Errorf("parseDuration(%q) = %s, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "d", "xd", "2x", "1d1d", "-1d"} {
		if got, err := parseDuration(in); err == nil {
			t.Errorf("parseDuration(%q) = %s", in, got)
		}
	}
}
