package lease_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/intops/intops/clickhouse/chtest"
	"github.com/intops/intops/internal/lease"
)

func TestMain(m *testing.M) { chtest.Main(m) }

func TestWinner(t *testing.T) {
	at := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	c := func(term uint64, holder string, sec, ttl int) lease.Claim {
		a := at.Add(time.Duration(sec) * time.Second)
		return lease.Claim{Term: term, Holder: holder, At: a, Expires: a.Add(time.Duration(ttl) * time.Second)}
	}
	for _, tc := range []struct {
		name    string
		claims  []lease.Claim
		holder  string
		expires int // seconds after at
	}{
		{"earliest claim wins", []lease.Claim{c(3, "b", 0, 15), c(3, "a", 1, 15)}, "b", 15},
		{"same second: lowest holder", []lease.Claim{c(3, "b", 0, 15), c(3, "a", 0, 15)}, "a", 15},
		{"highest term", []lease.Claim{c(2, "a", 0, 15), c(3, "b", 5, 15)}, "b", 20},
		{"renewals extend", []lease.Claim{c(3, "a", 0, 15), c(3, "b", 0, 15), c(3, "a", 5, 15), c(3, "b", 9, 15)}, "a", 20},
		{"a release ends the term", []lease.Claim{c(3, "a", 0, 15), c(3, "a", 5, 15), c(3, "a", 5, 0)}, "a", 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, exp := lease.Winner(tc.claims)
			if w.Holder != tc.holder || !exp.Equal(at.Add(time.Duration(tc.expires)*time.Second)) {
				t.Errorf("Winner = %s until %s, want %s until +%ds", w.Holder, exp.Format(time.TimeOnly), tc.holder, tc.expires)
			}
		})
	}
}

// watch samples the electors every few milliseconds and fails the test
// when two lead at once.
func watch(t *testing.T, ctx context.Context, es []*lease.Elector) *sync.WaitGroup {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			var leading []string
			for _, e := range es {
				if term, ok := e.Leading(); ok {
					leading = append(leading, fmt.Sprintf("%s (term %d)", e.Holder, term))
				}
			}
			if len(leading) > 1 {
				t.Errorf("two leaders at once: %v", leading)
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	return &wg
}

func leaders(es []*lease.Elector) (out []*lease.Elector) {
	for _, e := range es {
		if e.IsLeading() {
			out = append(out, e)
		}
	}
	return out
}

// TestOneLeaderAndHandOver: three replicas elect exactly one leader; when
// it stops renewing (a crash), another takes the next term within the
// TTL plus the settle time, and never two lead at once; a leader that
// shuts down hands over at once.
func TestOneLeaderAndHandOver(t *testing.T) {
	db := chtest.Shared(t).Open(t)
	if _, err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	leak := goleak.IgnoreCurrent()
	var es []*lease.Elector
	ctxs := map[*lease.Elector]context.CancelFunc{}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var runs sync.WaitGroup
	for _, h := range []string{"replica-a", "replica-b", "replica-c"} {
		e := &lease.Elector{Store: &hangable{Store: db}, Name: "analyzer", Holder: h, URL: "http://" + h, TTL: 4 * time.Second, Settle: time.Second}
		es = append(es, e)
		ectx, ecancel := context.WithCancel(ctx)
		ctxs[e] = ecancel
		runs.Add(1)
		go func() { defer runs.Done(); e.Run(ectx) }()
	}
	w := watch(t, ctx, es)

	waitLeader := func(within time.Duration, not *lease.Elector) *lease.Elector {
		t.Helper()
		deadline := time.Now().Add(within)
		for time.Now().Before(deadline) {
			if l := leaders(es); len(l) == 1 && l[0] != not {
				return l[0]
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatalf("no single new leader within %v", within)
		return nil
	}
	first := waitLeader(10*time.Second, nil)
	term1, _ := first.Leading()
	// Each replica learns who leads at its next election step after the
	// winning claim has settled: within the settle time and a step.
	agreed := time.Now().Add(time.Second + 4*time.Second/3 + time.Second)
	for _, e := range es {
		for {
			l, ok := e.Leader()
			if ok && l.Holder == first.Holder {
				break
			}
			if time.Now().After(agreed) {
				t.Errorf("%s sees leader %q (known %v), want %q", e.Holder, l.Holder, ok, first.Holder)
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	// The leader hangs (a long pause, a partition): it stops renewing
	// without giving the lease up. It stops leading by its own deadline;
	// another takes over after the server-side expiry.
	crashed := time.Now()
	first.Store.(*hangable).hang.Store(true)
	second := waitLeader(4*time.Second+time.Second+6*time.Second, first)
	term2, _ := second.Leading()
	t.Logf("crash hand-over from %s to %s took %v", first.Holder, second.Holder, time.Since(crashed).Round(time.Millisecond))
	if term2 != term1+1 {
		t.Errorf("new term %d, want %d", term2, term1+1)
	}

	// A shutdown gives the lease up: the next leader does not wait for the
	// expiry.
	stopped := time.Now()
	ctxs[second]()
	third := waitLeader(4*time.Second, second)
	if third == first {
		t.Fatalf("the crashed replica leads again")
	}
	t.Logf("shutdown hand-over from %s to %s took %v", second.Holder, third.Holder, time.Since(stopped).Round(time.Millisecond))
	cancel()
	runs.Wait()
	w.Wait()
	// Every elector's work ended with its run (the database's own
	// connections aside).
	goleak.VerifyNone(t, leak, goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"))
}

// hangable is a ClickHouse whose calls can be made to hang until their
// context ends.
type hangable struct {
	lease.Store
	hang atomic.Bool
}

func (h *hangable) ClaimLease(ctx context.Context, name string, term uint64, holder, url string, ttl time.Duration) error {
	if h.hang.Load() {
		<-ctx.Done()
		return ctx.Err()
	}
	return h.Store.ClaimLease(ctx, name, term, holder, url, ttl)
}

func (h *hangable) LeaseClaims(ctx context.Context, name string) (time.Time, []lease.Claim, error) {
	if h.hang.Load() {
		<-ctx.Done()
		return time.Time{}, nil, ctx.Err()
	}
	return h.Store.LeaseClaims(ctx, name)
}
