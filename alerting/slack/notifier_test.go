package slack

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/intops/intops/alerting"
	"github.com/intops/intops/alerting/slack/internal/ts"
	"github.com/intops/intops/alerting/slack/slacktest"
)

var opened = time.Date(2026, 3, 2, 8, 30, 0, 0, time.UTC)

func sampleView() alerting.IncidentView {
	return alerting.IncidentView{
		ID: "inc-42", Integration: "crm-to-erp-order-sync", Title: "Order sync CRM → ERP",
		Source: "Salesforce", Targets: []string{"SAP S/4HANA", "WMS"},
		Team: "order-platform", Technical: "jdoe", Business: "asmith",
		Tier: 1, Severity: "page", State: alerting.StateOpen, OpenedAt: opened,
		Alerts: []alerting.AlertView{
			{Key: "slo/order-sync-latency", Source: "slo", Severity: "ticket", State: "resolved",
				Summary: "p95 latency 2.1 s vs 1.5 s objective; recovered."},
			{Key: "slo/order-sync-availability", Source: "slo", Severity: "page", State: "firing",
				Summary: "Success 91.2% vs 99.5% expected over 1h; burning budget 14.4× (2% of 30-day budget in 1h); budget exhausted in ~2 days."},
		},
		TopErrors: []alerting.ErrorSample{
			{Class: "auth", Message: "401 Unauthorized: token expired for `sap-api`", Count: 312},
			{Class: "timeout", Message: "context deadline exceeded", Count: 12},
		},
		URL:     "https://intops.example.com/integrations/crm-to-erp-order-sync",
		Runbook: "https://wiki.example.com/runbooks/order-sync",
	}
}

func sampleNotification(id, kind string) alerting.Notification {
	return alerting.Notification{
		ID: id, Incident: "inc-42", Kind: kind, Channel: "#order-alerts",
		Text: "🔴 Order sync CRM → ERP: success 91.2% vs 99.5%", View: sampleView(),
		CreatedAt: opened.Add(time.Minute),
	}
}

func metadataOf(t *testing.T, m fakeMsg) map[string]any {
	t.Helper()
	var md struct {
		EventType    string         `json:"event_type"`
		EventPayload map[string]any `json:"event_payload"`
	}
	if err := json.Unmarshal(m.Metadata, &md); err != nil {
		t.Fatalf("metadata %q: %v", m.Metadata, err)
	}
	if md.EventType != EventType {
		t.Fatalf("event_type = %q", md.EventType)
	}
	return md.EventPayload
}

func TestPostReplyUpdate(t *testing.T) {
	f := newFakeSlack(t)
	s := f.notifier()
	ctx := context.Background()

	root, err := s.Post(ctx, sampleNotification("n-1", alerting.KindPost))
	if err != nil {
		t.Fatal(err)
	}
	if root.Channel != "C0ORDER001" || root.TS == "" {
		t.Fatalf("root = %+v", root)
	}
	reply := sampleNotification("n-2", alerting.KindReply)
	reply.Note = "New alert slo/order-sync-availability is firing."
	ref, err := s.Reply(ctx, root, reply)
	if err != nil {
		t.Fatal(err)
	}
	if ref.Channel != root.Channel || ref.TS == root.TS {
		t.Fatalf("reply ref = %+v", ref)
	}
	upd := sampleNotification("n-3", alerting.KindUpdate)
	upd.View.State, upd.View.AckedBy = alerting.StateAcknowledged, "@jdoe"
	upd.Text = "👀 acknowledged"
	if err := s.Update(ctx, root, upd); err != nil {
		t.Fatal(err)
	}

	msgs := f.Messages("C0ORDER001")
	if len(msgs) != 2 {
		t.Fatalf("%d messages, want 2", len(msgs))
	}
	got := msgs[0]
	if got.TS != root.TS || got.Text != "👀 acknowledged" {
		t.Errorf("root after update: ts %s text %q", got.TS, got.Text)
	}
	if md := metadataOf(t, got); md["notification_id"] != "n-1" || md["incident"] != "inc-42" {
		t.Errorf("root metadata = %v, want the post's", md)
	}
	blocks := string(got.Blocks)
	for _, want := range []string{`"type":"header"`, "👀", "Acknowledged by @jdoe", `"action_id":"silence_1h"`, `"value":"inc-42"`} {
		if !strings.Contains(blocks, want) {
			t.Errorf("updated blocks lack %s", want)
		}
	}
	if strings.Contains(blocks, `"action_id":"ack"`) {
		t.Error("acknowledged incident still has the ack button")
	}
	th := msgs[1]
	if th.ThreadTS != root.TS {
		t.Errorf("reply thread_ts = %q, want %q", th.ThreadTS, root.TS)
	}
	if md := metadataOf(t, th); md["notification_id"] != "n-2" {
		t.Errorf("reply metadata = %v", md)
	}
	if !strings.Contains(string(th.Blocks), "New alert slo/order-sync-availability") || !strings.Contains(string(th.Blocks), "burning budget 14.4×") {
		t.Errorf("reply blocks = %s", th.Blocks)
	}
}

