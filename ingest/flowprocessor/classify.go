package flowprocessor

import (
	"strings"

	"github.com/intops/intops"
)

// Evidence is what a failed span says about its failure.
type Evidence struct {
	Explicit       string // integration.error.class, when the emitter set it
	HTTPStatus     int64  // http.response.status_code (or http.status_code)
	GRPCStatus     int64  // rpc.grpc.status_code; -1 when absent
	ErrorType      string // error.type
	StatusMessage  string
	ExceptionTypes []string
	ExceptionMsgs  []string
}

// Classify returns the error class of a failed span. The order of the
// evidence is: the emitter's own class, the HTTP status, the gRPC status,
// then words in the exception types and messages, error.type and status
// message. Nothing recognisable gives ErrorUnknown.
func Classify(e Evidence) intops.ErrorClass {
	if c, err := intops.ParseErrorClass(strings.TrimSpace(strings.ToLower(e.Explicit))); err == nil {
		return c
	}
	if c := classifyHTTP(e.HTTPStatus); c != intops.ErrorNone {
		return c
	}
	if c := classifyGRPC(e.GRPCStatus); c != intops.ErrorNone {
		return c
	}
	var b strings.Builder
	for _, s := range e.ExceptionTypes {
		b.WriteString(s)
		b.WriteByte(' ')
	}
	for _, s := range e.ExceptionMsgs {
		b.WriteString(s)
		b.WriteByte(' ')
	}
	b.WriteString(e.ErrorType)
	b.WriteByte(' ')
	b.WriteString(e.StatusMessage)
	return classifyText(b.String())
}

func classifyHTTP(code int64) intops.ErrorClass {
	switch {
	case code == 401 || code == 403 || code == 407:
		return intops.ErrorAuth
	case code == 429:
		return intops.ErrorRateLimit
	case code == 408 || code == 504 || code == 524:
		return intops.ErrorTimeout
	case code >= 400 && code < 500:
		return intops.ErrorValidation
	case code >= 500 && code < 600:
		return intops.ErrorUnavailable
	}
	return intops.ErrorNone
}

// gRPC status codes (google.golang.org/grpc/codes).
func classifyGRPC(code int64) intops.ErrorClass {
	switch code {
	case 16, 7: // Unauthenticated, PermissionDenied
		return intops.ErrorAuth
	case 8: // ResourceExhausted
		return intops.ErrorRateLimit
	case 4: // DeadlineExceeded
		return intops.ErrorTimeout
	case 3, 5, 6, 9, 11, 12: // InvalidArgument, NotFound, AlreadyExists, FailedPrecondition, OutOfRange, Unimplemented
		return intops.ErrorValidation
	case 14: // Unavailable
		return intops.ErrorUnavailable
	case 1, 10: // Canceled, Aborted
		return intops.ErrorTransient
	}
	return intops.ErrorNone
}

// textRules are tried in order: the first class with a matching word wins,
// so "connection timed out" is a timeout and "invalid token" is auth.
var textRules = []struct {
	class intops.ErrorClass
	words []string
}{
	{intops.ErrorTimeout, []string{"timeout", "timed out", "deadline exceeded", "deadlineexceeded"}},
	{intops.ErrorAuth, []string{"unauthorized", "unauthenticated", "unauthorised", "forbidden", "invalid_token", "invalid token",
		"token expired", "tokenexpired", "token_expired", "expired token", "expiredtoken", "expired_token", "token has expired", "credentials", "authentication", "access denied",
		"permission denied", "invalid_grant", "invalid_client", "not authorized"}},
	{intops.ErrorRateLimit, []string{"rate limit", "ratelimit", "rate-limit", "too many requests", "throttl", "quota exceeded", "request limit exceeded"}},
	{intops.ErrorUnavailable, []string{"service unavailable", "bad gateway", "connection refused", "econnrefused", "maintenance",
		"unavailable", "no route to host", "host unreachable", "circuit breaker open", "circuit open"}},
	{intops.ErrorTransient, []string{"connection reset", "econnreset", "broken pipe", "epipe", "no such host", "dns",
		"temporary failure", "network is unreachable", "connection aborted", "unexpected eof", "connection closed", "socketexception", "ioexception"}},
	{intops.ErrorValidation, []string{"validation", "invalid", "schema", "required field", "missing field", "missing required",
		"constraint", "malformed", "parse error", "parseexception", "cannot deserialize", "deserializ", "unprocessable",
		"bad request", "duplicate key", "mapping", "illegalargument", "format exception", "formatexception", "not found"}},
}

func classifyText(s string) intops.ErrorClass {
	s = strings.ToLower(s)
	for _, r := range textRules {
		for _, w := range r.words {
			if strings.Contains(s, w) {
				return r.class
			}
		}
	}
	return intops.ErrorUnknown
}
