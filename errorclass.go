package intops

import "fmt"

// ErrorClass says what kind of failure an integration execution had. It
// drives handling and alert text; see docs/conventions.md.
type ErrorClass string

// The error classes. ErrorNone is the class of a successful execution.
const (
	ErrorNone        ErrorClass = ""
	ErrorTransient   ErrorClass = "transient"   // network blips, connection resets: retry at once
	ErrorTimeout     ErrorClass = "timeout"     // slow target or long batch: retry with backoff
	ErrorAuth        ErrorClass = "auth"        // 401/403, expired credentials: escalate, retries won't help
	ErrorRateLimit   ErrorClass = "rate_limit"  // 429: back off honouring Retry-After
	ErrorValidation  ErrorClass = "validation"  // schema or data errors: the sender must fix
	ErrorUnavailable ErrorClass = "unavailable" // 5xx, target down: queue and deliver later
	ErrorUnknown     ErrorClass = "unknown"     // failed, but nothing says why
)

// ErrorClasses lists every failure class in a stable order (rollup columns
// and reports follow it).
var ErrorClasses = []ErrorClass{
	ErrorTransient, ErrorTimeout, ErrorAuth, ErrorRateLimit,
	ErrorValidation, ErrorUnavailable, ErrorUnknown,
}

// ParseErrorClass returns the class named s, or an error naming the
// accepted values.
func ParseErrorClass(s string) (ErrorClass, error) {
	for _, c := range ErrorClasses {
		if string(c) == s {
			return c, nil
		}
	}
	return ErrorUnknown, fmt.Errorf("unknown error class %q (want one of transient, timeout, auth, rate_limit, validation, unavailable, unknown)", s)
}

// Retryable reports whether retrying the same request can help.
func (c ErrorClass) Retryable() bool {
	switch c {
	case ErrorTransient, ErrorTimeout, ErrorRateLimit, ErrorUnavailable:
		return true
	}
	return false
}

// ClassCounts counts failures per class, in the order of ErrorClasses.
type ClassCounts [7]uint64

// Index is the position of c in ErrorClasses, or -1.
func (c ErrorClass) Index() int {
	for i, x := range ErrorClasses {
		if x == c {
			return i
		}
	}
	return -1
}

// Get returns the count of class c.
func (cc *ClassCounts) Get(c ErrorClass) uint64 {
	if i := c.Index(); i >= 0 {
		return cc[i]
	}
	return 0
}

// ClassPolicy is how incidents failing with one error class are handled:
// who is told, how fast, and what the message advises (alerting's
// defaults, or an ErrorClassPolicy of the catalog).
type ClassPolicy struct {
	// Escalate: "now" escalates at once to the technical owner and the
	// system's owner; "" keeps the usual escalation of unacknowledged
	// pages.
	Escalate string `json:"escalate,omitempty" yaml:"escalate"`
	// Notify lists who is named besides the team: technical_owner,
	// business_owner, data_steward, system_owner.
	Notify []string `json:"notify,omitempty" yaml:"notify"`
	// Advice is the handling advice; {system} is the system's title.
	Advice string `json:"advice" yaml:"advice"`
}

// PolicyRecipients are who a ClassPolicy may name.
var PolicyRecipients = []string{"technical_owner", "business_owner", "data_steward", "system_owner"}
