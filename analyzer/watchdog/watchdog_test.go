package watchdog

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/intops/intops/clickhouse"
)

// memStore holds per-minute span counts and the alert events written.
type memStore struct {
	minutes map[time.Time]clickhouse.EstateMinute
	events  []clickhouse.AlertEvent
	beats   []clickhouse.CollectorHealth
}

func (s *memStore) CollectorHealthSince(_ context.Context, since time.Time) ([]clickhouse.CollectorHealth, error) {
	var out []clickhouse.CollectorHealth
	for _, h := range s.beats {
		if !h.At.Before(since) {
			out = append(out, h)
		}
	}
	return out, nil
}

func (s *memStore) EstateMinutes(_ context.Context, from, to time.Time) (map[time.Time]clickhouse.EstateMinute, error) {
	out := map[time.Time]clickhouse.EstateMinute{}
	for m, n := range s.minutes {
		if !m.Before(from) && m.Before(to) {
			out[m] = n
		}
	}
	return out, nil
}

func (s *memStore) LatestAlertStates(context.Context, string) (map[string]clickhouse.AlertEvent, error) {
	out := map[string]clickhouse.AlertEvent{}
	for _, e := range s.events {
		out[e.Key] = e
	}
	return out, nil
}

func (s *memStore) AppendAlertEvents(_ context.Context, evs []clickhouse.AlertEvent) error {
	s.events = append(s.events, evs...)
	return nil
}

