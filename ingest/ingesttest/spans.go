package ingesttest

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/intops/intops/simulate"
)

// Spec is what a test expects of one generated span.
type Spec struct {
	TraceID, SpanID string
	Integration     string // "" for unattributed
	Start           time.Time
	Duration        time.Duration
	Failed          bool
	HTTPStatus      int
	WantClass       string
}

// Exporter is an OTLP exporter of the OpenTelemetry Go SDK.
type Exporter = sdktrace.SpanExporter

// NewGRPCExporter returns the SDK's OTLP/gRPC exporter for endpoint, with
// its own retries off so that a test sees every refusal.
func NewGRPCExporter(ctx context.Context, endpoint string) (Exporter, error) {
	return simulate.NewExporter(ctx, "grpc", endpoint)
}

// NewHTTPExporter returns the SDK's OTLP/HTTP exporter for endpoint.
func NewHTTPExporter(ctx context.Context, endpoint string) (Exporter, error) {
	return simulate.NewExporter(ctx, "http", endpoint)
}

var classByStatus = map[int]string{401: "auth", 403: "auth", 429: "rate_limit", 504: "timeout", 422: "validation", 503: "unavailable"}

// Generator makes spans with known contents.
type Generator struct {
	rnd  *rand.Rand
	seq  uint64
	base time.Time
	res  *resource.Resource
}

// NewGenerator returns a generator seeded with seed; span ids are unique
// across generators with different seeds.
func NewGenerator(seed uint64) *Generator {
	return &Generator{
		rnd:  rand.New(rand.NewPCG(seed, 7)),
		seq:  seed << 40,
		base: time.Now().Add(-10 * time.Minute).Truncate(time.Millisecond),
		res:  resource.NewSchemaless(attribute.String("service.name", "orders-sync-worker"), attribute.String("host.name", "worker-1")),
	}
}

// Batch returns n spans, ready for an SDK exporter, and what each should
// become once stored. One span in ten is unattributed.
func (g *Generator) Batch(n int) ([]sdktrace.ReadOnlySpan, []Spec) {
	stubs := make(tracetest.SpanStubs, 0, n)
	specs := make([]Spec, 0, n)
	for i := 0; i < n; i++ {
		g.seq++
		var tid trace.TraceID
		var sid trace.SpanID
		binary.BigEndian.PutUint64(tid[8:], g.seq)
		binary.BigEndian.PutUint64(tid[:8], 0xabc)
		binary.BigEndian.PutUint64(sid[:], g.seq)
		start := g.base.Add(time.Duration(g.rnd.IntN(int(9 * time.Minute))))
		dur := time.Duration(1+g.rnd.IntN(2000)) * time.Millisecond
		sp := Spec{TraceID: tid.String(), SpanID: sid.String(), Start: start, Duration: dur}
		attrs := []attribute.KeyValue{
			attribute.String("peer.service", "sap-erp"),
			attribute.Int64("integration.records", int64(g.rnd.IntN(100))),
			attribute.String("order.batch", fmt.Sprintf("b-%d", g.seq)),
		}
		if g.rnd.IntN(10) != 0 {
			sp.Integration = fmt.Sprintf("integration-%02d", g.rnd.IntN(25))
			attrs = append(attrs, attribute.String("integration.id", sp.Integration))
		}
		status := sdktrace.Status{Code: codes.Ok}
		if g.rnd.IntN(5) == 0 {
			codesList := []int{401, 403, 429, 504, 422, 503}
			sp.HTTPStatus = codesList[g.rnd.IntN(len(codesList))]
			sp.Failed = true
			sp.WantClass = classByStatus[sp.HTTPStatus]
			status = sdktrace.Status{Code: codes.Error, Description: fmt.Sprintf("HTTP %d", sp.HTTPStatus)}
			attrs = append(attrs, attribute.Int("http.response.status_code", sp.HTTPStatus))
		}
		stubs = append(stubs, tracetest.SpanStub{
			Name:                 "sync order",
			SpanContext:          trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled}),
			SpanKind:             trace.SpanKindConsumer,
			StartTime:            start,
			EndTime:              start.Add(dur),
			Attributes:           attrs,
			Status:               status,
			Resource:             g.res,
			InstrumentationScope: instrumentation.Scope{Name: "intops-test"},
		})
		specs = append(specs, sp)
	}
	return stubs.Snapshots(), specs
}
