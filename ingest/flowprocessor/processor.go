package flowprocessor

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processorhelper"
	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/intops/intops"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/ingest/internal/attrvalue"
	"github.com/intops/intops/ingest/internal/health"
)

// Type is the processor's name in collector configs.
var Type = component.MustNewType("intops_flow")

// NewFactory returns the factory of the intops_flow processor.
func NewFactory() processor.Factory {
	return processor.NewFactory(Type,
		func() component.Config { return createDefaultConfig() },
		processor.WithTraces(createTraces, component.StabilityLevelBeta))
}

func createTraces(ctx context.Context, set processor.Settings, cfg component.Config, next consumer.Traces) (processor.Traces, error) {
	p, err := New(cfg.(*Config))
	if err != nil {
		return nil, err
	}
	p.logger = set.Logger
	return processorhelper.NewTraces(ctx, set, cfg, next, p.ProcessTraces,
		processorhelper.WithCapabilities(consumer.Capabilities{MutatesData: true}))
}

// Processor validates, attributes, classifies and limits spans in place.
type Processor struct {
	limits  Limits
	matcher *matcher
	// Now is the clock spans' times are checked against.
	Now    func() time.Time
	logger *zap.Logger

	mu         sync.Mutex
	refused    map[string]int // since the last warning
	lastWarned time.Time
}

// New builds a processor, loading the catalog when one is configured.
func New(cfg *Config) (*Processor, error) {
	p := &Processor{limits: cfg.Limits, matcher: newMatcher(nil), Now: time.Now, logger: zap.NewNop()}
	if cfg.Catalog != "" {
		cat, err := catalog.Load(cfg.Catalog)
		if err != nil {
			return nil, fmt.Errorf("intops_flow: catalog: %w", err)
		}
		p.matcher = newMatcher(cat.Integrations)
	}
	return p, nil
}

// NewWithIntegrations builds a processor over the given integrations.
func NewWithIntegrations(limits Limits, integrations []*intops.Integration) *Processor {
	return &Processor{limits: limits, matcher: newMatcher(integrations), Now: time.Now, logger: zap.NewNop()}
}

// ProcessTraces handles every span of td. Spans that OTLP or the limits
// do not allow are removed (docs/conventions.md); when no span is left,
// the request is refused with InvalidArgument, saying why.
func (p *Processor) ProcessTraces(_ context.Context, td ptrace.Traces) (ptrace.Traces, error) {
	now := p.Now()
	total := td.SpanCount()
	health.Process.Received.Add(uint64(total))
	refused := map[string]int{}
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		res := rs.Resource().Attributes()
		validMap(res)
		if n := p.limitAttrs(res, p.limits.MaxValueBytes); n > 0 {
			rs.Resource().SetDroppedAttributesCount(rs.Resource().DroppedAttributesCount() + uint32(n))
		}
		sss := rs.ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			scope := sss.At(j).Scope()
			scope.SetName(validString(scope.Name()))
			scope.SetVersion(validString(scope.Version()))
			validMap(scope.Attributes())
			p.limitAttrs(scope.Attributes(), p.limits.MaxValueBytes)
			sss.At(j).Spans().RemoveIf(func(s ptrace.Span) bool {
				if why := p.check(s, now); why != "" {
					refused[why]++
					return true
				}
				p.span(s, res)
				return false
			})
		}
	}
	if len(refused) == 0 {
		return td, nil
	}
	n := 0
	for _, c := range refused {
		n += c
	}
	health.Process.Refused.Add(uint64(n))
	if n == total {
		return td, consumererror.NewPermanent(status.Errorf(codes.InvalidArgument,
			"OTLP request refused: all %d spans are invalid (%s)", total, reasons(refused)))
	}
	p.warn(refused)
	return td, nil
}

// Why a span is refused.
const (
	refusedTraceID = "trace_id is missing or all zero"
	refusedSpanID  = "span_id is missing or all zero"
	refusedOld     = "start time older than limits.max_span_age"
)

// check refuses a span OTLP calls invalid or too old to keep, and
// repairs its times otherwise: a missing start, or one further ahead than
// the clock skew allows, becomes the time it was received (marked
// intops.clamped); an end before its start becomes the start (marked
// intops.end_before_start), so that the duration is 0.
func (p *Processor) check(s ptrace.Span, now time.Time) string {
	if s.TraceID().IsEmpty() {
		return refusedTraceID
	}
	if s.SpanID().IsEmpty() {
		return refusedSpanID
	}
	start, end := s.StartTimestamp(), s.EndTimestamp()
	nowTS := pcommon.NewTimestampFromTime(now)
	ahead := pcommon.NewTimestampFromTime(now.Add(p.limits.MaxClockSkew))
	if start != 0 && start < pcommon.NewTimestampFromTime(now.Add(-p.limits.MaxSpanAge)) {
		return refusedOld
	}
	if start == 0 || start > ahead {
		dur := pcommon.Timestamp(0)
		if end > start && end-start < pcommon.Timestamp(p.limits.MaxSpanAge) {
			dur = end - start
		}
		s.SetStartTimestamp(nowTS)
		s.SetEndTimestamp(nowTS + dur)
		s.Attributes().PutBool(intops.AttrClamped, true)
		return ""
	}
	if end > ahead {
		end = nowTS
		if end < start {
			end = start
		}
		s.SetEndTimestamp(end)
		s.Attributes().PutBool(intops.AttrClamped, true)
	}
	if end < start {
		s.SetEndTimestamp(start)
		s.Attributes().PutBool(intops.AttrEndBeforeStart, true)
	}
	return ""
}

