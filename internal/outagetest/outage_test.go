package outagetest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/alerting"
	"github.com/intops/intops/analyzer/slo"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/clickhouse"
	"github.com/intops/intops/internal/testtier"
)

const estateDir = "../../examples/estate"

// TestDemoCollectorOutage runs `intops demo` on a quiet estate (no
// simulated incidents) and stops its collector for ten minutes, the
// simulator keeping what it cannot send. intops must open exactly one
// ingest incident, for the platform team, and no incident of any
// integration, neither in the gap nor once the collector is back and the
// late spans arrive (the held alerts resolve and are dropped, none is let
// through when the grace ends); the gap's minutes hold their spans
// afterwards (nothing lost), and no SLO's error budget moves by the gap:
// in it, silence counts as its no-data policy says; after it, the budget
// is what it was.
func TestDemoCollectorOutage(t *testing.T) {
	testtier.NeedsServer(t, "a managed ClickHouse, the collector and the server (intops demo)")
	if _, _, err := clickhouse.ServerBinary(); err != nil {
		t.Fatal(err) // loud, never a skip: make test installs it
	}
	const (
		after  = 1 * time.Minute  // live traffic before the collector stops
		outage = 10 * time.Minute // how long it is stopped
		grace  = 3 * time.Minute  // --inhibit-grace
	)
	work := t.TempDir()
	d := startDemo(t, work, "--incidents=false",
		"--collector-outage", outage.String(), "--collector-outage-after", after.String(), "--inhibit-grace", grace.String())
	cat, err := catalog.Load(estateDir)
	if err != nil {
		t.Fatal(err)
	}

	// Before: the SLOs as evaluated last before the stop.
	var before map[string]sloState
	stop, ok := d.waitLog("collector stopped for the demo's outage", after+3*time.Minute, func() {
		if s, err := d.slos(); err == nil && len(s) > 0 {
			before = s
		}
	})
	if !ok || before == nil {
		t.Fatalf("the collector did not stop for the outage (or no SLO was evaluated before): stopped %v, %d SLOs", ok, len(before))
	}
	t.Logf("collector stopped at %s; %d SLOs evaluated before", stop.Format(time.TimeOnly), len(before))

	// One ingest incident opens within minutes.
	ingest := d.waitIncident(stop.Add(4*time.Minute), func(in incident) bool {
		return in.Integration == alerting.IngestSubject && !in.OpenedAt.Before(stop.Add(-time.Minute))
	})
	if ingest == nil {
		t.Fatalf("no ingest incident within 4 minutes of the collector's stop")
	}
	t.Logf("ingest incident %s opened %s after the stop: %s", ingest.ID, ingest.OpenedAt.Sub(stop).Round(time.Second), ingest.Alerts[0].Summary)
	if ingest.Team != "intops-platform" || ingest.Channel != "#intops-platform" {
		t.Errorf("the ingest incident goes to %s %s, want the platform team's #intops-platform", ingest.Team, ingest.Channel)
	}

	// Late in the gap: silence counts as each SLO's no-data policy says.
	sleepUntil(stop.Add(outage - 45*time.Second))
	during, err := d.slos()
	if err != nil {
		t.Fatal(err)
	}

	restart, ok := d.waitLog("collector started again after the demo's outage", 2*time.Minute, nil)
	if !ok {
		t.Fatal("the collector did not start again")
	}
	resolved := d.waitIncident(restart.Add(4*time.Minute), func(in incident) bool {
		return in.ID == ingest.ID && in.State == "resolved"
	})
	if resolved == nil {
		t.Fatalf("the ingest incident was not resolved within 4 minutes of the collector's restart")
	}
	t.Logf("collector back at %s, ingest incident resolved %s later", restart.Format(time.TimeOnly), resolved.ResolvedAt.Sub(restart).Round(time.Second))

	// After: the late spans are in, the evaluators have seen them, and no
	// alert is held any more (those that resolved were dropped; one still
	// firing after the grace would go through).
	db, err := clickhouse.Open(context.Background(), d.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var holds holdLog
	deadline := restart.Add(grace + 6*time.Minute)
	for {
		holds = d.holds(db, stop.Add(-time.Minute))
		if len(holds.open) == 0 && time.Now().After(restart.Add(4*time.Minute)) || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Second)
	}
	after1, err := d.slos()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("alerts of missing traffic held in the gap: %d, dropped as resolved: %d, let through: %d, still held: %v",
		holds.held, holds.dropped, holds.released, holds.open)
	if len(holds.open) > 0 || holds.released > 0 {
		t.Errorf("held alerts still held %v or let through (%d) after the spans returned: a burst of stale alerts", holds.open, holds.released)
	}

	// Exactly one ingest incident, and no other incident of an
	// integration from the stop on.
	var ingests, others []string
	for _, in := range d.incidents() {
		if in.OpenedAt.Before(stop.Add(-time.Minute)) {
			continue
		}
		switch {
		case in.Integration == alerting.IngestSubject:
			ingests = append(ingests, in.ID)
		case !in.onlyFindings():
			others = append(others, fmt.Sprintf("%s %s (%s): %s", in.ID, in.OpenedAt.Format(time.TimeOnly), in.Integration, in.Title))
		}
	}
	if len(ingests) != 1 || len(others) > 0 {
		t.Errorf("the collector stopped for %s: %d ingest incidents %v and %d incidents of integrations %q; want 1 and 0", outage, len(ingests), ingests, len(others), others)
	}
	for _, n := range resolved.Timeline {
		if strings.Contains(n.Text, "still fire") {
			t.Errorf("the ingest incident's thread says held alerts still fire: %s", n.Text)
		}
	}

	// Nothing lost: every minute of the gap has its spans now.
	checkGapFilled(t, db, stop, restart)

	// Budgets: in the gap, an SLO whose silence is good (or its own
	// status) spent nothing on it; after it, every budget is what it was.
	checkBudgets(t, cat, before, during, after1)
}

