package anomaly

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestScoreCSV(t *testing.T) {
	// Ten days of a 5-minute series with a daily cycle, Poisson noise, and
	// a 40% drop for two hours on the last day.
	var in strings.Builder
	in.WriteString("timestamp,value\n")
	rnd := rand.New(rand.NewPCG(1, 2))
	t0 := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	dropFrom, dropTo := t0.Add(9*24*time.Hour+10*time.Hour), t0.Add(9*24*time.Hour+12*time.Hour)
	for ts := t0; ts.Before(t0.Add(10 * 24 * time.Hour)); ts = ts.Add(5 * time.Minute) {
		h := float64(ts.Hour()) + float64(ts.Minute())/60
		rate := 200 + 800*math.Exp(-math.Pow((h-13)/4, 2))
		if !ts.Before(dropFrom) && ts.Before(dropTo) {
			rate *= 0.6
		}
		v := math.Round(rate + math.Sqrt(rate)*rnd.NormFloat64())
		fmt.Fprintf(&in, "%s,%g\n", ts.Format(time.RFC3339), v)
	}
	var out bytes.Buffer
	if err := ScoreCSV(strings.NewReader(in.String()), &out, CSVOptions{Name: "in.csv"}); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if rows[0][2] != "anomaly_score" || len(rows) != 1+10*288 {
		t.Fatalf("header %v, %d rows", rows[0], len(rows))
	}
	// Points at the server's significance (10⁻⁷) are high.
	th := rowScore(Config{}.alpha())
	var high, normalHigh, normal int
	for _, r := range rows[1:] {
		ts, _ := time.Parse(time.RFC3339, r[0])
		s, err := strconv.ParseFloat(r[2], 64)
		if err != nil || s < 0 || s > 1 {
			t.Fatalf("score %q", r[2])
		}
		switch {
		case !ts.Before(dropFrom.Add(15*time.Minute)) && ts.Before(dropTo):
			if s >= th {
				high++
			}
		case ts.After(t0.Add(2*24*time.Hour)) && (ts.Before(dropFrom) || ts.After(dropTo.Add(2*time.Hour))):
			normal++
			if s >= th {
				normalHigh++
			}
		}
	}
	if high < 18 { // of the 21 points of the drop after its first 15 minutes
		t.Errorf("only %d points of the drop score ≥ %.3f", high, th)
	}
	if float64(normalHigh) > 0.01*float64(normal) {
		t.Errorf("%d of %d normal points score ≥ %.3f", normalHigh, normal, th)
	}
}

func TestScoreCSVRejectsWhatCannotBeRead(t *testing.T) {
	for in, want := range map[string]string{
		"timestamp,value\n2026-11-22T10:00:00Z,1\nyesterday,2\n": "in.csv:3: timestamp \"yesterday\"",
		"2026-11-22T10:00:00Z,1\n2026-11-22T10:01:00Z,x\n":       "in.csv:2: value \"x\" is not a number",
		"timestamp,value\n2026-11-22T10:00:00Z\n":                "in.csv:2: want at least 2 fields",
		"timestamp,value\n2026-11-22T10:00:00Z,\"1\n":            "in.csv:2:",
		"1700000000,1\n1700172800,2\n1700345600,3\n":             "in.csv:1: the series' interval is 48h0m0s",
	} {
		err := ScoreCSV(strings.NewReader(in), &bytes.Buffer{}, CSVOptions{Name: "in.csv"})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", in, err, want)
		}
	}
}

