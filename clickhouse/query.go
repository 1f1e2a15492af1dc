package clickhouse

import (
	"context"
	"fmt"
	"time"

	"github.com/intops/intops"
)

// Counts are an integration's figures over a range (intops.Traffic).
type Counts = intops.Traffic

// IntegrationCounts reads the per-minute rollup for [from, to) and returns
// the figures per integration id (unattributed traffic under "").
func (db *DB) IntegrationCounts(ctx context.Context, from, to time.Time) (map[string]Counts, error) {
	rows, err := db.conn.Query(ctx, `
		SELECT integration_id, sumMerge(spans), sumMerge(error_spans), sumMerge(executions),
		       sumMerge(failed), sumMerge(records)
		FROM `+db.database+`.flow_rollup_1m
		WHERE date >= toDate(?) AND date <= toDate(?) AND minute >= ? AND minute < ?
		GROUP BY integration_id`, from.UTC(), to.UTC(), from.UTC(), to.UTC())
	if err != nil {
		return nil, fmt.Errorf("query integration counts: %w", err)
	}
	defer rows.Close()
	out := map[string]Counts{}
	for rows.Next() {
		var c Counts
		if err := rows.Scan(&c.IntegrationID, &c.Spans, &c.ErrorSpans, &c.Executions, &c.Failed, &c.Records); err != nil {
			return nil, fmt.Errorf("scan integration counts: %w", err)
		}
		out[c.IntegrationID] = c
	}
	return out, rows.Err()
}

// SpanStats summarise the raw span table: how many rows and how many
// distinct (trace, span) pairs, so that duplicates show.
type SpanStats struct {
	Rows, Distinct uint64
}

// CountSpans counts the raw spans stored (all partitions).
func (db *DB) CountSpans(ctx context.Context) (SpanStats, error) {
	var s SpanStats
	err := db.conn.QueryRow(ctx, `SELECT count(), uniqExact(trace_id, span_id) FROM `+db.database+`.flow_spans`).Scan(&s.Rows, &s.Distinct)
	if err != nil {
		return s, fmt.Errorf("count spans: %w", err)
	}
	return s, nil
}

// LatestMinute is the newest minute in the rollup (zero when empty).
func (db *DB) LatestMinute(ctx context.Context) (time.Time, error) {
	var t time.Time
	var n uint64
	err := db.conn.QueryRow(ctx, `SELECT max(minute), count() FROM `+db.database+`.flow_rollup_1m`).Scan(&t, &n)
	if err != nil {
		return time.Time{}, fmt.Errorf("latest minute: %w", err)
	}
	if n == 0 {
		return time.Time{}, nil
	}
	return t.UTC(), nil
}

// EarliestHour is the oldest hour in the hourly rollup (zero when empty):
// where the history that reports can read begins.
func (db *DB) EarliestHour(ctx context.Context) (time.Time, error) {
	var t time.Time
	var n uint64
	err := db.conn.QueryRow(ctx, `SELECT min(hour), count() FROM `+db.database+`.flow_rollup_1h`).Scan(&t, &n)
	if err != nil {
		return time.Time{}, fmt.Errorf("earliest hour: %w", err)
	}
	if n == 0 {
		return time.Time{}, nil
	}
	return t.UTC(), nil
}

// EstateMinute is a minute of the whole estate (intops.EstateMinute).
type EstateMinute = intops.EstateMinute

// EstateMinutes is what was stored per minute in [from, to) across the
// estate (attributed or not); minutes without any are absent.
func (db *DB) EstateMinutes(ctx context.Context, from, to time.Time) (map[time.Time]EstateMinute, error) {
	rows, err := db.conn.Query(ctx, `
		SELECT minute, toUInt64(sum(n)), toUInt64(count())
		FROM (
			SELECT minute, integration_id, service_name, sumMerge(spans) AS n
			FROM `+db.database+`.flow_rollup_1m
			WHERE date >= toDate(?) AND date <= toDate(?) AND minute >= ? AND minute < ?
			GROUP BY minute, integration_id, service_name
			HAVING n > 0
		)
		GROUP BY minute`, from.UTC(), to.UTC(), from.UTC(), to.UTC())
	if err != nil {
		return nil, fmt.Errorf("query estate minutes: %w", err)
	}
	defer rows.Close()
	out := map[time.Time]EstateMinute{}
	for rows.Next() {
		var m time.Time
		var x EstateMinute
		if err := rows.Scan(&m, &x.Spans, &x.Flows); err != nil {
			return nil, fmt.Errorf("scan estate minutes: %w", err)
		}
		out[m.UTC()] = x
	}
	return out, rows.Err()
}
