package alerting_test

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/intops/intops/alerting"
	"github.com/intops/intops/alerting/pagerduty"
	"github.com/intops/intops/alerting/pagerduty/pdtest"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/clickhouse/chtest"
)

// inflight counts the requests in flight at once, each held a while.
type inflight struct {
	now, most atomic.Int32
	next      http.RoundTripper
}

func (c *inflight) RoundTrip(r *http.Request) (*http.Response, error) {
	n := c.now.Add(1)
	defer c.now.Add(-1)
	for m := c.most.Load(); n > m && !c.most.CompareAndSwap(m, n); m = c.most.Load() {
	}
	time.Sleep(100 * time.Millisecond)
	return c.next.RoundTrip(r)
}

// The manager restarted again and again while alerts keep coming (as a
// replica losing and winning the lease does): each run returns only once
// its delivery, page and command loops have, so one delivery loop runs
// at a time and nothing is left running at the end.
func TestRunRestartsOneLoopAtATime(t *testing.T) {
	db := chtest.Shared(t).Open(t)
	ctx := context.Background()
	cat, err := catalog.Parse("estate.yaml", []byte(estate))
	if err != nil {
		t.Fatal(err)
	}
	pd := pdtest.New(t)
	counter := &inflight{next: http.DefaultTransport}
	r := pagerduty.New(pdtest.RoutingKey)
	r.URL, r.Client = pd.URL, &http.Client{Transport: counter, Timeout: 10 * time.Second}
	stop := make(chan struct{})
	var load sync.WaitGroup
	load.Go(func() {
		state := "firing"
		for {
			select {
			case <-stop:
				return
			case <-time.After(40 * time.Millisecond):
			}
			sev := "page"
			if state == "resolved" {
				sev = ""
			}
			fire(t, db, time.Now(), "slo/orders-booked", "shop-to-erp-orders", sev, state, "orders booked: "+state)
			state = map[string]string{"firing": "resolved", "resolved": "firing"}[state]
		}
	})
	halt := sync.OnceFunc(func() { close(stop); load.Wait() })
	defer halt()
	leak := goleak.IgnoreCurrent()
	for range 6 {
		m := &alerting.Manager{Store: db, Catalog: func() *catalog.Catalog { return cat }, Interval: 50 * time.Millisecond,
			Receivers: []alerting.Receiver{r}, Leader: func() (uint64, bool) { return 1, true }}
		rctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { m.Run(rctx); close(done) }()
		// End the run while a page is being delivered.
		for deadline := time.Now().Add(10 * time.Second); counter.now.Load() == 0; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("no page delivery within 10s")
			}
		}
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not return within 10s of its end")
		}
		if n := counter.now.Load(); n != 0 {
			t.Fatalf("Run returned with %d page deliveries of its loops still going", n)
		}
	}
	halt()
	if most := counter.most.Load(); most > 1 {
		t.Errorf("%d page deliveries at once: runs overlapped", most)
	}
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	goleak.VerifyNone(t, leak)
}
