package alerting

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/internal/lease"
)

// Receivers beyond Slack: pagers, ticket systems and webhooks follow an
// incident's life as a sequence of page events (trigger, acknowledge,
// resolve), each with the incident id as its deduplication key. What each
// receiver should have been told is derived from the incidents' state
// (reconcilePages), written to the alerting log (stream "page"), and
// delivered to every receiver in order, one at a time, each delivery
// recorded (stream "paged"): a receiver that is down gets everything once
// it is back, a restart resumes where the log says, and a delivery whose
// answer was lost is sent again with the same key, which the receivers
// deduplicate.

// Page actions.
const (
	PageTrigger     = "trigger"
	PageAcknowledge = "acknowledge"
	PageResolve     = "resolve"
)

// PageEvent is one step of an incident's life for a receiver.
type PageEvent struct {
	ID       string `json:"id"` // unique, stable across retries
	Seq      uint64 `json:"seq"`
	Incident string `json:"incident"` // the deduplication key
	Action   string `json:"action"`   // trigger, acknowledge, resolve
	// Severity the incident had: page, ticket, warning.
	Severity  string       `json:"severity"`
	View      IncidentView `json:"view"`
	CreatedAt time.Time    `json:"created_at"`
}

// Receiver takes page events. Which incidents a receiver wants (pages
// for a pager, tickets for a ticket system, all for a webhook) is its
// Wants. Send returns a *RetryAfterError when rate limited, a
// *PermanentError when the receiver refuses the event for good, any other
// error when it may work later.
type Receiver interface {
	Name() string
	Wants(severity string) bool
	Send(ctx context.Context, e PageEvent) error
}

const (
	streamPage  = "page"
	streamPaged = "paged"
)

// paged is one entry of the paged stream: what became of a page event
// at one receiver.
type paged struct {
	Receiver string `json:"receiver"`
	Seq      uint64 `json:"seq"`
	Event    string `json:"event"`
	Status   string `json:"status"` // sent, failed
	Error    string `json:"error,omitempty"`
}

// pageState is what the page stream says receivers were told, per
// incident and receiver.
type pageState struct {
	told    map[string]string // receiver/incident → last action
	pending map[string][]PageEvent
	done    map[string]bool // receiver/seq
	failed  map[string]string
}

func (m *Manager) loadPages(ctx context.Context, valid func(intops.LogEntry) bool) error {
	ps := &pageState{told: map[string]string{}, pending: map[string][]PageEvent{}, done: map[string]bool{}, failed: map[string]string{}}
	if len(m.Receivers) == 0 {
		m.pages = ps
		return nil
	}
	evs, err := m.readStream(ctx, streamPage, valid)
	if err != nil {
		return err
	}
	dels, err := m.readStream(ctx, streamPaged, valid)
	if err != nil {
		return err
	}
	for _, le := range dels {
		var d paged
		if json.Unmarshal([]byte(le.Body), &d) == nil {
			ps.done[fmt.Sprintf("%s/%d", d.Receiver, d.Seq)] = true
			if d.Status == "failed" {
				ps.failed[d.Receiver] = d.Error
			}
		}
	}
	for _, le := range evs {
		var e pageEntry
		if json.Unmarshal([]byte(le.Body), &e) != nil {
			continue
		}
		ps.told[e.Receiver+"/"+e.Event.Incident] = e.Event.Action
		if !ps.done[fmt.Sprintf("%s/%d", e.Receiver, e.Event.Seq)] {
			ps.pending[e.Receiver] = append(ps.pending[e.Receiver], e.Event)
		}
	}
	m.pages = ps
	return nil
}

// pageEntry is one entry of the page stream.
type pageEntry struct {
	Receiver string    `json:"receiver"`
	Event    PageEvent `json:"event"`
}

// wantedAction is what a receiver should have been told of an incident
// by now: triggered while it is open, acknowledged once someone has,
// resolved once it is; "" when the receiver does not want it.
func wantedAction(r Receiver, in *Incident, told string) string {
	switch {
	case !in.Open():
		if told == "" || told == PageResolve {
			return told
		}
		return PageResolve
	case !r.Wants(in.Severity):
		if told != "" && told != PageResolve {
			return told // triggered as a page, now lower: it stays until resolved
		}
		return told
	case in.State == StateAcknowledged:
		if told == "" {
			return PageTrigger // told in order: trigger first
		}
		return PageAcknowledge
	}
	if told == PageResolve || told == "" {
		return PageTrigger
	}
	return told
}

