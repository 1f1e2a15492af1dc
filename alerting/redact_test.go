package alerting_test

import (
	"testing"

	"github.com/intops/intops/alerting"
)

// Sample errors lose credentials and personal data, keep what helps.
func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"401: Authorization: Bearer abcdefghijklmnop rejected":        "401: Authorization: [redacted] [redacted] rejected",
		"invalid email jane.doe@example.com for customer 4711":        "invalid email [email] for customer 4711",
		"IBAN DE89 3704 0044 0532 0130 00 not valid for order 120045": "IBAN [iban] not valid for order 120045",
		"card 4111 1111 1111 1111 declined":                           "card [number] declined",
		"field 'qty' must be > 0 in record 88231 (PO-2026-11-0042)":   "field 'qty' must be > 0 in record 88231 (PO-2026-11-0042)",
		"https://svc:hunter2@erp.example.com/api failed":              "https://[redacted]@erp.example.com/api failed",
	} {
		if got := alerting.Redact(in, 200); got != want {
			t.Errorf("Redact(%q)\n = %q\nwant %q", in, got, want)
		}
	}
}