func TestWatchdog(t *testing.T) {
	start := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	for name, tc := range map[string]struct {
		rate        uint64        // spans a minute before the gap
		flows       uint64        // integrations they come from
		gap         time.Duration // silence from start+60m
		check       time.Duration // how long after the gap starts to look
		wantBlind   bool
		wantEventsN int
	}{
		"a busy estate silent for 90s is blind":          {rate: 1000, flows: 40, gap: 10 * time.Minute, check: 90 * time.Second, wantBlind: true, wantEventsN: 1},
		"a busy estate silent for 30s is not yet":        {rate: 1000, flows: 40, gap: 10 * time.Minute, check: 30 * time.Second},
		"a sparse estate needs a longer silence":         {rate: 6, flows: 40, gap: 10 * time.Minute, check: 2 * time.Minute},
		"a sparse estate silent long enough is blind":    {rate: 6, flows: 40, gap: 10 * time.Minute, check: 4 * time.Minute, wantBlind: true, wantEventsN: 1},
		"a quiet estate at night says nothing":           {rate: 2, flows: 40, gap: 30 * time.Minute, check: 20 * time.Minute},
		"spans again after the gap resolve the incident": {rate: 1000, flows: 40, gap: 10 * time.Minute, check: 11 * time.Minute, wantEventsN: 2},
		"one busy flow going quiet is not blindness":     {rate: 1000, flows: 1, gap: 10 * time.Minute, check: 5 * time.Minute},
	} {
		t.Run(name, func(t *testing.T) {
			s := &memStore{minutes: map[time.Time]clickhouse.EstateMinute{}}
			gapStart := start.Add(60 * time.Minute)
			for m := start; m.Before(gapStart.Add(tc.gap + 5*time.Minute)); m = m.Add(time.Minute) {
				if m.Before(gapStart) || !m.Before(gapStart.Add(tc.gap)) {
					s.minutes[m] = clickhouse.EstateMinute{Spans: tc.rate, Flows: tc.flows}
				}
			}
			now := gapStart
			w := &Watchdog{Store: s, Now: func() time.Time { return now }}
			for now = gapStart; !now.After(gapStart.Add(tc.check)); now = now.Add(15 * time.Second) {
				if err := w.Check(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			if len(s.events) != tc.wantEventsN {
				t.Fatalf("%d events, want %d: %+v", len(s.events), tc.wantEventsN, s.events)
			}
			if tc.wantEventsN > 0 && (s.events[0].State != "firing" || s.events[0].Severity != "page" || s.events[0].Integration != Integration) {
				t.Errorf("first event %+v", s.events[0])
			}
			if tc.wantEventsN == 2 && s.events[1].State != "resolved" {
				t.Errorf("second event %+v", s.events[1])
			}
			st, _ := w.Assess(context.Background())
			if tc.wantEventsN != 2 && st.Blind != tc.wantBlind {
				t.Errorf("blind %v, want %v (%+v)", st.Blind, tc.wantBlind, st)
			}
			// A restarted watchdog remembers that it fired.
			if tc.wantEventsN == 1 {
				again := &Watchdog{Store: s, Now: func() time.Time { return now }}
				if err := again.Check(context.Background()); err != nil || len(s.events) != 1 {
					t.Errorf("a restart fired again: %d events, %v", len(s.events), err)
				}
			}
		})
	}
}

// The collectors' heartbeats say why intops is blind: a collector that
// receives spans and cannot store them is blind as soon as a minute has
// passed, whatever the estate's rate; one that is up and receives nothing
// points at the senders; no heartbeat at the collector itself.
func TestWatchdogHeartbeats(t *testing.T) {
	gapStart := time.Date(2026, 11, 30, 13, 0, 0, 0, time.UTC)
	for name, tc := range map[string]struct {
		beat            func(at time.Time) (clickhouse.CollectorHealth, bool)
		check           time.Duration
		wantBlind       bool
		wantSummaryPart string
	}{
		"receiving and failing to store": {
			beat: func(at time.Time) (clickhouse.CollectorHealth, bool) {
				return clickhouse.CollectorHealth{At: at, Instance: "c1", Received: 2, Failed: 4, Queued: 300, LastError: "dial tcp 10.0.0.5:9000: connection refused"}, true
			},
			check: 2*time.Minute + 15*time.Second, wantBlind: true,
			wantSummaryPart: "receives 8 spans a minute and cannot store them (16 failed store attempts a minute, 300 spans queued): dial tcp 10.0.0.5:9000: connection refused",
		},
		"up and receiving nothing": {
			beat: func(at time.Time) (clickhouse.CollectorHealth, bool) {
				return clickhouse.CollectorHealth{At: at, Instance: "c1"}, true
			},
			check: 4 * time.Minute, wantBlind: true, wantSummaryPart: "the collector is up (heartbeat 13:02:30 UTC) and receives nothing",
		},
		"stopped": {
			beat: func(at time.Time) (clickhouse.CollectorHealth, bool) {
				return clickhouse.CollectorHealth{At: at, Instance: "c1", Received: 2, Exported: 2}, at.Before(gapStart)
			},
			check: 4 * time.Minute, wantBlind: true, wantSummaryPart: "no collector heartbeat since 12:59:45 UTC: the collector is stopped or cannot reach ClickHouse",
		},
	} {
		t.Run(name, func(t *testing.T) {
			s := &memStore{minutes: map[time.Time]clickhouse.EstateMinute{}}
			for m := gapStart.Add(-time.Hour); m.Before(gapStart); m = m.Add(time.Minute) {
				s.minutes[m] = clickhouse.EstateMinute{Spans: 6, Flows: 5}
			}
			now := gapStart
			w := &Watchdog{Store: s, Now: func() time.Time { return now }}
			for at := gapStart.Add(-10 * time.Minute); !at.After(gapStart.Add(tc.check)); at = at.Add(15 * time.Second) {
				now = at
				if h, ok := tc.beat(at); ok {
					s.beats = append(s.beats, h)
				}
				if !at.Before(gapStart) {
					if err := w.Check(context.Background()); err != nil {
						t.Fatal(err)
					}
				}
			}
			if got := len(s.events) == 1; got != tc.wantBlind {
				t.Fatalf("%d events, want blind %v", len(s.events), tc.wantBlind)
			}
			if sum := s.events[0].Summary; !strings.Contains(sum, tc.wantSummaryPart) {
				t.Errorf("summary %q\nwant it to say %q", sum, tc.wantSummaryPart)
			}
		})
	}
}

// A server that starts after a pause (or a demo after writing its
// history) finds an old silence that the senders fill within seconds:
// the watchdog watches a silence as long as it must last before it says
// anything, so nothing fires; an outage that goes on fires then.
func TestWatchdogStartsIntoAnOldSilence(t *testing.T) {
	start := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	gapStart := start.Add(time.Hour)
	for name, fill := range map[string]bool{"filled within seconds": true, "an outage that goes on": false} {
		t.Run(name, func(t *testing.T) {
			s := &memStore{minutes: map[time.Time]clickhouse.EstateMinute{}}
			for m := start; m.Before(gapStart); m = m.Add(time.Minute) {
				s.minutes[m] = clickhouse.EstateMinute{Spans: 1000, Flows: 40}
			}
			now := gapStart.Add(5 * time.Minute) // the server starts
			w := &Watchdog{Store: s, Now: func() time.Time { return now }}
			for ; now.Before(gapStart.Add(8 * time.Minute)); now = now.Add(15 * time.Second) {
				if fill && !now.Before(gapStart.Add(5*time.Minute+20*time.Second)) {
					for m := gapStart; !m.After(now); m = m.Add(time.Minute) {
						s.minutes[m.Truncate(time.Minute)] = clickhouse.EstateMinute{Spans: 1000, Flows: 40}
					}
				}
				if err := w.Check(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			if want := map[bool]int{true: 0, false: 1}[fill]; len(s.events) != want {
				t.Errorf("%d events %+v, want %d", len(s.events), s.events, want)
			}
		})
	}
}

// LatestGap reads the gap from the watchdog's own events: none before it
// fires, open while it is firing, closed at its resolution.
func TestLatestGap(t *testing.T) {
	start := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	gapStart := start.Add(60 * time.Minute)
	s := &memStore{minutes: map[time.Time]clickhouse.EstateMinute{}}
	for m := start; m.Before(gapStart.Add(20 * time.Minute)); m = m.Add(time.Minute) {
		if m.Before(gapStart) || !m.Before(gapStart.Add(10*time.Minute)) {
			s.minutes[m] = clickhouse.EstateMinute{Spans: 1000, Flows: 40}
		}
	}
	now := gapStart
	w := &Watchdog{Store: s, Now: func() time.Time { return now }}
	var opened, closed bool
	for ; !now.After(gapStart.Add(12 * time.Minute)); now = now.Add(15 * time.Second) {
		if err := w.Check(context.Background()); err != nil {
			t.Fatal(err)
		}
		from, to, err := LatestGap(context.Background(), s)
		if err != nil {
			t.Fatal(err)
		}
		switch len(s.events) {
		case 0:
			if !from.IsZero() || !to.IsZero() {
				t.Fatalf("at %s, before the watchdog fired: gap %s–%s", now.Format(time.TimeOnly), from, to)
			}
		case 1:
			opened = true
			if !from.Equal(gapStart) || !to.IsZero() {
				t.Fatalf("at %s, while firing: gap %s–%s, want from %s, open", now.Format(time.TimeOnly), from, to, gapStart)
			}
		default:
			closed = true
			if !from.Equal(gapStart) || !to.Equal(s.events[1].At) {
				t.Fatalf("at %s, once resolved: gap %s–%s, want %s–%s", now.Format(time.TimeOnly), from, to, gapStart, s.events[1].At)
			}
		}
	}
	if !opened || !closed {
		t.Errorf("the watchdog fired %v and resolved %v: %+v", opened, closed, s.events)
	}
}
