package simulate

import (
	"context"
	"log/slog"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// LiveOptions configure Live.
type LiveOptions struct {
	Exporter sdktrace.SpanExporter
	Tick     time.Duration // how often executions are sent; default 1s
	Logger   *slog.Logger
	Now      func() time.Time
	// MaxPending bounds the spans kept for resending while the collector
	// refuses them; past it the oldest are given up (and counted).
	MaxPending int
	// BatchSize is the most spans one export request carries.
	BatchSize int
	// Start is where the traffic begins (zero: now); a start in the past
	// is caught up on the first tick.
	Start time.Time
}

// LiveStats count what Live did.
type LiveStats struct {
	Sent, Refused, GivenUp int
}

// Live sends the generator's executions as they happen, until ctx ends.
// Spans the collector refuses are sent again on the next tick.
func Live(ctx context.Context, g *Generator, b *SpanBuilder, o LiveOptions) (LiveStats, error) {
	if o.Tick <= 0 {
		o.Tick = time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.MaxPending <= 0 {
		o.MaxPending = 500_000
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 2000
	}
	var st LiveStats
	var pending []sdktrace.ReadOnlySpan
	last := o.Start
	if last.IsZero() {
		last = o.Now()
	}
	ticker := time.NewTicker(o.Tick)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return st, nil
		case <-ticker.C:
		}
		now := o.Now()
		pending = append(pending, b.Spans(g.Executions(last, now))...)
		last = now
		for len(pending) > 0 {
			n := min(len(pending), o.BatchSize)
			if err := o.Exporter.ExportSpans(ctx, pending[:n]); err != nil {
				st.Refused++
				o.Logger.Warn("collector refused spans; will resend", "spans", n, "err", err)
				break
			}
			st.Sent += n
			pending = pending[n:]
		}
		if extra := len(pending) - o.MaxPending; extra > 0 {
			st.GivenUp += extra
			pending = pending[extra:]
			o.Logger.Error("too many spans waiting for the collector; oldest given up", "spans", extra)
		}
	}
}
