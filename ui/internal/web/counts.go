package web

import (
	"context"
	"sync"
	"time"

	"github.com/intops/intops"
)

// RecentCounts shares the last hour's counts per integration between the
// requests that show them (the estate overview, the map, the integrations
// API): they are read from ClickHouse at most once per MaxAge, and
// requests arriving while a read runs wait for it instead of starting
// their own. The per-minute rollup moves once a minute, so a few seconds
// of age change nothing a reader could see.
type RecentCounts struct {
	Store  Store
	MaxAge time.Duration

	mu     sync.Mutex
	last   *CountsRead // the last successful read
	flight *CountsRead
}

// CountsRead is one read of the counts: of the hour to To.
type CountsRead struct {
	done   chan struct{}
	To     time.Time
	Counts map[string]intops.Traffic
	err    error
	readAt time.Time // wall time: the server's clock can be fixed
}

// DefaultCountsMaxAge is how long the last hour's counts are shared.
const DefaultCountsMaxAge = 5 * time.Second

// LastHour returns the counts of the hour before now, or of an hour that
// ended at most MaxAge before it and was read at most MaxAge ago. The read is shared: its
// counts must not be changed.
func (c *RecentCounts) LastHour(ctx context.Context, now time.Time) (*CountsRead, error) {
	c.mu.Lock()
	if l := c.last; l != nil && time.Since(l.readAt) < c.MaxAge && !now.Before(l.To) && now.Sub(l.To) < c.MaxAge {
		c.mu.Unlock()
		return l, nil
	}
	f := c.flight
	if f == nil {
		f = &CountsRead{done: make(chan struct{}), To: now, readAt: time.Now()}
		c.flight = f
		c.mu.Unlock()
		// The read is shared: one caller going away must not fail it
		// for the others.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		f.Counts, f.err = c.Store.IntegrationCounts(rctx, now.Add(-time.Hour), now)
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
