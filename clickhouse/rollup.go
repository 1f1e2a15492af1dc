package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/intops/intops"
)

// LatencyBounds are the rollup's latency buckets (intops.LatencyBounds).
var LatencyBounds = intops.LatencyBounds

// LatencyBucket is intops.LatencyBucket.
func LatencyBucket(d time.Duration) int { return intops.LatencyBucket(d) }

// Minute is intops.RollupMinute.
type Minute = intops.RollupMinute

// InsertMinutes adds pre-aggregated minutes to the per-minute rollup (they
// merge with what spans already put there) and to the hourly one.
func (db *DB) InsertMinutes(ctx context.Context, ms []Minute) error {
	return db.insertInput(ctx, "flow_rollup_input", "minute", time.Minute, ms)
}

// InsertHours adds pre-aggregated hours (each Minute field is the start of
// its hour) to the hourly rollup only: long histories at a row per hour.
func (db *DB) InsertHours(ctx context.Context, hs []Minute) error {
	return db.insertInput(ctx, "flow_rollup_input_1h", "hour", time.Hour, hs)
}

func (db *DB) insertInput(ctx context.Context, table, col string, unit time.Duration, ms []Minute) error {
	if len(ms) == 0 {
		return nil
	}
	batch, err := db.conn.PrepareBatch(ctx, `INSERT INTO `+db.database+`.`+table+` (date, `+col+`,
		integration_id, service_name, peer_service, spans, error_spans, executions, failed,
		err_transient, err_timeout, err_auth, err_rate_limit, err_validation, err_unavailable,
		err_unknown, records, durations, duration_le)`)
	if err != nil {
		return fmt.Errorf("prepare %s insert: %w", table, err)
	}
	defer batch.Abort()
	for _, m := range ms {
		t := m.Minute.UTC().Truncate(unit)
		d := m.Durations
		if d == nil {
			d = []uint64{}
		}
		c := m.ByClass
		err := batch.Append(t, t, m.IntegrationID, m.ServiceName, m.PeerService,
			m.Spans, m.ErrorSpans, m.Executions, m.Failed,
			c[intops.ErrorTransient], c[intops.ErrorTimeout], c[intops.ErrorAuth], c[intops.ErrorRateLimit],
			c[intops.ErrorValidation], c[intops.ErrorUnavailable], c[intops.ErrorUnknown],
			m.Records, d, le(m.Durations, m.Executions))
		if err != nil {
			return fmt.Errorf("append %s row: %w", col, err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("insert %d %ss: %w", len(ms), col, err)
	}
	return nil
}

// le turns a duration sample into cumulative bucket counts scaled to the
// minute's executions.
func le(sample []uint64, executions uint64) []uint64 {
	out := make([]uint64, len(LatencyBounds))
	if len(sample) == 0 {
		return out
	}
	for i, b := range LatencyBounds {
		n := 0
		for _, d := range sample {
			if d <= uint64(b) {
				n++
			}
		}
		out[i] = uint64(float64(n) / float64(len(sample)) * float64(executions))
	}
	return out
}

// ErrOptimizeCluster: OPTIMIZE … ON CLUSTER of replicated tables fails on
// ClickHouse 18.16 ("Unknown log entry type"), so cluster mode leaves the
// merging to the servers' background merges.
var ErrOptimizeCluster = errors.New("optimize: not in cluster mode (background merges do it)")

// Optimize merges the rollup tables' parts now (what background merges do
// over time); benchmarks call it to measure the steady state. A single
// server only: ErrOptimizeCluster in cluster mode.
func (db *DB) Optimize(ctx context.Context) error {
	if db.cluster != "" {
		return ErrOptimizeCluster
	}
	for _, t := range []string{"flow_rollup_1m", "flow_rollup_1h"} {
		if err := db.conn.Exec(ctx, "OPTIMIZE TABLE "+db.database+"."+t+" FINAL"); err != nil {
			return fmt.Errorf("optimize %s: %w", t, err)
		}
	}
	return nil
}
