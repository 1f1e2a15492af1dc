package ui

import (
	"context"
	"sync"
	"time"

	"github.com/intops/intops/clickhouse"
)

// recentCounts shares the last hour's counts per integration between the
// requests that show them (the estate overview, the map, the integrations
// API): they are read from ClickHouse at most once per maxAge, and
// requests arriving while a read runs wait for it instead of starting
// their own. The per-minute rollup moves once a minute, so a few seconds
// of age change nothing a reader could see.
type recentCounts struct {
	store  Store
	maxAge time.Duration

	mu     sync.Mutex
	last   *countsRead // the last successful read
	flight *countsRead
}

// countsRead is one read of the counts: of the hour to To.
type countsRead struct {
	done   chan struct{}
	To     time.Time
	Counts map[string]clickhouse.Counts
	err    error
	readAt time.Time // wall time: the server's clock can be fixed
}

// defaultCountsMaxAge is how long the last hour's counts are shared.
const defaultCountsMaxAge = 5 * time.Second

// lastHour returns the counts of the hour before now, or of an hour that
// ended at most maxAge before it and was read at most maxAge ago. The read is shared: its counts must
// not be changed.
func (c *recentCounts) lastHour(ctx context.Context, now time.Time) (*countsRead, error) {
	c.mu.Lock()
	if l := c.last; l != nil && time.Since(l.readAt) < c.maxAge && !now.Before(l.To) && now.Sub(l.To) < c.maxAge {
		c.mu.Unlock()
		return l, nil
	}
	f := c.flight
	if f == nil {
		f = &countsRead{done: make(chan struct{}), To: now, readAt: time.Now()}
		c.flight = f
		c.mu.Unlock()
		// The read is shared: one caller going away must not fail it
		// for the others.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		f.Counts, f.err = c.store.IntegrationCounts(rctx, now.Add(-time.Hour), now)
		cancel()
		c.mu.Lock()
		c.flight = nil
		if f.err == nil {
			c.last = f
		}
		c.mu.Unlock()
		close(f.done)
		return f, f.err
	}
	c.mu.Unlock()
	select {
	case <-f.done:
		return f, f.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
