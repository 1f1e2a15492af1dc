package clickhouseexporter

import (
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"

	"github.com/intops/intops"
	"github.com/intops/intops/clickhouse"
	"github.com/intops/intops/ingest/internal/attrvalue"
	"github.com/intops/intops/ingest/internal/health"
)

// Type is the exporter's name in collector configs.
var Type = component.MustNewType("intops_clickhouse")

// NewFactory returns the factory of the intops_clickhouse exporter.
func NewFactory() exporter.Factory {
	return exporter.NewFactory(Type,
		func() component.Config { return createDefaultConfig() },
		exporter.WithTraces(createTraces, component.StabilityLevelBeta))
}

func createTraces(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Traces, error) {
	c := cfg.(*Config)
	e := &chExporter{cfg: c, logger: set.Logger, health: health.Process}
	t, err := exporterhelper.NewTraces(ctx, set, cfg, e.push,
		exporterhelper.WithStart(e.start),
		exporterhelper.WithShutdown(e.shutdown),
		exporterhelper.WithTimeout(c.TimeoutConfig),
		exporterhelper.WithRetry(c.RetryConfig),
		exporterhelper.WithQueue(c.QueueConfig),
		exporterhelper.WithCapabilities(consumer.Capabilities{MutatesData: false}),
	)
	if err != nil {
		return nil, err
	}
	return counted{t, e.health}, nil
}

// counted counts the spans the exporter's queue takes and refuses.
type counted struct {
	exporter.Traces
	health *health.Counters
}

func (c counted) ConsumeTraces(ctx context.Context, td ptrace.Traces) error {
	n := uint64(td.SpanCount())
	if err := c.Traces.ConsumeTraces(ctx, td); err != nil {
		c.health.Refused.Add(n)
		return err
	}
	c.health.Enqueued.Add(n)
	return nil
}

type chExporter struct {
	cfg    *Config
	logger *zap.Logger
	health *health.Counters

	mu sync.Mutex
	db *clickhouse.DB

	stop chan struct{}
	done chan struct{}
}

func (e *chExporter) start(ctx context.Context, _ component.Host) error {
	// A ClickHouse that is down at start only delays data: connect now if
	// possible, else on the first push.
	if _, err := e.conn(ctx); err != nil {
		e.logger.Warn("ClickHouse not reachable yet; spans wait in the queue", zap.Error(err))
	}
	e.stop, e.done = make(chan struct{}), make(chan struct{})
	go e.heartbeats()
	return nil
}

// maxHeartbeats waiting to be written: a day of them at the default
// interval; the oldest go first.
const maxHeartbeats = 5760

// heartbeats writes the collector's health every HeartbeatInterval until
// shutdown; what cannot be written waits for the next one.
func (e *chExporter) heartbeats() {
	defer close(e.done)
	iv := e.cfg.HeartbeatInterval
	if iv <= 0 {
		iv = 15 * time.Second
	}
	instance := e.cfg.Instance
	if instance == "" {
		host, _ := os.Hostname()
		instance = fmt.Sprintf("%s/%d", host, os.Getpid())
	}
	tick := time.NewTicker(iv)
	defer tick.Stop()
	var prev [5]uint64
	var pending []clickhouse.CollectorHealth
	beat := func(ctx context.Context) {
		h := e.health
		cur := [5]uint64{h.Received.Load(), h.Exported.Load(), h.Failed.Load(), h.Refused.Load(), 0}
		pending = append(pending, clickhouse.CollectorHealth{At: time.Now().UTC(), Instance: instance,
			Received: cur[0] - prev[0], Exported: cur[1] - prev[1], Failed: cur[2] - prev[2], Refused: cur[3] - prev[3],
			Queued: h.Queued(), LastError: h.TakeError()})
		prev = cur
		if extra := len(pending) - maxHeartbeats; extra > 0 {
			pending = pending[extra:]
		}
		db, err := e.conn(ctx)
		if err != nil {
			return
		}
		if err := db.InsertCollectorHealth(ctx, pending); err != nil {
			e.logger.Debug("collector heartbeat not written; will retry", zap.Error(err))
			return
		}
		pending = pending[:0]
	}
	for {
		select {
		case <-e.stop:
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			beat(ctx)
			cancel()
			return
		case <-tick.C:
			ctx, cancel := context.WithTimeout(context.Background(), iv)
			beat(ctx)
			cancel()
		}
	}
}

