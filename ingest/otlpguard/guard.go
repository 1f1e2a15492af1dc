// Package otlpguard is a collector extension for the OTLP receiver's gRPC
// and HTTP servers that checks trace requests against work limits before
// they are decoded, answers malformed or oversized ones with InvalidArgument
// (HTTP 400), and tells clients when to retry a request the collector
// could not take (RetryInfo, Retry-After).
package otlpguard

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/extension/extensionmiddleware"
	"golang.org/x/sync/semaphore"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/tap"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
)

// Type is the extension's name in collector configs.
var Type = component.MustNewType("intops_otlp_guard")

// NewFactory returns the extension's factory.
func NewFactory() extension.Factory {
	return extension.NewFactory(Type,
		func() component.Config { return createDefaultConfig() },
		func(_ context.Context, _ extension.Settings, cfg component.Config) (extension.Extension, error) {
			return New(cfg.(*Config)), nil
		}, component.StabilityLevelBeta)
}

// Guard is the extension.
type Guard struct {
	component.ShutdownFunc
	cfg      Config
	invalid  sync.Map // request pointer → *status.Status to answer instead
	held     sync.Map // request pointer → bytes of the in-flight budget it holds
	inflight *semaphore.Weighted
	lastGC   atomic.Int64 // unix ns of the last collection overMemory asked for
}

// Start sets the Go runtime's soft memory limit to 85% of the memory
// limit, unless GOMEMLIMIT says otherwise, so that the collector collects
// garbage harder as it nears the limit instead of growing past it.
func (g *Guard) Start(context.Context, component.Host) error {
	if g.cfg.MemoryLimitMiB > 0 && os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(int64(g.cfg.MemoryLimitMiB) << 20 / 100 * 85)
	}
	return nil
}

// New returns a guard with the given configuration.
func New(cfg *Config) *Guard {
	g := &Guard{cfg: *cfg}
	if g.cfg.MaxInflightBytes <= 0 {
		g.cfg.MaxInflightBytes = 64 << 20
	}
	if g.cfg.RetryAfter <= 0 {
		g.cfg.RetryAfter = 5 * time.Second
	}
	g.inflight = semaphore.NewWeighted(g.cfg.MaxInflightBytes)
	return g
}

// errBusy refuses a request the collector has no room for now.
var errBusy = errors.New("the collector is at its memory or in-flight limit: retry later")

// heapBytes reads the bytes of live heap objects (cheap, no stop of the
// world, unlike runtime.ReadMemStats).
func heapBytes() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// overMemory says whether heap objects take more than 80% of the memory
// limit. The count includes garbage not yet collected, so above the line
// it collects first (at most once a second, one caller at a time) and
// looks again: an idle process full of garbage must not refuse forever.
func (g *Guard) overMemory() bool {
	if g.cfg.MemoryLimitMiB <= 0 {
		return false
	}
	line := uint64(g.cfg.MemoryLimitMiB) << 20 / 10 * 8
	if heapBytes() <= line {
		return false
	}
	now := time.Now().UnixNano()
	last := g.lastGC.Load()
	if now-last >= int64(time.Second) && g.lastGC.CompareAndSwap(last, now) {
		runtime.GC()
		return heapBytes() > line
	}
	return true
}

// admit takes n bytes of the in-flight budget, waiting at most wait, or
// says the collector is busy.
func (g *Guard) admit(ctx context.Context, n int64, wait time.Duration) error {
	if g.overMemory() {
		return errBusy
	}
	if n > g.cfg.MaxInflightBytes {
		n = g.cfg.MaxInflightBytes
	}
	if wait <= 0 {
		if !g.inflight.TryAcquire(n) {
			return errBusy
		}
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	if err := g.inflight.Acquire(ctx, n); err != nil {
		return errBusy
	}
	return nil
}

func (g *Guard) release(n int64) {
	if n > g.cfg.MaxInflightBytes {
		n = g.cfg.MaxInflightBytes
	}
	if n > 0 {
		g.inflight.Release(n)
	}
}

// busy is the retryable status of a request refused for room.
func (g *Guard) busy() *status.Status {
	st := status.New(codes.Unavailable, errBusy.Error())
	if with, err := st.WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(g.cfg.RetryAfter)}); err == nil {
		return with
	}
	return st
}

