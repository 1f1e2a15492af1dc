// Package simulate generates a realistic estate's integration traffic:
// seasonal volumes, latencies and error mixes per integration, sent as
// OTLP spans or backfilled as per-minute history.
package simulate