func (e *chExporter) shutdown(context.Context) error {
	if e.stop != nil {
		close(e.stop)
		<-e.done
		e.stop = nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.db != nil {
		err := e.db.Close()
		e.db = nil
		return err
	}
	return nil
}

func (e *chExporter) conn(ctx context.Context) (*clickhouse.DB, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.db != nil {
		return e.db, nil
	}
	db, err := clickhouse.Open(ctx, clickhouse.WithCluster(string(e.cfg.DSN), e.cfg.Cluster))
	if err != nil {
		return nil, err
	}
	if e.cfg.CreateSchema {
		if _, err := db.Migrate(ctx); err != nil {
			db.Close()
			return nil, fmt.Errorf("migrate: %w", err)
		}
	}
	e.logger.Info("connected to ClickHouse", zap.String("dsn", clickhouse.Redact(string(e.cfg.DSN))), zap.String("version", db.ServerVersion()), zap.String("cluster", db.Cluster()))
	e.db = db
	return db, nil
}

func (e *chExporter) push(ctx context.Context, td ptrace.Traces) error {
	spans := FlowSpans(td)
	db, err := e.conn(ctx)
	if err != nil {
		e.health.Fail(td.SpanCount(), err)
		return err // retryable: the queue keeps the data
	}
	if err := db.InsertSpans(ctx, spans); err != nil {
		e.health.Fail(td.SpanCount(), err)
		if clickhouse.Permanent(err) {
			e.health.Dropped.Add(uint64(td.SpanCount()))
			return consumererror.NewPermanent(err)
		}
		return err
	}
	e.health.Exported.Add(uint64(td.SpanCount()))
	return nil
}

// FlowSpans converts OTLP spans (as the intops_flow processor left them)
// into rows.
func FlowSpans(td ptrace.Traces) []intops.FlowSpan {
	out := make([]intops.FlowSpan, 0, td.SpanCount())
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		res := rs.Resource().Attributes()
		resK, resV := kv(res)
		service := str(res, intops.AttrServiceName)
		sss := rs.ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			spans := sss.At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				out = append(out, flowSpan(spans.At(k), res, service, resK, resV))
			}
		}
	}
	return out
}

func flowSpan(s ptrace.Span, res pcommon.Map, service string, resK, resV []string) intops.FlowSpan {
	attrs := s.Attributes()
	get := func(key string) string {
		if v, ok := attrs.Get(key); ok {
			return text(v)
		}
		return str(res, key)
	}
	start := s.StartTimestamp().AsTime()
	dur := time.Duration(0)
	if s.EndTimestamp() > s.StartTimestamp() {
		dur = time.Duration(s.EndTimestamp() - s.StartTimestamp())
	}
	kind := strings.ToLower(strings.TrimPrefix(s.Kind().String(), "Span_Kind_"))
	parent := ""
	if p := s.ParentSpanID(); !p.IsEmpty() {
		parent = hex.EncodeToString(p[:])
	}
	fs := intops.FlowSpan{
		TraceID:        traceID(s.TraceID()),
		SpanID:         spanID(s.SpanID()),
		ParentSpanID:   parent,
		Name:           s.Name(),
		Kind:           kind,
		Start:          start,
		Duration:       dur,
		Status:         intops.SpanStatus(s.Status().Code()),
		StatusMessage:  s.Status().Message(),
		IntegrationID:  get(intops.AttrIntegrationID),
		Attribution:    intops.Attribution(get(intops.AttrAttribution)),
		Execution:      parent == "" || s.Kind() == ptrace.SpanKindServer || s.Kind() == ptrace.SpanKindConsumer,
		SourceSystem:   get(intops.AttrSourceSystem),
		TargetSystem:   get(intops.AttrTargetSystem),
		Operation:      get(intops.AttrOperation),
		ErrorClass:     intops.ErrorClass(get(intops.AttrErrorClass)),
		ServiceName:    service,
		PeerService:    get(intops.AttrPeerService),
		ResourceKeys:   resK,
		ResourceValues: resV,
	}
	if fs.Attribution == "" {
		fs.Attribution = intops.Unattributed
		if fs.IntegrationID != "" {
			fs.Attribution = intops.AttributedExplicit
		}
	}
	if fs.Status == intops.StatusError && fs.ErrorClass == "" {
		fs.ErrorClass = intops.ErrorUnknown
	}
	if v, ok := attrs.Get(intops.AttrRecords); ok {
		switch v.Type() {
		case pcommon.ValueTypeInt:
			if v.Int() > 0 {
				fs.Records = uint64(v.Int())
			}
		case pcommon.ValueTypeDouble:
			if v.Double() > 0 {
				fs.Records = uint64(v.Double())
			}
		}
	}
	fs.AttrKeys, fs.AttrValues = kv(attrs)
	return fs
}

func traceID(id pcommon.TraceID) string {
	return hex.EncodeToString(id[:])
}

func str(m pcommon.Map, key string) string {
	if v, ok := m.Get(key); ok {
		return text(v)
	}
	return ""
}

// text is a value as stored: what AsString says, written without
// recursion for deep values (the flow processor has bounded them already;
// this keeps the exporter safe on its own).
func text(v pcommon.Value) string {
	s, _ := attrvalue.String(v, 1<<20, 64)
	return s
}

func kv(m pcommon.Map) ([]string, []string) {
	keys := make([]string, 0, m.Len())
	vals := make([]string, 0, m.Len())
	m.Range(func(k string, v pcommon.Value) bool {
		keys = append(keys, k)
		vals = append(vals, text(v))
		return true
	})
	return keys, vals
}

func spanID(id pcommon.SpanID) string {
	return hex.EncodeToString(id[:])
}
