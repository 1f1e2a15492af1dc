package slo_test

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/intops/intops/analyzer/slo"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/clickhouse/chtest"
)

// The evaluator's run ends with its context and leaves nothing running.
func TestEvaluatorRunLeavesNothing(t *testing.T) {
	db := chtest.Shared(t).Open(t)
	cat, err := catalog.Parse("estate.yaml", []byte(estate))
	if err != nil {
		t.Fatal(err)
	}
	leak := goleak.IgnoreCurrent()
	e := &slo.Evaluator{Store: db, Catalog: func() *catalog.Catalog { return cat }, Interval: 50 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.Run(ctx); close(done) }()
	time.Sleep(500 * time.Millisecond)
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return within 10s of its end")
	}
	goleak.VerifyNone(t, leak, goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"))
}
