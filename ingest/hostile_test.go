package ingest_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	grpccodes "google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/intops/intops/clickhouse"
	"github.com/intops/intops/clickhouse/chtest"
	"github.com/intops/intops/ingest/ingesttest"
)

// post sends body to the OTLP/HTTP traces endpoint and returns the status,
// the Retry-After header and the body of the answer.
func post(t *testing.T, endpoint, contentType string, body []byte, gzipped bool) (int, string, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, "http://"+endpoint+"/v1/traces", bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	if gzipped {
		req.Header.Set("Content-Encoding", "gzip")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Retry-After"), string(b)
}

func stillServing(t *testing.T, endpoint string) {
	t.Helper()
	ctx := context.Background()
	exp, err := ingesttest.NewGRPCExporter(ctx, endpoint)
	if err != nil {
		t.Fatal(err)
	}
	defer exp.Shutdown(ctx)
	spans, _ := ingesttest.NewGenerator(5).Batch(5)
	if err := exp.ExportSpans(ctx, spans); err != nil {
		t.Fatalf("a good request after a hostile one: %v", err)
	}
}

// The requests that once ended the process or took it to gigabytes are
// refused with an error before they are decoded; the collector goes on
// serving, and its memory stays far below its limit.
func TestHostileRequestsAreRefusedWithinBoundedMemory(t *testing.T) {
	const limitMiB = 512
	col := ingesttest.StartProcess(t, ingesttest.Options{MemoryLimitMiB: limitMiB}) // discarding exporter: the receiver is what is tested
	httpAddr := fmt.Sprintf("127.0.0.1:%d", col.HTTPPort)
	conn, err := grpc.NewClient(col.Endpoint(), grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(rawCodec{}), grpc.MaxCallSendMsgSize(64<<20)))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	stillServing(t, col.Endpoint())
	base := col.PeakRSS(t)

	deep := ingesttest.DeepValueRequest(1_000_000)
	empty := ingesttest.EmptySpansRequest(1_572_864)
	emptyGz := ingesttest.Gzip(empty)
	t.Logf("deep request %d bytes (%d gzipped); amplification request %d bytes, %d gzipped", len(deep), len(ingesttest.Gzip(deep)), len(empty), len(emptyGz))
	if len(deep) >= 16<<20 || len(emptyGz) > 4096 {
		t.Fatalf("the hostile requests are not what they should be")
	}
	for name, tc := range map[string]struct {
		grpc        []byte
		http        []byte
		contentType string
		gzip        bool
		want        string
	}{
		"value nested 1,000,000 deep over gRPC":     {grpc: deep, want: "max_value_depth"},
		"value nested 1,000,000 deep over HTTP":     {http: ingesttest.Gzip(deep), contentType: "application/x-protobuf", gzip: true, want: "max_value_depth"},
		"JSON value nested 300,000 deep over HTTP":  {http: ingesttest.Gzip(ingesttest.DeepValueJSON(300_000)), contentType: "application/json", gzip: true, want: "max_value_depth"},
		"3 KB gzipped of 1,572,864 spans over HTTP": {http: emptyGz, contentType: "application/x-protobuf", gzip: true, want: "max_spans_per_request"},
		"1,572,864 empty spans over gRPC":           {grpc: empty, want: "max_spans_per_request"},
		"protobuf sent as JSON":                     {http: deep[:4096], contentType: "application/json", want: "not valid UTF-8"},
		"JSON sent as protobuf":                     {http: ingesttest.DeepValueJSON(2), contentType: "application/x-protobuf", want: "malformed OTLP request"},
	} {
		t.Run(name, func(t *testing.T) {
			for i := 0; i < 3; i++ { // again and again: nothing accumulates
				if tc.grpc != nil {
					in, out := tc.grpc, []byte{}
					err := conn.Invoke(context.Background(), exportMethod, &in, &out)
					if status.Code(err) != grpccodes.InvalidArgument || !strings.Contains(err.Error(), tc.want) {
						t.Fatalf("got %v, want InvalidArgument saying %s", err, tc.want)
					}
					continue
				}
				code, _, body := post(t, httpAddr, tc.contentType, tc.http, tc.gzip)
				if code != http.StatusBadRequest || !strings.Contains(body, tc.want) {
					t.Fatalf("got %d %q, want 400 saying %s", code, body, tc.want)
				}
			}
			stillServing(t, col.Endpoint())
		})
	}
	peak := col.PeakRSS(t)
	t.Logf("peak resident memory: %d MiB before the hostile requests, %d MiB after (limit %d MiB)", base>>20, peak>>20, limitMiB)
	if peak > limitMiB<<20 {
		t.Errorf("peak resident memory %d MiB, over the %d MiB limit", peak>>20, limitMiB)
	}
}

