package clickhouseexporter

import (
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/intops/intops"
)

func TestFlowSpans(t *testing.T) {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "crm-sync")
	rs.Resource().Attributes().PutStr("integration.id", "crm-to-erp")
	spans := rs.ScopeSpans().AppendEmpty().Spans()
	start := time.Date(2026, 11, 22, 10, 0, 0, 123456789, time.UTC)

	root := spans.AppendEmpty()
	root.SetTraceID(pcommon.TraceID{1, 2, 3})
	root.SetSpanID(pcommon.SpanID{9})
	root.SetKind(ptrace.SpanKindInternal)
	root.SetStartTimestamp(pcommon.NewTimestampFromTime(start))
	root.SetEndTimestamp(pcommon.NewTimestampFromTime(start.Add(1500 * time.Millisecond)))
	root.Attributes().PutInt("integration.records", 12)
	root.Status().SetCode(ptrace.StatusCodeError)

	child := spans.AppendEmpty()
	child.SetTraceID(pcommon.TraceID{1, 2, 3})
	child.SetSpanID(pcommon.SpanID{10})
	child.SetParentSpanID(pcommon.SpanID{9})
	child.SetKind(ptrace.SpanKindClient)
	child.SetStartTimestamp(pcommon.NewTimestampFromTime(start.Add(time.Second)))
	child.SetEndTimestamp(pcommon.NewTimestampFromTime(start)) // ends before it starts
	child.Attributes().PutDouble("integration.records", -3)

	entry := spans.AppendEmpty()
	entry.SetParentSpanID(pcommon.SpanID{7})
	entry.SetKind(ptrace.SpanKindConsumer)

	got := FlowSpans(td)
	if len(got) != 3 {
		t.Fatalf("%d spans", len(got))
	}
	r, c, e := got[0], got[1], got[2]
	if r.TraceID != "01020300000000000000000000000000" || r.SpanID != "0900000000000000" || r.ParentSpanID != "" {
		t.Errorf("ids %q %q %q", r.TraceID, r.SpanID, r.ParentSpanID)
	}
	if !r.Start.Equal(start) || r.Duration != 1500*time.Millisecond || r.Kind != "internal" {
		t.Errorf("root %v %v %q", r.Start, r.Duration, r.Kind)
	}
	if !r.Execution || r.Records != 12 || r.IntegrationID != "crm-to-erp" || r.Attribution != intops.AttributedExplicit {
		t.Errorf("root %+v", r)
	}
	if r.ErrorClass != intops.ErrorUnknown || !r.Failed() {
		t.Errorf("a failed span without a class must be unknown, got %q", r.ErrorClass)
	}
	if c.Execution || c.Duration != 0 || c.Records != 0 || c.ParentSpanID != "0900000000000000" || c.Kind != "client" {
		t.Errorf("child %+v", c)
	}
	if !e.Execution || e.Kind != "consumer" {
		t.Errorf("a consumer span is an execution: %+v", e)
	}
	if strings.Join(r.ResourceKeys, ",") != "service.name,integration.id" || r.ServiceName != "crm-sync" {
		t.Errorf("resource %v %q", r.ResourceKeys, r.ServiceName)
	}
}

func TestConfigValidate(t *testing.T) {
	c := createDefaultConfig()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if !c.QueueConfig.HasValue() || !c.QueueConfig.Get().Batch.HasValue() || c.RetryConfig.MaxElapsedTime != 0 {
		t.Error("defaults must queue, batch and retry without a time limit")
	}
	c.DSN = "http://user:secret@host"
	err := c.Validate()
	if err == nil || strings.Contains(err.Error(), "secret") || !strings.Contains(err.Error(), "want clickhouse://") {
		t.Errorf("got %v", err)
	}
}