var (
	_ extensionmiddleware.GRPCServer = (*Guard)(nil)
	_ extensionmiddleware.HTTPServer = (*Guard)(nil)
)

// GetGRPCServerOptions wraps the proto codec so that a request over the
// limits or not decodable is remembered instead of decoded (or failing
// inside gRPC), and adds an interceptor that answers it with
// InvalidArgument before the receiver sees it. Retryable refusals get a
// RetryInfo.
func (g *Guard) GetGRPCServerOptions(context.Context) ([]grpc.ServerOption, error) {
	codec := &guardCodec{delegate: encoding.GetCodecV2("proto"), g: g}
	return []grpc.ServerOption{
		grpc.InTapHandle(func(ctx context.Context, _ *tap.Info) (context.Context, error) {
			if g.overMemory() {
				return ctx, g.busy().Err()
			}
			return ctx, nil
		}),
		grpc.ForceServerCodecV2(codec),
		grpc.ChainUnaryInterceptor(func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
			if n, ok := g.held.LoadAndDelete(req); ok {
				defer g.release(n.(int64))
			}
			if st, bad := g.invalid.LoadAndDelete(req); bad {
				return nil, st.(*status.Status).Err()
			}
			resp, err := handler(ctx, req)
			if err != nil {
				err = g.withRetryInfo(err)
			}
			return resp, err
		}),
	}, nil
}

// withRetryInfo adds a RetryInfo to Unavailable and ResourceExhausted
// errors that have none: without it an OTLP client does not retry a
// ResourceExhausted, and waits as it likes for Unavailable.
func (g *Guard) withRetryInfo(err error) error {
	st, ok := status.FromError(err)
	if !ok || (st.Code() != codes.Unavailable && st.Code() != codes.ResourceExhausted) {
		return err
	}
	for _, d := range st.Details() {
		if _, ok := d.(*errdetails.RetryInfo); ok {
			return err
		}
	}
	with, derr := st.WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(g.cfg.RetryAfter)})
	if derr != nil {
		return err
	}
	return with.Err()
}

// traceRequest says whether a gRPC message is a trace export request (the
// codec serves every OTLP service of the receiver).
func traceRequest(v any) bool {
	return strings.Contains(fmt.Sprintf("%T", v), "ExportTraceServiceRequest")
}

type guardCodec struct {
	delegate encoding.CodecV2
	g        *Guard
}

func (c *guardCodec) Marshal(v any) (mem.BufferSlice, error) { return c.delegate.Marshal(v) }

func (c *guardCodec) Unmarshal(data mem.BufferSlice, v any) error {
	if traceRequest(v) {
		n := int64(data.Len())
		if err := c.g.admit(context.Background(), n, 0); err != nil {
			c.g.invalid.Store(v, c.g.busy())
			return nil
		}
		c.g.held.Store(v, n)
		if err := ScanProto(data.Materialize(), c.g.cfg.Limits); err != nil {
			c.g.invalid.Store(v, refusal(err))
			return nil
		}
	}
	if err := c.delegate.Unmarshal(data, v); err != nil {
		c.g.invalid.Store(v, status.New(codes.InvalidArgument, "malformed OTLP request: "+validText(err.Error())))
	}
	return nil
}

func (c *guardCodec) Name() string { return c.delegate.Name() }

// refusal is the InvalidArgument status of a request the scan refused.
func refusal(err error) *status.Status {
	var le *LimitError
	if errors.As(err, &le) {
		return status.New(codes.InvalidArgument, "OTLP request refused: "+le.Error())
	}
	return status.New(codes.InvalidArgument, validText(err.Error()))
}

