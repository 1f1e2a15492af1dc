package ui_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/intops/intops/catalog"
	"github.com/intops/intops/clickhouse/chtest"
	"github.com/intops/intops/ui"
	"github.com/intops/intops/ui/internal/uitest"
)

func TestMain(m *testing.M) { chtest.Main(m) }

func TestClickHouseDownIsReportedNotHidden(t *testing.T) {
	srv := ui.New(ui.Options{Store: uitest.DownStore{}, Catalog: catalog.Fixed(&catalog.Catalog{})})
	if resp, body := uitest.Get(t, srv, "/healthz"); resp.StatusCode != 503 || !strings.Contains(body, "unreachable") {
		t.Errorf("healthz %d %s", resp.StatusCode, body)
	}
	if resp, body := uitest.Get(t, srv, "/api/v1/integrations"); resp.StatusCode != 503 || strings.Contains(body, "127.0.0.1") {
		t.Errorf("integrations %d %s", resp.StatusCode, body)
	}
	if resp, _ := uitest.Get(t, srv, "/api/v1/nothing"); resp.StatusCode != 404 {
		t.Errorf("unknown path %d", resp.StatusCode)
	}
	resp, _ := uitest.Get(t, srv, "/healthz")
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("security headers missing")
	}
}

func TestConcurrentRequestsShareTheLastHoursCounts(t *testing.T) {
	cat, err := catalog.Load(uitest.Examples)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, in := range cat.All() {
		ids = append(ids, in.ID)
	}
	store := &uitest.SlowCounts{EstateStore: uitest.EstateStore{IDs: ids}}
	now := uitest.Now
	var mu sync.Mutex
	srv := ui.New(ui.Options{Store: store, Catalog: catalog.Fixed(cat), Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }})
	var wg sync.WaitGroup
	for i := 0; i < 32; i++ {
		path := "/"
		if i%2 == 1 {
			path = "/api/v1/integrations"
		}
		wg.Go(func() {
			if resp, body := uitest.Get(t, srv, path); resp.StatusCode != 200 || !strings.Contains(body, "shop-to-erp-orders") {
				t.Errorf("%s: %d", path, resp.StatusCode)
			}
		})
	}
	wg.Wait()
	if n := store.Reads.Load(); n != 1 {
		t.Errorf("32 requests at once read the counts %d times, want once", n)
	}
	mu.Lock()
	now = now.Add(10 * time.Second)
	mu.Unlock()
	_, body := uitest.Get(t, srv, "/api/v1/integrations")
	if n := store.Reads.Load(); n != 2 || !strings.Contains(body, `"to": "2026-11-22T10:30:10Z"`) {
		t.Errorf("10 s later: %d reads; %.300s", n, body)
	}
}