// checkGapFilled: each minute of the gap holds at least half the spans of
// the usual minute of the hour before it (the simulator sent what it
// kept once the collector was back).
func checkGapFilled(t *testing.T, db *clickhouse.DB, stop, restart time.Time) {
	t.Helper()
	from := stop.Truncate(time.Minute)
	ms, err := db.EstateMinutes(context.Background(), from.Add(-time.Hour), restart.Truncate(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	// The usual minute: the median of the ten before the stop (the
	// traffic may change at midnight, so the hour before is too far).
	var usual []float64
	for m := from.Add(-10 * time.Minute); m.Before(from); m = m.Add(time.Minute) {
		usual = append(usual, float64(ms[m].Spans))
	}
	sort.Float64s(usual)
	median := usual[len(usual)/2]
	var short []string
	for m := from.Add(time.Minute); m.Before(restart.Truncate(time.Minute)); m = m.Add(time.Minute) {
		if float64(ms[m].Spans) < median/2 {
			short = append(short, fmt.Sprintf("%s: %d", m.Format("15:04"), ms[m].Spans))
		}
	}
	if len(short) > 0 {
		t.Errorf("minutes of the gap short of spans after the collector came back (usually %.0f a minute): %v", median, short)
	}
}

// budgetSlack is how far an SLO's remaining budget may move in the
// minutes around the gap by its own traffic: the events of those minutes
// against the window's (a flow with few events moves further per error).
func budgetSlack(s sloState, def *intops.SLO, minutes float64) float64 {
	if s.Events <= 0 || def.Window.Duration <= 0 {
		return 0.01
	}
	// A tenth of the minutes' events, as errors against the window's
	// allowed errors.
	perMinute := s.Events / def.Window.Duration.Minutes()
	allowed := s.Events * (1 - def.Objective)
	return max(0.01, min(1, 0.1*perMinute*minutes/max(allowed, 1)))
}

func checkBudgets(t *testing.T, cat *catalog.Catalog, before, during, after map[string]sloState) {
	t.Helper()
	byID := map[string]*intops.SLO{}
	for _, s := range cat.SLOs {
		byID[s.Name] = s
	}
	var bad []string
	checked := 0
	for id, b := range before {
		s, a := byID[id], after[id]
		if s == nil || b.Status == "not_evaluated" || a.Status == "not_evaluated" || a.EvaluatedAt.IsZero() {
			continue
		}
		checked++
		p := slo.PolicyFor(cat, s)
		minutes := a.EvaluatedAt.Sub(b.EvaluatedAt).Minutes()
		slack := budgetSlack(b, s, minutes)
		if diff := math.Abs(a.Budget - b.Budget); diff > slack {
			bad = append(bad, fmt.Sprintf("%s (no data %q): %.4f before, %.4f after (%.0f min)", id, p.NoData, b.Budget, a.Budget, minutes))
		}
		if m, ok := during[id]; ok && p.NoData != slo.NoDataBad && b.Budget-m.Budget > slack {
			bad = append(bad, fmt.Sprintf("%s (no data %q): %.4f before, %.4f in the gap", id, p.NoData, b.Budget, m.Budget))
		}
	}
	t.Logf("error budgets of %d SLOs checked across the gap", checked)
	if checked == 0 {
		t.Error("no SLO evaluated both before and after the gap")
	}
	if len(bad) > 0 {
		t.Errorf("error budgets moved by the gap beyond their no-data policy:\n  %s", strings.Join(bad, "\n  "))
	}
}

// demo is a running `intops demo`.
type demo struct {
	t    *testing.T
	base string // the API
	dsn  string // its ClickHouse
	log  string // its standard error
}

// startDemo builds intops and runs `intops demo` on free ports under
// work with a day of minutes and a week of hours before them (so that a
// weekend has been seen, whatever the day); it is stopped
// (as by Ctrl-C) when the test ends, and its log printed if it failed.
func startDemo(t *testing.T, work string, args ...string) *demo {
	t.Helper()
	bin := filepath.Join(work, "intops")
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(gobin); err != nil {
		gobin = "go"
	}
	if out, err := exec.Command(gobin, "build", "-o", bin, "github.com/intops/intops/cmd/intops").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ports, err := clickhouse.FreePorts(4)
	if err != nil {
		t.Fatal(err)
	}
	d := &demo{t: t, base: fmt.Sprintf("http://127.0.0.1:%d", ports[0]), log: filepath.Join(work, "demo.log"),
		dsn: (&clickhouse.Local{TCPPort: ports[3]}).DSN("intops")}
	logf, err := os.Create(d.log)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, append([]string{"demo", "--dir", filepath.Join(work, "var"), "--catalog", estateDir,
		"--backfill-days", "1", "--history-days", "8",
		"--listen", fmt.Sprintf("127.0.0.1:%d", ports[0]),
		"--otlp-grpc-port", fmt.Sprint(ports[1]), "--otlp-http-port", fmt.Sprint(ports[2]),
		"--clickhouse-port", fmt.Sprint(ports[3])}, args...)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	// The demo's own settings only: no Slack, receivers or ClickHouse
	// from the environment.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "INTOPS_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("demo ended with %v", err)
			}
		case <-time.After(90 * time.Second):
			_ = cmd.Process.Kill()
			t.Error("demo did not stop within 90s of Ctrl-C")
		}
		logf.Close()
		if t.Failed() {
			d.printLog()
		}
	})
	return d
}

