package alerting

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/catalog"
)

// Blindness: when spans stop arriving from the whole estate (the
// collector stopped, or its way to ClickHouse is down), the ingest
// watchdog raises one alert, Source IngestSource, about IngestSubject.
// It opens one incident for the platform team (PlatformChannel), and,
// as Alertmanager's inhibition does, holds back the alerts the gap
// causes: missing traffic of any integration (signature volume:low:
// absence, drops, no data) while the ingest incident is open, and for
// InhibitGrace after it resolves when the alert began in the gap. A held
// alert that resolves meanwhile is dropped; one still firing once the
// grace is over is judged again as any alert (intops was not blind for
// it any more), and the ingest incident's thread says how many were held
// and how many still fire.

// IngestSource and IngestSubject are the source and the integration of
// the ingest watchdog's alerts.
const (
	IngestSource  = "ingest"
	IngestSubject = "intops:ingest"
	platformTeam  = "intops-platform"
)

func (c Config) platformChannel() string {
	if c.PlatformChannel != "" {
		return c.PlatformChannel
	}
	return "#intops-platform"
}

func (c Config) inhibitGrace() time.Duration { return or(c.InhibitGrace, 20*time.Minute) }

// gapSlack: alerts that began this long before the gap was seen, or after
// it ended, are still of the gap (the watchdog needs a silence before it
// speaks; the late minutes take a while to arrive).
const gapSlack = 5 * time.Minute

// blindness returns the latest ingest incident, and whether an alert of
// missing traffic that began at since is explained by it now.
func (m *Manager) blindness(since, now time.Time) (*Incident, bool) {
	in := m.st.incidents[m.st.ingest]
	if in == nil {
		return nil, false
	}
	gapStart := in.firstSince().Add(-gapSlack)
	if in.Open() {
		return in, !since.Before(gapStart)
	}
	if now.Sub(in.ResolvedAt) >= m.Config.inhibitGrace() {
		return in, false
	}
	// After the gap, only what began in it (or just after it, while the
	// late minutes arrive) is of it; a condition that began later is new.
	return in, !since.Before(gapStart) && !since.After(in.ResolvedAt.Add(gapSlack))
}

// inhibit holds ev back when intops was blind for it; it reports whether
// it did (and wrote the event).
func (m *Manager) inhibit(ctx context.Context, cat *catalog.Catalog, ev intops.AlertEvent, classes map[string]string) (bool, error) {
	ns := uint64(ev.At.UnixNano())
	if _, held := m.st.held[ev.Key]; held {
		t := m.begin()
		if string(ev.State) == "firing" || string(ev.State) == "no_data" {
			e := ev
			t.event(event{Kind: evHeld, At: m.now(), AlertKey: ev.Key, Integration: ev.Integration, AlertNS: ns, Held: &e})
		} else {
			t.event(event{Kind: evReleased, At: m.now(), AlertKey: ev.Key, Integration: ev.Integration, AlertNS: ns,
				Text: "dropped: resolved while held"})
		}
		return true, t.commit(ctx)
	}
	if ev.Source == IngestSource || (ev.State != "firing" && string(ev.State) != "no_data") {
		return false, nil
	}
	if in := m.st.incidents[m.st.open[ev.Integration]]; in != nil && in.alert(ev.Key) != nil {
		return false, nil // an alert already in an incident goes on there
	}
	if _, ok := m.blindness(sinceOf(ev), m.now()); !ok {
		return false, nil
	}
	if m.kindOf(ctx, cat, ev, classes) != "volume:low" {
		return false, nil
	}
	e := ev
	t := m.begin()
	t.event(event{Kind: evHeld, At: m.now(), AlertKey: ev.Key, Integration: ev.Integration, AlertNS: ns, Held: &e})
	return true, t.commit(ctx)
}

// release judges the held alerts again once intops sees: those still
// firing after the grace go through as any alert.
func (m *Manager) release(ctx context.Context, classes map[string]string) error {
	if len(m.st.held) == 0 {
		return nil
	}
	now := m.now()
	in := m.st.incidents[m.st.ingest]
	if in != nil && (in.Open() || now.Sub(in.ResolvedAt) < m.Config.inhibitGrace()) {
		return nil
	}
	held := make([]intops.AlertEvent, 0, len(m.st.held))
	for _, ev := range m.st.held {
		held = append(held, ev)
	}
	sortEvents(held)
	t := m.begin()
	for _, ev := range held {
		t.event(event{Kind: evReleased, At: now, AlertKey: ev.Key, Integration: ev.Integration, AlertNS: uint64(ev.At.UnixNano()),
			Text: "released: still firing after ingest recovered"})
	}
	if in != nil {
		m.queue(t, in, Notification{Kind: KindReply, Note: fmt.Sprintf(
			"%d alert(s) of missing traffic were held during the gap; %s after spans returned: judged as new alerts now.",
			len(held), plural(len(held), "still fires", "still fire"))}, false)
	}
	if err := t.commit(ctx); err != nil {
		return err
	}
	for i, ev := range held {
		if err := m.ingest(ctx, ev, held[i+1:], classes); err != nil {
			return err
		}
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func sortEvents(evs []intops.AlertEvent) {
	slices.SortFunc(evs, func(a, b intops.AlertEvent) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return strings.Compare(a.Key, b.Key)
	})
}
