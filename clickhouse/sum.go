package clickhouse

import "time"

// Add adds another bucket's counts to m (its time and width stay).
func (m *MinuteCounts) Add(o MinuteCounts) {
	m.Executions += o.Executions
	m.Failed += o.Failed
	m.Records += o.Records
	for c := range m.ByClass {
		m.ByClass[c] += o.ByClass[c]
	}
	if m.LE == nil && len(o.LE) > 0 {
		m.LE = make([]uint64, len(LatencyBounds))
	}
	for k := range min(len(m.LE), len(o.LE)) {
		m.LE[k] += o.LE[k]
	}
}

// SumBuckets sums sorted buckets into buckets of width (an hour, a day),
// aligned to UTC.
func SumBuckets(ms []MinuteCounts, width time.Duration) []MinuteCounts {
	var out []MinuteCounts
	for _, m := range ms {
		t := m.Minute.Truncate(width)
		if len(out) == 0 || !out[len(out)-1].Minute.Equal(t) {
			out = append(out, MinuteCounts{Minute: t, Width: width, LE: make([]uint64, len(LatencyBounds))})
		}
		out[len(out)-1].Add(m)
	}
	return out
}
