package ui_test

import (
	"github.com/intops/intops/clickhouse"
	"github.com/intops/intops/ui/anomalies"
	"github.com/intops/intops/ui/internal/web"
)

// The ClickHouse store is every store the server's features read.
var (
	_ web.Store               = (*clickhouse.DB)(nil)
	_ anomalies.FeedbackStore = (*clickhouse.DB)(nil)
)
