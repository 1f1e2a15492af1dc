package anomaly

import (
	"bufio"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/clickhouse"
)

// The detector tests are scripts in testdata/*.txt, one scenario each:
//
//	tz Europe/Berlin                    seasonality time zone (default UTC)
//	history 2026-10-01 28d              history start (local midnight) and length
//	weekday 10 10 … (24 numbers)        executions per local hour on weekdays
//	weekend 5 5 …                       and on weekends (default: weekday's)
//	every 6h 02:17                      or: a scheduled flow, one run at these
//	                                    offsets from local midnight, every 6h
//	failures 0.001                      failure ratio (class transient)
//	scale 2026-10-14 0.2                volume of one local day (history or not)
//	traffic 2026-10-29T10:00 30m 0.7    volume factor over a range
//	errors 2026-10-29T10:00 30m auth 0.2  a share of executions failing so
//	slow 2026-10-29T10:00 30m 0.5       a share of executions over 1 s
//	eval 2026-10-29T10:25 executions/low:drop …   the anomalies expected
//	                                    (key:kind; "none" for nothing)
//
// Counts are Poisson draws around the profile, smoothed between the
// centres of its hours (seeded: the same every run); traffic continues
// after the history up to the last eval.
func TestScripts(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.txt")
	if len(files) < 5 {
		t.Fatalf("want the detector scripts in testdata, found %v", files)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txt"), func(t *testing.T) { runScript(t, f) })
	}
}

type span struct {
	from, to time.Time
	factor   float64
	class    intops.ErrorClass
}

type script struct {
	loc           *time.Location
	start         time.Time
	length        time.Duration
	profile       [2][24]float64
	weekendSet    bool
	every         time.Duration
	offsets       []time.Duration
	failures      float64
	scale         map[string]float64
	traffic, errs []span
	slow          []span
	evals         []time.Time
	expects       [][]string
	lines         []int
}

func runScript(t *testing.T, path string) {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := &script{loc: time.UTC, scale: map[string]float64{}}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if i := strings.Index(line, "#"); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		if line == "" {
			continue
		}
		if err := s.parse(strings.Fields(line), n); err != nil {
			t.Fatalf("%s:%d: %v", path, n, err)
		}
	}
	if !s.weekendSet {
		s.profile[1] = s.profile[0]
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	end := s.evals[len(s.evals)-1]
	histEnd := s.start.Add(s.length)
	var minutes []clickhouse.MinuteCounts
	for m := s.start; m.Before(end); m = m.Add(time.Minute) {
		if mc, ok := s.minute(m, rnd); ok {
			minutes = append(minutes, mc)
		}
	}
	hours := clickhouse.SumBuckets(minutes, time.Hour)
	b := Learn(hours[:firstBucket(hours, histEnd)], s.start, histEnd, s.loc)
	for k, at := range s.evals {
		split := at.Add(-2 * time.Hour).Truncate(time.Hour)
		r := Recent{Split: split, Hours: hours[firstBucket(hours, at.Add(-14*time.Hour)):firstBucket(hours, split)],
			Minutes: minutes[firstBucket(minutes, split):firstBucket(minutes, at)]}
		var got []string
		for _, a := range b.Detect(r, at, Config{}) {
			got = append(got, a.Key()+":"+a.Kind)
		}
		slices.Sort(got)
		want := slices.Clone(s.expects[k])
		slices.Sort(want)
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s:%d: at %s got [%s], want [%s]", path, s.lines[k], at.In(s.loc).Format("2006-01-02 15:04 MST"), strings.Join(got, " "), strings.Join(want, " "))
			for _, a := range b.Detect(r, at, Config{}) {
				t.Logf("  %s: %s", a.Key(), a.Summary)
			}
		}
	}
}

