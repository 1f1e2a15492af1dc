package clickhouse

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Retention is how many days of data each table keeps.
type Retention struct {
	SpanDays   int // raw flow spans
	RollupDays int // per-minute rollups (what SLO windows and trends read)
}

// DefaultRetention keeps two weeks of raw spans and 400 days of rollups
// (a year of trends plus a calendar quarter).
var DefaultRetention = Retention{SpanDays: 14, RollupDays: 400}

// leaseDays of lease claims are kept: only the latest term matters, the
// rest is for looking back at hand-overs.
const leaseDays = 2

// ApplyRetention drops whole day partitions older than the retention, as
// of now, and returns the partitions it dropped (table/YYYYMMDD).
func (db *DB) ApplyRetention(ctx context.Context, r Retention, now time.Time) ([]string, error) {
	var dropped []string
	for _, t := range []struct {
		table string
		days  int
	}{{"flow_spans", r.SpanDays}, {"flow_rollup_1m", r.RollupDays}, {"flow_rollup_1h", r.RollupDays}, {"leases", leaseDays}, {"collector_health", healthDays}} {
		if t.days <= 0 {
			continue
		}
		cutoff := now.UTC().AddDate(0, 0, -t.days)
		rows, err := db.partitionsBefore(ctx, t.table, cutoff)
		if err != nil {
			return dropped, fmt.Errorf("list partitions of %s: %w", t.table, err)
		}
		var parts []string
		for rows.Next() {
			var p string
			if err := rows.Scan(&p); err != nil {
				rows.Close()
				return dropped, err
			}
			parts = append(parts, p)
		}
		rows.Close()
		for _, p := range parts {
			if !isPartitionID(p) {
				continue
			}
			// A partition id cannot be bound as a parameter in ALTER; it is
			// checked above to be exactly eight digits.
			if err := db.conn.Exec(ctx, fmt.Sprintf("ALTER TABLE %s.%s%s DROP PARTITION ID '%s'", db.database, db.local(t.table), db.onCluster(), p)); err != nil {
				return dropped, fmt.Errorf("drop partition %s of %s: %w", p, t.table, err)
			}
			dropped = append(dropped, t.table+"/"+p)
		}
	}
	return dropped, nil
}

// partitionsBefore lists the day partitions of a table older than cutoff:
// from system.parts on a single server; in cluster mode from the days the
// Distributed table holds, since this server's parts are one shard's.
func (db *DB) partitionsBefore(ctx context.Context, table string, cutoff time.Time) (driver.Rows, error) {
	if db.cluster == "" {
		return db.conn.Query(ctx, `
			SELECT DISTINCT partition_id FROM system.parts
			WHERE database = ? AND table = ? AND active AND partition_id < ?
			ORDER BY partition_id`, db.database, table, cutoff.Format("20060102"))
	}
	return db.conn.Query(ctx, `SELECT DISTINCT toString(toYYYYMMDD(date)) AS p FROM `+db.database+`.`+table+`
		WHERE date < toDate(?) ORDER BY p`, cutoff.Format("2006-01-02"))
}

func isPartitionID(p string) bool {
	if len(p) != 8 {
		return false
	}
	for _, c := range p {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// RunRetention applies the retention at once and then every hour until
// ctx ends.
func (db *DB) RunRetention(ctx context.Context, r Retention, logger *slog.Logger) {
	for {
		dropped, err := db.ApplyRetention(ctx, r, time.Now())
		if err != nil && ctx.Err() == nil {
			logger.Warn("retention", "err", err)
		} else if len(dropped) > 0 {
			logger.Info("retention dropped old partitions", "partitions", dropped)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Hour):
		}
	}
}
