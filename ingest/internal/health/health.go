// Package health counts what the collector's intops components do with
// spans, for the exporter's heartbeats: received by the flow processor,
// refused (invalid, or the queue full), taken into the exporter's queue,
// stored, failed attempts, dropped for good. The counters are of the
// process: one collector runs one intops pipeline.
package health

import (
	"sync"
	"sync/atomic"
)

// Counters are cumulative span counts.
type Counters struct {
	Received atomic.Uint64 // spans the flow processor saw
	Refused  atomic.Uint64 // spans refused: invalid, or the exporter's queue full
	Enqueued atomic.Uint64 // spans taken into the exporter's queue
	Exported atomic.Uint64 // spans stored
	Failed   atomic.Uint64 // spans of failed store attempts (each retry counts)
	Dropped  atomic.Uint64 // spans given up after a permanent error

	mu      sync.Mutex
	lastErr string
}

// Process are the counters of this process.
var Process = &Counters{}

// Fail records a failed store attempt of n spans.
func (c *Counters) Fail(n int, err error) {
	c.Failed.Add(uint64(n))
	c.mu.Lock()
	c.lastErr = err.Error()
	c.mu.Unlock()
}

// TakeError returns the latest error since the previous call.
func (c *Counters) TakeError() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.lastErr
	c.lastErr = ""
	return e
}

// Queued is how many spans are in the exporter's queue now (of those
// taken since the process started).
func (c *Counters) Queued() uint64 {
	in := c.Enqueued.Load()
	out := c.Exported.Load() + c.Dropped.Load()
	if out >= in {
		return 0
	}
	return in - out
}
