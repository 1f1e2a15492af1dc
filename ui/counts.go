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
	to     time.Time // end of the window read
	counts map[string]clickhouse.Counts
	flight *countsRead
}

type countsRead struct {
	done   chan struct{}
	to     time.Time
	counts map[string]clickhouse.Counts
	err    error
}

// defaultCountsMaxAge is how long the last hour's counts are shared.
const defaultCountsMaxAge = 5 * time.Second

// lastHour returns the counts of the hour before now, or of an hour that
// ended at most maxAge before it, and the end of that hour.
func (c *recentCounts) lastHour(ctx context.Context, now time.Time) (map[string]clickhouse.Counts, time.Time, error) {
	c.mu.Lock()
	if c.counts != nil && !now.Before(c.to) && now.Sub(c.to) < c.maxAge {
		counts, to := c.counts, c.to
		c.mu.Unlock()
		return counts, to, nil
	}
	f := c.flight
	if f == nil {
		f = &countsRead{done: make(chan struct{}), to: now}
		c.flight = f
		c.mu.Unlock()
		// The read is shared: one caller going away must not fail it
		// for the others.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		f.counts, f.err = c.store.IntegrationCounts(rctx, now.Add(-time.Hour), now)
		cancel()
		c.mu.Lock()
		c.flight = nil
		if f.err == nil {
			c.counts, c.to = f.counts, f.to
		}
		c.mu.Unlock()
		close(f.done)
		return f.counts, f.to, f.err
	}
	c.mu.Unlock()
	select {
	case <-f.done:
		return f.counts, f.to, f.err
	case <-ctx.Done():
		return nil, now, ctx.Err()
	}
}