// printLog prints the demo's log but the simulator's and gRPC's repeats.
func (d *demo) printLog() {
	b, err := os.ReadFile(d.log)
	if err != nil {
		return
	}
	var keep []string
	for _, l := range strings.Split(string(b), "\n") {
		if !strings.Contains(l, "grpc_log") {
			keep = append(keep, l)
		}
	}
	d.t.Logf("demo log:\n%s", strings.Join(keep[max(0, len(keep)-80):], "\n"))
}

// waitLog waits up to wait for a line of the demo's log with msg, calling
// each (when set) every few seconds meanwhile; it returns the line's time.
func (d *demo) waitLog(msg string, wait time.Duration, each func()) (time.Time, bool) {
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		if at, ok := d.logged(msg); ok {
			return at, true
		}
		if each != nil {
			each()
		}
		time.Sleep(3 * time.Second)
	}
	return time.Time{}, false
}

func (d *demo) logged(msg string) (time.Time, bool) {
	f, err := os.Open(d.log)
	if err != nil {
		return time.Time{}, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		l := sc.Text()
		if !strings.Contains(l, `msg="`+msg+`"`) {
			continue
		}
		if ts, _, ok := strings.Cut(strings.TrimPrefix(l, "time="), " "); ok {
			if at, err := time.Parse(time.RFC3339Nano, ts); err == nil {
				return at, true
			}
		}
	}
	return time.Time{}, false
}

