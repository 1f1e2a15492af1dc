// Package otlpguard is a gRPC server middleware extension that answers
// malformed OTLP requests with InvalidArgument (gRPC itself says Internal).
package otlpguard

import (
	"context"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/extension/extensionmiddleware"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/status"
)

// Type is the extension's name in collector configs.
var Type = component.MustNewType("intops_otlp_guard")

// NewFactory returns the extension's factory.
func NewFactory() extension.Factory {
	return extension.NewFactory(Type,
		func() component.Config { return &struct{}{} },
		func(context.Context, extension.Settings, component.Config) (extension.Extension, error) {
			return &guard{}, nil
		}, component.StabilityLevelBeta)
}

type guard struct {
	component.StartFunc
	component.ShutdownFunc
	invalid sync.Map // request pointer → decode error
}

var _ extensionmiddleware.GRPCServer = (*guard)(nil)

// GetGRPCServerOptions wraps the proto codec so that a decode failure is
// remembered instead of failing inside gRPC, and adds an interceptor that
// turns it into InvalidArgument before the receiver sees the request.
func (g *guard) GetGRPCServerOptions(context.Context) ([]grpc.ServerOption, error) {
	codec := &guardCodec{delegate: encoding.GetCodecV2("proto"), g: g}
	return []grpc.ServerOption{
		grpc.ForceServerCodecV2(codec),
		grpc.ChainUnaryInterceptor(func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
			if msg, bad := g.invalid.LoadAndDelete(req); bad {
				return nil, status.Errorf(codes.InvalidArgument, "malformed OTLP request: %s", msg)
			}
			return handler(ctx, req)
		}),
	}, nil
}

type guardCodec struct {
	delegate encoding.CodecV2
	g        *guard
}

func (c *guardCodec) Marshal(v any) (mem.BufferSlice, error) { return c.delegate.Marshal(v) }

func (c *guardCodec) Unmarshal(data mem.BufferSlice, v any) error {
	if err := c.delegate.Unmarshal(data, v); err != nil {
		c.g.invalid.Store(v, err.Error())
	}
	return nil
}

func (c *guardCodec) Name() string { return c.delegate.Name() }
