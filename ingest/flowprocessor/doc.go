// Package flowprocessor attributes spans to catalogued integrations,
// classifies their errors and enforces the span size limits.
package flowprocessor
