package clickhouse

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/intops/intops"
)

// MaturitySnapshot is a day's maturity scores (intops.MaturitySnapshot).
type MaturitySnapshot = intops.MaturitySnapshot

// InsertMaturitySnapshots stores snapshots; a day and scope stored again
// replaces the earlier one for readers.
func (db *DB) InsertMaturitySnapshots(ctx context.Context, ss []MaturitySnapshot) error {
	if len(ss) == 0 {
		return nil
	}
	batch, err := db.conn.PrepareBatch(ctx, `INSERT INTO `+db.database+`.maturity_snapshots (day, scope, taken_at, level, dimensions, evidence)`)
	if err != nil {
		return fmt.Errorf("prepare maturity snapshots: %w", err)
	}
	defer batch.Abort()
	for _, s := range ss {
		dims, err := json.Marshal(s.Dimensions)
		if err != nil {
			return fmt.Errorf("maturity snapshot %s %s: %w", s.Day.Format(time.DateOnly), s.Scope, err)
		}
		ev, err := json.Marshal(s.Evidence)
		if err != nil {
			return fmt.Errorf("maturity snapshot %s %s: %w", s.Day.Format(time.DateOnly), s.Scope, err)
		}
		if err := batch.Append(dayOf(s.Day), s.Scope, s.TakenAt.UTC(), uint8(s.Level), string(dims), string(ev)); err != nil {
			return fmt.Errorf("append maturity snapshot: %w", err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("insert %d maturity snapshots: %w", len(ss), err)
	}
	return nil
}

// dayOf is the date of a day as a Date column takes it.
func dayOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// MaturitySnapshots returns the snapshots of the days in [from, to) (the
// dates of from and to as they are written), the latest taken of each day and scope, by day then
// scope.
func (db *DB) MaturitySnapshots(ctx context.Context, from, to time.Time) ([]MaturitySnapshot, error) {
	rows, err := db.conn.Query(ctx, `SELECT day, scope, max(taken_at), argMax(level, taken_at), argMax(dimensions, taken_at), argMax(evidence, taken_at)
		FROM `+db.database+`.maturity_snapshots WHERE day >= toDate(?) AND day < toDate(?)
		GROUP BY day, scope ORDER BY day, scope`, from.Format(time.DateOnly), to.Format(time.DateOnly))
	if err != nil {
		return nil, fmt.Errorf("query maturity snapshots: %w", err)
	}
	defer rows.Close()
	var out []MaturitySnapshot
	for rows.Next() {
		var (
			s         MaturitySnapshot
			level     uint8
			dims, evs string
		)
		if err := rows.Scan(&s.Day, &s.Scope, &s.TakenAt, &level, &dims, &evs); err != nil {
			return nil, fmt.Errorf("scan maturity snapshot: %w", err)
		}
		s.Day, s.TakenAt, s.Level = dayOf(s.Day), s.TakenAt.UTC(), int(level)
		if err := json.Unmarshal([]byte(dims), &s.Dimensions); err != nil {
			return nil, fmt.Errorf("maturity snapshot %s %s: dimensions: %w", s.Day.Format(time.DateOnly), s.Scope, err)
		}
		if err := json.Unmarshal([]byte(evs), &s.Evidence); err != nil {
			return nil, fmt.Errorf("maturity snapshot %s %s: evidence: %w", s.Day.Format(time.DateOnly), s.Scope, err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// MaturitySnapshotDays lists the days in [from, to) that have a snapshot.
func (db *DB) MaturitySnapshotDays(ctx context.Context, from, to time.Time) ([]time.Time, error) {
	rows, err := db.conn.Query(ctx, `SELECT DISTINCT day FROM `+db.database+`.maturity_snapshots
		WHERE day >= toDate(?) AND day < toDate(?) ORDER BY day`, from.Format(time.DateOnly), to.Format(time.DateOnly))
	if err != nil {
		return nil, fmt.Errorf("query maturity snapshot days: %w", err)
	}
	defer rows.Close()
	var out []time.Time
	for rows.Next() {
		var d time.Time
		if err := rows.Scan(&d); err != nil {
			return nil, fmt.Errorf("scan maturity snapshot day: %w", err)
		}
		out = append(out, dayOf(d))
	}
	return out, rows.Err()
}
