package clickhouse

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/intops/intops"
)

// SpanQuery is intops.SpanQuery.
type SpanQuery = intops.SpanQuery

// Spans reads raw spans, newest first.
func (db *DB) Spans(ctx context.Context, q SpanQuery) ([]intops.FlowSpan, error) {
	var where []string
	var args []any
	if q.IntegrationID != nil {
		where = append(where, "integration_id = ?")
		args = append(args, *q.IntegrationID)
	}
	if !q.From.IsZero() {
		where = append(where, "date >= toDate(?) AND start >= ?")
		args = append(args, q.From.UTC(), q.From.UTC())
	}
	if !q.To.IsZero() {
		where = append(where, "date <= toDate(?) AND start < ?")
		args = append(args, q.To.UTC(), q.To.UTC())
	}
	if q.FailedOnly {
		where = append(where, "status = 2")
	}
	if q.ExecutionsOnly {
		where = append(where, "execution = 1")
	}
	if q.TraceID != "" {
		where = append(where, "trace_id = ?")
		args = append(args, q.TraceID)
	}
	sql := "SELECT " + spanColumns + " FROM " + db.database + ".flow_spans"
	if len(where) > 0 {
		sql += " WHERE " + strings.Join(where, " AND ")
	}
	sql += " ORDER BY start_ns DESC"
	if q.Limit > 0 {
		sql += fmt.Sprintf(" LIMIT %d", q.Limit)
	}
	rows, err := db.conn.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("query spans: %w", err)
	}
	defer rows.Close()
	var out []intops.FlowSpan
	for rows.Next() {
		var (
			s                      intops.FlowSpan
			date, start            time.Time
			startNS, durNS         uint64
			status, execution      uint8
			kind, attribution, cls string
		)
		if err := rows.Scan(&date, &start, &startNS, &durNS, &s.TraceID, &s.SpanID, &s.ParentSpanID, &s.Name, &kind,
			&status, &s.StatusMessage, &s.IntegrationID, &attribution, &execution, &s.SourceSystem, &s.TargetSystem,
			&s.Operation, &s.Records, &cls, &s.ServiceName, &s.PeerService,
			&s.ResourceKeys, &s.ResourceValues, &s.AttrKeys, &s.AttrValues); err != nil {
			return nil, fmt.Errorf("scan span: %w", err)
		}
		s.Kind, s.Attribution, s.ErrorClass = kind, intops.Attribution(attribution), intops.ErrorClass(cls)
		s.Start = time.Unix(0, int64(startNS)).UTC()
		s.Duration = time.Duration(durNS)
		s.Status = intops.SpanStatus(status)
		s.Execution = execution == 1
		out = append(out, s)
	}
	return out, rows.Err()
}
