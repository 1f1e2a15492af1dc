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

// delivery is one entry of the delivery stream: what became of an outbox
// notification.
type delivery struct {
	Notification string `json:"notification"`
	Seq          uint64 `json:"seq"`
	Incident     string `json:"incident"`
	Kind         string `json:"kind"`
	Escalation   bool   `json:"escalation,omitempty"`
	Status       string `json:"status"` // sent, fallback (sent to the ICoE channel instead), failed, skipped
	Channel      string `json:"channel,omitempty"`
	TS           string `json:"ts,omitempty"`
	Error        string `json:"error,omitempty"`
}

// loadOutbox rebuilds the undelivered notifications and the incidents'
// root messages from the log.
func (m *Manager) loadOutbox(ctx context.Context, valid func(intops.LogEntry) bool) error {
	outs, err := m.readStream(ctx, streamOutbox, valid)
	if err != nil {
		return err
	}
	dels, err := m.readStream(ctx, streamDelivery, valid)
	if err != nil {
		return err
	}
	m.roots, m.failures, m.resumeFind = map[string]Ref{}, map[string]string{}, map[string]bool{}
	done := map[uint64]bool{}
	for _, le := range dels {
		var d delivery
		if json.Unmarshal([]byte(le.Body), &d) != nil {
			continue
		}
		done[d.Seq] = true
		m.record(d)
	}
	m.outbox = nil
	for _, le := range outs {
		var n Notification
		if json.Unmarshal([]byte(le.Body), &n) != nil || done[n.Seq] {
			continue
		}
		m.outbox = append(m.outbox, n)
	}
	// The first undelivered notification may have reached Slack just
	// before a crash: look for it before sending it again.
	if len(m.outbox) > 0 {
		m.resumeFind[m.outbox[0].ID] = true
	}
	if m.wake == nil {
		m.wake = make(chan struct{}, 1)
	}
	return nil
}

// record folds a delivery into the roots and failures.
func (m *Manager) record(d delivery) {
	switch d.Status {
	case "sent", "fallback":
		if (d.Kind == KindPost && !d.Escalation) || (d.Kind == KindReply && m.roots[d.Incident] == (Ref{})) {
			m.roots[d.Incident] = Ref{Channel: d.Channel, TS: d.TS}
		}
		if d.Status == "fallback" {
			m.failures[d.Incident] = d.Error
		}
	case "failed":
		m.failures[d.Incident] = d.Error
	}
}

func (m *Manager) kick() {
	if m.wake == nil {
		m.wake = make(chan struct{}, 1)
	}
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// deliveryState says how an incident's notifications are doing.
func (m *Manager) deliveryState(incident string) string {
	if m.Notifier == nil {
		return "inbox"
	}
	for _, n := range m.outbox {
		if n.Incident == incident {
			return "pending"
		}
	}
	if e, ok := m.failures[incident]; ok {
		return "failed: " + e
	}
	return "sent"
}

// Pending is how many notifications wait for delivery.
func (m *Manager) Pending() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.outbox)
}

// deliverLoop delivers the outbox in order until ctx ends: one at a time,
// each retried until Slack takes it or refuses it for good.
func (m *Manager) deliverLoop(ctx context.Context) {
	for ctx.Err() == nil {
		if err := m.DeliverOnce(ctx); err != nil && ctx.Err() == nil {
			m.logger().Warn("alerting: delivery", "err", err)
		}
		m.mu.Lock()
		empty := len(m.outbox) == 0
		if m.wake == nil {
			m.wake = make(chan struct{}, 1)
		}
		wake := m.wake
		m.mu.Unlock()
		if empty {
			select {
			case <-ctx.Done():
			case <-wake:
			case <-time.After(time.Second):
			}
		}
	}
}

