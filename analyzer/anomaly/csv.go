package anomaly

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// CSVOptions says how ScoreCSV reads a series.
type CSVOptions struct {
	Name string         // the file's name in messages
	Loc  *time.Location // naive timestamps are read in it; seasonality too (default UTC)
	// Kind is KindCounts, KindGauge or "" to choose from the data: any
	// negative or fractional value makes a gauge.
	Kind string
	// MissingZero reads an interval without a row as a zero; by default
	// it is missing and no score is updated for it.
	MissingZero bool
	Config      Config
	// Warn, when set, is told once about each kind of irregularity the
	// data has (repeated timestamps, rows out of order, gaps).
	Warn io.Writer
}

// Series kinds.
const (
	KindCounts = "counts"
	KindGauge  = "gauge"
)

// csvRow is one data row as read.
type csvRow struct {
	line   int
	ts, vs string
	t      time.Time
	v      float64 // NaN when empty
}

// ScoreCSV reads timestamp,value rows and writes timestamp,value,
// anomaly_score, one row per input row in the input's order. Timestamps
// are RFC 3339, Unix seconds, or naive "2006-01-02 15:04:05[.fff]" read in
// opt.Loc; the interval is the series' most common step (a second to a
// day). Rows of one interval are one point: summed for counts (a row
// repeated verbatim counted once), the last for gauges. Empty or NaN
// values are missing: no score update, and the row scores 0. The series
// is scored by the server's detectors (ScoreSeries); what cannot be read
// at all is an error naming file:line.
func ScoreCSV(r io.Reader, w io.Writer, opt CSVOptions) error {
	if opt.Loc == nil {
		opt.Loc = time.UTC
	}
	if opt.Name == "" {
		opt.Name = "input"
	}
	rows, err := readRows(r, opt)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "timestamp,value,anomaly_score")
	if len(rows) == 0 {
		return bw.Flush()
	}
	s, slot, err := toSeries(rows, opt)
	if err != nil {
		return err
	}
	res := ScoreSeries(s, opt.Loc, opt.Config)
	for i, r := range rows {
		score := 0.0
		if !math.IsNaN(r.v) {
			score = res.Scores[slot[i]]
		}
		fmt.Fprintf(bw, "%s,%s,%.4f\n", csvField(r.ts), csvField(r.vs), score)
	}
	return bw.Flush()
}

func csvField(s string) string {
	if strings.ContainsAny(s, ",\"\n") {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}

// readRows reads the data rows; a first line that is not data is a
// header, and may name the timestamp and value columns.
func readRows(r io.Reader, opt CSVOptions) ([]csvRow, error) {
	cr := csv.NewReader(bufio.NewReader(r))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	tc, vc := 0, 1
	var rows []csvRow
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("%s:%d: %v", opt.Name, pe.Line, pe.Err)
			}
			return nil, fmt.Errorf("%s: %w", opt.Name, err)
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rows) == 0 && line == 1 && isHeader(rec, opt.Loc) {
			for i, f := range rec {
				switch strings.ToLower(strings.TrimSpace(f)) {
				case "timestamp", "time", "ts", "date", "datetime":
					tc = i
				case "value", "count", "v":
					vc = i
				}
			}
			continue
		}
		if len(rec) <= max(tc, vc) {
			return nil, fmt.Errorf("%s:%d: want at least %d fields (timestamp,value), got %d", opt.Name, line, max(tc, vc)+1, len(rec))
		}
		ts, vs := strings.TrimSpace(rec[tc]), strings.TrimSpace(rec[vc])
		t, err := ParseTimestamp(ts, opt.Loc)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: timestamp %q: want RFC 3339 (2026-11-22T10:00:00Z), 2026-11-22 10:00:00 (in --tz) or Unix seconds", opt.Name, line, ts)
		}
		v := math.NaN()
		if vs != "" && !strings.EqualFold(vs, "nan") && !strings.EqualFold(vs, "null") {
			v, err = strconv.ParseFloat(vs, 64)
			if err != nil || math.IsInf(v, 0) {
				return nil, fmt.Errorf("%s:%d: value %q is not a number", opt.Name, line, vs)
			}
		}
		rows = append(rows, csvRow{line: line, ts: ts, vs: vs, t: t, v: v})
	}
	return rows, nil
}

// isHeader says whether a first record is a header: its timestamp field
// is no timestamp.
func isHeader(rec []string, loc *time.Location) bool {
	_, err := ParseTimestamp(strings.TrimSpace(rec[0]), loc)
	return err != nil
}

// naive are the layouts of timestamps without a zone (fractional seconds
// are accepted after the seconds by the parser).
var naive = []string{"2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02T15:04", "2006/01/02 15:04:05", "2006-01-02"}

