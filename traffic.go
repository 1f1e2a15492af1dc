package intops

import (
	"math"
	"time"
)

// Bucket is a time bucket of an integration's traffic, as SLIs, anomaly
// baselines and pages read it: a minute, an hour or a day (Width; zero
// means a minute).
type Bucket struct {
	Minute     time.Time // the bucket's start
	Width      time.Duration
	Executions uint64
	Failed     uint64
	ByClass    ClassCounts
	Records    uint64
	// LE[i] counts executions that took at most LatencyBounds[i]. Only the
	// buckets a RollupQuery asked for are filled.
	LE []uint64
}

// End is where the bucket ends.
func (m Bucket) End() time.Time {
	if m.Width <= 0 {
		return m.Minute.Add(time.Minute)
	}
	return m.Minute.Add(m.Width)
}

// Add adds another bucket's counts to m (its time and width stay).
func (m *Bucket) Add(o Bucket) {
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
func SumBuckets(ms []Bucket, width time.Duration) []Bucket {
	var out []Bucket
	for _, m := range ms {
		t := m.Minute.Truncate(width)
		if len(out) == 0 || !out[len(out)-1].Minute.Equal(t) {
			out = append(out, Bucket{Minute: t, Width: width, LE: make([]uint64, len(LatencyBounds))})
		}
		out[len(out)-1].Add(m)
	}
	return out
}

// RollupQuery selects integrations' rollup buckets.
type RollupQuery struct {
	Integrations []string
	From, To     time.Time
	// Hourly reads the hourly rollup instead of the per-minute one; hours
	// in [DaysFrom, DaysTo) are then summed into whole UTC days.
	Hourly           bool
	DaysFrom, DaysTo time.Time
	// LE lists the latency buckets to read (indexes into LatencyBounds);
	// nil reads all of them. Each one read costs a column per row.
	LE []int
	// Total sums all of [From, To) into one bucket per integration (its
	// Minute is From, its Width To − From).
	Total bool
	// NoClasses leaves the failures per error class out (zeros).
	NoClasses bool
}

// LatencyBounds are the upper bounds of the cumulative latency buckets of
// the rollup: latency SLI thresholds are counted at the largest bound not
// above them.
var LatencyBounds = []time.Duration{
	10 * time.Millisecond, 25 * time.Millisecond, 50 * time.Millisecond, 100 * time.Millisecond,
	250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second, 5 * time.Second,
	10 * time.Second, 30 * time.Second, time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour,
}

// LatencyBucket returns the index of the largest bound not above d, or -1.
func LatencyBucket(d time.Duration) int {
	idx := -1
	for i, b := range LatencyBounds {
		if b <= d {
			idx = i
		}
	}
	return idx
}

// Traffic is what the rollups saw of one flow over a time range: a
// catalogued integration (IntegrationID set, ServiceName and PeerService
// empty) or unattributed traffic between a service and its peer
// (IntegrationID empty).
type Traffic struct {
	IntegrationID string
	ServiceName   string // unattributed traffic only
	PeerService   string // unattributed traffic only
	Spans         uint64 // every stored span
	ErrorSpans    uint64 // spans with error status
	Executions    uint64 // execution (root or entry) spans
	Failed        uint64 // failed executions
	Records       uint64 // business records moved by executions
	// FirstSeen and LastSeen are the starts of the first and last hours
	// with traffic in the range (zero when not read).
	FirstSeen, LastSeen time.Time
}

// EstateMinute is what one minute brought from the whole estate.
type EstateMinute struct {
	Spans uint64
	Flows uint64 // distinct integrations (or services, when unattributed) with spans
}

// CollectorHealth is one heartbeat of a collector instance: what it did
// since its previous heartbeat, and its queue now.
type CollectorHealth struct {
	At       time.Time
	Instance string
	Received uint64 // spans received from clients
	Exported uint64 // spans stored
	Failed   uint64 // spans of failed store attempts (each retry counts)
	Refused  uint64 // spans refused as invalid
	Queued   uint64 // spans received and not yet stored or refused
	// LastError is the latest export error since the previous heartbeat.
	LastError string
}

// LatencyQuantile estimates the q-quantile of latency from cumulative
// counts le over LatencyBounds (le[i] executions took at most
// LatencyBounds[i]) of total executions, interpolating on a log scale
// inside the bucket it falls in; below the first bound from a tenth of
// it; beyond the last bound it gives the last bound (a lower bound). The
// integration page, the anomaly baselines and the reports all use it, so
// they show the same p95.
func LatencyQuantile(le []float64, total, q float64) time.Duration {
	if total <= 0 {
		return 0
	}
	want := q * total
	prevCount, prevBound := 0.0, float64(LatencyBounds[0])/10
	for k, v := range le {
		if k >= len(LatencyBounds) {
			break
		}
		bound := float64(LatencyBounds[k])
		if v >= want {
			f := 1.0
			if v > prevCount {
				f = (want - prevCount) / (v - prevCount)
			}
			f = math.Max(0, math.Min(1, f))
			return time.Duration(math.Exp(math.Log(prevBound) + f*(math.Log(bound)-math.Log(prevBound))))
		}
		prevCount, prevBound = v, bound
	}
	return LatencyBounds[len(LatencyBounds)-1]
}

// RollupMinute is one pre-aggregated minute (or hour) of an
// integration's traffic as the rollups take it: what a backfill or an
// import writes where spans would otherwise be counted.
type RollupMinute struct {
	Minute        time.Time
	IntegrationID string
	ServiceName   string // unattributed traffic only
	PeerService   string // unattributed traffic only
	Spans         uint64
	ErrorSpans    uint64
	Executions    uint64
	Failed        uint64
	ByClass       map[ErrorClass]uint64 // failed executions per class
	Records       uint64
	Durations     []uint64 // a sample of execution durations, ns
}
