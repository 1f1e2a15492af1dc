package flowprocessor

import (
	"context"
	"fmt"
	"unicode/utf8"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processorhelper"

	"github.com/intops/intops"
	"github.com/intops/intops/catalog"
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
	return processorhelper.NewTraces(ctx, set, cfg, next, p.ProcessTraces,
		processorhelper.WithCapabilities(consumer.Capabilities{MutatesData: true}))
}

// Processor attributes, classifies and limits spans in place.
type Processor struct {
	limits  Limits
	matcher *matcher
}

// New builds a processor, loading the catalog when one is configured.
func New(cfg *Config) (*Processor, error) {
	p := &Processor{limits: cfg.Limits, matcher: newMatcher(nil)}
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
	return &Processor{limits: limits, matcher: newMatcher(integrations)}
}

// ProcessTraces handles every span of td.
func (p *Processor) ProcessTraces(_ context.Context, td ptrace.Traces) (ptrace.Traces, error) {
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		res := rs.Resource().Attributes()
		if n := p.limitAttrs(res, p.limits.MaxValueBytes); n > 0 {
			rs.Resource().SetDroppedAttributesCount(rs.Resource().DroppedAttributesCount() + uint32(n))
		}
		sss := rs.ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			spans := sss.At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				p.span(spans.At(k), res)
			}
		}
	}
	return td, nil
}

func (p *Processor) span(s ptrace.Span, res pcommon.Map) {
	attrs := s.Attributes()
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
			if s := v.AsString(); len(s) > maxBytes {
				v.SetStr(truncate(s, maxBytes))
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
