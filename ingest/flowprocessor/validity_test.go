package flowprocessor

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/intops/intops"
)

var testNow = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

func fixedProcessor() *Processor {
	p := NewWithIntegrations(DefaultLimits, integrations())
	p.Now = func() time.Time { return testNow }
	return p
}

// spanAt is a valid span of integration crm-erp that started at start
// and ran for dur.
func spanAt(td ptrace.Traces, start pcommon.Timestamp, end pcommon.Timestamp) ptrace.Span {
	s := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().AppendEmpty()
	s.SetTraceID(pcommon.TraceID{1, 2, 3})
	s.SetSpanID(pcommon.SpanID{byte(td.SpanCount())})
	s.SetStartTimestamp(start)
	s.SetEndTimestamp(end)
	s.Attributes().PutStr(intops.AttrIntegrationID, "crm-erp")
	return s
}

func newTraces() ptrace.Traces {
	td := ptrace.NewTraces()
	td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty()
	return td
}

func ts(t time.Time) pcommon.Timestamp { return pcommon.NewTimestampFromTime(t) }

func TestInvalidSpansAreRefused(t *testing.T) {
	now := testNow
	for name, mutate := range map[string]func(s ptrace.Span){
		"trace id all zero": func(s ptrace.Span) { s.SetTraceID(pcommon.NewTraceIDEmpty()) },
		"span id all zero":  func(s ptrace.Span) { s.SetSpanID(pcommon.NewSpanIDEmpty()) },
		"older than the span age": func(s ptrace.Span) {
			s.SetStartTimestamp(ts(now.Add(-15 * 24 * time.Hour)))
			s.SetEndTimestamp(ts(now.Add(-15*24*time.Hour + time.Second)))
		},
	} {
		t.Run(name, func(t *testing.T) {
			p := fixedProcessor()
			// Alone, the span is refused with InvalidArgument.
			td := newTraces()
			mutate(spanAt(td, ts(now.Add(-time.Second)), ts(now)))
			_, err := p.ProcessTraces(context.Background(), td)
			if status.Code(err) != codes.InvalidArgument {
				t.Fatalf("got %v, want InvalidArgument", err)
			}
			if !strings.Contains(err.Error(), "all 1 spans are invalid") {
				t.Errorf("message %q does not say why", err)
			}
			// Beside a valid span, it is removed and the valid one kept.
			td = newTraces()
			spanAt(td, ts(now.Add(-time.Second)), ts(now))
			mutate(spanAt(td, ts(now.Add(-time.Second)), ts(now)))
			if _, err := p.ProcessTraces(context.Background(), td); err != nil {
				t.Fatal(err)
			}
			if td.SpanCount() != 1 {
				t.Fatalf("%d spans left, want the valid one", td.SpanCount())
			}
		})
	}
}

func TestSpanTimesAreRepaired(t *testing.T) {
	now := testNow
	for name, tc := range map[string]struct {
		start, end pcommon.Timestamp
		wantStart  time.Time
		wantDur    time.Duration
		flag       string
	}{
		"start of max uint64":         {math.MaxUint64, math.MaxUint64, now, 0, intops.AttrClamped},
		"no start":                    {0, ts(now), now, 0, intops.AttrClamped},
		"two days ahead":              {ts(now.Add(48 * time.Hour)), ts(now.Add(48*time.Hour + 3*time.Second)), now, 3 * time.Second, intops.AttrClamped},
		"end far ahead":               {ts(now.Add(-time.Minute)), math.MaxUint64, now.Add(-time.Minute), time.Minute, intops.AttrClamped},
		"end before start":            {ts(now.Add(-time.Minute)), ts(now.Add(-2 * time.Minute)), now.Add(-time.Minute), 0, intops.AttrEndBeforeStart},
		"an hour ahead is clock skew": {ts(now.Add(time.Hour)), ts(now.Add(time.Hour + time.Second)), now.Add(time.Hour), time.Second, ""},
	} {
		t.Run(name, func(t *testing.T) {
			td := newTraces()
			s := spanAt(td, tc.start, tc.end)
			if _, err := fixedProcessor().ProcessTraces(context.Background(), td); err != nil {
				t.Fatal(err)
			}
			if got := s.StartTimestamp().AsTime(); !got.Equal(tc.wantStart) {
				t.Errorf("start %s, want %s", got, tc.wantStart)
			}
			if got := time.Duration(s.EndTimestamp() - s.StartTimestamp()); got != tc.wantDur {
				t.Errorf("duration %s, want %s", got, tc.wantDur)
			}
			for _, f := range []string{intops.AttrClamped, intops.AttrEndBeforeStart} {
				_, has := s.Attributes().Get(f)
				if has != (f == tc.flag) {
					t.Errorf("%s set: %v, want %v", f, has, f == tc.flag)
				}
			}
		})
	}
}

func TestStringsAreMadeValidUTF8(t *testing.T) {
	td := newTraces()
	td.ResourceSpans().At(0).Resource().Attributes().PutStr("service.name", "crm\xff")
	s := spanAt(td, ts(testNow.Add(-time.Second)), ts(testNow))
	s.SetName("sync \xfe orders")
	s.Status().SetCode(ptrace.StatusCodeError)
	s.Status().SetMessage("bad \xc3")
	s.Attributes().PutStr("key\xff", "value")
	s.Attributes().PutStr("plain", "value \xff")
	s.Attributes().PutEmptySlice("list").AppendEmpty().SetEmptyMap().PutStr("in\xfe", "deep \xff")
	ev := s.Events().AppendEmpty()
	ev.SetName("exception\xff")
	ev.Attributes().PutStr("exception.message", "boom \xff")
	if _, err := fixedProcessor().ProcessTraces(context.Background(), td); err != nil {
		t.Fatal(err)
	}
	var bad []string
	check := func(what, v string) {
		if !utf8.ValidString(v) {
			bad = append(bad, what)
		}
	}
	check("name", s.Name())
	check("status", s.Status().Message())
	check("event", ev.Name())
	for _, m := range []pcommon.Map{s.Attributes(), ev.Attributes(), td.ResourceSpans().At(0).Resource().Attributes()} {
		m.Range(func(k string, v pcommon.Value) bool {
			check("key "+k, k)
			check("value of "+k, v.AsString())
			return true
		})
	}
	if len(bad) > 0 {
		t.Errorf("not valid UTF-8: %v", bad)
	}
	if _, ok := s.Attributes().Get("key\uFFFD"); !ok {
		t.Errorf("the key with invalid UTF-8 was not kept under its repaired name")
	}
}

// A value nested a million deep (the receiver's guard refuses it; the
// processor alone must not recurse over it either) becomes bounded text.
func TestDeepValueBecomesBoundedText(t *testing.T) {
	td := newTraces()
	s := spanAt(td, ts(testNow.Add(-time.Second)), ts(testNow))
	v := s.Attributes().PutEmpty("deep")
	for i := 0; i < 1_000_000; i++ {
		v = v.SetEmptySlice().AppendEmpty()
	}
	v.SetStr("x")
	if _, err := fixedProcessor().ProcessTraces(context.Background(), td); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Attributes().Get("deep")
	if got.Type() != pcommon.ValueTypeStr || len(got.Str()) > DefaultLimits.MaxValueBytes || !strings.HasPrefix(got.Str(), "[[[[") {
		t.Errorf("deep value is %s of %d bytes", got.Type(), len(got.AsString()))
	}
	if v, _ := s.Attributes().Get(intops.AttrTruncated); !v.Bool() {
		t.Errorf("span not marked truncated")
	}
}
