package integration

import "github.com/intops/intops/clickhouse"

// The ClickHouse store reads raw spans and anomaly marks for the page.
var (
	_ spanReader     = (*clickhouse.DB)(nil)
	_ feedbackReader = (*clickhouse.DB)(nil)
)
