package clickhouse

import (
	"context"
	"fmt"
	"time"

	"github.com/intops/intops"
)

const spanColumns = `date, start, start_ns, duration_ns, trace_id, span_id, parent_span_id, name, kind,
	status, status_message, integration_id, attribution, execution, source_system, target_system,
	operation, records, error_class, service_name, peer_service,
	resource_keys, resource_values, attr_keys, attr_values`

// InsertSpans writes spans in one native batch insert. The insert is all or
// nothing: on error none of the spans is stored and the caller may retry
// (unless Permanent(err)).
func (db *DB) InsertSpans(ctx context.Context, spans []intops.FlowSpan) error {
	if len(spans) == 0 {
		return nil
	}
	n := len(spans)
	var (
		date, start                                    = make([]time.Time, n), make([]time.Time, n)
		startNS, durNS, records                        = make([]uint64, n), make([]uint64, n), make([]uint64, n)
		status, execution                              = make([]uint8, n), make([]uint8, n)
		traceID, spanID, parent, name, kind, statusMsg = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		integ, attribution, source, target, operation  = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		errClass, service, peer                        = make([]string, n), make([]string, n), make([]string, n)
		resK, resV, attrK, attrV                       = make([][]string, n), make([][]string, n), make([][]string, n), make([][]string, n)
	)
	for i := range spans {
		s := &spans[i]
		st := s.Start.UTC()
		date[i] = st
		start[i] = st
		startNS[i] = uint64(st.UnixNano())
		durNS[i] = uint64(max(s.Duration, 0))
		traceID[i], spanID[i], parent[i] = s.TraceID, s.SpanID, s.ParentSpanID
		name[i], kind[i] = s.Name, s.Kind
		status[i], statusMsg[i] = uint8(s.Status), s.StatusMessage
		integ[i], attribution[i] = s.IntegrationID, string(s.Attribution)
		if s.Execution {
			execution[i] = 1
		}
		source[i], target[i], operation[i] = s.SourceSystem, s.TargetSystem, s.Operation
		records[i], errClass[i] = s.Records, string(s.ErrorClass)
		service[i], peer[i] = s.ServiceName, s.PeerService
		resK[i], resV[i], attrK[i], attrV[i] = nonNil(s.ResourceKeys), nonNil(s.ResourceValues), nonNil(s.AttrKeys), nonNil(s.AttrValues)
	}
	batch, err := db.conn.PrepareBatch(ctx, "INSERT INTO "+db.database+".flow_spans ("+spanColumns+")")
	if err != nil {
		return fmt.Errorf("prepare span insert: %w", err)
	}
	defer batch.Abort()
	cols := []any{date, start, startNS, durNS, traceID, spanID, parent, name, kind,
		status, statusMsg, integ, attribution, execution, source, target,
		operation, records, errClass, service, peer,
		resK, resV, attrK, attrV}
	for i, c := range cols {
		if arr, ok := c.([][]string); ok {
			// Row by row takes the driver's reflection-free path for
			// []string; appending [][]string whole goes through reflection.
			col := batch.Column(i)
			for _, row := range arr {
				if err := col.AppendRow(row); err != nil {
					return fmt.Errorf("append span column %d: %w", i, err)
				}
			}
			continue
		}
		if err := batch.Column(i).Append(c); err != nil {
			return fmt.Errorf("append span column %d: %w", i, err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("insert %d spans: %w", n, err)
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
