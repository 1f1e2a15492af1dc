package slo

import (
	"bufio"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestScripts runs the text cases in testdata/*.test. A case sets the
// policy (objective, period, minbad, nodata), gives per-minute series
// ("series total|bad v v NxK …", NxK = value N for K minutes) and expects a
// status at minutes ("eval 61m page"); "---" starts another case.
func TestScripts(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.test")
	if len(files) == 0 {
		t.Fatal("no test scripts")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) { runScript(t, f) })
	}
}

func runScript(t *testing.T, path string) {
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	var (
		p          Policy
		total, bad []float64
		evals      int
	)
	reset := func() { p, total, bad = Policy{}, nil, nil }
	sc := bufio.NewScanner(fh)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if i := strings.IndexByte(text, '#'); i >= 0 {
			text = strings.TrimSpace(text[:i])
		}
		if text == "" {
			continue
		}
		f := strings.Fields(text)
		where := path + ":" + strconv.Itoa(line)
		switch f[0] {
		case "---":
			reset()
		case "objective":
			p.Objective = num(t, where, f[1])
		case "period":
			d, err := time.ParseDuration(strings.Replace(f[1], "d", "h", 1))
			if err != nil {
				t.Fatalf("%s: %v", where, err)
			}
			if strings.HasSuffix(f[1], "d") {
				d *= 24
			}
			p.Period = d
		case "minbad":
			p.MinBad = num(t, where, f[1])
		case "nodata":
			p.NoData = NoData(f[1])
		case "series":
			vals := values(t, where, f[2:])
			if f[1] == "total" {
				total = vals
			} else {
				bad = vals
			}
		case "eval":
			m, err := time.ParseDuration(f[1])
			if err != nil {
				t.Fatalf("%s: %v", where, err)
			}
			n := int(m / time.Minute)
			if n > len(total) {
				t.Fatalf("%s: eval past the series (%d minutes)", where, len(total))
			}
			s := make(Series, n)
			for i := 0; i < n; i++ {
				b := 0.0
				if i < len(bad) {
					b = bad[i]
				}
				s[i] = Minute{Good: total[i] - b, Total: total[i]}
			}
			got := Evaluate(p, s)
			if got.Status != f[2] {
				t.Errorf("%s: at %s status %s, want %s (windows %+v)", where, f[1], got.Status, f[2], got.Windows)
			}
			evals++
		default:
			t.Fatalf("%s: unknown command %q", where, f[0])
		}
	}
	if evals == 0 {
		t.Fatal("no eval lines")
	}
}

func num(t *testing.T, where, s string) float64 {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	return v
}

func values(t *testing.T, where string, fields []string) []float64 {
	var out []float64
	for _, f := range fields {
		v, k := f, "1"
		if i := strings.IndexByte(f, 'x'); i >= 0 {
			v, k = f[:i], f[i+1:]
		}
		n, err := strconv.Atoi(k)
		if err != nil {
			t.Fatalf("%s: %q: %v", where, f, err)
		}
		x := num(t, where, v)
		for j := 0; j < n; j++ {
			out = append(out, x)
		}
	}
	return out
}

func TestWindowsScaleWithThePeriod(t *testing.T) {
	w := Windows(7 * 24 * time.Hour)
	if w[0].Factor != 14.4 || w[0].Long != 14*time.Minute || w[0].Short != time.Minute || w[3].Long != 1008*time.Minute {
		t.Errorf("7d windows: %+v", w)
	}
	if Windows(30 * 24 * time.Hour)[1].Long != 6*time.Hour {
		t.Error("30d windows must be the workbook's")
	}
}

func TestBudgetAndForecast(t *testing.T) {
	// 30 days at 1,000 events a minute with 0.05% errors: half the budget
	// of a 99.9% SLO is used; burning at 0.5x, the rest lasts 30 days more.
	s := make(Series, 30*24*60)
	for i := range s {
		s[i] = Minute{Good: 999.5, Total: 1000}
	}
	r := Evaluate(Policy{Objective: 0.999, Period: 30 * 24 * time.Hour}, s)
	if math.Abs(r.BudgetRemaining-0.5) > 1e-9 || math.Abs(r.SLI-0.9995) > 1e-12 || r.Status != "ok" {
		t.Errorf("result %+v", r)
	}
	if r.Exhaustion != 30*24*time.Hour {
		t.Errorf("exhaustion in %v, want 720h", r.Exhaustion)
	}
	// Burning at 0.5x, a day uses 1/60 of the budget.
	if math.Abs(r.BudgetPerDay-1.0/60) > 1e-9 {
		t.Errorf("budget per day %v, want 1/60", r.BudgetPerDay)
	}
}