// Under more load than its memory allows, the collector refuses with 503
// and Retry-After rather than growing.
func TestOverloadIsRefusedWithRetryAfter(t *testing.T) {
	const limitMiB = 200
	col := ingesttest.StartProcess(t, ingesttest.Options{MemoryLimitMiB: limitMiB, MemorySpikeMiB: 50, MaxInflightBytes: 32 << 20})
	httpAddr := fmt.Sprintf("127.0.0.1:%d", col.HTTPPort)
	// The limit governs the Go runtime's memory; the idle process's
	// resident pages are mostly the program's code.
	idle := col.PeakRSS(t)
	// Requests within every limit but heavy to decode: 30,000 spans of
	// ten attributes each.
	td := ptrace.NewTraces()
	spans := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans()
	now := pcommon.NewTimestampFromTime(time.Now())
	for i := 0; i < 30_000; i++ {
		s := spans.AppendEmpty()
		s.SetTraceID(pcommon.TraceID{1, byte(i), byte(i >> 8)})
		s.SetSpanID(pcommon.SpanID{2, byte(i), byte(i >> 8)})
		s.SetStartTimestamp(now)
		s.SetEndTimestamp(now + 1000)
		s.SetName("load")
		for a := 0; a < 10; a++ {
			s.Attributes().PutStr(fmt.Sprintf("attribute.%d", a), strings.Repeat("v", 20))
		}
	}
	body, err := (&ptrace.ProtoMarshaler{}).MarshalTraces(td)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("request: %d spans, %d bytes", td.SpanCount(), len(body))
	var mu sync.Mutex
	counts := map[int]int{}
	var retryAfter []string
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 6; i++ {
				code, after, _ := post(t, httpAddr, "application/x-protobuf", body, false)
				mu.Lock()
				counts[code]++
				if code == http.StatusServiceUnavailable {
					retryAfter = append(retryAfter, after)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	peak := col.PeakRSS(t)
	t.Logf("answers %v; peak resident memory %d MiB (limit %d MiB, %d MiB resident when idle)", counts, peak>>20, limitMiB, idle>>20)
	if counts[http.StatusServiceUnavailable] == 0 {
		t.Errorf("no request was refused with 503: %v", counts)
	}
	for _, a := range retryAfter {
		if a != "5" {
			t.Errorf("503 with Retry-After %q, want 5", a)
			break
		}
	}
	if counts[http.StatusOK] == 0 {
		t.Errorf("no request was taken: %v", counts)
	}
	if peak > limitMiB<<20+idle {
		t.Errorf("peak resident memory %d MiB: the process grew past its %d MiB limit (plus %d MiB resident when idle)", peak>>20, limitMiB, idle>>20)
	}
	// Once the load is gone, a client that waits as Retry-After says is
	// taken again: the memory limiter looks again every second, and the
	// memory the load took is given back by the next collection.
	deadline := time.Now().Add(20 * time.Second)
	for {
		code, after, resp := post(t, httpAddr, "application/x-protobuf", body, false)
		if code == http.StatusOK {
			break
		}
		if code != http.StatusServiceUnavailable || time.Now().After(deadline) {
			t.Errorf("after the load: %d %q, want 200 within 20 s of waiting as Retry-After says", code, resp)
			break
		}
		wait, err := strconv.Atoi(after)
		if err != nil || wait <= 0 {
			t.Fatalf("after the load: 503 with Retry-After %q", after)
		}
		time.Sleep(time.Duration(wait) * time.Second)
	}
	stillServing(t, col.Endpoint())
}

// Each kind of invalid span gets its documented result in storage.
func TestSpanValidityAsStored(t *testing.T) {
	srv := chtest.Shared(t)
	db := srv.Open(t)
	col := ingesttest.Start(t, ingesttest.Options{DSN: srv.DSN(db.Database())})
	now := time.Now()
	td := ptrace.NewTraces()
	spans := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans()
	add := func(id string, start, end pcommon.Timestamp, mutate func(ptrace.Span)) {
		s := spans.AppendEmpty()
		s.SetTraceID(pcommon.TraceID{0xaa, byte(spans.Len())})
		s.SetSpanID(pcommon.SpanID{0xbb, byte(spans.Len())})
		s.SetName("validity")
		s.SetStartTimestamp(start)
		s.SetEndTimestamp(end)
		s.Attributes().PutStr("integration.id", id)
		if mutate != nil {
			mutate(s)
		}
	}
	ts := pcommon.NewTimestampFromTime
	add("valid", ts(now.Add(-time.Second)), ts(now), nil)
	add("zero-trace-id", ts(now.Add(-time.Second)), ts(now), func(s ptrace.Span) { s.SetTraceID(pcommon.NewTraceIDEmpty()) })
	add("zero-span-id", ts(now.Add(-time.Second)), ts(now), func(s ptrace.Span) { s.SetSpanID(pcommon.NewSpanIDEmpty()) })
	add("too-old", ts(now.Add(-30*24*time.Hour)), ts(now.Add(-30*24*time.Hour+time.Second)), nil)
	add("max-start", math.MaxUint64, math.MaxUint64, nil)
	add("no-start", 0, 0, nil)
	add("end-before-start", ts(now.Add(-time.Minute)), ts(now.Add(-2*time.Minute)), nil)
	add("bad-utf8", ts(now.Add(-time.Second)), ts(now), func(s ptrace.Span) {
		s.SetName("sync \xff orders")
		s.Attributes().PutStr("note\xfe", "value \xc3")
	})
	body, err := (&ptrace.ProtoMarshaler{}).MarshalTraces(td)
	if err != nil {
		t.Fatal(err)
	}
	if code, _, resp := post(t, col.HTTPEndpoint(), "application/x-protobuf", body, false); code != http.StatusOK {
		t.Fatalf("got %d %q, want the valid spans taken", code, resp)
	}
	waitRows(t, db, 5, 30*time.Second)
	time.Sleep(time.Second) // nothing more arrives
	rows, err := db.Spans(context.Background(), clickhouse.SpanQuery{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for i := range rows {
		got[rows[i].IntegrationID] = i
	}
	for _, refused := range []string{"zero-trace-id", "zero-span-id", "too-old"} {
		if _, ok := got[refused]; ok {
			t.Errorf("span %s stored, want it refused", refused)
		}
	}
	if len(rows) != 5 {
		t.Errorf("%d spans stored, want 5", len(rows))
	}
	for _, id := range []string{"max-start", "no-start"} {
		i, ok := got[id]
		if !ok {
			t.Errorf("span %s not stored", id)
			continue
		}
		r := rows[i]
		if d := r.Start.Sub(now); d < -time.Minute || d > time.Minute || attr(r, "intops.clamped") != "true" {
			t.Errorf("span %s stored at %s (clamped %q), want the time it arrived, marked intops.clamped", id, r.Start, attr(r, "intops.clamped"))
		}
	}
	if i, ok := got["end-before-start"]; !ok || rows[i].Duration != 0 || attr(rows[i], "intops.end_before_start") != "true" {
		t.Errorf("end before start: stored %v, want duration 0 marked intops.end_before_start", ok)
	}
	if i, ok := got["bad-utf8"]; !ok || rows[i].Name != "sync \uFFFD orders" || attr(rows[i], "note\uFFFD") != "value \uFFFD" {
		t.Errorf("invalid UTF-8: stored %v, want it replaced by U+FFFD", ok)
	}
	// A request of invalid spans only is refused, saying why.
	td = ptrace.NewTraces()
	spans = td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans()
	add("zero-trace-id", ts(now.Add(-time.Second)), ts(now), func(s ptrace.Span) { s.SetTraceID(pcommon.NewTraceIDEmpty()) })
	body, _ = (&ptrace.ProtoMarshaler{}).MarshalTraces(td)
	if code, _, resp := post(t, col.HTTPEndpoint(), "application/x-protobuf", body, false); code != http.StatusBadRequest || !strings.Contains(resp, "trace_id is missing or all zero") {
		t.Errorf("got %d %q, want 400 saying the trace id is missing", code, resp)
	}
}

// A full sending queue (ClickHouse unreachable) is answered as retryable,
// with a hint of when: 503 with Retry-After, Unavailable with RetryInfo.
func TestFullQueueSaysWhenToRetry(t *testing.T) {
	port, err := clickhouse.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	col := ingesttest.Start(t, ingesttest.Options{DSN: fmt.Sprintf("clickhouse://127.0.0.1:%d/intops", port), QueueSize: 2, MemoryQueue: true})
	conn, err := grpc.NewClient(col.GRPCEndpoint(), grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(rawCodec{})))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	td := ptrace.NewTraces()
	s := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	s.SetTraceID(pcommon.TraceID{1})
	s.SetSpanID(pcommon.SpanID{1})
	s.SetStartTimestamp(pcommon.NewTimestampFromTime(time.Now()))
	body, _ := (&ptrace.ProtoMarshaler{}).MarshalTraces(td)
	var sawHTTP, sawGRPC bool
	for i := 0; i < 50 && !(sawHTTP && sawGRPC); i++ {
		if code, after, _ := post(t, col.HTTPEndpoint(), "application/x-protobuf", body, false); code == http.StatusServiceUnavailable {
			if after != "5" {
				t.Errorf("503 with Retry-After %q, want 5", after)
			}
			sawHTTP = true
		}
		in, out := body, []byte{}
		err := conn.Invoke(context.Background(), exportMethod, &in, &out)
		if st, ok := status.FromError(err); ok && st.Code() == grpccodes.Unavailable {
			hint := false
			for _, d := range st.Details() {
				if ri, ok := d.(*errdetails.RetryInfo); ok && ri.GetRetryDelay().AsDuration() == 5*time.Second {
					hint = true
				}
			}
			if !hint {
				t.Errorf("Unavailable without a RetryInfo of 5s: %v", st.Details())
			}
			sawGRPC = true
		}
	}
	if !sawHTTP || !sawGRPC {
		t.Errorf("the full queue was not reported: HTTP 503 %v, gRPC Unavailable %v", sawHTTP, sawGRPC)
	}
}
