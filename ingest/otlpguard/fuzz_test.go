package otlpguard_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/intops/intops/ingest/clickhouseexporter"
	"github.com/intops/intops/ingest/flowprocessor"
	"github.com/intops/intops/ingest/ingesttest"
	"github.com/intops/intops/ingest/internal/attrvalue"
	"github.com/intops/intops/ingest/otlpguard"
)

// FuzzWire sends raw OTLP bytes, protobuf or JSON, down the collector's
// path: the guard's scan, the receiver's decoding, the flow processor and
// the exporter's conversion to rows. Nothing may panic or recurse without
// bound; what the scan accepts decodes within the limits; what is stored
// is valid UTF-8, within the span limits, with non-zero ids and a start
// time the processor allows.
func FuzzWire(f *testing.F) {
	small := otlpguard.DefaultLimits
	small.MaxSpans, small.MaxItems, small.MaxValueDepth = 64, 4096, 6
	for _, b := range [][]byte{
		ingesttest.DeepValueRequest(3), ingesttest.DeepValueRequest(8),
		ingesttest.EmptySpansRequest(70), ingesttest.EmptySpansRequest(3),
		{0x0b, 0x0c}, {0x0a, 0x80},
	} {
		f.Add(b, false)
	}
	for _, b := range [][]byte{
		ingesttest.DeepValueJSON(2), ingesttest.DeepValueJSON(9),
		[]byte(`{"resource_spans":[{"scope_spans":[{"spans":[{"trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"b7ad6b7169203331","name":"\xff"}]}]}]}`),
		[]byte(`{"resourceSpans":[`),
	} {
		f.Add(b, true)
	}
	valid, _ := (&ptrace.ProtoMarshaler{}).MarshalTraces(traces(3, 2, 3, 4))
	f.Add(valid, false)
	validJSON, _ := (&ptrace.JSONMarshaler{}).MarshalTraces(traces(3, 2, 3, 4))
	f.Add(validJSON, true)

	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	lim := flowprocessor.DefaultLimits
	f.Fuzz(func(t *testing.T, b []byte, isJSON bool) {
		scan, decode := otlpguard.ScanProto, ptrace.Unmarshaler(&ptrace.ProtoUnmarshaler{})
		if isJSON {
			scan, decode = otlpguard.ScanJSON, &ptrace.JSONUnmarshaler{}
		}
		if err := scan(b, small); err != nil {
			var me *otlpguard.MalformedError
			// (pdata skips a group that does not end where protobuf says
			// it must; OTLP, being proto3, has no groups.)
			if !isJSON && errors.As(err, &me) && !strings.Contains(me.Reason, "group") {
				if _, derr := decode.UnmarshalTraces(b); derr == nil {
					t.Fatalf("scan calls a request that decodes malformed: %v", err)
				}
			}
			return // refused before decoding
		}
		td, err := decode.UnmarshalTraces(b)
		if err != nil {
			return
		}
		if n := td.SpanCount(); n > small.MaxSpans {
			t.Fatalf("scan accepted %d spans, limit %d", n, small.MaxSpans)
		}
		forEachValue(td, func(v pcommon.Value) {
			if d, _ := attrvalue.Shape(v, small.MaxValueDepth+1, 1<<20); d > small.MaxValueDepth {
				t.Fatalf("scan accepted a value %d deep, limit %d", d, small.MaxValueDepth)
			}
		})
		p := flowprocessor.NewWithIntegrations(lim, nil)
		p.Now = func() time.Time { return now }
		if _, err := p.ProcessTraces(context.Background(), td); err != nil {
			return // refused: no valid span
		}
		for _, s := range clickhouseexporter.FlowSpans(td) {
			if s.TraceID == "00000000000000000000000000000000" || s.SpanID == "0000000000000000" {
				t.Fatalf("span with a zero id stored: %+v", s)
			}
			if s.Start.Before(now.Add(-lim.MaxSpanAge)) || s.Start.After(now.Add(lim.MaxClockSkew)) || s.Duration < 0 {
				t.Fatalf("span stored at %s for %s", s.Start, s.Duration)
			}
			if len(s.Name) > lim.MaxNameBytes || len(s.StatusMessage) > lim.MaxValueBytes {
				t.Fatalf("name or status over the limits")
			}
			for _, txt := range append(append([]string{s.Name, s.StatusMessage, s.IntegrationID}, s.AttrKeys...), s.AttrValues...) {
				if !utf8.ValidString(txt) {
					t.Fatalf("invalid UTF-8 stored: %q", txt)
				}
			}
			for _, v := range s.AttrValues {
				if len(v) > lim.MaxValueBytes {
					t.Fatalf("attribute value of %d bytes stored", len(v))
				}
			}
		}
	})
}

// forEachValue calls f with every attribute value of td's spans and
// resources.
func forEachValue(td ptrace.Traces, f func(pcommon.Value)) {
	each := func(m pcommon.Map) {
		m.Range(func(_ string, v pcommon.Value) bool { f(v); return true })
	}
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		each(rss.At(i).Resource().Attributes())
		sss := rss.At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			each(sss.At(j).Scope().Attributes())
			spans := sss.At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				each(spans.At(k).Attributes())
				evs := spans.At(k).Events()
				for e := 0; e < evs.Len(); e++ {
					each(evs.At(e).Attributes())
				}
				links := spans.At(k).Links()
				for l := 0; l < links.Len(); l++ {
					each(links.At(l).Attributes())
				}
			}
		}
	}
}
