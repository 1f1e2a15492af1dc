package flowprocessor

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/intops/intops"
)

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		name string
		e    Evidence
		want intops.ErrorClass
	}{
		{"explicit class wins", Evidence{Explicit: "rate_limit", HTTPStatus: 500}, intops.ErrorRateLimit},
		{"bad explicit class is ignored", Evidence{Explicit: "oops", HTTPStatus: 401}, intops.ErrorAuth},
		{"http 401", Evidence{HTTPStatus: 401, GRPCStatus: -1}, intops.ErrorAuth},
		{"http 429", Evidence{HTTPStatus: 429, GRPCStatus: -1}, intops.ErrorRateLimit},
		{"http 504", Evidence{HTTPStatus: 504, GRPCStatus: -1}, intops.ErrorTimeout},
		{"http 422", Evidence{HTTPStatus: 422, GRPCStatus: -1}, intops.ErrorValidation},
		{"http 503", Evidence{HTTPStatus: 503, GRPCStatus: -1}, intops.ErrorUnavailable},
		{"grpc deadline", Evidence{GRPCStatus: 4}, intops.ErrorTimeout},
		{"grpc unauthenticated", Evidence{GRPCStatus: 16}, intops.ErrorAuth},
		{"grpc unavailable", Evidence{GRPCStatus: 14}, intops.ErrorUnavailable},
		{"grpc ok code says nothing", Evidence{GRPCStatus: 0, StatusMessage: "read: connection reset by peer"}, intops.ErrorTransient},
		{"timeout before transient", Evidence{GRPCStatus: -1, ExceptionMsgs: []string{"dial tcp: connection timed out"}}, intops.ErrorTimeout},
		{"expired token", Evidence{GRPCStatus: -1, ExceptionTypes: []string{"TokenExpiredException"}}, intops.ErrorAuth},
		{"invalid token is auth not validation", Evidence{GRPCStatus: -1, StatusMessage: "invalid_token"}, intops.ErrorAuth},
		{"throttled", Evidence{GRPCStatus: -1, StatusMessage: "Request was throttled"}, intops.ErrorRateLimit},
		{"schema", Evidence{GRPCStatus: -1, ExceptionMsgs: []string{"field 'priority' failed schema validation"}}, intops.ErrorValidation},
		{"refused", Evidence{GRPCStatus: -1, ErrorType: "ECONNREFUSED"}, intops.ErrorUnavailable},
		{"nothing known", Evidence{GRPCStatus: -1, StatusMessage: "boom"}, intops.ErrorUnknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Classify(tc.e); got != tc.want {
				t.Errorf("Classify(%+v) = %q, want %q", tc.e, got, tc.want)
			}
		})
	}
}

func integrations() []*intops.Integration {
	return []*intops.Integration{
		{ID: "crm-erp", Match: []intops.MatchRule{{Conditions: []intops.Condition{{Key: "service.name", Value: "crm-sync"}}}}},
		{ID: "crm-erp-orders", Match: []intops.MatchRule{{Conditions: []intops.Condition{{Key: "peer.service", Value: "sap-erp"}, {Key: "service.name", Value: "crm-sync"}}}}},
		{ID: "events", Match: []intops.MatchRule{{Conditions: []intops.Condition{{Key: "messaging.destination.name", Value: "orders.*"}}}}},
	}
}

// identify gives s ids and times, as every valid span has.
func identify(s ptrace.Span) {
	s.SetTraceID(pcommon.TraceID{0x0a, 0xf7})
	s.SetSpanID(pcommon.SpanID{0xb7})
	now := time.Now()
	s.SetStartTimestamp(pcommon.NewTimestampFromTime(now.Add(-time.Second)))
	s.SetEndTimestamp(pcommon.NewTimestampFromTime(now))
}

func process(t *testing.T, p *Processor, resAttrs, spanAttrs map[string]string, failed bool) ptrace.Span {
	t.Helper()
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	for k, v := range resAttrs {
		rs.Resource().Attributes().PutStr(k, v)
	}
	s := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	identify(s)
	for k, v := range spanAttrs {
		s.Attributes().PutStr(k, v)
	}
	if failed {
		s.Status().SetCode(ptrace.StatusCodeError)
	}
	if _, err := p.ProcessTraces(context.Background(), td); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAttribution(t *testing.T) {
	p := NewWithIntegrations(DefaultLimits, integrations())
	for _, tc := range []struct {
		name      string
		res, span map[string]string
		wantID    string
		wantBy    intops.Attribution
	}{
		{"explicit id on the span", nil, map[string]string{"integration.id": "mine", "service.name": "crm-sync"}, "mine", intops.AttributedExplicit},
		{"explicit id on the resource", map[string]string{"integration.id": "res"}, nil, "res", intops.AttributedExplicit},
		{"rule on resource service", map[string]string{"service.name": "crm-sync"}, nil, "crm-erp", intops.AttributedRule},
		{"most specific rule wins", map[string]string{"service.name": "crm-sync"}, map[string]string{"peer.service": "sap-erp"}, "crm-erp-orders", intops.AttributedRule},
		{"prefix rule", nil, map[string]string{"messaging.destination.name": "orders.created"}, "events", intops.AttributedRule},
		{"nothing matches", map[string]string{"service.name": "marketing-export"}, map[string]string{"peer.service": "salesforce"}, "", intops.Unattributed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := process(t, p, tc.res, tc.span, false)
			id, by := get(s, intops.AttrIntegrationID), get(s, intops.AttrAttribution)
			if id != tc.wantID || by != string(tc.wantBy) {
				t.Errorf("got %q by %q, want %q by %q", id, by, tc.wantID, tc.wantBy)
			}
		})
	}
}

