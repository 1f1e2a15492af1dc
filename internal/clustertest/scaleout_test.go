package clustertest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/analyzer/anomaly"
	"github.com/intops/intops/analyzer/slo"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/clickhouse"
	"github.com/intops/intops/clickhouse/chtest"
	"github.com/intops/intops/ingest/ingesttest"
	"github.com/intops/intops/internal/lease"
	"github.com/intops/intops/simulate"
)

// TestMain doubles as a collector process (ingesttest.StartProcess).
func TestMain(m *testing.M) { ingesttest.Main(m, chtest.Main) }

// TestScaleOut runs intops on 2 shards × 2 replicas (ZooKeeper and four
// clickhouse-server processes on loopback): the migrations in cluster
// mode; the same history on the cluster and on a single server gives the
// same SLO and anomaly answers; spans sent through two collector
// processes while a replica is killed mid-stream are all stored, once,
// and on both replicas once the killed one is back.
func TestScaleOut(t *testing.T) {
	ctx := context.Background()
	cl := chtest.StartCluster(t, 2, 2)
	t0 := time.Now()
	cdb, err := clickhouse.Open(ctx, cl.DSN(0, "intops"))
	if err != nil {
		t.Fatal(err)
	}
	defer cdb.Close()
	applied, err := cdb.Migrate(ctx)
	if err != nil {
		t.Fatalf("migrations in cluster mode: %v", err)
	}
	t.Logf("%d migrations applied ON CLUSTER in %v", len(applied), time.Since(t0).Round(time.Millisecond))
	if again, err := cdb.Migrate(ctx); err != nil || len(again) != 0 {
		t.Fatalf("migrations again: applied %v, %v", again, err)
	}
	for _, n := range cl.Nodes {
		tables := queryHTTP(t, n, "SELECT name, engine FROM system.tables WHERE database = 'intops' AND name IN ('flow_spans', 'flow_spans_local', 'flow_rollup_1m_local', 'leases_local') ORDER BY name")
		want := "flow_rollup_1m_local\tReplicatedAggregatingMergeTree\nflow_spans\tDistributed\nflow_spans_local\tReplicatedMergeTree\nleases_local\tReplicatedMergeTree"
		if tables != want {
			t.Fatalf("%s has tables\n%s\nwant\n%s", n.Name(), tables, want)
		}
	}
	single := chtest.Shared(t).Open(t)

	t.Run("same answers as a single server", func(t *testing.T) { sameAnswers(t, cl, cdb, single) })
	t.Run("a replica killed mid-stream", func(t *testing.T) { replicaKilled(t, cl, cdb) })
	t.Run("one leader among servers on different nodes", func(t *testing.T) { oneLeader(t, cl) })
	t.Run("retention and merges on every shard", func(t *testing.T) { retention(t, cl, cdb) })
}

