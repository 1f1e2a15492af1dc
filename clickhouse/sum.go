package clickhouse

import (
	"time"

	"github.com/intops/intops"
)

// SumBuckets is intops.SumBuckets.
func SumBuckets(ms []MinuteCounts, width time.Duration) []MinuteCounts {
	return intops.SumBuckets(ms, width)
}