func get(s ptrace.Span, key string) string {
	if v, ok := s.Attributes().Get(key); ok {
		return v.AsString()
	}
	return ""
}

func TestSuccessfulSpansCarryNoErrorClass(t *testing.T) {
	p := NewWithIntegrations(DefaultLimits, nil)
	s := process(t, p, nil, map[string]string{"integration.error.class": "auth"}, false)
	if _, ok := s.Attributes().Get(intops.AttrErrorClass); ok {
		t.Error("a successful span kept an error class")
	}
	s = process(t, p, nil, map[string]string{"http.response.status_code": "429"}, true)
	if v, _ := s.Attributes().Get(intops.AttrErrorClass); v.AsString() != "rate_limit" {
		t.Errorf("class %q, want rate_limit", v.AsString())
	}
}

func TestLimitsKeepWhatIntopsReads(t *testing.T) {
	p := NewWithIntegrations(DefaultLimits, integrations())
	attrs := map[string]string{"messaging.destination.name": "orders.created", "big": strings.Repeat("€", 5000)}
	for i := 0; i < 500; i++ {
		attrs["junk."+strings.Repeat("x", i%7)+string(rune('a'+i%26))+strings.Repeat("y", i/26)] = "v"
	}
	s := process(t, p, nil, attrs, false)
	if n := s.Attributes().Len(); n > DefaultLimits.MaxAttributes+3 {
		t.Errorf("%d attributes kept", n)
	}
	if v, _ := s.Attributes().Get(intops.AttrIntegrationID); v.AsString() != "events" {
		t.Errorf("attribution lost to the limit: %q", v.AsString())
	}
	if v, ok := s.Attributes().Get("big"); ok && len(v.Str()) > DefaultLimits.MaxValueBytes {
		t.Errorf("value of %d bytes kept", len(v.Str()))
	}
	if s.DroppedAttributesCount() == 0 {
		t.Error("dropped attributes not counted")
	}
}

func TestConfigValidate(t *testing.T) {
	c := createDefaultConfig()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	c.Limits.MaxAttributes = 1
	c.Limits.MaxValueBytes = 2
	err := c.Validate()
	if err == nil || !strings.Contains(err.Error(), "limits.max_attributes is 1: want at least 16") || !strings.Contains(err.Error(), "limits.max_value_bytes is 2") {
		t.Errorf("got %v", err)
	}
}

// FuzzProcess feeds arbitrary attribute values and status text through
// attribution, classification and limits: no panic, valid UTF-8 kept
// valid, limits honoured, and a failed span always gets a known class.
func FuzzProcess(f *testing.F) {
	f.Add("crm-sync", "sap-erp", "orders.x", "TokenExpiredException", "401", "read timed out", true)
	f.Add("", "", "", "", "", "", false)
	f.Add("\xff\xfe", "*", "orders.", "é€", "99999999999999999999", strings.Repeat("a", 5000), true)
	p := NewWithIntegrations(DefaultLimits, integrations())
	f.Fuzz(func(t *testing.T, service, peer, dest, excType, httpStatus, msg string, failed bool) {
		td := ptrace.NewTraces()
		rs := td.ResourceSpans().AppendEmpty()
		rs.Resource().Attributes().PutStr("service.name", service)
		s := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
		identify(s)
		s.SetName(msg)
		s.Attributes().PutStr("peer.service", peer)
		s.Attributes().PutStr("messaging.destination.name", dest)
		s.Attributes().PutStr("http.response.status_code", httpStatus)
		s.Attributes().PutStr("integration.error.class", excType)
		ev := s.Events().AppendEmpty()
		ev.SetName("exception")
		ev.Attributes().PutStr("exception.type", excType)
		ev.Attributes().PutStr("exception.message", msg)
		if failed {
			s.Status().SetCode(ptrace.StatusCodeError)
			s.Status().SetMessage(msg)
		}
		if _, err := p.ProcessTraces(context.Background(), td); err != nil {
			t.Fatal(err)
		}
		if len(s.Name()) > DefaultLimits.MaxNameBytes || len(s.Status().Message()) > DefaultLimits.MaxValueBytes {
			t.Fatalf("limits not applied")
		}
		cls, ok := s.Attributes().Get(intops.AttrErrorClass)
		if failed {
			if _, err := intops.ParseErrorClass(cls.AsString()); !ok || err != nil {
				t.Fatalf("failed span got class %q", cls.AsString())
			}
		} else if ok {
			t.Fatalf("successful span got class %q", cls.AsString())
		}
		by, _ := s.Attributes().Get(intops.AttrAttribution)
		switch intops.Attribution(by.AsString()) {
		case intops.AttributedExplicit, intops.AttributedRule, intops.Unattributed:
		default:
			t.Fatalf("attribution %q", by.AsString())
		}
	})
}

// FuzzClassify: any evidence gives one of the known classes.
func FuzzClassify(f *testing.F) {
	f.Add("", int64(0), int64(-1), "", "", "", "")
	f.Add("auth", int64(401), int64(16), "TokenExpired", "timed out", "ECONNRESET", "boom")
	f.Fuzz(func(t *testing.T, explicit string, httpStatus, grpcStatus int64, excType, excMsg, errType, msg string) {
		c := Classify(Evidence{Explicit: explicit, HTTPStatus: httpStatus, GRPCStatus: grpcStatus,
			ExceptionTypes: []string{excType}, ExceptionMsgs: []string{excMsg}, ErrorType: errType, StatusMessage: msg})
		if _, err := intops.ParseErrorClass(string(c)); err != nil {
			t.Fatalf("Classify gave %q", c)
		}
	})
}
