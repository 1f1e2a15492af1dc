// Package alertingtest is an in-memory store for the alerting manager,
// for the fast tier's policy tests: it answers as ClickHouse does (its
// conformance test runs the same calls against both).
package alertingtest

import (
	"context"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/intops/intops"
)

// Store keeps alert events, the alerting log and error samples in memory.
type Store struct {
	mu      sync.Mutex
	events  []intops.AlertEvent
	log     []intops.LogEntry
	samples map[string][]intops.ErrorSample
}

// AppendAlertEvents adds alert events, as the analyzers do.
func (s *Store) AppendAlertEvents(_ context.Context, evs []intops.AlertEvent) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range evs {
		e.At = e.At.UTC()
		s.events = append(s.events, e)
	}
	return nil
}

// AlertEventsAfter returns the events after afterNS, by time and key.
func (s *Store) AlertEventsAfter(_ context.Context, afterNS uint64, limit int) ([]intops.AlertEvent, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []intops.AlertEvent
	for _, e := range s.events {
		if uint64(e.At.UnixNano()) > afterNS {
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].At.Equal(out[j].At) {
			return out[i].At.Before(out[j].At)
		}
		return out[i].Key < out[j].Key
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// AppendLog adds alerting log entries.
func (s *Store) AppendLog(_ context.Context, es []intops.LogEntry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range es {
		e.At = time.Unix(0, e.At.UnixNano()).UTC()
		s.log = append(s.log, e)
	}
	return nil
}

// ReadLog returns a stream's entries with seq above after.
func (s *Store) ReadLog(ctx context.Context, stream string, after uint64) ([]intops.LogEntry, error) {
	return s.QueryLog(ctx, intops.LogFilter{Stream: stream, AfterSeq: after})
}

// QueryLog returns a stream's entries that pass the filter, by seq, term
// and time.
func (s *Store) QueryLog(_ context.Context, f intops.LogFilter) ([]intops.LogEntry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []intops.LogEntry
	for _, e := range s.log {
		if e.Stream != f.Stream || f.AfterSeq > 0 && e.Seq <= f.AfterSeq || f.Key != "" && e.Key != f.Key ||
			!f.Since.IsZero() && e.At.Before(f.Since) {
			continue
		}
		out = append(out, e)
	}
	slices.SortStableFunc(out, func(a, b intops.LogEntry) int {
		switch {
		case a.Seq != b.Seq:
			return cmpU(a.Seq, b.Seq)
		case a.Term != b.Term:
			return cmpU(a.Term, b.Term)
		}
		return a.At.Compare(b.At)
	})
	return out, nil
}

func cmpU(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// LogTerms returns each term's lowest seq.
func (s *Store) LogTerms(context.Context) (map[uint64]uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[uint64]uint64{}
	for _, e := range s.log {
		if e.Seq == 0 {
			continue
		}
		if m, ok := out[e.Term]; !ok || e.Seq < m {
			out[e.Term] = e.Seq
		}
	}
	return out, nil
}

// MaxLogSeq is the highest seq of the log.
func (s *Store) MaxLogSeq(context.Context) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var n uint64
	for _, e := range s.log {
		n = max(n, e.Seq)
	}
	return n, nil
}

// SetErrorSamples sets what ErrorSamples answers for an integration.
func (s *Store) SetErrorSamples(integration string, ss []intops.ErrorSample) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.samples == nil {
		s.samples = map[string][]intops.ErrorSample{}
	}
	s.samples[integration] = ss
}

// ErrorSamples returns the samples set for the integration, at most limit.
func (s *Store) ErrorSamples(_ context.Context, integration string, _, _ time.Time, limit int) ([]intops.ErrorSample, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.samples[integration]
	if len(ss) > limit {
		ss = ss[:limit]
	}
	return slices.Clone(ss), nil
}
