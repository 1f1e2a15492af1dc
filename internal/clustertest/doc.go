// Package clustertest holds the scale-out test: intops on a replicated,
// sharded ClickHouse cluster of local servers (make test-cluster).
package clustertest