func sleepUntil(t time.Time) { time.Sleep(time.Until(t)) }

func (d *demo) get(path string, v any) error {
	resp, err := http.Get(d.base + path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// sloState is an SLO of /api/v1/slos.
type sloState struct {
	Status      string
	Budget      float64
	Events      float64
	EvaluatedAt time.Time
}

func (d *demo) slos() (map[string]sloState, error) {
	var doc struct {
		SLOs []struct {
			ID          string  `json:"id"`
			Status      string  `json:"status"`
			Budget      float64 `json:"budget_remaining"`
			Events      float64 `json:"events"`
			EvaluatedAt string  `json:"evaluated_at"`
		} `json:"slos"`
	}
	if err := d.get("/api/v1/slos", &doc); err != nil {
		return nil, err
	}
	out := map[string]sloState{}
	for _, s := range doc.SLOs {
		at, err := time.Parse(time.RFC3339, s.EvaluatedAt)
		if err != nil {
			continue // not evaluated yet
		}
		out[s.ID] = sloState{Status: s.Status, Budget: s.Budget, Events: s.Events, EvaluatedAt: at}
	}
	return out, nil
}

// incident is an incident of /api/v1/alerts.
type incident struct {
	ID, Integration, Title, Team, Channel, State string
	OpenedAt                                     time.Time `json:"opened_at"`
	ResolvedAt                                   time.Time `json:"resolved_at"`
	Alerts                                       []struct{ Key, Source, Summary string }
	Timeline                                     []struct{ Kind, Text string }
}

// onlyFindings: an incident of the estate's findings (shadow and unowned
// integrations, for the ICoE), not of an integration's traffic.
func (in incident) onlyFindings() bool {
	for _, a := range in.Alerts {
		if a.Source != "finding" {
			return false
		}
	}
	return len(in.Alerts) > 0
}

func (d *demo) incidents() []incident {
	var doc struct{ Incidents, Recent []incident }
	if err := d.get("/api/v1/alerts?since=3h", &doc); err != nil {
		d.t.Fatal(err)
	}
	return append(doc.Incidents, doc.Recent...)
}

// waitIncident polls the incidents until one matches or the deadline.
func (d *demo) waitIncident(deadline time.Time, match func(incident) bool) *incident {
	for {
		for _, in := range d.incidents() {
			if match(in) {
				return &in
			}
		}
		if time.Now().After(deadline) {
			return nil
		}
		time.Sleep(5 * time.Second)
	}
}

// holdLog sums the alerting log's holds: alerts held while intops was
// blind, and what became of them.
type holdLog struct {
	held, dropped, released int
	open                    []string // held, not yet let go
}

func (d *demo) holds(db *clickhouse.DB, since time.Time) holdLog {
	es, err := db.QueryLog(context.Background(), intops.LogFilter{Stream: "incident", Since: since})
	if err != nil {
		d.t.Fatal(err)
	}
	var h holdLog
	open := map[string]bool{}
	for _, e := range es {
		var ev struct {
			Kind     string `json:"kind"`
			AlertKey string `json:"alert_key"`
			Text     string `json:"text"`
		}
		if err := json.Unmarshal([]byte(e.Body), &ev); err != nil {
			d.t.Fatalf("alerting log entry %d: %v", e.Seq, err)
		}
		switch ev.Kind {
		case "held":
			if !open[ev.AlertKey] {
				h.held++
			}
			open[ev.AlertKey] = true
		case "released":
			delete(open, ev.AlertKey)
			if strings.HasPrefix(ev.Text, "dropped") {
				h.dropped++
			} else {
				h.released++
			}
		}
	}
	for k := range open {
		h.open = append(h.open, k)
	}
	slices.Sort(h.open)
	return h
}
