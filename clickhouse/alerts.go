package clickhouse

import (
	"context"
	"fmt"
	"time"

	"github.com/intops/intops"
)

// AlertEvent is one state change of an alert (intops.AlertEvent).
type AlertEvent = intops.AlertEvent

// AppendAlertEvents adds events to the log.
func (db *DB) AppendAlertEvents(ctx context.Context, evs []AlertEvent) error {
	if len(evs) == 0 {
		return nil
	}
	batch, err := db.conn.PrepareBatch(ctx, `INSERT INTO `+db.database+`.alert_events
		(date, at, at_ns, key, source, integration, severity, state, summary, evidence)`)
	if err != nil {
		return fmt.Errorf("prepare alert events: %w", err)
	}
	defer batch.Abort()
	for _, e := range evs {
		t := e.At.UTC()
		if err := batch.Append(t, t, uint64(t.UnixNano()), e.Key, e.Source, e.Integration, string(e.Severity), string(e.State), e.Summary, e.Evidence); err != nil {
			return fmt.Errorf("append alert event: %w", err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("insert %d alert events: %w", len(evs), err)
	}
	return nil
}

const alertColumns = `at_ns, key, source, integration, severity, state, summary, evidence`

func scanAlert(scan func(...any) error) (AlertEvent, error) {
	var e AlertEvent
	var ns uint64
	var severity, state string
	if err := scan(&ns, &e.Key, &e.Source, &e.Integration, &severity, &state, &e.Summary, &e.Evidence); err != nil {
		return e, err
	}
	e.Severity, e.State = intops.Severity(severity), intops.AlertState(state)
	e.At = time.Unix(0, int64(ns)).UTC()
	return e, nil
}

// LatestAlertStates returns the latest event of every alert of a source.
func (db *DB) LatestAlertStates(ctx context.Context, source string) (map[string]AlertEvent, error) {
	rows, err := db.conn.Query(ctx, `
		SELECT max(at_ns), key, any(source), argMax(integration, at_ns), argMax(severity, at_ns),
		       argMax(state, at_ns), argMax(summary, at_ns), argMax(evidence, at_ns)
		FROM `+db.database+`.alert_events WHERE source = ? GROUP BY key`, source)
	if err != nil {
		return nil, fmt.Errorf("query alert states: %w", err)
	}
	defer rows.Close()
	out := map[string]AlertEvent{}
	for rows.Next() {
		e, err := scanAlert(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("scan alert state: %w", err)
		}
		out[e.Key] = e
	}
	return out, rows.Err()
}

// AlertEvents returns the events of one alert key in [from, to), oldest
// first.
func (db *DB) AlertEvents(ctx context.Context, key string, from, to time.Time) ([]AlertEvent, error) {
	return db.queryAlerts(ctx, `SELECT `+alertColumns+` FROM `+db.database+`.alert_events
		WHERE key = ? AND at_ns >= ? AND at_ns < ? ORDER BY at_ns`, key, uint64(from.UnixNano()), uint64(to.UnixNano()))
}

// queryAlerts runs a query of alertColumns.
func (db *DB) queryAlerts(ctx context.Context, sql string, args ...any) ([]AlertEvent, error) {
	rows, err := db.conn.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("query alert events: %w", err)
	}
	defer rows.Close()
	var out []AlertEvent
	for rows.Next() {
		e, err := scanAlert(rows.Scan)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
