package clickhouse

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/intops/intops"
)

// MinuteCounts is a rollup bucket (intops.Bucket).
type MinuteCounts = intops.Bucket

// RollupQuery selects rollup buckets (intops.RollupQuery).
type RollupQuery = intops.RollupQuery

// Minutes reads the per-minute rollup of the integrations in [from, to),
// oldest first, per integration id. Minutes without traffic are absent.
func (db *DB) Minutes(ctx context.Context, integrations []string, from, to time.Time) (map[string][]MinuteCounts, error) {
	return db.Rollup(ctx, RollupQuery{Integrations: integrations, From: from, To: to})
}

// Hours reads the hourly rollup the same way: each entry's Minute is the
// start of its hour. [from, to) should be whole hours.
func (db *DB) Hours(ctx context.Context, integrations []string, from, to time.Time) (map[string][]MinuteCounts, error) {
	return db.Rollup(ctx, RollupQuery{Integrations: integrations, From: from, To: to, Hourly: true})
}

// Rollup reads rollup buckets, oldest first, per integration id. Buckets
// without traffic are absent.
//
// Reading is what an SLO evaluation of a thousand integrations spends its
// time on, so rows and columns are kept few: times travel as UInt32
// seconds, latency buckets as separate columns (Array columns are decoded
// value by value through reflection), old hours as days.
func (db *DB) Rollup(ctx context.Context, q RollupQuery) (map[string][]MinuteCounts, error) {
	table, col, width := "flow_rollup_1m", "minute", time.Minute
	if q.Hourly {
		table, col, width = "flow_rollup_1h", "hour", time.Hour
	}
	le := q.LE
	if le == nil {
		le = make([]int, len(LatencyBounds))
		for i := range le {
			le[i] = i
		}
	}
	var sel strings.Builder
	bucket := "toUInt32(" + col + ")"
	var dayFrom, dayTo uint32
	days := q.Hourly && q.DaysTo.After(q.DaysFrom)
	if days {
		dayFrom, dayTo = uint32(q.DaysFrom.Unix()), uint32(q.DaysTo.Unix())
		bucket = "toUInt32(if(toUInt32(hour) >= ? AND toUInt32(hour) < ?, intDiv(toUInt32(hour), 86400) * 86400, toUInt32(hour)))"
	}
	for _, k := range le {
		if k < 0 || k >= len(LatencyBounds) {
			return nil, fmt.Errorf("rollup: no latency bucket %d", k)
		}
		fmt.Fprintf(&sel, ", arrayElement(sumForEachMerge(duration_le), %d)", k+1)
	}
	args := []any{}
	if days {
		args = append(args, dayFrom, dayTo)
	}
	group := "integration_id, t"
	if q.Total {
		bucket, group = "toUInt32(min("+col+"))", "integration_id"
	}
	args = append(args, q.From.UTC(), q.To.UTC(), q.From.UTC(), q.To.UTC())
	// A few integrations (a page, an SLO's history) are filtered by the
	// primary key, one placeholder each; thousands are filtered below, in
	// Go, as ClickHouse 18.16 would test a long list against every row.
	only := ""
	if n := len(q.Integrations); n > 0 && n <= 50 {
		only = " AND integration_id IN (" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"
		for _, id := range q.Integrations {
			args = append(args, id)
		}
	}
	classes := `sumMerge(err_transient), sumMerge(err_timeout), sumMerge(err_auth), sumMerge(err_rate_limit),
		       sumMerge(err_validation), sumMerge(err_unavailable), sumMerge(err_unknown),`
	if q.NoClasses {
		classes = ""
	}
	rows, err := db.conn.Query(ctx, `
		SELECT integration_id, `+bucket+` AS t, sumMerge(executions), sumMerge(failed), `+classes+`
		       sumMerge(records)`+sel.String()+`
		FROM `+db.database+`.`+table+`
		WHERE date >= toDate(?) AND date <= toDate(?) AND `+col+` >= ? AND `+col+` < ? AND integration_id != ''`+only+`
		GROUP BY `+group+`
		ORDER BY `+group, args...)
	if err != nil {
		return nil, fmt.Errorf("query rollup: %w", err)
	}
	defer rows.Close()
	// The integrations are filtered here: a list of thousands in the query
	// would be tested against every row by ClickHouse 18.16.
	want := make(map[string]bool, len(q.Integrations))
	for _, id := range q.Integrations {
		want[id] = true
	}
	var (
		id  string
		t   uint32
		m   MinuteCounts
		les = make([]uint64, len(le))
	)
	c := &m.ByClass
	dst := []any{&id, &t, &m.Executions, &m.Failed, &c[0], &c[1], &c[2], &c[3], &c[4], &c[5], &c[6], &m.Records}
	if q.NoClasses {
		dst = []any{&id, &t, &m.Executions, &m.Failed, &m.Records}
	}
	for i := range les {
		dst = append(dst, &les[i])
	}
	out := map[string][]MinuteCounts{}
	var slab []uint64 // LE slices are cut from it, a few allocations in all
	for rows.Next() {
		if err := rows.Scan(dst...); err != nil {
			return nil, fmt.Errorf("scan rollup: %w", err)
		}
		if !want[id] {
			continue
		}
		r := m
		r.Minute = time.Unix(int64(t), 0).UTC()
		r.Width = width
		if q.Total {
			r.Minute, r.Width = q.From.UTC(), q.To.Sub(q.From)
		}
		if days && t >= dayFrom && t < dayTo {
			r.Width = 24 * time.Hour
		}
		if len(slab) < len(LatencyBounds) {
			slab = make([]uint64, 1024*len(LatencyBounds))
		}
		r.LE, slab = slab[:len(LatencyBounds):len(LatencyBounds)], slab[len(LatencyBounds):]
		for i, k := range le {
			r.LE[k] = les[i]
		}
		out[id] = append(out[id], r)
	}
	return out, rows.Err()
}
