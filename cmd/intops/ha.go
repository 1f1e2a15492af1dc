package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/intops/intops/clickhouse"
	"github.com/intops/intops/internal/lease"
)

// analyzerLease is the lease the server replicas elect their leader with:
// the leader evaluates alert transitions, runs alerting and sends to
// Slack, applies retention and the other background writers; every
// replica serves the UI and the API.
const analyzerLease = "analyzer"

// newElector makes this server a candidate for the analyzer lease.
func newElector(db *clickhouse.DB, f serverFlags, listenURL string, logger *slog.Logger, reg prometheus.Registerer) *lease.Elector {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	url := f.advertiseURL
	if url == "" {
		url = listenURL
	}
	el := &lease.Elector{Store: db, Name: analyzerLease, Holder: host + "-" + hex.EncodeToString(b), URL: url,
		TTL: f.leaseTTL, Logger: logger.With("component", "lease")}
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "intops_analyzer_leader",
		Help: "1 when this server replica holds the analyzer lease (evaluates alerts, sends to Slack), else 0.",
	}, func() float64 {
		if el.IsLeading() {
			return 1
		}
		return 0
	}))
	return el
}

// leaderJobs runs the jobs while this replica leads, each again when it
// leads anew, until ctx ends.
func leaderJobs(ctx context.Context, el *lease.Elector, jobs ...func(context.Context)) {
	el.WhileLeading(ctx, time.Second, func(ctx context.Context) {
		var wg sync.WaitGroup
		for _, job := range jobs {
			wg.Add(1)
			go func() { defer wg.Done(); job(ctx) }()
		}
		wg.Wait()
	})
}
