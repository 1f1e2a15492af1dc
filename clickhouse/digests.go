package clickhouse

import (
	"context"
	"fmt"

	"github.com/intops/intops"
)

// DigestRecord is a digest step (intops.DigestRecord).
type DigestRecord = intops.DigestRecord

// AppendDigest records a digest step.
func (db *DB) AppendDigest(ctx context.Context, r DigestRecord) error {
	batch, err := db.conn.PrepareBatch(ctx, `INSERT INTO `+db.database+`.report_digests (date, at, period, channel, status, ref_channel, ref_ts, error)`)
	if err != nil {
		return fmt.Errorf("prepare digest record: %w", err)
	}
	defer batch.Abort()
	t := r.At.UTC()
	if err := batch.Append(t, t, r.Period, r.Channel, r.Status, r.RefChannel, r.RefTS, r.Error); err != nil {
		return fmt.Errorf("append digest record: %w", err)
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("insert digest record: %w", err)
	}
	return nil
}

// LatestDigest returns the latest step recorded for a period's digest to a
// channel, and whether there is one. Of steps recorded in the same second,
// sent wins over posted, and posted over failed: the furthest it got.
func (db *DB) LatestDigest(ctx context.Context, period, channel string) (DigestRecord, bool, error) {
	rows, err := db.conn.Query(ctx, `SELECT at, period, channel, status, ref_channel, ref_ts, error
		FROM `+db.database+`.report_digests WHERE period = ? AND channel = ?
		ORDER BY at DESC, multiIf(status = 'sent', 3, status = 'posted', 2, 1) DESC LIMIT 1`, period, channel)
	if err != nil {
		return DigestRecord{}, false, fmt.Errorf("query report digests: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		return DigestRecord{}, false, rows.Err()
	}
	var r DigestRecord
	if err := rows.Scan(&r.At, &r.Period, &r.Channel, &r.Status, &r.RefChannel, &r.RefTS, &r.Error); err != nil {
		return DigestRecord{}, false, fmt.Errorf("scan report digest: %w", err)
	}
	r.At = r.At.UTC()
	return r, true, nil
}
