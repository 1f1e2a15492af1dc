package webhook_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/intops/intops/alerting"
	"github.com/intops/intops/alerting/alertingtest"
	"github.com/intops/intops/alerting/webhook"
	"github.com/intops/intops/catalog/catalogtest"
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
	h := &hook{}
	srv := httptest.NewServer(h)
	defer srv.Close()
	g := &alertingtest.Rig{T: t, Store: chtest.Shared(t).Open(t), Catalog: catalogtest.Orders(1).Build(t),
		Now: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC), NewReceiver: func() alerting.Receiver { return webhook.New(srv.URL) }}
	m, r, id := g.OpenThroughOutage("page", h.setDown)
	g.ResolveThroughRestarts(m, r, id)
	got := h.messages()
	if len(got) != 3 {
		t.Fatalf("the webhook got %d messages, want the trigger, the acknowledgement and the resolution once each: %+v", len(got), got)
	}
	key := `{}:{incident="` + id + `"}`
	for i, want := range []struct{ status, ackedBy string }{{"firing", ""}, {"firing", "@ana"}, {"resolved", "@ana"}} {
		if got[i].Status != want.status || got[i].GroupKey != key || got[i].CommonAnnotations["acknowledged_by"] != want.ackedBy {
			t.Errorf("message %d: status %s, group %s, acknowledged by %q; want %s of %s, %q", i, got[i].Status, got[i].GroupKey,
				got[i].CommonAnnotations["acknowledged_by"], want.status, key, want.ackedBy)
		}
	}
}
