// Package loop runs the server's periodic work.
package loop

import (
	"context"
	"time"
)

// Every calls f at once and then every interval until ctx ends; failures
// go to failed (unless ctx has ended) and the next round tries again.
func Every(ctx context.Context, interval time.Duration, f func(context.Context) error, failed func(error)) {
	for {
		if err := f(ctx); err != nil && ctx.Err() == nil {
			failed(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}
