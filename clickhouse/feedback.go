package clickhouse

import (
	"context"
	"fmt"
	"time"

	"github.com/intops/intops"
)

// AppendFeedback records a mark on an anomaly episode; it replaces an
// earlier mark of the same episode (integration, signal, start).
func (db *DB) AppendFeedback(ctx context.Context, f intops.AnomalyFeedback) error {
	batch, err := db.conn.PrepareBatch(ctx, `INSERT INTO `+db.database+`.anomaly_feedback (at, version, integration, signal, start, end, verdict, note, user)`)
	if err != nil {
		return fmt.Errorf("prepare anomaly feedback: %w", err)
	}
	defer batch.Abort()
	end := time.Unix(0, 0).UTC()
	if !f.End.IsZero() {
		end = f.End.UTC()
	}
	if err := batch.Append(f.At.UTC(), uint64(f.At.UnixNano()), f.Integration, f.Signal, f.Start.UTC(), end, string(f.Verdict), f.Note, f.User); err != nil {
		return fmt.Errorf("append anomaly feedback: %w", err)
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("insert anomaly feedback: %w", err)
	}
	return nil
}

// FeedbackQuery is intops.FeedbackQuery.
type FeedbackQuery = intops.FeedbackQuery

// Feedback returns the latest mark of each episode the query selects,
// newest episode first.
func (db *DB) Feedback(ctx context.Context, q FeedbackQuery) ([]intops.AnomalyFeedback, error) {
	since := time.Unix(0, 0).UTC()
	if !q.Since.IsZero() {
		since = q.Since.UTC()
	}
	rows, err := db.conn.Query(ctx, `SELECT integration, signal, start,
			argMax(end, version), argMax(verdict, version), argMax(note, version), argMax(user, version), max(version)
		FROM `+db.database+`.anomaly_feedback
		WHERE (? = '' OR integration = ?)
		GROUP BY integration, signal, start
		HAVING argMax(end, version) = toDateTime(0) OR argMax(end, version) >= ?
		ORDER BY start DESC, integration, signal`, q.Integration, q.Integration, since)
	if err != nil {
		return nil, fmt.Errorf("query anomaly feedback: %w", err)
	}
	defer rows.Close()
	var out []intops.AnomalyFeedback
	for rows.Next() {
		var f intops.AnomalyFeedback
		var verdict string
		var version uint64
		if err := rows.Scan(&f.Integration, &f.Signal, &f.Start, &f.End, &verdict, &f.Note, &f.User, &version); err != nil {
			return nil, fmt.Errorf("scan anomaly feedback: %w", err)
		}
		f.Verdict = intops.Verdict(verdict)
		f.Start, f.At = f.Start.UTC(), time.Unix(0, int64(version)).UTC()
		if f.End.Unix() == 0 {
			f.End = time.Time{}
		} else {
			f.End = f.End.UTC()
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// OpenMarkSpan is how long after it was marked an expected mark of an
// episode still open covers: nothing records when the episode ends, and an
// open mark must not leave the rest of the history out. A longer planned
// change is marked again, or with its end through the API.
const OpenMarkSpan = 24 * time.Hour

// ExpectedPeriods returns the periods of [from, to) marked expected, by
// integration (anomaly.Evaluator.Expected); an open episode's period
// lasts until to, at most OpenMarkSpan after it was marked.
func (db *DB) ExpectedPeriods(ctx context.Context, from, to time.Time) (map[string][][2]time.Time, error) {
	fs, err := db.Feedback(ctx, FeedbackQuery{Since: from})
	if err != nil {
		return nil, err
	}
	out := map[string][][2]time.Time{}
	for _, f := range fs {
		if f.Verdict != intops.VerdictExpected || !f.Start.Before(to) {
			continue
		}
		end := f.End
		if end.IsZero() {
			end = to
			if e := f.At.Add(OpenMarkSpan); e.Before(to) {
				end = e
			}
		}
		out[f.Integration] = append(out[f.Integration], [2]time.Time{f.Start, end})
	}
	return out, nil
}
