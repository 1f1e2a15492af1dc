package chtest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/intops/intops/clickhouse"
)

// SeedRollups stores per-minute rollups for integrations flow-0 …
// flow-(n-1), days of them from start, generated inside ClickHouse: a
// daily cycle (20 to 140 executions a minute) with noise from a hash of
// the row, one failure (timeout) in 500 minutes, all executions under
// 250 ms and half under 100 ms; then merges them (OPTIMIZE … FINAL), as
// background merges leave them. Benchmarks use it.
func SeedRollups(tb testing.TB, db *clickhouse.DB, n, days int, start time.Time) {
	tb.Helper()
	ctx := context.Background()
	t0 := time.Now()
	for d := 0; d < days; d++ {
		err := db.Exec(ctx, fmt.Sprintf(`INSERT INTO %s.flow_rollup_input (date, minute, integration_id, service_name, peer_service,
			spans, error_spans, executions, failed, err_transient, err_timeout, err_auth, err_rate_limit, err_validation,
			err_unavailable, err_unknown, records, durations, duration_le)
			SELECT toDate(m), m, concat('flow-', toString(i)), '', '', 2 * x, e, x, e, 0, e, 0, 0, 0, 0, 0, x, [],
			       [0, 0, 0, intDiv(x, 2), x, x, x, x, x, x, x, x, x, x, x]
			FROM (SELECT i, m, toUInt64(20 + 60 * (1 + sin(toUInt32(m) / 13751)) + (cityHash64(i, m) %% 9)) AS x, toUInt64(cityHash64(m, i) %% 500 = 0) AS e
			      FROM (SELECT number %% %d AS i, toDateTime(%d) + intDiv(number, %d) * 60 AS m FROM numbers(%d)))`,
			db.Database(), n, start.Add(time.Duration(d)*24*time.Hour).Unix(), n, n*1440))
		if err != nil {
			tb.Fatal(err)
		}
	}
	if err := db.Optimize(ctx); err != nil {
		tb.Fatal(err)
	}
	tb.Logf("stored and merged %d days of minutes for %d integrations in %v", days, n, time.Since(t0).Round(time.Second))
}
