package webhook_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/alerting"
	"github.com/intops/intops/alerting/webhook"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/catalog/catalogtest"
	"github.com/intops/intops/clickhouse"
	"github.com/intops/intops/clickhouse/chtest"
)

func TestMain(m *testing.M) { chtest.Main(m) }

// hook is a webhook endpoint that can be down (503) and keeps the
// messages it accepted.
type hook struct {
	mu   sync.Mutex
	down bool
	got  []webhook.Message
}

func (h *hook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.down {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	var m webhook.Message
	b, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(b, &m); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	h.got = append(h.got, m)
}

func (h *hook) setDown(d bool) { h.mu.Lock(); h.down = d; h.mu.Unlock() }

func (h *hook) messages() []webhook.Message {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]webhook.Message(nil), h.got...)
}

// The webhook down while a page opens, and intops restarted meanwhile:
// once it is back, it gets the firing group, the acknowledgement and the
// resolution, each once, in order, under the incident's group key.
func TestWebhookOutageAndRestart(t *testing.T) {
	db := chtest.Shared(t).Open(t)
	ctx := context.Background()
	cat := catalogtest.Orders(1).Build(t)
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	h := &hook{}
	srv := httptest.NewServer(h)
	defer srv.Close()
	newManager := func() (*alerting.Manager, alerting.Receiver) {
		r := webhook.New(srv.URL)
		return &alerting.Manager{Store: db, Catalog: func() *catalog.Catalog { return cat }, Now: func() time.Time { return now },
			Receivers: []alerting.Receiver{r}}, r
	}
	fire := func(state, severity string) {
		t.Helper()
		now = now.Add(time.Second)
		if err := db.AppendAlertEvents(ctx, []clickhouse.AlertEvent{{At: now, Key: "slo/orders-booked", Source: "slo", Integration: "shop-to-erp-orders",
			Severity: intops.Severity(severity), State: intops.AlertState(state), Summary: "orders booked: burning the budget 14.4x", Evidence: "{}"}}); err != nil {
			t.Fatal(err)
		}
	}
	drain := func(m *alerting.Manager, r alerting.Receiver, within time.Duration) error {
		ctx, cancel := context.WithTimeout(ctx, within)
		defer cancel()
		for {
			sent, err := m.PageOnce(ctx, r)
			if err != nil || !sent {
				return err
			}
		}
	}

	h.setDown(true)
	m, r := newManager()
	fire("firing", "page")
	if err := m.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if err := drain(m, r, 2500*time.Millisecond); err == nil {
		t.Fatal("the webhook is down, yet the message went")
	}
	// intops restarts while the webhook is still down; then it is back.
	m, r = newManager()
	if err := m.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if m.PendingPages() != 1 {
		t.Fatalf("after the restart %d events pending, want the trigger", m.PendingPages())
	}
	h.setDown(false)
	if err := drain(m, r, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	open, _, err := m.Incidents(ctx, now.Add(-time.Hour))
	if err != nil || len(open) != 1 {
		t.Fatalf("incidents %+v %v", open, err)
	}
	if err := m.Acknowledge(ctx, open[0].ID, "@ana"); err != nil {
		t.Fatal(err)
	}
	fire("resolved", "")
	if err := m.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if err := drain(m, r, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	// Another restart sends nothing again.
	m, r = newManager()
	if err := m.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if err := drain(m, r, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	got := h.messages()
	if len(got) != 3 {
		t.Fatalf("the webhook got %d messages, want the trigger, the acknowledgement and the resolution once each: %+v", len(got), got)
	}
	key := `{}:{incident="` + open[0].ID + `"}`
	for i, want := range []struct{ status, ackedBy string }{{"firing", ""}, {"firing", "@ana"}, {"resolved", "@ana"}} {
		if got[i].Status != want.status || got[i].GroupKey != key || got[i].CommonAnnotations["acknowledged_by"] != want.ackedBy {
			t.Errorf("message %d: status %s, group %s, acknowledged by %q; want %s of %s, %q", i, got[i].Status, got[i].GroupKey,
				got[i].CommonAnnotations["acknowledged_by"], want.status, key, want.ackedBy)
		}
	}
}