func TestEscalationPostLinksNames(t *testing.T) {
	f := newFakeSlack(t)
	n := sampleNotification("n-esc", alerting.KindPost)
	n.Escalation, n.OnCall, n.Channel = true, "@order-oncall", "#integration-coe"
	if _, err := f.notifier().Post(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	m := f.Messages("C0ICOE0001")[0]
	if m.LinkNames != "true" || !strings.HasPrefix(m.Text, "@order-oncall ") {
		t.Errorf("link_names %q text %q", m.LinkNames, m.Text)
	}
}

func TestFind(t *testing.T) {
	f := newFakeSlack(t)
	f.SetPage(2) // force paging
	ctx := context.Background()
	s := f.notifier()
	since := f.Now()

	// Another incident, then ours, then noise, then replies.
	other := sampleNotification("n-other", alerting.KindPost)
	other.Incident, other.View.ID = "inc-7", "inc-7"
	otherRoot, _ := s.Post(ctx, other)
	root, err := s.Post(ctx, sampleNotification("n-root", alerting.KindPost))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := s.Post(ctx, sampleNotification("n-noise-"+string(rune('a'+i)), alerting.KindPost)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Reply(ctx, otherRoot, sampleNotification("n-other-reply", alerting.KindReply)); err != nil {
		t.Fatal(err)
	}
	replySince := f.Now()
	rep, err := s.Reply(ctx, root, sampleNotification("n-reply", alerting.KindReply))
	if err != nil {
		t.Fatal(err)
	}

	// A fresh notifier, as after a restart: it has to resolve the name.
	fresh := f.notifier()
	for _, tc := range []struct {
		name, channel, id string
		since             time.Time
		want              string // ts; "" = not found
	}{
		{"root by name", "#order-alerts", "n-root", since, root.TS},
		{"root by name without #", "order-alerts", "n-root", since, root.TS},
		{"root by ID", "C0ORDER001", "n-root", since, root.TS},
		{"reply in an older thread", "#order-alerts", "n-reply", replySince, rep.TS},
		{"reply, since far after", "#order-alerts", "n-reply", replySince.Add(time.Hour), ""},
		{"unknown id", "#order-alerts", "n-never", since, ""},
		{"other channel", "#crm-alerts", "n-root", since, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ref, ok, err := fresh.Find(ctx, tc.channel, tc.id, tc.since)
			if err != nil {
				t.Fatal(err)
			}
			if ok != (tc.want != "") || ref.TS != tc.want {
				t.Fatalf("Find = %+v, %v; want ts %q", ref, ok, tc.want)
			}
			if ok && ref.Channel != "C0ORDER001" {
				t.Errorf("channel = %q", ref.Channel)
			}
		})
	}

	// A reply whose root is older than the lookback is not found (a
	// documented limit: the caller posts it again).
	short := f.notifier(WithThreadLookback(time.Nanosecond))
	f.Advance(2 * time.Hour)
	late, err := short.Reply(ctx, root, sampleNotification("n-late", alerting.KindReply))
	if err != nil {
		t.Fatal(err)
	}
	lateAt, _ := ts.Parse(late.TS)
	if _, ok, err := short.Find(ctx, "#order-alerts", "n-late", lateAt); ok || err != nil {
		t.Errorf("Find beyond lookback = %v, %v; want not found", ok, err)
	}
	if ref, ok, err := f.notifier().Find(ctx, "#order-alerts", "n-late", lateAt); !ok || err != nil || ref.TS != late.TS {
		t.Errorf("Find within default lookback = %+v, %v, %v", ref, ok, err)
	}

	// Where Find may not look, it says not found (the post that follows
	// fails or succeeds on its own).
	if ref, ok, err := fresh.Find(ctx, "#nope", "n-root", since); ok || err != nil {
		t.Errorf("Find in unknown channel = %+v, %v, %v", ref, ok, err)
	}
}

func TestFindUsesChannelsLearnedFromPost(t *testing.T) {
	f := newFakeSlack(t)
	s := f.notifier()
	if _, err := s.Post(context.Background(), sampleNotification("n-1", alerting.KindPost)); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.Find(context.Background(), "#order-alerts", "n-1", opened); !ok || err != nil {
		t.Fatalf("Find = %v, %v", ok, err)
	}
	for _, m := range f.Methods() {
		if m == "conversations.list" {
			t.Error("resolved a channel Post had already resolved")
		}
	}
}

func TestErrorMapping(t *testing.T) {
	for _, tc := range []struct {
		fail      string
		retry     time.Duration // RetryAfterError.After; 0: not one
		permanent string        // PermanentError.Code; "": not one
	}{
		{fail: "429", retry: 7 * time.Second},
		{fail: "ratelimited", retry: defaultRetryAfter},
		{fail: "500"},
		{fail: "internal_error"},
		{fail: "channel_not_found", permanent: "channel_not_found"},
		{fail: "not_in_channel", permanent: "not_in_channel"},
		{fail: "is_archived", permanent: "is_archived"},
		{fail: "invalid_auth", permanent: "invalid_auth"},
		{fail: "token_revoked", permanent: "token_revoked"},
		{fail: "msg_too_long", permanent: "msg_too_long"},
		{fail: "invalid_blocks", permanent: "invalid_blocks"},
		{fail: "cant_update_message", permanent: "cant_update_message"},
		{fail: "message_not_found", permanent: "message_not_found"},
	} {
		t.Run(tc.fail, func(t *testing.T) {
			f := newFakeSlack(t)
			s := f.notifier()
			ctx := context.Background()
			f.SetFail(tc.fail)
			root := alerting.Ref{Channel: "C0ORDER001", TS: "1772441000.000000"}
			n := sampleNotification("n-1", alerting.KindPost)
			_, errPost := s.Post(ctx, n)
			_, errReply := s.Reply(ctx, root, n)
			errUpdate := s.Update(ctx, root, n)
			_, found, errFind := s.Find(ctx, "C0ORDER001", "n-1", opened)
			errs := map[string]error{"post": errPost, "reply": errReply, "update": errUpdate, "find": errFind}
			if tc.permanent != "" {
				// Find is best effort: a refusal to look is "not found".
				if found || errFind != nil {
					t.Errorf("find: %v, %v; want not found", found, errFind)
				}
				delete(errs, "find")
			}
			for name, err := range errs {
				if err == nil {
					t.Fatalf("%s: no error", name)
				}
				if strings.Contains(err.Error(), slacktest.Token) || strings.Contains(err.Error(), "SECRET") {
					t.Errorf("%s: token in error %q", name, err)
				}
				ra, isRetry := errors.AsType[*alerting.RetryAfterError](err)
				switch {
				case tc.retry > 0 && (!isRetry || ra.After != tc.retry):
					t.Errorf("%s: %v, want RetryAfterError after %s", name, err, tc.retry)
				case tc.retry == 0 && isRetry:
					t.Errorf("%s: %v is a RetryAfterError", name, err)
				}
				pe, isPerm := errors.AsType[*alerting.PermanentError](err)
				switch {
				case tc.permanent != "" && (!isPerm || pe.Code != tc.permanent):
					t.Errorf("%s: %v, want PermanentError %s", name, err, tc.permanent)
				case tc.permanent == "" && isPerm:
					t.Errorf("%s: %v is permanent", name, err)
				}
			}
		})
	}
}

func TestNetworkErrorIsTransient(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	s := New(slacktest.Token, WithAPIURL(url), WithHTTPClient(&http.Client{Timeout: time.Second}))
	_, err := s.Post(context.Background(), sampleNotification("n-1", alerting.KindPost))
	if err == nil || alerting.IsPermanent(err) || strings.Contains(err.Error(), slacktest.Token) {
		t.Fatalf("err = %v, want a transient error without the token", err)
	}
	if _, ok := errors.AsType[*alerting.RetryAfterError](err); ok {
		t.Fatalf("err = %v is a RetryAfterError", err)
	}
}

func TestBadRefsArePermanent(t *testing.T) {
	s := New(slacktest.Token, WithAPIURL("http://127.0.0.1:1/"))
	ctx := context.Background()
	n := sampleNotification("n-1", alerting.KindPost)
	n.Channel = ""
	if _, err := s.Post(ctx, n); !alerting.IsPermanent(err) {
		t.Errorf("post without channel: %v", err)
	}
	if _, err := s.Reply(ctx, alerting.Ref{}, n); !alerting.IsPermanent(err) {
		t.Errorf("reply without root: %v", err)
	}
	if err := s.Update(ctx, alerting.Ref{Channel: "C1"}, n); !alerting.IsPermanent(err) {
		t.Errorf("update without ts: %v", err)
	}
}
