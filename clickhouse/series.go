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
	ByClass    map[intops.ErrorClass]uint64
	Records    uint64
	// LE[i] counts executions that took at most LatencyBounds[i].
	LE []uint64
}

// Minutes reads the per-minute rollup of the integrations in [from, to),
// oldest first, per integration id. Minutes without traffic are absent.
func (db *DB) Minutes(ctx context.Context, integrations []string, from, to time.Time) (map[string][]MinuteCounts, error) {
	rows, err := db.conn.Query(ctx, `
		SELECT integration_id, minute, sumMerge(executions), sumMerge(failed),
		       sumMerge(err_transient), sumMerge(err_timeout), sumMerge(err_auth), sumMerge(err_rate_limit),
		       sumMerge(err_validation), sumMerge(err_unavailable), sumMerge(err_unknown),
		       sumMerge(records), sumForEachMerge(duration_le)
		FROM `+db.database+`.flow_rollup_1m
		WHERE date >= toDate(?) AND date <= toDate(?) AND minute >= ? AND minute < ? AND has(?, integration_id)
		GROUP BY integration_id, minute
		ORDER BY integration_id, minute`, from.UTC(), to.UTC(), from.UTC(), to.UTC(), integrations)
	if err != nil {
		return nil, fmt.Errorf("query minutes: %w", err)
	}
	defer rows.Close()
	out := map[string][]MinuteCounts{}
	for rows.Next() {
		var id string
		var m MinuteCounts
		var c [7]uint64
		if err := rows.Scan(&id, &m.Minute, &m.Executions, &m.Failed, &c[0], &c[1], &c[2], &c[3], &c[4], &c[5], &c[6], &m.Records, &m.LE); err != nil {
			return nil, fmt.Errorf("scan minutes: %w", err)
		}
		m.ByClass = make(map[intops.ErrorClass]uint64, 7)
		for i, cls := range intops.ErrorClasses {
			if c[i] > 0 {
				m.ByClass[cls] = c[i]
			}
		}
		m.Minute = m.Minute.UTC()
		out[id] = append(out[id], m)
	}
	return out, rows.Err()
}