// TestCSVAsExportsHaveIt: naive local timestamps, a row repeated
// verbatim, a time given twice with different counts, a row out of order,
// an empty and a NaN value and a gap are read as one regular series; the
// irregularities are told once each; the output has one row per input
// row, in the input's order.
func TestCSVAsExportsHaveIt(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	in := `TimeStamp,Value
2026-11-02 10:00:00,5
2026-11-02 10:05:00,7
2026-11-02 10:05:00,7
2026-11-02 10:15:00,4
2026-11-02 10:10:00,3
2026-11-02 10:15:00,2
2026-11-02 10:20:00,
2026-11-02 10:25:00.000,NaN
2026-11-02 10:35:00,6
`
	rows, err := readRows(strings.NewReader(in), CSVOptions{Name: "in.csv", Loc: berlin})
	if err != nil {
		t.Fatal(err)
	}
	var warn strings.Builder
	s, slot, err := toSeries(rows, CSVOptions{Name: "in.csv", Loc: berlin, Warn: &warn})
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC); !s.Start.Equal(want) || s.Interval != 5*time.Minute || s.Kind != KindCounts {
		t.Errorf("start %v, interval %v, kind %s", s.Start, s.Interval, s.Kind)
	}
	var got []string
	for _, v := range s.Values {
		got = append(got, strconv.FormatFloat(v, 'g', -1, 64))
	}
	if want := "5 7 3 6 NaN NaN NaN 6"; strings.Join(got, " ") != want {
		t.Errorf("values %s, want %s", strings.Join(got, " "), want)
	}
	if !slices.Equal(slot, []int{0, 1, 1, 3, 2, 3, 4, 5, 7}) {
		t.Errorf("slots %v", slot)
	}
	for _, want := range []string{
		"in.csv:4: 2 rows share their 5m0s interval with an earlier row: summed (a row repeated verbatim counted once)",
		"in.csv:6: 1 rows are earlier than a row before them",
		"in.csv:8: 2 rows have no value",
		"in.csv: 1 of 8 intervals of 5m0s have no row: missing: no score update",
	} {
		if !strings.Contains(warn.String(), want) {
			t.Errorf("warnings\n%s\nwant %q", warn.String(), want)
		}
	}
	var out bytes.Buffer
	if err := ScoreCSV(strings.NewReader(in), &out, CSVOptions{Name: "in.csv", Loc: berlin}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 10 || lines[0] != "timestamp,value,anomaly_score" || lines[4] != "2026-11-02 10:15:00,4,0.0000" || lines[7] != "2026-11-02 10:20:00,,0.0000" {
		t.Errorf("output:\n%s", out.String())
	}
	// Gauges keep the last value of an interval; --missing zero fills gaps.
	s, _, _ = toSeries([]csvRow{{t: time.Unix(0, 0), ts: "0", v: 1.5}, {t: time.Unix(0, 0), ts: "0", v: 2.5}, {t: time.Unix(60, 0), v: 1}, {t: time.Unix(180, 0), v: 1}},
		CSVOptions{MissingZero: true})
	if s.Kind != KindGauge || !slices.Equal(s.Values, []float64{2.5, 1, 0, 1}) {
		t.Errorf("gauge %s %v", s.Kind, s.Values)
	}
}

func TestParseTimestamp(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	for in, want := range map[string]time.Time{
		"2018-07-03 14:00:00":       time.Date(2018, 7, 3, 18, 0, 0, 0, time.UTC),
		"2018-07-03 14:00:00.250":   time.Date(2018, 7, 3, 18, 0, 0, 250e6, time.UTC),
		"2018-07-03T14:00:00":       time.Date(2018, 7, 3, 18, 0, 0, 0, time.UTC),
		"2017-11-05T01:00:00Z":      time.Date(2017, 11, 5, 1, 0, 0, 0, time.UTC),
		"2017-11-05T01:00:00+01:00": time.Date(2017, 11, 5, 0, 0, 0, 0, time.UTC),
		"1700000000":                time.Unix(1700000000, 0),
		"1700000000.5":              time.Unix(1700000000, 5e8),
	} {
		got, err := ParseTimestamp(in, ny)
		if err != nil || !got.Equal(want) {
			t.Errorf("%s: got %v %v, want %v", in, got, err, want)
		}
	}
}

// TestCSVAcrossClockChanges: naive local hours in Berlin. When clocks go
// back the hour 02:00 is written twice: both rows are read as the second
// one (02:00 CET), their counts summed, and the first (02:00 CEST) has no
// row: missing, not a drop. When they go forward 02:00 does not exist:
// the series has no gap.
func TestCSVAcrossClockChanges(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no time zone data")
	}
	for _, c := range []struct{ in, want string }{
		{"2026-10-25 00:00:00,1\n2026-10-25 01:00:00,2\n2026-10-25 02:00:00,3\n2026-10-25 02:00:00,4\n2026-10-25 03:00:00,5\n", "1 2 NaN 7 5"},
		{"2026-03-29 00:00:00,1\n2026-03-29 01:00:00,2\n2026-03-29 03:00:00,3\n2026-03-29 04:00:00,4\n", "1 2 3 4"},
	} {
		rows, err := readRows(strings.NewReader(c.in), CSVOptions{Name: "in.csv", Loc: berlin})
		if err != nil {
			t.Fatal(err)
		}
		s, _, err := toSeries(rows, CSVOptions{Name: "in.csv", Loc: berlin})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, v := range s.Values {
			got = append(got, strconv.FormatFloat(v, 'g', -1, 64))
		}
		if strings.Join(got, " ") != c.want || s.Interval != time.Hour {
			t.Errorf("%q: values %v every %v, want %s", c.in, got, s.Interval, c.want)
		}
	}
}
