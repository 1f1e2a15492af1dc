// Package accuracy measures the anomaly detectors on the simulator's
// labelled incidents: every integration of an estate gets 28 days of
// history, then an evaluation period with and without injected incidents;
// the detectors run minute by minute as the server runs them, and the
// episodes they open are scored against the labels.
package accuracy

import (
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/analyzer/anomaly"
	"github.com/intops/intops/simulate"
)

var debug = false

// Scenario is one kind of labelled incident.
type Scenario struct {
	Name string
	// Scheduled: injected into scheduled (batch, file) flows, else into
	// continuous ones.
	Scheduled bool
	Duration  time.Duration
	// MinRate: only flows averaging at least this many executions per
	// second get the scenario (0: any).
	MinRate  float64
	Incident simulate.Incident
	// Relevant says whether an anomaly detects this incident.
	Relevant func(a anomaly.Anomaly) bool
}

func low(a anomaly.Anomaly) bool {
	return (a.Signal == anomaly.SignalExecutions || a.Signal == anomaly.SignalRecords) && a.Direction == "low"
}

// Scenarios are the default labelled incidents.
var Scenarios = []Scenario{
	{Name: "drop 15% (>1/s)", Duration: 3 * time.Hour, MinRate: 1, Incident: simulate.Incident{RateFactor: 0.85}, Relevant: low},
	{Name: "drop 30%", Duration: 3 * time.Hour, Incident: simulate.Incident{RateFactor: 0.70}, Relevant: low},
	{Name: "outage (drop 100%)", Duration: time.Hour, Incident: simulate.Incident{RateFactor: 1e-9}, Relevant: low},
	{Name: "spike 3x", Duration: time.Hour, Incident: simulate.Incident{RateFactor: 3}, Relevant: func(a anomaly.Anomaly) bool {
		return a.Signal == anomaly.SignalExecutions && a.Direction == "high"
	}},
	{Name: "stopped batch", Scheduled: true, Duration: 30 * time.Hour, Relevant: low},
	{Name: "error class shift (auth 20%)", Duration: time.Hour, Incident: simulate.Incident{ErrorRate: 0.2, Class: intops.ErrorAuth},
		Relevant: func(a anomaly.Anomaly) bool {
			return a.Signal == anomaly.SignalErrorClass || a.Signal == anomaly.SignalErrorRate
		}},
	{Name: "latency shift (x4)", Duration: time.Hour, Incident: simulate.Incident{Latency: 4}, Relevant: func(a anomaly.Anomaly) bool {
		return a.Signal == anomaly.SignalLatency
	}},
}

// Options of a run.
type Options struct {
	Seeds       []uint64
	Start       time.Time     // history start (default 2026-09-01 UTC)
	History     time.Duration // default 28 days
	Eval        time.Duration // incident-free evaluation per integration (default 2 days)
	PerScenario int           // incidents per scenario and seed (default 12)
	Config      anomaly.Config
	// Location is the estate's time zone, in which the baselines learn
	// (default: Realism's, else UTC).
	Location *time.Location
	// Holidays are the estate's holidays, learned and judged as weekend
	// days as the server does.
	Holidays anomaly.Holidays
	// Realism, when set, makes the traffic realistic (simulate.Realistic,
	// with each seed's Seed); its Location and Holidays are the estate's.
	// The history then starts on Sunday 11 October 2026, local midnight,
	// by default.
	Realism *simulate.Realism
}

// VolumeClass is a range of an integration's mean volume.
type VolumeClass struct {
	Name     string
	Min, Max float64 // executions per second, [Min, Max)
}

// VolumeClasses are the ranges false alarms are reported for.
var VolumeClasses = []VolumeClass{
	{"under 1/min", 0, 1.0 / 60},
	{"1/min to 1/s", 1.0 / 60, 1},
	{"above 1/s", 1, math.Inf(1)},
}

// ClassResult is the incident-free false alarms of one volume class.
type ClassResult struct {
	Class        string
	Integrations int     // of the first seed
	Days         float64 // integration-days of incident-free traffic
	FalseAlarms  int
	// Examples are a few of the false alarms, as the alert reads.
	Examples []string
}

// FalseAlarmsPer100 is false alarms per 100 integration-days.
func (c ClassResult) FalseAlarmsPer100() float64 {
	return 100 * ratio(float64(c.FalseAlarms), c.Days)
}

// maxExamples is how many false alarms a class keeps as examples.
const maxExamples = 5

// Result of one scenario.
type Result struct {
	Scenario          string
	Incidents         int
	Detected          int
	TruePos, FalsePos int // episodes in and out of incident windows, same runs
	Delays            []time.Duration
}

// Recall is detected incidents / incidents.
func (r Result) Recall() float64 { return ratio(float64(r.Detected), float64(r.Incidents)) }

