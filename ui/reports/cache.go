package reports

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/intops/intops/catalog"
)

// A rendered report (its HTML, CSV or PDF bytes) is kept per report,
// period, format and table, so that the tenth download of last month's
// PDF costs nothing. An entry is dropped when the catalog it was built
// from is replaced, and after a TTL: short while the period is still
// running (its figures move), longer once it has ended (late data and the
// day's maturity snapshot can still change it a little). The cache holds
// at most maxEntries entries and maxBytes bytes, the least recently used
// going first.
//
// Renders that miss the cache take a slot of a semaphore (a few at a
// time: each PDF is a Chromium of a few hundred megabytes); one that finds
// every slot busy waits up to the queue wait, then is answered 503 with
// Retry-After. Identical renders asked at once are done once.
type reportCache struct {
	maxEntries int
	maxBytes   int
	slots      chan struct{}
	wait       time.Duration

	mu      sync.Mutex
	entries map[string]*cachedReport
	size    int
	flights map[string]*flight
}

type cachedReport struct {
	body    []byte
	catalog *catalog.Catalog
	expires time.Time
	used    time.Time
}

type flight struct {
	done chan struct{}
	body []byte
	err  error
}

// Report cache defaults.
const (
	defaultReportRenders   = 2
	defaultReportQueueWait = 10 * time.Second
	reportCacheEntries     = 64
	reportCacheBytes       = 64 << 20
	reportTTLRunning       = 5 * time.Minute // the period has not ended
	reportTTLEnded         = time.Hour
	renderTimeout          = 2 * time.Minute // a PDF is printed within a minute (report.Chromium)
)

// errBusy says every render slot stayed busy for the whole queue wait.
var errBusy = errors.New("every report render slot is busy")

func newReportCache(renders int, wait time.Duration) *reportCache {
	if renders <= 0 {
		renders = defaultReportRenders
	}
	if wait <= 0 {
		wait = defaultReportQueueWait
	}
	return &reportCache{maxEntries: reportCacheEntries, maxBytes: reportCacheBytes, slots: make(chan struct{}, renders), wait: wait,
		entries: map[string]*cachedReport{}, flights: map[string]*flight{}}
}

// get returns the cached bytes of key, or renders them with a slot of the
// semaphore and keeps them until ttl has passed or the catalog cat is
// replaced. hit reports whether no render was needed.
func (c *reportCache) get(ctx context.Context, key string, cat *catalog.Catalog, now time.Time, ttl time.Duration,
	render func(context.Context) ([]byte, error)) (body []byte, hit bool, err error) {
	c.mu.Lock()
	if e := c.entries[key]; e != nil {
		if e.catalog == cat && now.Before(e.expires) {
			e.used = now
			c.mu.Unlock()
			return e.body, true, nil
		}
		c.drop(key)
	}
	if f := c.flights[key]; f != nil {
		c.mu.Unlock()
		select {
		case <-f.done:
			return f.body, true, f.err
		case <-ctx.Done():
			return nil, false, ctx.Err()
		}
	}
	f := &flight{done: make(chan struct{})}
	c.flights[key] = f
	c.mu.Unlock()

	// The render is shared: one caller going away must not fail it for
	// the others.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), renderTimeout)
	f.body, f.err = c.render(rctx, render)
	cancel()
	c.mu.Lock()
	delete(c.flights, key)
	if f.err == nil && len(f.body) <= c.maxBytes {
		c.entries[key] = &cachedReport{body: f.body, catalog: cat, expires: now.Add(ttl), used: now}
		c.size += len(f.body)
		c.evict()
	}
	c.mu.Unlock()
	close(f.done)
	return f.body, false, f.err
}

// render runs fn with a slot, waiting at most c.wait for one.
func (c *reportCache) render(ctx context.Context, fn func(context.Context) ([]byte, error)) ([]byte, error) {
	t := time.NewTimer(c.wait)
	defer t.Stop()
	select {
	case c.slots <- struct{}{}:
	case <-t.C:
		return nil, errBusy
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-c.slots }()
	return fn(ctx)
}

// retryAfter is the Retry-After of a request refused for want of a slot:
// the queue wait, in seconds.
func (c *reportCache) retryAfter() string {
	return strconv.Itoa(max(1, int(c.wait.Seconds())))
}

// drop removes an entry; c.mu is held.
func (c *reportCache) drop(key string) {
	if e := c.entries[key]; e != nil {
		c.size -= len(e.body)
		delete(c.entries, key)
	}
}

// evict drops the least recently used entries beyond the bounds; c.mu
// is held.
func (c *reportCache) evict() {
	for len(c.entries) > c.maxEntries || c.size > c.maxBytes {
		var oldest string
		var at time.Time
		for k, e := range c.entries {
			if oldest == "" || e.used.Before(at) {
				oldest, at = k, e.used
			}
		}
		c.drop(oldest)
	}
}
