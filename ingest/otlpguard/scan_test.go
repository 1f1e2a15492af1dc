package otlpguard_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/intops/intops/ingest/ingesttest"
	"github.com/intops/intops/ingest/otlpguard"
)

// traces is a request with every part the scan follows: resource and
// scope attributes, spans with attributes, events, links and nested
// values.
func traces(spans, events, attrs int, depth int) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "crm")
	ss := rs.ScopeSpans().AppendEmpty()
	ss.Scope().Attributes().PutStr("scope.attr", "x")
	for i := 0; i < spans; i++ {
		s := ss.Spans().AppendEmpty()
		s.SetTraceID(pcommon.TraceID{1})
		s.SetSpanID(pcommon.SpanID{byte(i + 1)})
		s.SetName("sync")
		for a := 0; a < attrs; a++ {
			s.Attributes().PutInt(fmt.Sprintf("a%d", a), int64(a))
		}
		v := s.Attributes().PutEmpty("nested")
		for d := 1; d < depth; d++ {
			if d%2 == 0 {
				v = v.SetEmptySlice().AppendEmpty()
			} else {
				v = v.SetEmptyMap().PutEmpty("k")
			}
		}
		v.SetStr("leaf")
		for e := 0; e < events; e++ {
			ev := s.Events().AppendEmpty()
			ev.SetName("exception")
			ev.Attributes().PutStr("exception.type", "E")
		}
		l := s.Links().AppendEmpty()
		l.SetTraceID(pcommon.TraceID{2})
		l.Attributes().PutStr("k", "v")
	}
	return td
}

func encodings(t *testing.T, td ptrace.Traces) map[string][]byte {
	t.Helper()
	pb, err := (&ptrace.ProtoMarshaler{}).MarshalTraces(td)
	if err != nil {
		t.Fatal(err)
	}
	js, err := (&ptrace.JSONMarshaler{}).MarshalTraces(td)
	if err != nil {
		t.Fatal(err)
	}
	return map[string][]byte{"protobuf": pb, "json": js}
}

var scans = map[string]func([]byte, otlpguard.Limits) error{"protobuf": otlpguard.ScanProto, "json": otlpguard.ScanJSON}

func TestScanAcceptsRequestsWithinTheLimits(t *testing.T) {
	l := otlpguard.DefaultLimits
	td := traces(50, 10, 40, l.MaxValueDepth)
	for enc, b := range encodings(t, td) {
		if err := scans[enc](b, l); err != nil {
			t.Errorf("%s: %v", enc, err)
		}
	}
	// Keys as protobuf JSON also allows them: snake_case.
	if err := otlpguard.ScanJSON([]byte(`{"resource_spans":[{"scope_spans":[{"spans":[{"trace_id":"01","attributes":[{"key":"k","value":{"array_value":{"values":[{"string_value":"x"}]}}}]}]}]}]}`), l); err != nil {
		t.Error(err)
	}
	if err := otlpguard.ScanProto(nil, l); err != nil {
		t.Errorf("empty request: %v", err)
	}
}

func TestScanRefusesWhatExceedsALimit(t *testing.T) {
	l := otlpguard.DefaultLimits
	small := l
	small.MaxSpans, small.MaxEvents, small.MaxLinks, small.MaxAttributes, small.MaxItems = 10, 5, 5, 20, 1000
	for name, tc := range map[string]struct {
		td      ptrace.Traces
		limits  otlpguard.Limits
		setting string
	}{
		"spans":                    {traces(11, 0, 0, 1), small, "max_spans_per_request"},
		"events":                   {traces(1, 6, 0, 1), small, "max_events_per_span"},
		"attributes":               {traces(1, 0, 21, 1), small, "max_attributes"},
		"items":                    {traces(10, 5, 19, 1), otlpguard.Limits{MaxSpans: 10, MaxEvents: 5, MaxLinks: 5, MaxAttributes: 20, MaxItems: 200, MaxValueDepth: 16}, "max_items_per_request"},
		"depth one past the limit": {traces(1, 0, 0, l.MaxValueDepth+1), l, "max_value_depth"},
	} {
		for enc, b := range encodings(t, tc.td) {
			t.Run(name+"/"+enc, func(t *testing.T) {
				err := scans[enc](b, tc.limits)
				var le *otlpguard.LimitError
				if !errors.As(err, &le) || le.Setting != tc.setting {
					t.Fatalf("got %v, want the %s limit", err, tc.setting)
				}
			})
		}
	}
}

func TestScanOfHostileRequests(t *testing.T) {
	l := otlpguard.DefaultLimits
	for name, tc := range map[string]struct {
		b       []byte
		scan    func([]byte, otlpguard.Limits) error
		setting string // "" for malformed
	}{
		"a value nested a million deep":         {ingesttest.DeepValueRequest(1_000_000), otlpguard.ScanProto, "max_value_depth"},
		"a JSON value nested 200,000 deep":      {ingesttest.DeepValueJSON(200_000), otlpguard.ScanJSON, "max_value_depth"},
		"1,572,864 empty spans":                 {ingesttest.EmptySpansRequest(1_572_864), otlpguard.ScanProto, "max_spans_per_request"},
		"a depth of 16 is fine, 17 is not":      {ingesttest.DeepValueRequest(l.MaxValueDepth), otlpguard.ScanProto, "max_value_depth"},
		"truncated protobuf":                    {ingesttest.DeepValueRequest(3)[:20], otlpguard.ScanProto, ""},
		"a group without its end":               {[]byte{0x0b, 0x10, 0x01}, otlpguard.ScanProto, ""},
		"an end of group alone":                 {[]byte{0x0c}, otlpguard.ScanProto, ""},
		"protobuf sent as JSON":                 {ingesttest.DeepValueRequest(2), otlpguard.ScanJSON, ""},
		"JSON with invalid UTF-8":               {[]byte("{\"resourceSpans\":[{\"x\":\"\xff\xfe\"}]}"), otlpguard.ScanJSON, ""},
		"unterminated JSON":                     {[]byte(`{"resourceSpans":[`), otlpguard.ScanJSON, ""},
		"JSON nested deep under an unknown key": {[]byte(`{"x":` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + `}`), otlpguard.ScanJSON, "max_value_depth"},
	} {
		t.Run(name, func(t *testing.T) {
			err := tc.scan(tc.b, l)
			if tc.setting == "" {
				var me *otlpguard.MalformedError
				if !errors.As(err, &me) {
					t.Fatalf("got %v, want a malformed request", err)
				}
				return
			}
			var le *otlpguard.LimitError
			if !errors.As(err, &le) || le.Setting != tc.setting {
				t.Fatalf("got %v, want the %s limit", err, tc.setting)
			}
		})
	}
	if err := otlpguard.ScanProto(ingesttest.DeepValueRequest(l.MaxValueDepth-1), l); err != nil {
		t.Errorf("a value at the depth limit: %v", err)
	}
}
