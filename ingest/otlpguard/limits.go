package otlpguard

import (
	"errors"
	"fmt"
	"time"
)

// Limits bound the work one OTLP trace request may cause. They are checked
// on the request's bytes, before it is decoded, so that a small request
// cannot become millions of objects or a value nested beyond what any
// program would send.
type Limits struct {
	// MaxSpans in one request.
	MaxSpans int `mapstructure:"max_spans_per_request"`
	// MaxItems decoded from one request: spans, events, links, attributes
	// and attribute values (every element of an array value counts).
	MaxItems int `mapstructure:"max_items_per_request"`
	// MaxValueDepth is how deep attribute values may nest: a string is
	// depth 1, an array of strings 2, an array of arrays 3.
	MaxValueDepth int `mapstructure:"max_value_depth"`
	// MaxEvents and MaxLinks of one span.
	MaxEvents int `mapstructure:"max_events_per_span"`
	MaxLinks  int `mapstructure:"max_links_per_span"`
	// MaxAttributes of one resource, scope, span, event, link or
	// key-value list. Spans keep fewer: the flow processor truncates them
	// to its own limit, as the conventions say.
	MaxAttributes int `mapstructure:"max_attributes"`
}

// DefaultLimits are what a request may carry unless configured otherwise.
// An SDK's batch is 512 spans and a collector's 8,192; a span rarely has
// more than a few dozen attributes.
var DefaultLimits = Limits{
	MaxSpans:      65536,
	MaxItems:      1 << 20,
	MaxValueDepth: 16,
	MaxEvents:     1024,
	MaxLinks:      1024,
	MaxAttributes: 10000,
}

// Config of the intops_otlp_guard extension.
type Config struct {
	Limits Limits `mapstructure:"limits"`
	// RetryAfter is the delay a client is told to wait before it retries a
	// request the collector could not take now (a full queue, the memory
	// limiter): the Retry-After header over HTTP, RetryInfo over gRPC.
	RetryAfter time.Duration `mapstructure:"retry_after"`
	// MemoryLimitMiB is the process's memory limit (the memory_limiter's
	// limit_mib): while live heap objects take more than 80% of it, trace
	// requests are refused before they are decoded, as retryable. 0: no
	// such check.
	MemoryLimitMiB int `mapstructure:"memory_limit_mib"`
	// MaxInflightBytes bounds the bytes of trace requests being decoded
	// and processed at once; a request beyond it waits briefly, then is
	// refused as retryable.
	MaxInflightBytes int64 `mapstructure:"max_inflight_bytes"`
}

func createDefaultConfig() *Config {
	return &Config{Limits: DefaultLimits, RetryAfter: 5 * time.Second, MaxInflightBytes: 64 << 20}
}

// Validate checks the limits.
func (c *Config) Validate() error {
	var errs []error
	for _, l := range []struct {
		name string
		v    int
		min  int
	}{
		{"limits.max_spans_per_request", c.Limits.MaxSpans, 1},
		{"limits.max_items_per_request", c.Limits.MaxItems, 1},
		{"limits.max_value_depth", c.Limits.MaxValueDepth, 2},
		{"limits.max_events_per_span", c.Limits.MaxEvents, 0},
		{"limits.max_links_per_span", c.Limits.MaxLinks, 0},
		{"limits.max_attributes", c.Limits.MaxAttributes, 16},
	} {
		if l.v < l.min {
			errs = append(errs, fmt.Errorf("%s is %d: want at least %d", l.name, l.v, l.min))
		}
	}
	if c.MemoryLimitMiB < 0 {
		errs = append(errs, fmt.Errorf("memory_limit_mib is %d: want 0 (off) or more", c.MemoryLimitMiB))
	}
	if c.MaxInflightBytes < 16<<20 {
		errs = append(errs, fmt.Errorf("max_inflight_bytes is %d: want at least 16777216 (the largest request)", c.MaxInflightBytes))
	}
	if c.RetryAfter < time.Second {
		errs = append(errs, fmt.Errorf("retry_after is %s: want at least 1s", c.RetryAfter))
	}
	return errors.Join(errs...)
}

// LimitError says which limit a request exceeds.
type LimitError struct {
	What    string // e.g. "spans in the request"
	Limit   int
	Setting string // the setting that raises it
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("more than %d %s (limits.%s)", e.Limit, e.What, e.Setting)
}

// MalformedError says where a request's bytes stop being OTLP.
type MalformedError struct {
	Offset int
	Reason string
}

func (e *MalformedError) Error() string {
	return fmt.Sprintf("malformed OTLP request at byte %d: %s", e.Offset, e.Reason)
}
