package clickhouse

import (
	"context"
	"fmt"
	"time"

	"github.com/intops/intops"
)

// LogEntry is an alerting log entry (intops.LogEntry).
type LogEntry = intops.LogEntry

// AppendLog adds entries to the alerting log.
func (db *DB) AppendLog(ctx context.Context, es []LogEntry) error {
	if len(es) == 0 {
		return nil
	}
	batch, err := db.conn.PrepareBatch(ctx, `INSERT INTO `+db.database+`.alerting_log (date, at_ns, seq, term, stream, key, body)`)
	if err != nil {
		return fmt.Errorf("prepare alerting log: %w", err)
	}
	defer batch.Abort()
	for _, e := range es {
		t := e.At.UTC()
		if err := batch.Append(t, uint64(t.UnixNano()), e.Seq, e.Term, e.Stream, e.Key, e.Body); err != nil {
			return fmt.Errorf("append alerting log: %w", err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("insert %d alerting log entries: %w", len(es), err)
	}
	return nil
}

// ReadLog returns the entries of a stream with seq above after, in order.
func (db *DB) ReadLog(ctx context.Context, stream string, after uint64) ([]LogEntry, error) {
	return db.QueryLog(ctx, LogFilter{Stream: stream, AfterSeq: after})
}

// LogFilter selects alerting log entries (intops.LogFilter).
type LogFilter = intops.LogFilter

// QueryLog returns the entries of a stream that pass the filter, in seq
// order (then by term and time: a seq written twice, by two lease terms,
// comes out twice).
func (db *DB) QueryLog(ctx context.Context, f LogFilter) ([]LogEntry, error) {
	q := `SELECT at_ns, seq, term, stream, key, body FROM ` + db.database + `.alerting_log WHERE stream = ?`
	args := []any{f.Stream}
	if f.AfterSeq > 0 {
		q += ` AND seq > ?`
		args = append(args, f.AfterSeq)
	}
	if f.Key != "" {
		q += ` AND key = ?`
		args = append(args, f.Key)
	}
	if !f.Since.IsZero() {
		q += ` AND date >= toDate(?) AND at_ns >= ?`
		args = append(args, f.Since.UTC(), uint64(f.Since.UnixNano()))
	}
	rows, err := db.conn.Query(ctx, q+` ORDER BY seq, term, at_ns`, args...)
	if err != nil {
		return nil, fmt.Errorf("query alerting log: %w", err)
	}
	defer rows.Close()
	var out []LogEntry
	for rows.Next() {
		var e LogEntry
		var ns uint64
		if err := rows.Scan(&ns, &e.Seq, &e.Term, &e.Stream, &e.Key, &e.Body); err != nil {
			return nil, fmt.Errorf("scan alerting log: %w", err)
		}
		e.At = time.Unix(0, int64(ns)).UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

// LogTerms returns the lowest seq each lease term wrote in the alerting
// log: an entry of an older term at or after a newer term's first seq was
// written by a deposed leader and does not count.
func (db *DB) LogTerms(ctx context.Context) (map[uint64]uint64, error) {
	rows, err := db.conn.Query(ctx, `SELECT term, min(seq) FROM `+db.database+`.alerting_log WHERE seq > 0 GROUP BY term`)
	if err != nil {
		return nil, fmt.Errorf("query alerting log terms: %w", err)
	}
	defer rows.Close()
	out := map[uint64]uint64{}
	for rows.Next() {
		var term, seq uint64
		if err := rows.Scan(&term, &seq); err != nil {
			return nil, fmt.Errorf("scan alerting log terms: %w", err)
		}
		out[term] = seq
	}
	return out, rows.Err()
}

// MaxLogSeq is the highest seq in the alerting log (0 when empty).
func (db *DB) MaxLogSeq(ctx context.Context) (uint64, error) {
	var n uint64
	if err := db.conn.QueryRow(ctx, `SELECT max(seq) FROM `+db.database+`.alerting_log`).Scan(&n); err != nil {
		return 0, fmt.Errorf("query alerting log: %w", err)
	}
	return n, nil
}

// AlertEventsAfter returns alert events logged after afterNS (at_ns),
// oldest first, at most limit.
func (db *DB) AlertEventsAfter(ctx context.Context, afterNS uint64, limit int) ([]AlertEvent, error) {
	return db.queryAlerts(ctx, `SELECT `+alertColumns+` FROM `+db.database+`.alert_events
		WHERE at_ns > ? ORDER BY at_ns, key LIMIT ?`, afterNS, uint64(limit))
}

// ErrorSample is a distinct error message (intops.ErrorSample).
type ErrorSample = intops.ErrorSample

// ErrorSamples returns the most frequent error messages of an
// integration's failed executions in [from, to).
func (db *DB) ErrorSamples(ctx context.Context, integration string, from, to time.Time, limit int) ([]ErrorSample, error) {
	rows, err := db.conn.Query(ctx, `SELECT toString(error_class), substring(status_message, 1, 1000) AS msg, count() AS n
		FROM `+db.database+`.flow_spans
		WHERE date >= toDate(?) AND date <= toDate(?) AND integration_id = ? AND start >= ? AND start < ? AND status = 2 AND execution = 1
		GROUP BY error_class, msg ORDER BY n DESC LIMIT ?`, from.UTC(), to.UTC(), integration, from.UTC(), to.UTC(), uint64(limit))
	if err != nil {
		return nil, fmt.Errorf("query error samples: %w", err)
	}
	defer rows.Close()
	var out []ErrorSample
	for rows.Next() {
		var s ErrorSample
		if err := rows.Scan(&s.Class, &s.Message, &s.Count); err != nil {
			return nil, fmt.Errorf("scan error samples: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
