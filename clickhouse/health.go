package clickhouse

import (
	"context"
	"fmt"
	"time"

	"github.com/intops/intops"
)

// CollectorHealth is a collector heartbeat (intops.CollectorHealth).
type CollectorHealth = intops.CollectorHealth

// healthDays of collector heartbeats are kept.
const healthDays = 30

// InsertCollectorHealth stores heartbeats.
func (db *DB) InsertCollectorHealth(ctx context.Context, hs []CollectorHealth) error {
	if len(hs) == 0 {
		return nil
	}
	batch, err := db.conn.PrepareBatch(ctx, `INSERT INTO `+db.database+`.collector_health
		(date, at, instance, received, exported, failed, refused, queued, last_error)`)
	if err != nil {
		return fmt.Errorf("prepare collector health: %w", err)
	}
	defer batch.Abort()
	for _, h := range hs {
		t := h.At.UTC()
		if err := batch.Append(t, t, h.Instance, h.Received, h.Exported, h.Failed, h.Refused, h.Queued, h.LastError); err != nil {
			return fmt.Errorf("append collector health: %w", err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("insert %d collector heartbeats: %w", len(hs), err)
	}
	return nil
}

// CollectorHealthSince returns the heartbeats at or after since, oldest
// first.
func (db *DB) CollectorHealthSince(ctx context.Context, since time.Time) ([]CollectorHealth, error) {
	rows, err := db.conn.Query(ctx, `
		SELECT at, instance, received, exported, failed, refused, queued, last_error
		FROM `+db.database+`.collector_health
		WHERE date >= toDate(?) AND at >= ?
		ORDER BY at, instance
		LIMIT 100000`, since.UTC(), since.UTC())
	if err != nil {
		return nil, fmt.Errorf("query collector health: %w", err)
	}
	defer rows.Close()
	var out []CollectorHealth
	for rows.Next() {
		var h CollectorHealth
		if err := rows.Scan(&h.At, &h.Instance, &h.Received, &h.Exported, &h.Failed, &h.Refused, &h.Queued, &h.LastError); err != nil {
			return nil, fmt.Errorf("scan collector health: %w", err)
		}
		h.At = h.At.UTC()
		out = append(out, h)
	}
	return out, rows.Err()
}