// minute draws the minute starting at m.
func (s *script) minute(m time.Time, rnd *rand.Rand) (clickhouse.MinuteCounts, bool) {
	lt := m.In(s.loc)
	factor := 1.0
	if f, ok := s.scale[lt.Format("2006-01-02")]; ok {
		factor = f
	}
	for _, sp := range s.traffic {
		if !m.Before(sp.from) && m.Before(sp.to) {
			factor *= sp.factor
		}
	}
	var n int
	if s.every > 0 {
		since := lt.Sub(time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, s.loc))
		for _, off := range s.offsets {
			if (since-off)%s.every == 0 && since >= off && factor > 0.5 {
				n = 1
			}
		}
	} else {
		// The profile's hours are smoothed the way traffic is: linearly
		// between the centres of the hours.
		n = poisson(rnd, expected(m, &Baseline{Loc: s.loc}, &s.profile)*factor)
	}
	if n == 0 {
		return clickhouse.MinuteCounts{}, false
	}
	mc := clickhouse.MinuteCounts{Minute: m, Width: time.Minute, Executions: uint64(n), Records: uint64(n), LE: make([]uint64, len(clickhouse.LatencyBounds))}
	fail, class := s.failures, intops.ErrorTransient
	for _, sp := range s.errs {
		if !m.Before(sp.from) && m.Before(sp.to) {
			fail, class = sp.factor, sp.class
		}
	}
	for range n {
		if rnd.Float64() < fail {
			mc.Failed++
			mc.ByClass[class.Index()]++
		}
	}
	mc.Records = uint64(n) - mc.Failed
	slow := 0.02
	for _, sp := range s.slow {
		if !m.Before(sp.from) && m.Before(sp.to) {
			slow = sp.factor
		}
	}
	over := 0
	for range n {
		if rnd.Float64() < slow {
			over++
		}
	}
	for k, bound := range clickhouse.LatencyBounds {
		switch {
		case bound < 250*time.Millisecond:
		case bound < time.Second:
			mc.LE[k] = uint64(n - over)
		default:
			mc.LE[k] = uint64(n)
		}
	}
	return mc, true
}

func poisson(rnd *rand.Rand, lambda float64) int {
	if lambda <= 0 {
		return 0
	}
	if lambda > 500 {
		return max(0, int(math.Round(lambda+math.Sqrt(lambda)*rnd.NormFloat64())))
	}
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		p *= rnd.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

func (s *script) at(v string) (time.Time, error) {
	if len(v) == 10 {
		return time.ParseInLocation("2006-01-02", v, s.loc)
	}
	return time.ParseInLocation("2006-01-02T15:04", v, s.loc)
}

func duration(v string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(v, "d"); ok {
		n, err := strconv.Atoi(d)
		return time.Duration(n) * 24 * time.Hour, err
	}
	return time.ParseDuration(v)
}

func (s *script) spanOf(f []string) (span, error) {
	from, err := s.at(f[1])
	if err != nil {
		return span{}, err
	}
	d, err := duration(f[2])
	return span{from: from, to: from.Add(d)}, err
}

func (s *script) parse(f []string, line int) error {
	var err error
	need := func(n int) error {
		if len(f) < n {
			return fmt.Errorf("%s: want %d fields", f[0], n)
		}
		return nil
	}
	switch f[0] {
	case "tz":
		s.loc, err = time.LoadLocation(f[1])
	case "history":
		if err = need(3); err == nil {
			if s.start, err = s.at(f[1]); err == nil {
				s.length, err = duration(f[2])
			}
		}
	case "weekday", "weekend":
		if err = need(25); err != nil {
			return err
		}
		d := 0
		if f[0] == "weekend" {
			d, s.weekendSet = 1, true
		}
		for h := range 24 {
			if s.profile[d][h], err = strconv.ParseFloat(f[h+1], 64); err != nil {
				return err
			}
		}
	case "every":
		if s.every, err = duration(f[1]); err != nil {
			return err
		}
		for _, o := range f[2:] {
			t, err := time.Parse("15:04", o)
			if err != nil {
				return err
			}
			s.offsets = append(s.offsets, time.Duration(t.Hour())*time.Hour+time.Duration(t.Minute())*time.Minute)
		}
	case "failures":
		s.failures, err = strconv.ParseFloat(f[1], 64)
	case "scale":
		if err = need(3); err == nil {
			s.scale[f[1]], err = strconv.ParseFloat(f[2], 64)
		}
	case "traffic", "slow":
		if err = need(4); err != nil {
			return err
		}
		sp, err := s.spanOf(f)
		if err != nil {
			return err
		}
		if sp.factor, err = strconv.ParseFloat(f[3], 64); err != nil {
			return err
		}
		if f[0] == "traffic" {
			s.traffic = append(s.traffic, sp)
		} else {
			s.slow = append(s.slow, sp)
		}
	case "errors":
		if err = need(5); err != nil {
			return err
		}
		sp, err := s.spanOf(f)
		if err != nil {
			return err
		}
		if sp.class, err = intops.ParseErrorClass(f[3]); err != nil {
			return err
		}
		if sp.factor, err = strconv.ParseFloat(f[4], 64); err != nil {
			return err
		}
		s.errs = append(s.errs, sp)
	case "eval":
		if err = need(3); err != nil {
			return err
		}
		at, err := s.at(f[1])
		if err != nil {
			return err
		}
		want := f[2:]
		if len(want) == 1 && want[0] == "none" {
			want = nil
		}
		s.evals, s.expects, s.lines = append(s.evals, at), append(s.expects, want), append(s.lines, line)
	default:
		return fmt.Errorf("unknown directive %q", f[0])
	}
	return err
}
