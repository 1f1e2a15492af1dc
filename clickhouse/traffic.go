package clickhouse

import (
	"context"
	"fmt"
	"time"

	"github.com/intops/intops"
)

// TrafficRow is a flow's traffic over a range (intops.Traffic).
type TrafficRow = intops.Traffic

// Traffic reads the hourly rollup for [from, to) and sums it per
// integration, and per service and peer for unattributed traffic, ordered
// by integration id, service and peer. [from, to) should be whole hours:
// an hour is counted when it starts in the range.
func (db *DB) Traffic(ctx context.Context, from, to time.Time) ([]TrafficRow, error) {
	rows, err := db.conn.Query(ctx, `
		SELECT integration_id, service_name, peer_service,
		       sumMerge(spans), sumMerge(error_spans), sumMerge(executions), sumMerge(failed), sumMerge(records),
		       toUInt32(min(hour)), toUInt32(max(hour))
		FROM `+db.database+`.flow_rollup_1h
		WHERE date >= toDate(?) AND date <= toDate(?) AND hour >= ? AND hour < ?
		GROUP BY integration_id, service_name, peer_service
		ORDER BY integration_id, service_name, peer_service`, from.UTC(), to.UTC(), from.UTC(), to.UTC())
	if err != nil {
		return nil, fmt.Errorf("query traffic: %w", err)
	}
	defer rows.Close()
	var out []TrafficRow
	for rows.Next() {
		var (
			r           TrafficRow
			first, last uint32
		)
		if err := rows.Scan(&r.IntegrationID, &r.ServiceName, &r.PeerService,
			&r.Spans, &r.ErrorSpans, &r.Executions, &r.Failed, &r.Records, &first, &last); err != nil {
			return nil, fmt.Errorf("scan traffic: %w", err)
		}
		r.FirstSeen, r.LastSeen = time.Unix(int64(first), 0).UTC(), time.Unix(int64(last), 0).UTC()
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read traffic: %w", err)
	}
	return out, nil
}
