package simulate

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/intops/intops"
)

// NewExporter returns the OpenTelemetry SDK's OTLP exporter for endpoint
// (host:port) over "grpc" or "http", with the SDK's own retries off: the
// caller sees every refusal and decides.
func NewExporter(ctx context.Context, protocol, endpoint string) (sdktrace.SpanExporter, error) {
	switch protocol {
	case "grpc", "":
		return otlptracegrpc.New(ctx, otlptracegrpc.WithEndpoint(endpoint), otlptracegrpc.WithInsecure(),
			otlptracegrpc.WithRetry(otlptracegrpc.RetryConfig{Enabled: false}), otlptracegrpc.WithTimeout(10*time.Second))
	case "http":
		return otlptracehttp.New(ctx, otlptracehttp.WithEndpoint(endpoint), otlptracehttp.WithInsecure(),
			otlptracehttp.WithRetry(otlptracehttp.RetryConfig{Enabled: false}), otlptracehttp.WithTimeout(10*time.Second))
	}
	return nil, fmt.Errorf("protocol %q: want grpc or http", protocol)
}

// failure is how each class shows in a span: an HTTP status or an
// exception, as real instrumentation reports them.
var failure = map[intops.ErrorClass]struct {
	http    int
	excType string
	message string
}{
	intops.ErrorTransient:   {0, "java.net.SocketException", "Connection reset by peer"},
	intops.ErrorTimeout:     {0, "java.net.SocketTimeoutException", "Read timed out after 30000 ms"},
	intops.ErrorAuth:        {401, "OAuthTokenExpiredException", "access token expired; refresh rejected"},
	intops.ErrorRateLimit:   {429, "", "Too Many Requests, retry after 30s"},
	intops.ErrorValidation:  {422, "SchemaValidationException", "field 'priority' failed schema validation: unknown value 'P1'"},
	intops.ErrorUnavailable: {503, "", "Service Unavailable: target in maintenance"},
	intops.ErrorUnknown:     {0, "java.lang.NullPointerException", "mapping step returned null"},
}

// SpanBuilder turns executions into OTLP spans: a root span for the
// execution and a client span for its call to the target.
type SpanBuilder struct {
	rnd       *rand.Rand
	resources map[*Profile]*resource.Resource
}

// NewSpanBuilder returns a builder with its own id sequence.
func NewSpanBuilder(seed uint64) *SpanBuilder {
	return &SpanBuilder{rnd: rand.New(rand.NewPCG(seed, 0xabcdef)), resources: map[*Profile]*resource.Resource{}}
}

var scope = instrumentation.Scope{Name: "github.com/intops/intops/simulate", Version: "0.1.0"}

// Spans returns the spans of the executions.
func (b *SpanBuilder) Spans(execs []Execution) []sdktrace.ReadOnlySpan {
	stubs := make(tracetest.SpanStubs, 0, 2*len(execs))
	for _, e := range execs {
		p := e.Profile
		res := b.resources[p]
		if res == nil {
			res = resource.NewSchemaless(attribute.String("service.name", p.Service),
				attribute.String("deployment.environment.name", "demo"))
			b.resources[p] = res
		}
		var tid trace.TraceID
		var root, child trace.SpanID
		binary.BigEndian.PutUint64(tid[:8], b.rnd.Uint64())
		binary.BigEndian.PutUint64(tid[8:], b.rnd.Uint64())
		binary.BigEndian.PutUint64(root[:], b.rnd.Uint64()|1)
		binary.BigEndian.PutUint64(child[:], b.rnd.Uint64()|1)
		in := p.Integration
		attrs := []attribute.KeyValue{
			attribute.String(intops.AttrSourceSystem, in.Source),
			attribute.String(intops.AttrTargetSystem, in.Target()),
			attribute.String(intops.AttrOperation, operation(in)),
			attribute.Int64(intops.AttrRecords, int64(e.Records)),
		}
		// How the span is tied to its integration: its own integration.id,
		// or the attributes the catalog's first match rule looks for.
		var idAttrs []attribute.KeyValue
		if p.Explicit && in.ID != "" {
			idAttrs = append(idAttrs, attribute.String(intops.AttrIntegrationID, in.ID))
		} else if len(in.Match) > 0 {
			for _, c := range in.Match[0].Conditions {
				if c.Key != intops.AttrServiceName && c.Key != intops.AttrPeerService {
					idAttrs = append(idAttrs, attribute.String(c.Key, c.Value))
				}
			}
		}
		attrs = append(attrs, idAttrs...)
		attrs = append(attrs, attribute.String(intops.AttrPeerService, p.Peer))
		status := sdktrace.Status{Code: codes.Ok}
		childAttrs := append([]attribute.KeyValue{attribute.String(intops.AttrPeerService, p.Peer), attribute.String("http.request.method", "POST")}, idAttrs...)
		var events []sdktrace.Event
		if e.Class != intops.ErrorNone {
			f := failure[e.Class]
			status = sdktrace.Status{Code: codes.Error, Description: f.message}
			if f.http != 0 {
				childAttrs = append(childAttrs, attribute.Int(intops.AttrHTTPStatus, f.http))
				attrs = append(attrs, attribute.Int(intops.AttrHTTPStatus, f.http))
			}
			if f.excType != "" {
				events = append(events, sdktrace.Event{Name: "exception", Time: e.Start.Add(e.Duration), Attributes: []attribute.KeyValue{
					attribute.String(intops.AttrExceptionType, f.excType), attribute.String(intops.AttrExceptionMessage, f.message)}})
			}
		} else {
			childAttrs = append(childAttrs, attribute.Int(intops.AttrHTTPStatus, 200))
		}
		kind := trace.SpanKindInternal
		switch in.Mechanism {
		case "event":
			kind = trace.SpanKindConsumer
		case "api", "":
			kind = trace.SpanKindServer
		}
		rootCtx := trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: root, TraceFlags: trace.FlagsSampled})
		stubs = append(stubs, tracetest.SpanStub{
			Name: operation(in), SpanContext: rootCtx, SpanKind: kind,
			StartTime: e.Start, EndTime: e.Start.Add(e.Duration),
			Attributes: attrs, Events: events, Status: status, Resource: res, InstrumentationScope: scope,
		})
		callStart := e.Start.Add(e.Duration / 10)
		stubs = append(stubs, tracetest.SpanStub{
			Name:        "POST " + p.Peer,
			SpanContext: trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: child, TraceFlags: trace.FlagsSampled}),
			Parent:      rootCtx, SpanKind: trace.SpanKindClient,
			StartTime: callStart, EndTime: callStart.Add(e.Duration * 8 / 10),
			Attributes: childAttrs, Status: status, Resource: res, InstrumentationScope: scope,
		})
	}
	return stubs.Snapshots()
}

func operation(in *intops.Integration) string {
	switch in.Mechanism {
	case "event":
		return "consume " + in.ID
	case "batch", "file", "db-link":
		return "run " + in.ID
	case "rpa":
		return "bot " + in.ID
	}
	if in.ID == "" {
		return "export contacts"
	}
	return "sync " + in.ID
}
