package clickhouse

import (
	"context"
	"fmt"
	"time"

	"github.com/intops/intops"
)

// Minute is one pre-aggregated minute of an integration's traffic.
type Minute struct {
	Minute        time.Time
	IntegrationID string
	ServiceName   string // unattributed traffic only
	PeerService   string // unattributed traffic only
	Spans         uint64
	ErrorSpans    uint64
	Executions    uint64
	Failed        uint64
	ByClass       map[intops.ErrorClass]uint64 // failed executions per class
	Records       uint64
	Durations     []uint64 // a sample of execution durations, ns
}

// InsertMinutes adds pre-aggregated minutes to the per-minute rollup (they
// merge with what spans already put there).
func (db *DB) InsertMinutes(ctx context.Context, ms []Minute) error {
	if len(ms) == 0 {
		return nil
	}
	batch, err := db.conn.PrepareBatch(ctx, `INSERT INTO `+db.database+`.flow_rollup_input (date, minute,
		integration_id, service_name, peer_service, spans, error_spans, executions, failed,
		err_transient, err_timeout, err_auth, err_rate_limit, err_validation, err_unavailable,
		err_unknown, records, durations)`)
	if err != nil {
		return fmt.Errorf("prepare minutes insert: %w", err)
	}
	defer batch.Abort()
	for _, m := range ms {
		t := m.Minute.UTC().Truncate(time.Minute)
		d := m.Durations
		if d == nil {
			d = []uint64{}
		}
		c := m.ByClass
		err := batch.Append(t, t, m.IntegrationID, m.ServiceName, m.PeerService,
			m.Spans, m.ErrorSpans, m.Executions, m.Failed,
			c[intops.ErrorTransient], c[intops.ErrorTimeout], c[intops.ErrorAuth], c[intops.ErrorRateLimit],
			c[intops.ErrorValidation], c[intops.ErrorUnavailable], c[intops.ErrorUnknown],
			m.Records, d)
		if err != nil {
			return fmt.Errorf("append minute: %w", err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("insert %d minutes: %w", len(ms), err)
	}
	return nil
}