// DeliverOnce delivers the first notification of the outbox, retrying
// until it is delivered, refused for good, or ctx ends.
func (m *Manager) DeliverOnce(ctx context.Context) error {
	m.mu.Lock()
	if err := m.load(ctx); err != nil {
		m.mu.Unlock()
		return err
	}
	if len(m.outbox) == 0 {
		m.mu.Unlock()
		return nil
	}
	n := m.outbox[0]
	find := m.resumeFind[n.ID]
	root, hasRoot := m.roots[n.Incident]
	m.mu.Unlock()

	d := m.send(ctx, n, root, hasRoot, find)
	if ctx.Err() != nil && d.Status == "" {
		return ctx.Err()
	}
	// Record it; a ClickHouse outage delays the record, the message is
	// not sent again.
	backoff := time.Second
	for {
		m.mu.Lock()
		m.seq++
		seq := m.seq
		b, _ := json.Marshal(d)
		err := m.append(ctx, []intops.LogEntry{{At: m.now(), Seq: seq, Stream: streamDelivery, Key: n.ID, Body: string(b)}})
		if err == nil {
			m.record(d)
			m.outbox = m.outbox[1:]
			delete(m.resumeFind, n.ID)
			m.mu.Unlock()
			if d.Status != "sent" {
				m.logger().Warn("alerting: notification not delivered where it should", "incident", n.Incident, "channel", n.Channel, "status", d.Status, "err", d.Error)
			}
			return nil
		}
		m.seq--
		m.mu.Unlock()
		if !sleep(ctx, backoff) {
			return ctx.Err()
		}
		backoff = min(2*backoff, time.Minute)
	}
}

// send delivers one notification, retrying transient failures with
// backoff and rate limits after Retry-After; a permanent refusal sends it
// to the ICoE channel instead.
func (m *Manager) send(ctx context.Context, n Notification, root Ref, hasRoot, find bool) delivery {
	d := delivery{Notification: n.ID, Seq: n.Seq, Incident: n.Incident, Kind: n.Kind, Escalation: n.Escalation, Channel: n.Channel}
	backoff := time.Second
	fallback := false
	for {
		ref, err := m.try(ctx, n, root, hasRoot, find)
		if err == nil {
			d.Status, d.Channel, d.TS = "sent", ref.Channel, ref.TS
			if fallback {
				d.Status = "fallback"
			}
			return d
		}
		var ra *RetryAfterError
		var pe *PermanentError
		switch {
		case errors.As(err, &ra):
			if !sleep(ctx, max(ra.After, time.Second)) {
				return d
			}
			continue
		case errors.As(err, &pe):
			d.Error = pe.Code
			if n.Kind == KindUpdate || fallback || n.Channel == m.Config.icoe() {
				d.Status = "failed"
				return d
			}
			// Undeliverable where it belongs: a root message in the ICoE
			// channel, saying why.
			fallback = true
			n.Note = fmt.Sprintf("Could not deliver to %s (%s). %s", n.Channel, pe.Code, n.Note)
			n.Channel, n.Kind, hasRoot, find = m.Config.icoe(), KindPost, false, false
			d.Kind = KindPost
			continue
		}
		if ctx.Err() != nil {
			return d
		}
		if errors.Is(err, lease.ErrNotLeader) {
			if !sleep(ctx, time.Second) {
				return d
			}
			continue
		}
		// Transient: it may have arrived anyway; look before resending.
		find = n.Kind != KindUpdate
		m.logger().Warn("alerting: Slack unavailable; will retry", "notification", n.ID, "in", backoff, "err", err)
		if !sleep(ctx, backoff) {
			return d
		}
		backoff = min(2*backoff, time.Minute)
	}
}

func (m *Manager) try(ctx context.Context, n Notification, root Ref, hasRoot, find bool) (Ref, error) {
	if _, ok := m.leading(); !ok {
		return Ref{}, lease.ErrNotLeader // another replica sends
	}
	if find && n.Kind != KindUpdate {
		ch := n.Channel
		if n.Kind == KindReply && hasRoot {
			ch = root.Channel
		}
		ref, ok, err := m.Notifier.Find(ctx, ch, n.ID, n.CreatedAt.Add(-time.Minute))
		if err != nil {
			return Ref{}, err
		}
		if ok {
			return ref, nil
		}
	}
	switch n.Kind {
	case KindUpdate:
		if !hasRoot {
			return Ref{}, nil // no root message to edit (never delivered)
		}
		return root, m.Notifier.Update(ctx, root, n)
	case KindReply:
		if !hasRoot {
			return m.Notifier.Post(ctx, n)
		}
		return m.Notifier.Reply(ctx, root, n)
	}
	return m.Notifier.Post(ctx, n)
}

func sleep(ctx context.Context, d time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}