// validText keeps a message that goes back to the client valid UTF-8
// (protobuf JSON refuses to encode anything else) and short.
func validText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) > 512 {
		s = strings.ToValidUTF8(s[:512], "") + "…"
	}
	return s
}

// GetHTTPHandler wraps the OTLP/HTTP receiver (after the body is
// decompressed and bounded): trace requests are checked against the limits
// before the receiver decodes them, a body that is not what its
// Content-Type says is a 400 with an OTLP Status, and a 503 or 429 carries
// Retry-After.
func (g *Guard) GetHTTPHandler(context.Context) (extensionmiddleware.WrapHTTPHandlerFunc, error) {
	return func(_ context.Context, next http.Handler) (http.Handler, error) {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w = &retryAfterWriter{ResponseWriter: w, after: g.cfg.RetryAfter}
			if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/v1/traces") {
				next.ServeHTTP(w, r)
				return
			}
			mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
			var scan func([]byte, Limits) error
			switch mt {
			case "application/x-protobuf":
				scan = ScanProto
			case "application/json":
				scan = ScanJSON
			default:
				next.ServeHTTP(w, r) // the receiver answers 415
				return
			}
			body, held, err := g.readBody(r.Context(), r.Body)
			defer g.release(held)
			r.Body.Close()
			if errors.Is(err, errBusy) {
				writeStatus(w, mt, http.StatusServiceUnavailable, g.busy())
				return
			}
			if err != nil {
				code := http.StatusBadRequest
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					code = http.StatusRequestEntityTooLarge
				}
				writeStatus(w, mt, code, status.New(codes.InvalidArgument, "read request body: "+validText(err.Error())))
				return
			}
			if err := scan(body, g.cfg.Limits); err != nil {
				writeStatus(w, mt, http.StatusBadRequest, refusal(err))
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))
			next.ServeHTTP(w, r)
		}), nil
	}, nil
}

// readChunk is how much of a body is read, and taken from the in-flight
// budget, at a time.
const readChunk = 256 << 10

// readBody reads a request body into memory it has taken from the
// in-flight budget first, waiting at most a second in all for room; held
// is what the caller gives back when the request is done.
func (g *Guard) readBody(ctx context.Context, body io.Reader) (b []byte, held int64, err error) {
	if g.overMemory() {
		return nil, 0, errBusy
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	for {
		if len(b) == cap(b) {
			grow := int64(max(readChunk, cap(b))) // double, as append would
			if grow > g.cfg.MaxInflightBytes-held {
				grow = g.cfg.MaxInflightBytes - held
			}
			if grow <= 0 {
				return nil, held, errBusy
			}
			if err := g.inflight.Acquire(ctx, grow); err != nil {
				return nil, held, errBusy
			}
			held += grow
			nb := make([]byte, len(b), cap(b)+int(grow))
			copy(nb, b)
			b = nb
		}
		n, err := body.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, held, nil
		}
		if err != nil {
			return nil, held, err
		}
	}
}

// writeStatus answers with an OTLP Status message in the request's
// encoding, as the OTLP/HTTP specification asks.
func writeStatus(w http.ResponseWriter, mediaType string, code int, st *status.Status) {
	var msg []byte
	var err error
	p := st.Proto()
	if mediaType == "application/json" {
		msg, err = protojson.Marshal(p)
	} else {
		mediaType = "application/x-protobuf"
		msg, err = proto.Marshal(p)
	}
	if err != nil {
		mediaType, msg = "application/json", []byte(`{"code": 3, "message": "bad request"}`)
	}
	w.Header().Set("Content-Type", mediaType)
	w.WriteHeader(code)
	_, _ = w.Write(msg)
}

// retryAfterWriter adds Retry-After to a 503 or 429 that has none.
type retryAfterWriter struct {
	http.ResponseWriter
	after time.Duration
}

func (w *retryAfterWriter) WriteHeader(code int) {
	if (code == http.StatusServiceUnavailable || code == http.StatusTooManyRequests) && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", strconv.Itoa(int(w.after/time.Second)))
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *retryAfterWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
