package intops

import "time"

// AlertEvent is one state change of an alert, as the analyzers record it
// and alerting folds it into incidents.
type AlertEvent struct {
	At          time.Time
	Key         string // what the alert is about, e.g. slo/<name>
	Source      string // slo, anomaly, findings, ingest
	Integration string
	Severity    string // page, ticket, warning, or "" when resolved
	State       string // firing, resolved, no_data
	Summary     string
	Evidence    string // JSON
}

// LogEntry is one entry of the alerting log: a stream (incident, outbox,
// delivery, silence), the key it is about and a JSON body.
type LogEntry struct {
	At     time.Time
	Seq    uint64 // assigned by the writer, increasing across streams
	Term   uint64 // the writer's lease term (0: no lease)
	Stream string
	Key    string
	Body   string
}

// LogFilter selects alerting log entries of one stream.
type LogFilter struct {
	Stream   string
	AfterSeq uint64    // seq above this, when set
	Key      string    // only this key, when set
	Since    time.Time // written at or after this, when set
}

// ErrorSample is a distinct error message of failed executions.
type ErrorSample struct {
	Class   string
	Message string
	Count   uint64
}