// reconcilePages writes the page events that bring every receiver up to
// the incidents' state.
func (m *Manager) reconcilePages(ctx context.Context) error {
	if len(m.Receivers) == 0 || m.pages == nil {
		return nil
	}
	now := m.now()
	var entries []intops.LogEntry
	var added []pageEntry
	for _, id := range m.st.order {
		in := m.st.incidents[id]
		for _, r := range m.Receivers {
			key := r.Name() + "/" + id
			told := m.pages.told[key]
			want := wantedAction(r, in, told)
			// An acknowledged incident is triggered and then acknowledged.
			for want != told {
				m.seq++
				e := PageEvent{ID: fmt.Sprintf("p%d-%s", m.seq, id), Seq: m.seq, Incident: id, Action: want,
					Severity: in.Severity, View: m.view(in), CreatedAt: now}
				b, _ := json.Marshal(pageEntry{Receiver: r.Name(), Event: e})
				entries = append(entries, intops.LogEntry{At: now, Seq: m.seq, Stream: streamPage, Key: e.ID, Body: string(b)})
				added = append(added, pageEntry{Receiver: r.Name(), Event: e})
				told = want
				want = wantedAction(r, in, told)
			}
		}
	}
	if len(entries) == 0 {
		return nil
	}
	first := entries[0].Seq - 1
	if err := m.append(ctx, entries); err != nil {
		m.seq = first
		return fmt.Errorf("%w: %w", errUnapplied, err)
	}
	for _, e := range added {
		m.pages.told[e.Receiver+"/"+e.Event.Incident] = e.Event.Action
		m.pages.pending[e.Receiver] = append(m.pages.pending[e.Receiver], e.Event)
	}
	m.kick()
	return nil
}

// PendingPages is how many page events wait for delivery, over every
// receiver.
func (m *Manager) PendingPages() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.pages == nil {
		return 0
	}
	n := 0
	for _, p := range m.pages.pending {
		n += len(p)
	}
	return n
}

// pageLoop delivers a receiver's page events in order until ctx ends.
func (m *Manager) pageLoop(ctx context.Context, r Receiver) {
	for ctx.Err() == nil {
		sent, err := m.PageOnce(ctx, r)
		if err != nil && ctx.Err() == nil {
			m.logger().Warn("alerting: page delivery", "receiver", r.Name(), "err", err)
		}
		if !sent && !sleep(ctx, time.Second) {
			return
		}
	}
}

// PageOnce delivers a receiver's first pending page event, retrying
// until it is taken, refused for good, or ctx ends; sent says whether
// there was one.
func (m *Manager) PageOnce(ctx context.Context, r Receiver) (sent bool, err error) {
	m.mu.Lock()
	if err := m.load(ctx); err != nil {
		m.mu.Unlock()
		return false, err
	}
	q := m.pages.pending[r.Name()]
	if len(q) == 0 {
		m.mu.Unlock()
		return false, nil
	}
	e := q[0]
	m.mu.Unlock()

	d := paged{Receiver: r.Name(), Seq: e.Seq, Event: e.ID}
	backoff := time.Second
	for d.Status == "" {
		if _, ok := m.leading(); !ok {
			err = lease.ErrNotLeader
		} else {
			err = r.Send(ctx, e)
		}
		var ra *RetryAfterError
		var pe *PermanentError
		switch {
		case err == nil:
			d.Status = "sent"
		case errors.As(err, &pe):
			d.Status, d.Error = "failed", pe.Code
		case errors.As(err, &ra):
			if !sleep(ctx, max(ra.After, time.Second)) {
				return true, ctx.Err()
			}
		default:
			m.logger().Warn("alerting: receiver unavailable; will retry", "receiver", r.Name(), "event", e.ID, "in", backoff, "err", err)
			if !sleep(ctx, backoff) {
				return true, ctx.Err()
			}
			backoff = min(2*backoff, time.Minute)
		}
	}
	// Record it; a ClickHouse outage delays the record, the event is not
	// sent again.
	backoff = time.Second
	for {
		m.mu.Lock()
		m.seq++
		b, _ := json.Marshal(d)
		err := m.append(ctx, []intops.LogEntry{{At: m.now(), Seq: m.seq, Stream: streamPaged, Key: e.ID, Body: string(b)}})
		if err == nil {
			m.pages.done[fmt.Sprintf("%s/%d", r.Name(), e.Seq)] = true
			if p := m.pages.pending[r.Name()]; len(p) > 0 && p[0].Seq == e.Seq {
				m.pages.pending[r.Name()] = p[1:]
			}
			if d.Status == "failed" {
				m.pages.failed[r.Name()] = d.Error
				m.logger().Warn("alerting: a receiver refused a page event", "receiver", r.Name(), "incident", e.Incident, "err", d.Error)
			}
			m.mu.Unlock()
			return true, nil
		}
		m.seq--
		m.mu.Unlock()
		if !sleep(ctx, backoff) {
			return true, ctx.Err()
		}
		backoff = min(2*backoff, time.Minute)
	}
}