// ParseTimestamp reads RFC 3339, Unix seconds, or a naive local time in loc.
func ParseTimestamp(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02 15:04:05Z07:00", s); err == nil {
		return t, nil
	}
	for _, l := range naive {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t, nil
		}
	}
	if n, err := strconv.ParseFloat(s, 64); err == nil && n >= 0 && n < 1e11 && !strings.ContainsAny(s, "eE") {
		sec := math.Floor(n)
		return time.Unix(int64(sec), int64((n-sec)*1e9)).UTC(), nil
	}
	return time.Time{}, errors.New("bad timestamp")
}

// toSeries lays the rows on a regular grid and says which point each row
// belongs to.
func toSeries(rows []csvRow, opt CSVOptions) (Series, []int, error) {
	ts := make([]time.Time, len(rows))
	for i, r := range rows {
		ts[i] = r.t
	}
	slices.SortFunc(ts, time.Time.Compare)
	ts = slices.CompactFunc(ts, time.Time.Equal)
	interval, err := detectInterval(ts)
	if err != nil {
		return Series{}, nil, fmt.Errorf("%s:%d: %v", opt.Name, rows[0].line, err)
	}
	start := ts[0]
	n := int(ts[len(ts)-1].Sub(start)/interval) + 1
	kind := opt.Kind
	if kind == "" {
		kind = KindCounts
		for _, r := range rows {
			if !math.IsNaN(r.v) && (r.v < 0 || r.v != math.Trunc(r.v)) {
				kind = KindGauge
				break
			}
		}
	}
	s := Series{Start: start, Interval: interval, Kind: kind, Values: make([]float64, n)}
	for i := range s.Values {
		s.Values[i] = math.NaN()
		if opt.MissingZero {
			s.Values[i] = 0
		}
	}
	slot := make([]int, len(rows))
	present := make([]bool, n)
	last := make([]int, n) // the row that set the point, for verbatim repeats
	var repeats, unordered, firstRepeat, firstUnordered int
	prev := -1
	for i, r := range rows {
		k := int(r.t.Sub(start) / interval)
		slot[i] = k
		if k < prev {
			unordered++
			if firstUnordered == 0 {
				firstUnordered = r.line
			}
		}
		prev = max(prev, k)
		if math.IsNaN(r.v) {
			continue
		}
		if !present[k] {
			present[k], last[k] = true, i
			s.Values[k] = r.v
			continue
		}
		repeats++
		if firstRepeat == 0 {
			firstRepeat = r.line
		}
		p := rows[last[k]]
		switch {
		case kind == KindGauge:
			s.Values[k] = r.v
		case p.ts == r.ts && p.v == r.v:
			// the same row again: an export artefact, counted once
		default:
			s.Values[k] += r.v
		}
		last[k] = i
	}
	if opt.Warn != nil {
		if repeats > 0 {
			how := "summed (a row repeated verbatim counted once)"
			if kind == KindGauge {
				how = "the last one kept"
			}
			fmt.Fprintf(opt.Warn, "%s:%d: %d rows share their %s interval with an earlier row: %s\n", opt.Name, firstRepeat, repeats, interval, how)
		}
		if unordered > 0 {
			fmt.Fprintf(opt.Warn, "%s:%d: %d rows are earlier than a row before them; scored in time order\n", opt.Name, firstUnordered, unordered)
		}
		hasRow := make([]bool, n)
		var gaps, empty, firstEmpty int
		for i, r := range rows {
			hasRow[slot[i]] = true
			if math.IsNaN(r.v) {
				if empty++; firstEmpty == 0 {
					firstEmpty = r.line
				}
			}
		}
		for _, h := range hasRow {
			if !h {
				gaps++
			}
		}
		if empty > 0 {
			fmt.Fprintf(opt.Warn, "%s:%d: %d rows have no value: missing, no score update (scored 0)\n", opt.Name, firstEmpty, empty)
		}
		if gaps > 0 {
			how := "missing: no score update"
			if opt.MissingZero {
				how = "read as zero (--missing zero)"
			}
			fmt.Fprintf(opt.Warn, "%s: %d of %d intervals of %s have no row: %s\n", opt.Name, gaps, n, interval, how)
		}
	}
	return s, slot, nil
}

// detectInterval is the series' step: the most common difference between
// consecutive distinct timestamps, a second to a day.
func detectInterval(ts []time.Time) (time.Duration, error) {
	if len(ts) < 2 {
		return time.Minute, nil
	}
	seen := map[time.Duration]int{}
	var best time.Duration
	for i := 1; i < len(ts); i++ {
		d := ts[i].Sub(ts[i-1]).Round(time.Second)
		if d <= 0 {
			continue
		}
		seen[d]++
		if c := seen[d]; c > seen[best] || c == seen[best] && d < best {
			best = d
		}
	}
	switch {
	case best < time.Second:
		return 0, errors.New("timestamps less than a second apart: want a regular series of a second to a day")
	case best > 24*time.Hour:
		return 0, fmt.Errorf("the series' interval is %s: want a second to a day", best)
	}
	if n := ts[len(ts)-1].Sub(ts[0]) / best; n > 10_000_000 {
		return 0, fmt.Errorf("%d intervals of %s from the first row to the last: too long a series", n, best)
	}
	return best, nil
}
