package simulate

import (
	"context"
	"log/slog"
	"slices"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// LiveOptions configure Live.
type LiveOptions struct {
	Exporter sdktrace.SpanExporter
	Tick     time.Duration // how often executions are sent; default 1s
	Logger   *slog.Logger
	Now      func() time.Time
	// MaxPending bounds the executions kept for resending while the
	// collector refuses them (default 2,000,000: half an hour of the demo
	// estate); past it the oldest are given up (and counted).
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
		o.MaxPending = 2_000_000
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 2000
	}
	var st LiveStats
	// pending are the executions not yet taken; batch is the next
	// request's spans, sent again as they are until the collector takes
	// them (a request that timed out may have been stored: the same span
	// IDs let the store tell).
	var pending []Execution
	var batch []sdktrace.ReadOnlySpan
	var refusedSince, lastWarn time.Time
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
		pending = append(pending, g.Executions(last, now)...)
		last = now
		for len(batch) > 0 || len(pending) > 0 {
			if len(batch) == 0 {
				n := min(len(pending), max(1, o.BatchSize/2)) // up to two spans an execution
				batch, pending = b.Spans(pending[:n]), pending[n:]
			}
			if err := o.Exporter.ExportSpans(ctx, batch); err != nil {
				st.Refused++
				if refusedSince.IsZero() {
					refusedSince = now
				}
				if now.Sub(lastWarn) >= time.Minute {
					lastWarn = now
					o.Logger.Warn("collector refuses spans; they wait and are sent again", "since", refusedSince.Format(time.TimeOnly),
						"waiting", len(batch)+len(pending), "err", err)
				}
				break
			}
			st.Sent += len(batch)
			batch = nil
			if !refusedSince.IsZero() && len(pending) == 0 {
				o.Logger.Info("collector takes spans again; every waiting span sent", "refused_since", refusedSince.Format(time.TimeOnly))
				refusedSince, lastWarn = time.Time{}, time.Time{}
			}
		}
		if extra := len(pending) - o.MaxPending; extra > 0 {
			st.GivenUp += extra
			pending = slices.Delete(pending, 0, extra)
			o.Logger.Error("too many executions waiting for the collector; oldest given up", "executions", extra)
		}
	}
}
