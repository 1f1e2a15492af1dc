package ingest_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	grpccodes "google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/intops/intops/clickhouse"
	"github.com/intops/intops/clickhouse/chtest"
	"github.com/intops/intops/ingest/flowprocessor"
	"github.com/intops/intops/ingest/ingesttest"
)

// rawCodec sends bytes as they are, so that a test can send gRPC requests
// that are not valid protobuf.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) { return *(v.(*[]byte)), nil }
func (rawCodec) Unmarshal(data []byte, v any) error {
	*(v.(*[]byte)) = append([]byte(nil), data...)
	return nil
}
func (rawCodec) Name() string { return "proto" }

const exportMethod = "/opentelemetry.proto.collector.trace.v1.TraceService/Export"

func TestBadInputIsRejectedAndTheCollectorKeepsServing(t *testing.T) {
	srv := chtest.Shared(t)
	db := srv.Open(t)
	col := ingesttest.Start(t, ingesttest.Options{DSN: srv.DSN(db.Database())})
	ctx := context.Background()
	url := "http://" + col.HTTPEndpoint() + "/v1/traces"

	t.Run("malformed protobuf over HTTP", func(t *testing.T) {
		resp, err := http.Post(url, "application/x-protobuf", strings.NewReader("\xff\xff\xff not protobuf"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("status %d, want 400", resp.StatusCode)
		}
	})
	t.Run("malformed JSON over HTTP", func(t *testing.T) {
		resp, err := http.Post(url, "application/json", strings.NewReader(`{"resourceSpans": [`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("status %d, want 400", resp.StatusCode)
		}
	})
	t.Run("oversized HTTP request", func(t *testing.T) {
		body := bytes.Repeat([]byte{0}, 17<<20) // the documented limit is 16 MiB
		resp, err := http.Post(url, "application/x-protobuf", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("status %d, want 400 or 413", resp.StatusCode)
		}
	})
	conn, err := grpc.NewClient(col.GRPCEndpoint(), grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(rawCodec{}), grpc.MaxCallSendMsgSize(64<<20)))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	t.Run("malformed protobuf over gRPC", func(t *testing.T) {
		in, out := []byte("\xff\xff\xff not protobuf"), []byte{}
		err := conn.Invoke(ctx, exportMethod, &in, &out)
		if status.Code(err) != grpccodes.InvalidArgument {
			t.Errorf("got %v, want InvalidArgument", err)
		}
	})
	t.Run("oversized gRPC request", func(t *testing.T) {
		in, out := bytes.Repeat([]byte{0}, 17<<20), []byte{}
		err := conn.Invoke(ctx, exportMethod, &in, &out)
		if status.Code(err) != grpccodes.ResourceExhausted {
			t.Errorf("got %v, want ResourceExhausted", err)
		}
	})

	t.Run("huge spans are truncated, not refused", func(t *testing.T) {
		exp, err := ingesttest.NewGRPCExporter(ctx, col.GRPCEndpoint())
		if err != nil {
			t.Fatal(err)
		}
		defer exp.Shutdown(ctx)
		attrs := []attribute.KeyValue{attribute.String("integration.id", "huge-flow"), attribute.String("payload", strings.Repeat("é", 1<<19))}
		for i := 0; i < 5000; i++ {
			attrs = append(attrs, attribute.Int(fmt.Sprintf("field.%04d", i), i))
		}
		var events []sdktrace.Event
		for i := 0; i < 200; i++ {
			events = append(events, sdktrace.Event{Name: "exception", Time: time.Now(), Attributes: []attribute.KeyValue{
				attribute.String("exception.type", "TokenExpiredException"), attribute.String("exception.message", strings.Repeat("x", 20000))}})
		}
		tid, _ := trace.TraceIDFromHex("0af7651916cd43dd8448eb211c80319c")
		sid, _ := trace.SpanIDFromHex("b7ad6b7169203331")
		now := time.Now()
		stub := tracetest.SpanStub{
			Name:        strings.Repeat("n", 5000),
			SpanContext: trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid}),
			StartTime:   now, EndTime: now.Add(time.Second), Attributes: attrs, Events: events,
			Status:   sdktrace.Status{Code: codes.Error, Description: "refresh failed"},
			Resource: resource.NewSchemaless(attribute.String("service.name", "big")), InstrumentationScope: instrumentation.Scope{Name: "t"},
		}
		if err := exp.ExportSpans(ctx, tracetest.SpanStubs{stub}.Snapshots()); err != nil {
			t.Fatalf("export: %v", err)
		}
		waitRows(t, db, 1, 30*time.Second)
		id := "huge-flow"
		rows, err := db.Spans(ctx, clickhouse.SpanQuery{IntegrationID: &id})
		if err != nil || len(rows) != 1 {
			t.Fatalf("rows %d, err %v", len(rows), err)
		}
		r := rows[0]
		lim := flowprocessor.DefaultLimits
		if n := len(r.AttrKeys); n > lim.MaxAttributes+3 {
			t.Errorf("%d attributes stored, want at most %d (+ intops' own)", n, lim.MaxAttributes)
		}
		for i, v := range r.AttrValues {
			if len(v) > lim.MaxValueBytes {
				t.Errorf("attribute %s is %d bytes, want at most %d", r.AttrKeys[i], len(v), lim.MaxValueBytes)
			}
		}
		if len(r.Name) > lim.MaxNameBytes || attr(r, "intops.truncated") != "true" {
			t.Errorf("name %d bytes, truncated=%q", len(r.Name), attr(r, "intops.truncated"))
		}
		if r.ErrorClass != "auth" {
			t.Errorf("class %q, want auth (from the exception type)", r.ErrorClass)
		}
	})

	t.Run("still serving", func(t *testing.T) {
		exp, err := ingesttest.NewHTTPExporter(ctx, col.HTTPEndpoint())
		if err != nil {
			t.Fatal(err)
		}
		defer exp.Shutdown(ctx)
		spans, _ := ingesttest.NewGenerator(9).Batch(10)
		if err := exp.ExportSpans(ctx, spans); err != nil {
			t.Fatalf("a good request after bad ones: %v", err)
		}
		if st := waitRows(t, db, 11, 30*time.Second); st.Rows != 11 {
			t.Errorf("%d rows, want 11", st.Rows)
		}
	})
}