// retention: days older than the retention are dropped from every
// replica of every shard, newer ones kept.
func retention(t *testing.T, cl *chtest.Cluster, cdb *clickhouse.DB) {
	ctx := context.Background()
	now := time.Now().UTC()
	old := now.AddDate(0, 0, -500).Truncate(24 * time.Hour)
	var ms []clickhouse.Minute
	for i := 0; i < 40; i++ { // integrations on both shards
		ms = append(ms, clickhouse.Minute{Minute: old.Add(time.Duration(i) * time.Minute), IntegrationID: fmt.Sprintf("old-flow-%d", i), Executions: 1, Spans: 1})
	}
	if err := cdb.InsertMinutes(ctx, ms); err != nil {
		t.Fatal(err)
	}
	count := func(n *chtest.Node, table string) string {
		return queryHTTP(t, n, "SELECT count() FROM intops."+table+"_local WHERE date = toDate('"+old.Format("2006-01-02")+"')")
	}
	deadline := time.Now().Add(30 * time.Second)
	for count(cl.Nodes[1], "flow_rollup_1m") == "0" || count(cl.Nodes[3], "flow_rollup_1m") == "0" {
		if time.Now().After(deadline) {
			t.Fatal("the old day did not reach the second replicas")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := cdb.Optimize(ctx); !errors.Is(err, clickhouse.ErrOptimizeCluster) {
		t.Errorf("optimize on the cluster: %v, want %v", err, clickhouse.ErrOptimizeCluster)
	}
	dropped, err := cdb.ApplyRetention(ctx, clickhouse.DefaultRetention, now)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"flow_rollup_1m/" + old.Format("20060102"), "flow_rollup_1h/" + old.Format("20060102")}
	if !slices.Equal(dropped, want) {
		t.Errorf("dropped %v, want %v", dropped, want)
	}
	deadline = time.Now().Add(30 * time.Second)
	for {
		var left []string
		for _, n := range cl.Nodes {
			for _, table := range []string{"flow_rollup_1m", "flow_rollup_1h"} {
				if c := count(n, table); c != "0" {
					left = append(left, fmt.Sprintf("%s %s: %s rows", n.Name(), table, c))
				}
			}
		}
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the old day is still there after 30s: %v", left)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if st, err := cdb.CountSpans(ctx); err != nil || st.Rows == 0 {
		t.Errorf("the spans of today are gone (%+v, %v)", st, err)
	}
	t.Logf("dropped %v on every replica", dropped)
}

// oneLeader: three electors, each talking to another server of the
// cluster, agree on one leader through the replicated lease table.
func oneLeader(t *testing.T, cl *chtest.Cluster) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var es []*lease.Elector
	var wg sync.WaitGroup
	for _, node := range []int{0, 2, 3} {
		db, err := clickhouse.Open(ctx, cl.DSN(node, "intops"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		e := &lease.Elector{Store: db, Name: "analyzer", Holder: "replica-" + cl.Nodes[node].Name(), TTL: 4 * time.Second, Settle: time.Second}
		es = append(es, e)
		wg.Add(1)
		go func() { defer wg.Done(); e.Run(ctx) }()
	}
	defer wg.Wait()
	defer cancel()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var leading []string
		agree := true
		for _, e := range es {
			if e.IsLeading() {
				leading = append(leading, e.Holder)
			}
		}
		if len(leading) > 1 {
			t.Fatalf("two leaders at once: %v", leading)
		}
		if len(leading) == 1 {
			for _, e := range es {
				if l, ok := e.Leader(); !ok || l.Holder != leading[0] {
					agree = false
				}
			}
			if agree {
				t.Logf("%s leads; every elector sees it", leading[0])
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no agreed leader within 20s (leading: %v)", leading)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// sameAnswers stores the same simulated history of the demo estate (28
// days of hours, the last day in minutes, with an outage, a credential
// expiry and a drop) in both databases and compares what the SLO and
// anomaly evaluators make of each.
func sameAnswers(t *testing.T, cl *chtest.Cluster, cdb, single *clickhouse.DB) {
	ctx := context.Background()
	cat, err := catalog.Load("../../examples/estate")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Minute)
	profiles := simulate.Profiles(cat.Integrations)
	simulate.Calibrate(profiles, cat)
	// The credential expiry began 30 minutes ago, the drop two hours ago.
	simulate.DemoIncidents(profiles, now.Add(-40*time.Minute))
	for _, p := range profiles {
		if p.Integration.ID == "shop-to-erp-orders" { // and the ERP is down now
			p.Incidents = append(p.Incidents, simulate.Incident{Name: "ERP down", From: now.Add(-25 * time.Minute), To: now.Add(time.Hour), ErrorRate: 1, Class: intops.ErrorUnavailable})
		}
	}
	gen := simulate.NewGenerator(append(profiles, simulate.Shadow()), 7)
	rec := &recorder{}
	split := now.Add(-24 * time.Hour).Truncate(time.Hour)
	if _, err := simulate.BackfillHours(ctx, gen, rec, now.AddDate(0, 0, -28), split, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := simulate.Backfill(ctx, gen, rec, split, now); err != nil {
		t.Fatal(err)
	}
	for name, db := range map[string]*clickhouse.DB{"cluster": cdb, "single server": single} {
		t1 := time.Now()
		if err := rec.writeTo(ctx, db); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		t.Logf("%s: stored %d hours and %d minutes in %v", name, len(rec.hours), len(rec.minutes), time.Since(t1).Round(time.Millisecond))
	}

	// Each integration's rollups are on one shard only: its spans land
	// there and the views run there.
	shards := make([]map[string]bool, 2)
	for i, node := range []*chtest.Node{cl.Nodes[0], cl.Nodes[2]} {
		shards[i] = map[string]bool{}
		for _, id := range strings.Fields(queryHTTP(t, node, "SELECT DISTINCT integration_id FROM intops.flow_rollup_1h_local")) {
			shards[i][id] = true
		}
	}
	for id := range shards[0] {
		if shards[1][id] {
			t.Errorf("the rollups of %s are on both shards", id)
		}
	}
	if len(shards[0]) == 0 || len(shards[1]) == 0 {
		t.Errorf("rollups of %d and %d integrations on the shards: want both used", len(shards[0]), len(shards[1]))
	}
	t.Logf("rollups of %d integrations on shard 1, %d on shard 2, none on both", len(shards[0]), len(shards[1]))

	clock := func() time.Time { return now }
	catf := func() *catalog.Catalog { return cat }
	sloAnswers := func(db *clickhouse.DB) []string {
		ev := &slo.Evaluator{Store: db, Catalog: catf, Now: clock}
		if err := ev.EvaluateOnce(ctx); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, s := range ev.Results() {
			r := s.Result
			line := fmt.Sprintf("%s: %s sli %.9g remaining %.9g consumed %.9g events %.9g", s.SLO.Name, r.Status, r.SLI, r.BudgetRemaining, r.BudgetConsumed, r.Events)
			for _, w := range r.Windows {
				line += fmt.Sprintf(" [%v/%v %.6g %.6g %v]", w.Long, w.Short, w.LongBurn, w.ShortBurn, w.Firing)
			}
			out = append(out, line)
		}
		slices.Sort(out)
		return out
	}
	anomalyAnswers := func(db *clickhouse.DB) []string {
		ev := &anomaly.Evaluator{Store: db, Catalog: catf, Now: clock}
		if err := ev.EvaluateOnce(ctx); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, s := range ev.Open() {
			out = append(out, fmt.Sprintf("%s: %s observed %.6g expected %.6g", s.Key, s.Anomaly.Kind, s.Anomaly.Observed, s.Anomaly.Expected))
		}
		slices.Sort(out)
		return out
	}
	want, got := sloAnswers(single), sloAnswers(cdb)
	if len(want) < 50 || !slices.Equal(got, want) {
		t.Errorf("SLO answers differ: the cluster's\n%s\nthe single server's\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	firing := 0
	for _, l := range want {
		if !strings.Contains(l, ": ok ") {
			firing++
			t.Logf("SLO %s", l[:min(len(l), 110)])
		}
	}
	if firing == 0 {
		t.Error("no SLO fires in the simulated history: the comparison shows little")
	}
	wantA, gotA := anomalyAnswers(single), anomalyAnswers(cdb)
	if len(wantA) == 0 || !slices.Equal(gotA, wantA) {
		t.Errorf("anomaly answers differ: the cluster's\n%s\nthe single server's\n%s", strings.Join(gotA, "\n"), strings.Join(wantA, "\n"))
	}
	for _, l := range wantA {
		t.Logf("anomaly %s", l)
	}
	t.Logf("%d SLOs (%d not ok) and %d anomalies: the same on both", len(want), firing, len(wantA))
}

// recorder keeps a backfill's rows, to store the same rows twice.
type recorder struct {
	mu             sync.Mutex
	minutes, hours []clickhouse.Minute
}

func (r *recorder) InsertMinutes(_ context.Context, ms []clickhouse.Minute) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.minutes = append(r.minutes, ms...)
	return nil
}

func (r *recorder) InsertHours(_ context.Context, hs []clickhouse.Minute) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hours = append(r.hours, hs...)
	return nil
}

func (r *recorder) writeTo(ctx context.Context, db *clickhouse.DB) error {
	for rows, insert := range map[*[]clickhouse.Minute]func(context.Context, []clickhouse.Minute) error{&r.hours: db.InsertHours, &r.minutes: db.InsertMinutes} {
		for i := 0; i < len(*rows); i += 50000 {
			if err := insert(ctx, (*rows)[i:min(i+50000, len(*rows))]); err != nil {
				return err
			}
		}
	}
	return nil
}

// replicaKilled sends spans through two collector processes, each
// writing through another server of the cluster, kills a replica of the
// first shard with SIGKILL mid-stream, goes on sending while it is down,
// then starts it again.
func replicaKilled(t *testing.T, cl *chtest.Cluster, cdb *clickhouse.DB) {
	ctx := context.Background()
	before, err := cdb.CountSpans(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var cols []*ingesttest.Process
	for _, node := range []int{0, 2} {
		cols = append(cols, ingesttest.StartProcess(t, ingesttest.Options{DSN: cl.DSN(node, "intops"), FSync: true, LogLevel: "info"}))
	}
	streams := []*ingesttest.Stream{{}, {}}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i, s := range streams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.Run(t, cols[i].Endpoint, uint64(300+i), 200, 40*time.Millisecond, stop)
		}()
	}
	time.Sleep(5 * time.Second)
	victim := cl.Nodes[1] // s1r2: no collector writes through it; the Distributed tables do
	if err := victim.Kill(); err != nil {
		t.Fatal(err)
	}
	killed := ackedCount(streams)
	t.Logf("%s killed with SIGKILL after %d spans were acknowledged", victim.Name(), killed)
	time.Sleep(8 * time.Second)
	close(stop)
	wg.Wait()
	acked := map[string]bool{}
	sent, fails := 0, 0
	for _, s := range streams {
		ids, n, f := s.Acked()
		for id := range ids {
			acked[id] = true
		}
		sent += n
		fails += f
	}
	if len(acked) <= killed {
		t.Errorf("no span was acknowledged while %s was down (%d before, %d in all)", victim.Name(), killed, len(acked))
	}
	t.Logf("sent %d spans, %d acknowledged (%d while %s was down), %d refused requests", sent, len(acked), len(acked)-killed, victim.Name(), fails)

	// While it is down, its peer answers; what the killed replica had
	// accepted and its peer not yet fetched is back with it.
	missing, twice := stored(t, cdb, acked, before.Rows, 10*time.Second)
	t.Logf("with %s down: %d of %d acknowledged spans queryable, %d twice", victim.Name(), len(acked)-missing, len(acked), twice)
	if err := victim.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s started again", victim.Name())

	// The restarted replica catches up: the replicas of each shard agree.
	// (Until then it answers queries with what it has: Distributed reads
	// pick any replica of a shard.)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		counts := make([]string, len(cl.Nodes))
		queued := 0
		for i, n := range cl.Nodes {
			counts[i] = queryHTTP(t, n, "SELECT count() FROM intops.flow_spans_local")
			q, _ := strconv.Atoi(queryHTTP(t, n, "SELECT queue_size FROM system.replicas WHERE database = 'intops' AND table = 'flow_spans_local'"))
			queued += q
		}
		if queued == 0 && counts[0] == counts[1] && counts[2] == counts[3] {
			t.Logf("rows per replica: %s", strings.Join(counts, ", "))
			if counts[0] == "0" || counts[2] == "0" {
				t.Errorf("a shard holds no spans: %s", strings.Join(counts, ", "))
			}
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("replicas disagree after 2 minutes: %s", strings.Join(counts, ", "))
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	// Every acknowledged span is queryable, through any server; none twice.
	other, err := clickhouse.Open(ctx, cl.DSN(3, "intops"))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	missing, twice = stored(t, other, acked, before.Rows, 2*time.Minute)
	if missing > 0 {
		t.Errorf("%d acknowledged spans are not queryable", missing)
	}
	if twice > 0 {
		t.Errorf("%d acknowledged spans are stored twice", twice)
	}
}

// stored waits until the cluster holds as many new spans as were
// acknowledged (or the time is up), then counts the acknowledged spans
// that are not queryable and those stored more than once.
func stored(t *testing.T, db *clickhouse.DB, acked map[string]bool, before uint64, wait time.Duration) (missing, twice int) {
	t.Helper()
	ctx := context.Background()
	for deadline := time.Now().Add(wait); ; time.Sleep(250 * time.Millisecond) {
		st, err := db.CountSpans(ctx)
		if err != nil {
			t.Errorf("count spans: %v", err)
		}
		if err == nil && st.Rows-before >= uint64(len(acked)) || time.Now().After(deadline) {
			break
		}
	}
	rows, err := db.Spans(ctx, clickhouse.SpanQuery{})
	if err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	for _, r := range rows {
		n[r.SpanID]++
	}
	for id := range acked {
		switch {
		case n[id] == 0:
			missing++
		case n[id] > 1:
			twice++
		}
	}
	return missing, twice
}

func ackedCount(ss []*ingesttest.Stream) int {
	n := 0
	for _, s := range ss {
		n += s.AckedCount()
	}
	return n
}

// queryHTTP runs a query on one server over its HTTP interface and
// returns the answer without its final newline.
func queryHTTP(t *testing.T, n *chtest.Node, q string) string {
	t.Helper()
	resp, err := http.Get("http://127.0.0.1:" + strconv.Itoa(n.HTTPPort) + "/?query=" + url.QueryEscape(q))
	if err != nil {
		t.Fatalf("%s: %v", n.Name(), err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %s: %s", n.Name(), q, b)
	}
	return strings.TrimSuffix(string(b), "\n")
}
