// Package outagetest holds the collector outage test: `intops demo` as a
// user runs it, its collector stopped for ten minutes, and what intops
// makes of it (one ingest incident, no integration's incident, SLO budgets
// kept). It runs in make test.
package outagetest
