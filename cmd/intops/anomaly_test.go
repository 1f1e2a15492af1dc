package main

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
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
	if err := ScoreCSV(strings.NewReader(in.String()), &out, "in.csv", time.UTC); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if rows[0][2] != "anomaly_score" || len(rows) != 1+10*288 {
		t.Fatalf("header %v, %d rows", rows[0], len(rows))
	}
	var high, normalHigh, normal int
	for _, r := range rows[1:] {
		ts, _ := time.Parse(time.RFC3339, r[0])
		s, err := strconv.ParseFloat(r[2], 64)
		if err != nil || s < 0 || s > 1 {
			t.Fatalf("score %q", r[2])
		}
		switch {
		case !ts.Before(dropFrom.Add(15*time.Minute)) && ts.Before(dropTo):
			if s >= 0.5 {
				high++
			}
		case ts.After(t0.Add(2*24*time.Hour)) && (ts.Before(dropFrom) || ts.After(dropTo.Add(2*time.Hour))):
			normal++
			if s >= 0.5 {
				normalHigh++
			}
		}
	}
	if high < 18 { // of the 21 points of the drop after its first 15 minutes
		t.Errorf("only %d points of the drop score ≥ 0.5", high)
	}
	if float64(normalHigh) > 0.01*float64(normal) {
		t.Errorf("%d of %d normal points score ≥ 0.5", normalHigh, normal)
	}
}

func TestScoreCSVRejectsBadInput(t *testing.T) {
	for in, want := range map[string]string{
		"timestamp,value\n2026-11-22T10:00:00Z,1\nyesterday,2\n": "in.csv:3: timestamp \"yesterday\"",
		"2026-11-22T10:00:00Z,1\n2026-11-22T10:01:00Z,x\n":       "in.csv:2: value \"x\" is not a number",
		"2026-11-22T10:00:00Z,1,3\n":                             "in.csv:1: want 2 fields",
		"2026-11-22T10:00:00Z,1\n2026-11-22T09:00:00Z,1\n":       "not after the previous one",
		"1700000000,1\n1700000060,2\n1700000090,3\n":             "breaks the series' interval of 1m0s",
	} {
		err := ScoreCSV(strings.NewReader(in), &bytes.Buffer{}, "in.csv", time.UTC)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", in, err, want)
		}
	}
}
