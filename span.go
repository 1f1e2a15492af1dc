package intops

import "time"

// Span attribute keys of the integration span conventions
// (docs/conventions.md).
const (
	AttrIntegrationID     = "integration.id"
	AttrSourceSystem      = "integration.source.system"
	AttrTargetSystem      = "integration.target.system"
	AttrOperation         = "integration.operation"
	AttrRecords           = "integration.records"
	AttrErrorClass        = "integration.error.class"
	AttrAttribution       = "intops.attribution"
	AttrTruncated         = "intops.truncated"
	AttrClamped           = "intops.clamped"
	AttrEndBeforeStart    = "intops.end_before_start"
	AttrServiceName       = "service.name"
	AttrPeerService       = "peer.service"
	AttrServerAddress     = "server.address"
	AttrMessagingSystem   = "messaging.system"
	AttrMessagingDest     = "messaging.destination.name"
	AttrHTTPRoute         = "http.route"
	AttrHTTPStatus        = "http.response.status_code"
	AttrHTTPStatusOld     = "http.status_code"
	AttrRPCService        = "rpc.service"
	AttrRPCGRPCStatusCode = "rpc.grpc.status_code"
	AttrDBSystem          = "db.system"
	AttrExceptionType     = "exception.type"
	AttrExceptionMessage  = "exception.message"
	AttrErrorType         = "error.type"
)

// Attribution says how a span was tied to an integration.
type Attribution string

const (
	// AttributedExplicit: the span carried integration.id.
	AttributedExplicit Attribution = "explicit"
	// AttributedRule: a catalog match rule attributed it.
	AttributedRule Attribution = "rule"
	// Unattributed: nothing matched; kept with its service and peer so
	// that shadow integrations can be found.
	Unattributed Attribution = "unattributed"
)

// SpanStatus is the OpenTelemetry span status code.
type SpanStatus uint8

const (
	StatusUnset SpanStatus = 0
	StatusOK    SpanStatus = 1
	StatusError SpanStatus = 2
)

// FlowSpan is one stored span of an integration execution.
type FlowSpan struct {
	TraceID       string // 32 lowercase hex digits
	SpanID        string // 16 lowercase hex digits
	ParentSpanID  string // empty for a root span
	Name          string
	Kind          string // server, client, producer, consumer, internal, unspecified
	Start         time.Time
	Duration      time.Duration
	Status        SpanStatus
	StatusMessage string

	IntegrationID string // empty when unattributed
	Attribution   Attribution
	// Execution is true for the span that stands for one execution of the
	// integration: a root span or an entry (server/consumer) span. Only
	// executions are counted in the rollups.
	Execution    bool
	SourceSystem string
	TargetSystem string
	Operation    string
	Records      uint64
	ErrorClass   ErrorClass

	ServiceName string
	PeerService string

	ResourceKeys, ResourceValues []string
	AttrKeys, AttrValues         []string
}

// Failed reports whether the span ended in error.
func (s *FlowSpan) Failed() bool { return s.Status == StatusError }

// SpanQuery selects raw spans. Zero fields do not filter.
type SpanQuery struct {
	IntegrationID *string // nil: any; "": unattributed only
	From, To      time.Time
	FailedOnly    bool
	// ExecutionsOnly keeps execution (root or entry) spans.
	ExecutionsOnly bool
	TraceID        string // "": any trace
	Limit          int    // 0: no limit
}
