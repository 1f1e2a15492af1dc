// Package pdtest is a fake of PagerDuty's Events API v2 for tests: it
// checks each event as the API documents it and keeps the alerts it
// would open, acknowledge and resolve, by dedup key.
package pdtest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// RoutingKey is the integration key the fake accepts.
const RoutingKey = "R0UT1NGKEY0123456789abcdef012345"

// Server is the fake.
type Server struct {
	URL string // the enqueue endpoint
	srv *httptest.Server

	mu     sync.Mutex
	events []Event
	down   bool
}

// Event is an event as the fake got it.
type Event struct {
	Action, DedupKey, Summary, Severity, Source string
}

// New starts the fake; it stops when the test ends.
func New(t testing.TB) *Server {
	f := &Server{}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	f.URL = f.srv.URL + "/v2/enqueue"
	t.Cleanup(f.srv.Close)
	return f
}

func (f *Server) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	invalid := func(msg string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]any{"status": "invalid event", "message": "Event object is invalid", "errors": []string{msg}})
	}
	if r.Method != http.MethodPost || r.URL.Path != "/v2/enqueue" || r.Header.Get("Content-Type") != "application/json" {
		invalid("POST application/json to /v2/enqueue")
		return
	}
	var e struct {
		RoutingKey  string `json:"routing_key"`
		EventAction string `json:"event_action"`
		DedupKey    string `json:"dedup_key"`
		Payload     *struct {
			Summary  string `json:"summary"`
			Source   string `json:"source"`
			Severity string `json:"severity"`
		} `json:"payload"`
	}
	b, _ := io.ReadAll(io.LimitReader(r.Body, 512<<10))
	if err := json.Unmarshal(b, &e); err != nil {
		invalid("not JSON: " + err.Error())
		return
	}
	switch {
	case e.RoutingKey != RoutingKey:
		invalid("unknown routing_key")
		return
	case e.EventAction != "trigger" && e.EventAction != "acknowledge" && e.EventAction != "resolve":
		invalid("event_action must be trigger, acknowledge or resolve")
		return
	case e.DedupKey == "" || len(e.DedupKey) > 255:
		invalid("dedup_key is required for acknowledge and resolve and at most 255 characters")
		return
	case e.EventAction == "trigger" && (e.Payload == nil || e.Payload.Summary == "" || len([]rune(e.Payload.Summary)) > 1024 || e.Payload.Source == ""):
		invalid("payload.summary (at most 1024 characters) and payload.source are required")
		return
	case e.EventAction == "trigger" && e.Payload.Severity != "critical" && e.Payload.Severity != "error" && e.Payload.Severity != "warning" && e.Payload.Severity != "info":
		invalid("payload.severity must be critical, error, warning or info")
		return
	}
	ev := Event{Action: e.EventAction, DedupKey: e.DedupKey}
	if e.Payload != nil {
		ev.Summary, ev.Severity, ev.Source = e.Payload.Summary, e.Payload.Severity, e.Payload.Source
	}
	f.events = append(f.events, ev)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	json.NewEncoder(w).Encode(map[string]string{"status": "success", "message": "Event processed", "dedup_key": e.DedupKey})
}

// Events are the events taken, in order.
func (f *Server) Events() []Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Event(nil), f.events...)
}

// SetDown makes the fake answer 503 to everything (or not).
func (f *Server) SetDown(down bool) {
	f.mu.Lock()
	f.down = down
	f.mu.Unlock()
}
