package main

import (
	"github.com/intops/intops/alerting"
	"github.com/intops/intops/analyzer/estate"
	"github.com/intops/intops/analyzer/watchdog"
	"github.com/intops/intops/clickhouse"
	"github.com/intops/intops/internal/lease"
	"github.com/intops/intops/report"
	"github.com/intops/intops/ui"
)

// ClickHouse is the store of every part; the parts name what they need
// as interfaces, and this is where the database is checked to have it.
var (
	_ alerting.Store       = (*clickhouse.DB)(nil)
	_ watchdog.Store       = (*clickhouse.DB)(nil)
	_ estate.TrafficStore  = (*clickhouse.DB)(nil)
	_ lease.Store          = (*clickhouse.DB)(nil)
	_ report.Store         = (*clickhouse.DB)(nil)
	_ report.SnapshotStore = (*clickhouse.DB)(nil)
	_ report.DigestLog     = (*clickhouse.DB)(nil)
	_ ui.Store             = (*clickhouse.DB)(nil)
)
