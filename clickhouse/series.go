package clickhouse

import (
	"context"
	"fmt"
	"time"

	"github.com/intops/intops"
)

// MinuteCounts is one minute of an integration's rollup, as SLIs read it.
type MinuteCounts struct {
	Minute     time.Time
	Executions uint64
	Failed     uint64
	ByClass    intops.ClassCounts
	Records    uint64
	// LE[i] counts executions that took at most LatencyBounds[i].
	LE []uint64
}

// Minutes reads the per-minute rollup of the integrations in [from, to),
// oldest first, per integration id. Minutes without traffic are absent.
func (db *DB) Minutes(ctx context.Context, integrations []string, from, to time.Time) (map[string][]MinuteCounts, error) {
	return db.counts(ctx, "flow_rollup_1m", "minute", integrations, from, to)
}

// Hours reads the hourly rollup the same way: each entry's Minute is the
// start of its hour. [from, to) should be whole hours.
func (db *DB) Hours(ctx context.Context, integrations []string, from, to time.Time) (map[string][]MinuteCounts, error) {
	return db.counts(ctx, "flow_rollup_1h", "hour", integrations, from, to)
}

func (db *DB) counts(ctx context.Context, table, col string, integrations []string, from, to time.Time) (map[string][]MinuteCounts, error) {
	rows, err := db.conn.Query(ctx, `
		SELECT integration_id, `+col+`, sumMerge(executions), sumMerge(failed),
		       sumMerge(err_transient), sumMerge(err_timeout), sumMerge(err_auth), sumMerge(err_rate_limit),
		       sumMerge(err_validation), sumMerge(err_unavailable), sumMerge(err_unknown),
		       sumMerge(records), sumForEachMerge(duration_le)
		FROM `+db.database+`.`+table+`
		WHERE date >= toDate(?) AND date <= toDate(?) AND `+col+` >= ? AND `+col+` < ? AND integration_id != ''
		GROUP BY integration_id, `+col+`
		ORDER BY integration_id, `+col, from.UTC(), to.UTC(), from.UTC(), to.UTC())
	if err != nil {
		return nil, fmt.Errorf("query minutes: %w", err)
	}
	defer rows.Close()
	// The integrations are filtered here: a list of thousands in the query
	// would be tested against every row by ClickHouse 18.16.
	want := make(map[string]bool, len(integrations))
	for _, id := range integrations {
		want[id] = true
	}
	out := map[string][]MinuteCounts{}
	for rows.Next() {
		var id string
		var m MinuteCounts
		c := &m.ByClass
		if err := rows.Scan(&id, &m.Minute, &m.Executions, &m.Failed, &c[0], &c[1], &c[2], &c[3], &c[4], &c[5], &c[6], &m.Records, &m.LE); err != nil {
			return nil, fmt.Errorf("scan minutes: %w", err)
		}
		if !want[id] {
			continue
		}
		m.Minute = m.Minute.UTC()
		out[id] = append(out[id], m)
	}
	return out, rows.Err()
}