// Precision is episodes during incidents / all episodes of the runs.
func (r Result) Precision() float64 {
	return ratio(float64(r.TruePos), float64(r.TruePos+r.FalsePos))
}

// MedianDelay is the median time from incident start to detection.
func (r Result) MedianDelay() time.Duration {
	if len(r.Delays) == 0 {
		return 0
	}
	d := slices.Clone(r.Delays)
	slices.Sort(d)
	return d[len(d)/2]
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// Report is a run's outcome.
type Report struct {
	Seeds            []uint64
	Integrations     int
	Results          []Result
	CleanDays        float64 // integration-days of incident-free traffic
	CleanFalseAlarms int
	FalseAlarmKinds  map[string]int
	// Classes are the incident-free false alarms by volume class.
	Classes []ClassResult
	// Realistic says whether the traffic was simulate.Realistic's.
	Realistic bool
}

// FalseAlarmsPer100 is false alarms per 100 integration-days.
func (r Report) FalseAlarmsPer100() float64 {
	return 100 * ratio(float64(r.CleanFalseAlarms), r.CleanDays)
}

// Run measures the detectors on the profiles (simulate.Profiles of an
// estate's catalog).
func Run(ctx context.Context, profiles []*simulate.Profile, o Options) (Report, error) {
	if len(o.Seeds) == 0 {
		o.Seeds = []uint64{1, 2, 3}
	}
	if o.Location == nil && o.Realism != nil {
		o.Location = o.Realism.Location
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Holidays == nil && o.Realism != nil {
		o.Holidays = o.Realism.Holidays
	}
	if o.Start.IsZero() {
		o.Start = time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
		if o.Realism != nil {
			// Four weeks that hold a holiday (Columbus Day, Monday 12
			// October) and New York's change from daylight-saving time (1
			// November); the evaluation then spans a Sunday and a Monday.
			o.Start = time.Date(2026, 10, 11, 0, 0, 0, 0, o.Location)
		}
	}
	if o.History <= 0 {
		o.History = 28 * 24 * time.Hour
	}
	if o.Eval <= 0 {
		o.Eval = 2 * 24 * time.Hour
	}
	if o.PerScenario <= 0 {
		o.PerScenario = 12
	}
	rep := Report{Seeds: o.Seeds, FalseAlarmKinds: map[string]int{}, Realistic: o.Realism != nil}
	for _, c := range VolumeClasses {
		rep.Classes = append(rep.Classes, ClassResult{Class: c.Name})
	}
	all := profiles
	results := make([]Result, len(Scenarios))
	for i, s := range Scenarios {
		results[i].Scenario = s.Name
	}
	evalFrom := o.Start.Add(o.History)
	for _, seed := range o.Seeds {
		profiles := all
		if o.Realism != nil {
			r := *o.Realism
			r.Seed, r.Location, r.Holidays = seed, o.Location, o.Holidays
			if r.Epoch.IsZero() {
				r.Epoch = o.Start.Add(-24 * time.Hour)
			}
			profiles = simulate.Realistic(all, r)
		}
		rnd := rand.New(rand.NewPCG(seed, 7))
		// Which integrations get which incident, and when.
		type planned struct {
			scenario int
			from     time.Time
		}
		plan := map[*simulate.Profile][]planned{}
		for si, sc := range Scenarios {
			var eligible []*simulate.Profile
			for _, p := range profiles {
				if p.Integration.ID == "" || (p.Every > 0) != sc.Scheduled {
					continue
				}
				// Volume incidents are for flows that run at least once a
				// minute: a flow with a few runs an hour or a day cannot
				// show a drop within hours.
				if rate := meanRate(p, o.Start); (sc.MinRate > 0 && rate < sc.MinRate) || (!sc.Scheduled && rate < 1.0/60) {
					continue
				}
				eligible = append(eligible, p)
			}
			rnd.Shuffle(len(eligible), func(i, j int) { eligible[i], eligible[j] = eligible[j], eligible[i] })
			for _, p := range eligible[:min(len(eligible), o.PerScenario)] {
				// Start at a random minute of the evaluation period, late
				// enough for the incident to end inside it.
				span := o.Eval - sc.Duration - 2*time.Hour
				if span <= 0 {
					span = time.Hour
				}
				from := evalFrom.Add(time.Hour + time.Duration(rnd.Int64N(int64(span/time.Minute)))*time.Minute)
				plan[p] = append(plan[p], planned{si, from})
			}
		}
		for _, p := range profiles {
			if err := ctx.Err(); err != nil {
				return rep, err
			}
			if p.Integration.ID == "" {
				continue
			}
			if seed == o.Seeds[0] {
				rep.Integrations++
			}
			s := seedFor(seed, p.Integration.ID)
			clean := *p
			clean.Incidents = nil
			hist := minutes(&clean, s, o.Start, evalFrom)
			// As the server learns: hours for volume and failures, the
			// history's totals for error classes and latency.
			hours := hourly(hist)
			base := anomaly.LearnWith(hours, o.Start, evalFrom, o.Location, o.Holidays)
			base.LearnTotals(total(hours))
			ci := classOf(float64(total(hours).Executions) / o.History.Seconds())
			cr := &rep.Classes[ci]
			if seed == o.Seeds[0] {
				cr.Integrations++
			}
			// Incident-free evaluation: every episode is a false alarm.
			tail := hist[firstAt(hist, evalFrom.Add(-14*time.Hour)):]
			evalMins := append(slices.Clone(tail), minutes(&clean, s+1, evalFrom, evalFrom.Add(o.Eval))...)
			eps := detect(base, evalMins, evalFrom, evalFrom.Add(o.Eval), o.Config)
			rep.CleanDays += o.Eval.Hours() / 24
			rep.CleanFalseAlarms += len(eps)
			cr.Days += o.Eval.Hours() / 24
			cr.FalseAlarms += len(eps)
			for _, e := range eps {
				rep.FalseAlarmKinds[e.Key+" "+e.Anomaly.Kind]++
				if len(cr.Examples) < maxExamples {
					cr.Examples = append(cr.Examples, fmt.Sprintf("%s, %s (%s): %s", p.Integration.ID,
						e.Opened.In(o.Location).Format("Mon 02 Jan 15:04 MST"), sparseness(p), e.Anomaly.Summary))
				}
			}
			for _, pl := range plan[p] {
				sc := Scenarios[pl.scenario]
				in := sc.Incident
				in.Name, in.From, in.To = sc.Name, pl.from, pl.from.Add(sc.Duration)
				hurt := clean
				hurt.Incidents = []simulate.Incident{in}
				from, to := in.From.Add(-3*time.Hour), in.To.Add(2*time.Hour)
				ms := minutes(&hurt, s+2, from.Add(-14*time.Hour), to)
				if sc.Scheduled { // a stopped batch: its runs vanish
					ms = slices.DeleteFunc(ms, func(m intops.Bucket) bool {
						return !m.Minute.Before(in.From) && m.Minute.Before(in.To)
					})
				}
				eps := detect(base, ms, from, to, o.Config)
				r := &results[pl.scenario]
				r.Incidents++
				grace := in.To.Add(15 * time.Minute)
				found := false
				for _, e := range eps {
					during := !e.Opened.Before(in.From) && e.Opened.Before(grace)
					// An episode open when the incident starts and still open
					// during it counts for it too.
					if e.Opened.Before(in.From) && (e.Closed.IsZero() || e.Closed.After(in.From)) {
						during = true
					}
					if !during {
						r.FalsePos++
						if debug {
							fmt.Printf("FP %s %s: %s %s opened %s (incident %s–%s): %s\n", sc.Name, p.Integration.ID, e.Key, e.Anomaly.Kind, e.Opened.Format("01-02 15:04"), in.From.Format("15:04"), in.To.Format("15:04"), e.Anomaly.Summary)
						}
						continue
					}
					r.TruePos++
					if !found && sc.Relevant(e.Anomaly) {
						found = true
						r.Detected++
						r.Delays = append(r.Delays, max(0, e.Opened.Sub(in.From)))
					}
				}
			}
		}
	}
	rep.Results = results
	return rep, nil
}

// relevant episodes are scored by Relevant on their evidence when opened;
// detect keeps each episode's first evidence for that.
func detect(base *anomaly.Baseline, ms []intops.Bucket, from, to time.Time, cfg anomaly.Config) []anomaly.Episode {
	hours := hourly(ms)
	var tr anomaly.Tracker
	var out []anomaly.Episode
	idx := map[string]int{}
	for now := from; now.Before(to); now = now.Add(time.Minute) {
		split := now.Add(-2 * time.Hour).Truncate(time.Hour)
		r := anomaly.Recent{Split: split,
			Hours:   hours[firstAt(hours, now.Add(-13*time.Hour)):firstAt(hours, split)],
			Minutes: ms[firstAt(ms, split):firstAt(ms, now)]}
		opened, closed := tr.Update(now, base.Detect(r, now, cfg))
		for _, e := range opened {
			idx[e.Key] = len(out)
			out = append(out, e)
		}
		for _, e := range closed {
			out[idx[e.Key]].Closed = e.Closed
		}
	}
	return out
}

func firstAt(ms []intops.Bucket, t time.Time) int {
	return sort.Search(len(ms), func(i int) bool { return !ms[i].Minute.Before(t) })
}

// meanRate is a profile's mean executions per second over the week from
// t.
func meanRate(p *simulate.Profile, t time.Time) float64 {
	if p.Every > 0 {
		return 1 / p.Every.Seconds()
	}
	var sum float64
	for h := 0; h < 7*24; h++ {
		sum += p.RateAt(t.Add(time.Duration(h)*time.Hour + 30*time.Minute))
	}
	return sum / (7 * 24) / 60
}

// classOf is the index of the volume class of a mean rate (per second).
func classOf(rate float64) int {
	for i, c := range VolumeClasses {
		if rate < c.Max {
			return i
		}
	}
	return len(VolumeClasses) - 1
}

// sparseness says how a flow runs, for the examples.
func sparseness(p *simulate.Profile) string {
	switch {
	case p.Every > 0:
		return "every " + p.Every.String()
	case p.Sparse == simulate.SparseHourly:
		return "a few runs an hour"
	case p.Sparse == simulate.SparseDaily:
		return "a few runs a day"
	}
	return p.Integration.Mechanism
}

func seedFor(seed uint64, id string) uint64 {
	h := fnv.New64a()
	io.WriteString(h, id)
	return seed*1_000_003 ^ h.Sum64()
}

type memWriter struct{ ms []intops.RollupMinute }

func (w *memWriter) InsertMinutes(_ context.Context, ms []intops.RollupMinute) error {
	w.ms = append(w.ms, ms...)
	return nil
}

// minutes simulates one profile's per-minute rollup over [from, to), as
// the rollup would hold it (latency buckets from the duration sample).
func minutes(p *simulate.Profile, seed uint64, from, to time.Time) []intops.Bucket {
	var w memWriter
	g := simulate.NewGenerator([]*simulate.Profile{p}, seed)
	if _, err := simulate.Backfill(context.Background(), g, &w, from, to); err != nil {
		panic(err) // the memory writer does not fail
	}
	out := make([]intops.Bucket, 0, len(w.ms))
	for _, m := range w.ms {
		mc := intops.Bucket{Minute: m.Minute, Width: time.Minute, Executions: m.Executions, Failed: m.Failed,
			Records: m.Records, LE: make([]uint64, len(intops.LatencyBounds))}
		for c, n := range m.ByClass {
			if i := c.Index(); i >= 0 {
				mc.ByClass[i] = n
			}
		}
		if len(m.Durations) > 0 {
			for k, b := range intops.LatencyBounds {
				under := 0
				for _, d := range m.Durations {
					if time.Duration(d) <= b {
						under++
					}
				}
				mc.LE[k] = uint64(float64(m.Executions)*float64(under)/float64(len(m.Durations)) + 0.5)
			}
		}
		out = append(out, mc)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Minute.Before(out[j].Minute) })
	return out
}

// total sums buckets into one.
func total(ms []intops.Bucket) intops.Bucket {
	t := intops.Bucket{LE: make([]uint64, len(intops.LatencyBounds))}
	for _, m := range ms {
		t.Add(m)
	}
	return t
}

// hourly sums minutes into hours.
func hourly(ms []intops.Bucket) []intops.Bucket {
	return intops.SumBuckets(ms, time.Hour)
}

// Print writes the report as a table.
func (r Report) Print(w io.Writer) {
	traffic := "plain simulated traffic"
	if r.Realistic {
		traffic = "realistic simulated traffic"
	}
	fmt.Fprintf(w, "seeds %v, %d integrations each, %s\n\n", r.Seeds, r.Integrations, traffic)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\tincidents\trecall\tprecision\tmedian delay\t")
	for _, x := range r.Results {
		fmt.Fprintf(tw, "%s\t%d\t%.2f\t%.2f\t%s\t\n", x.Scenario, x.Incidents, x.Recall(), x.Precision(), x.MedianDelay())
	}
	tw.Flush()
	fmt.Fprintf(w, "\nincident-free: %d false alarms in %.0f integration-days = %.2f per 100 integration-days\n",
		r.CleanFalseAlarms, r.CleanDays, r.FalseAlarmsPer100())
	keys := make([]string, 0, len(r.FalseAlarmKinds))
	for k := range r.FalseAlarmKinds {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "  %s: %d\n", k, r.FalseAlarmKinds[k])
	}
	if len(r.Classes) == 0 {
		return
	}
	fmt.Fprintln(w, "\nincident-free false alarms by mean volume:")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "volume\tintegrations\tintegration-days\tfalse alarms\tper 100 integration-days\t")
	for _, c := range r.Classes {
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%d\t%.2f\t\n", c.Class, c.Integrations, c.Days, c.FalseAlarms, c.FalseAlarmsPer100())
	}
	tw.Flush()
	for _, c := range r.Classes {
		if len(c.Examples) == 0 {
			continue
		}
		fmt.Fprintf(w, "\nfalse alarms, %s (first %d):\n", c.Class, len(c.Examples))
		for _, e := range c.Examples {
			fmt.Fprintf(w, "  %s\n", e)
		}
	}
}
