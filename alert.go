package intops

import "time"

// AlertState is where an alert stands.
type AlertState string

// Alert states.
const (
	AlertFiring   AlertState = "firing"
	AlertResolved AlertState = "resolved"
	AlertNoData   AlertState = "no_data" // an SLO without events, where its policy says to tell
)

// Firing reports whether the alert wants attention (firing, or no data).
func (s AlertState) Firing() bool { return s == AlertFiring || s == AlertNoData }

// Severity is how urgently an alert needs someone.
type Severity string

// Severities, most urgent first.
const (
	SeverityPage    Severity = "page"    // wake someone up
	SeverityTicket  Severity = "ticket"  // the next working hours
	SeverityWarning Severity = "warning" // worth a look
)

// AlertEvent is one state change of an alert, as the analyzers record it
// and alerting folds it into incidents.
type AlertEvent struct {
	At          time.Time
	Key         string // what the alert is about, e.g. slo/<name>
	Source      string // slo, anomaly, findings, ingest
	Integration string
	Severity    Severity // "" when resolved
	State       AlertState
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