// reasons lists refusal counts in a stable order.
func reasons(refused map[string]int) string {
	var parts []string
	for why, n := range refused {
		parts = append(parts, fmt.Sprintf("%d: %s", n, why))
	}
	sort.Strings(parts)
	return strings.Join(parts, "; ")
}

// warn logs refused spans at most once a minute, with the counts since.
func (p *Processor) warn(refused map[string]int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.refused == nil {
		p.refused = map[string]int{}
	}
	for why, n := range refused {
		p.refused[why] += n
	}
	if now := p.Now(); now.Sub(p.lastWarned) >= time.Minute {
		p.logger.Warn("refused invalid spans", zap.String("counts", reasons(p.refused)))
		p.refused, p.lastWarned = nil, now
	}
}

// validString replaces invalid UTF-8 with U+FFFD.
func validString(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// validMap makes every key and string in m (nested ones too) valid UTF-8,
// iteratively.
func validMap(m pcommon.Map) {
	maps := []pcommon.Map{m}
	var slices []pcommon.Slice
	fix := func(v pcommon.Value) {
		switch v.Type() {
		case pcommon.ValueTypeStr:
			if !utf8.ValidString(v.Str()) {
				v.SetStr(validString(v.Str()))
			}
		case pcommon.ValueTypeMap:
			maps = append(maps, v.Map())
		case pcommon.ValueTypeSlice:
			slices = append(slices, v.Slice())
		}
	}
	for len(maps) > 0 || len(slices) > 0 {
		if len(slices) > 0 {
			s := slices[len(slices)-1]
			slices = slices[:len(slices)-1]
			for i := 0; i < s.Len(); i++ {
				fix(s.At(i))
			}
			continue
		}
		m := maps[len(maps)-1]
		maps = maps[:len(maps)-1]
		var badKeys []string
		m.Range(func(k string, v pcommon.Value) bool {
			if !utf8.ValidString(k) {
				badKeys = append(badKeys, k)
			}
			fix(v)
			return true
		})
		for _, k := range badKeys {
			v, _ := m.Get(k)
			moved := pcommon.NewValueEmpty()
			v.CopyTo(moved)
			m.Remove(k)
			moved.CopyTo(m.PutEmpty(validString(k)))
		}
	}
}

func (p *Processor) span(s ptrace.Span, res pcommon.Map) {
	attrs := s.Attributes()
	s.SetName(validString(s.Name()))
	s.Status().SetMessage(validString(s.Status().Message()))
	validMap(attrs)
	truncated := false
	if len(s.Name()) > p.limits.MaxNameBytes {
		s.SetName(truncate(s.Name(), p.limits.MaxNameBytes))
		truncated = true
	}
	if msg := s.Status().Message(); len(msg) > p.limits.MaxValueBytes {
		s.Status().SetMessage(truncate(msg, p.limits.MaxValueBytes))
		truncated = true
	}
	if n := p.limitAttrs(attrs, p.limits.MaxValueBytes); n > 0 {
		s.SetDroppedAttributesCount(s.DroppedAttributesCount() + uint32(n))
		truncated = true
	} else if n < 0 {
		truncated = true
	}
	events := s.Events()
	if extra := events.Len() - p.limits.MaxEvents; extra > 0 {
		kept := 0
		events.RemoveIf(func(ptrace.SpanEvent) bool { kept++; return kept > p.limits.MaxEvents })
		s.SetDroppedEventsCount(s.DroppedEventsCount() + uint32(extra))
		truncated = true
	}
	for e := 0; e < events.Len(); e++ {
		ev := events.At(e)
		ev.SetName(validString(ev.Name()))
		validMap(ev.Attributes())
		if n := p.limitAttrs(ev.Attributes(), p.limits.MaxEventAttrBytes); n > 0 {
			ev.SetDroppedAttributesCount(ev.DroppedAttributesCount() + uint32(n))
		}
	}

	get := func(key string) (string, bool) {
		if v, ok := attrs.Get(key); ok {
			return v.AsString(), true
		}
		if v, ok := res.Get(key); ok {
			return v.AsString(), true
		}
		return "", false
	}
	// Attribution: the emitter's own integration.id, else the catalog.
	attribution := intops.Unattributed
	if id, ok := get(intops.AttrIntegrationID); ok && id != "" {
		attribution = intops.AttributedExplicit
		if _, onSpan := attrs.Get(intops.AttrIntegrationID); !onSpan {
			attrs.PutStr(intops.AttrIntegrationID, id)
		}
	} else if id := p.matcher.match(get); id != "" {
		attribution = intops.AttributedRule
		attrs.PutStr(intops.AttrIntegrationID, id)
	}
	attrs.PutStr(intops.AttrAttribution, string(attribution))

	// Classification of failures; a successful span carries no class.
	if s.Status().Code() == ptrace.StatusCodeError {
		explicit, _ := get(intops.AttrErrorClass)
		attrs.PutStr(intops.AttrErrorClass, string(Classify(evidence(s, attrs, explicit))))
	} else {
		attrs.Remove(intops.AttrErrorClass)
	}
	if truncated {
		attrs.PutBool(intops.AttrTruncated, true)
	}
}

func evidence(s ptrace.Span, attrs pcommon.Map, explicit string) Evidence {
	e := Evidence{Explicit: explicit, GRPCStatus: -1, StatusMessage: s.Status().Message()}
	for _, k := range []string{intops.AttrHTTPStatus, intops.AttrHTTPStatusOld} {
		if v, ok := attrs.Get(k); ok {
			e.HTTPStatus = intValue(v)
			break
		}
	}
	if v, ok := attrs.Get(intops.AttrRPCGRPCStatusCode); ok {
		e.GRPCStatus = intValue(v)
	}
	if v, ok := attrs.Get(intops.AttrErrorType); ok {
		e.ErrorType = v.AsString()
	}
	events := s.Events()
	for i := 0; i < events.Len(); i++ {
		ev := events.At(i)
		if ev.Name() != "exception" {
			continue
		}
		if v, ok := ev.Attributes().Get(intops.AttrExceptionType); ok {
			e.ExceptionTypes = append(e.ExceptionTypes, v.AsString())
		}
		if v, ok := ev.Attributes().Get(intops.AttrExceptionMessage); ok {
			e.ExceptionMsgs = append(e.ExceptionMsgs, v.AsString())
		}
	}
	return e
}

func intValue(v pcommon.Value) int64 {
	switch v.Type() {
	case pcommon.ValueTypeInt:
		return v.Int()
	case pcommon.ValueTypeDouble:
		return int64(v.Double())
	case pcommon.ValueTypeStr:
		var n int64
		for _, c := range v.Str() {
			if c < '0' || c > '9' || n > 1e6 {
				return 0
			}
			n = n*10 + int64(c-'0')
		}
		return n
	}
	return 0
}

// keep lists the attributes that survive when a span has too many: the
// ones attribution and classification read.
var keep = map[string]bool{
	intops.AttrIntegrationID: true, intops.AttrSourceSystem: true, intops.AttrTargetSystem: true,
	intops.AttrOperation: true, intops.AttrRecords: true, intops.AttrErrorClass: true,
	intops.AttrServiceName: true, intops.AttrPeerService: true, intops.AttrServerAddress: true,
	intops.AttrMessagingSystem: true, intops.AttrMessagingDest: true, intops.AttrHTTPRoute: true,
	intops.AttrHTTPStatus: true, intops.AttrHTTPStatusOld: true, intops.AttrRPCService: true,
	intops.AttrRPCGRPCStatusCode: true, intops.AttrDBSystem: true, intops.AttrErrorType: true,
}

// limitAttrs drops attributes beyond MaxAttributes (keeping the ones
// intops reads) and truncates long values. It returns how many it dropped,
// or -1 when it only truncated.
func (p *Processor) limitAttrs(m pcommon.Map, maxBytes int) int {
	dropped := 0
	if extra := m.Len() - p.limits.MaxAttributes; extra > 0 {
		others := p.limits.MaxAttributes
		m.Range(func(k string, _ pcommon.Value) bool {
			if keep[k] {
				others--
			}
			return true
		})
		m.RemoveIf(func(k string, _ pcommon.Value) bool {
			if keep[k] {
				return false
			}
			if others > 0 {
				others--
				return false
			}
			dropped++
			return true
		})
	}
	truncated := false
	m.Range(func(_ string, v pcommon.Value) bool {
		switch v.Type() {
		case pcommon.ValueTypeStr:
			if len(v.Str()) > maxBytes {
				v.SetStr(truncate(v.Str(), maxBytes))
				truncated = true
			}
		case pcommon.ValueTypeBytes:
			if v.Bytes().Len() > maxBytes {
				v.Bytes().FromRaw(v.Bytes().AsRaw()[:maxBytes])
				truncated = true
			}
		case pcommon.ValueTypeMap, pcommon.ValueTypeSlice:
			if s, cut := attrvalue.String(v, maxBytes, p.limits.MaxValueDepth); cut {
				v.SetStr(s)
				truncated = true
			}
		}
		return true
	})
	if dropped == 0 && truncated {
		return -1
	}
	return dropped
}

// truncate cuts s to at most n bytes on a UTF-8 boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
