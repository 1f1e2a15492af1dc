package ui_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/clickhouse"
	"github.com/intops/intops/clickhouse/chtest"
	"github.com/intops/intops/ui"
)

func TestMain(m *testing.M) { chtest.Main(m) }

func get(t testing.TB, srv http.Handler, path string) (*http.Response, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	body, _ := io.ReadAll(rec.Result().Body)
	return rec.Result(), string(body)
}

func TestIntegrationsAPICountsTheLastHour(t *testing.T) {
	db := chtest.Shared(t).Open(t)
	cat, err := catalog.Load("../examples/estate")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	mk := func(id, integ string, at time.Time, status intops.SpanStatus) intops.FlowSpan {
		return intops.FlowSpan{TraceID: "0102", SpanID: id, Start: at, Duration: time.Second, Status: status,
			IntegrationID: integ, Execution: true, Attribution: intops.AttributedExplicit}
	}
	spans := []intops.FlowSpan{
		mk("1", "shop-to-erp-orders", now.Add(-5*time.Minute), intops.StatusOK),
		mk("2", "shop-to-erp-orders", now.Add(-50*time.Minute), intops.StatusError),
		mk("3", "shop-to-erp-orders", now.Add(-70*time.Minute), intops.StatusOK), // outside the hour
		mk("4", "", now.Add(-time.Minute), intops.StatusOK),
	}
	if err := db.InsertSpans(context.Background(), spans); err != nil {
		t.Fatal(err)
	}
	srv := ui.New(ui.Options{Store: db, Catalog: catalog.Fixed(cat), Now: func() time.Time { return now }})
	resp, body := get(t, srv, "/api/v1/integrations")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("status %d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	var doc struct {
		Integrations []map[string]any   `json:"integrations"`
		Unattributed map[string]float64 `json:"unattributed"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Integrations) != len(cat.Integrations) {
		t.Errorf("%d integrations, want %d", len(doc.Integrations), len(cat.Integrations))
	}
	found := false
	for _, in := range doc.Integrations {
		for _, k := range []string{"id", "name", "owner", "source", "target", "spans_1h", "errors_1h"} {
			if _, ok := in[k]; !ok {
				t.Fatalf("integration lacks %q: %v", k, in)
			}
		}
		if in["id"] == "shop-to-erp-orders" {
			found = true
			if in["spans_1h"] != 2.0 || in["errors_1h"] != 1.0 || in["owner"] != "order-platform" || in["source"] != "commerce-oms" || in["target"] != "sap-erp" {
				t.Errorf("shop-to-erp-orders = %v", in)
			}
		} else if in["spans_1h"] != 0.0 {
			t.Errorf("%v has spans it should not", in["id"])
		}
	}
	if !found {
		t.Error("shop-to-erp-orders missing")
	}
	if doc.Unattributed["spans_1h"] != 1 {
		t.Errorf("unattributed = %v", doc.Unattributed)
	}
	if resp, _ := get(t, srv, "/healthz"); resp.StatusCode != 200 {
		t.Errorf("healthz %d", resp.StatusCode)
	}
	_, metrics := get(t, srv, "/metrics")
	if !strings.Contains(metrics, `intops_http_requests_total{code="200",route="GET /api/v1/integrations"} 1`) {
		t.Errorf("metrics lack the API request:\n%s", metrics)
	}
}

// downStore is a ClickHouse that does not answer.
type downStore struct{}

func (downStore) IntegrationCounts(context.Context, time.Time, time.Time) (map[string]clickhouse.Counts, error) {
	return nil, errors.New("dial tcp 127.0.0.1:9000: connection refused")
}
func (downStore) Minutes(context.Context, []string, time.Time, time.Time) (map[string][]clickhouse.MinuteCounts, error) {
	return nil, errors.New("connection refused")
}
func (downStore) Hours(context.Context, []string, time.Time, time.Time) (map[string][]clickhouse.MinuteCounts, error) {
	return nil, errors.New("connection refused")
}
func (downStore) Ping(context.Context) error { return errors.New("connection refused") }

func TestClickHouseDownIsReportedNotHidden(t *testing.T) {
	srv := ui.New(ui.Options{Store: downStore{}, Catalog: catalog.Fixed(&catalog.Catalog{})})
	if resp, body := get(t, srv, "/healthz"); resp.StatusCode != 503 || !strings.Contains(body, "unreachable") {
		t.Errorf("healthz %d %s", resp.StatusCode, body)
	}
	if resp, body := get(t, srv, "/api/v1/integrations"); resp.StatusCode != 503 || strings.Contains(body, "127.0.0.1") {
		t.Errorf("integrations %d %s", resp.StatusCode, body)
	}
	if resp, _ := get(t, srv, "/api/v1/nothing"); resp.StatusCode != 404 {
		t.Errorf("unknown path %d", resp.StatusCode)
	}
	resp, _ := get(t, srv, "/healthz")
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("security headers missing")
	}
}

// slowCounts is an estateStore whose counts take a while and are counted.
type slowCounts struct {
	estateStore
	reads atomic.Int32
}

func (s *slowCounts) IntegrationCounts(ctx context.Context, from, to time.Time) (map[string]clickhouse.Counts, error) {
	s.reads.Add(1)
	time.Sleep(50 * time.Millisecond)
	return s.estateStore.IntegrationCounts(ctx, from, to)
}

func TestConcurrentRequestsShareTheLastHoursCounts(t *testing.T) {
	cat, err := catalog.Load("../examples/estate")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, in := range cat.All() {
		ids = append(ids, in.ID)
	}
	store := &slowCounts{estateStore: estateStore{ids}}
	now := webNow
	var mu sync.Mutex
	srv := ui.New(ui.Options{Store: store, Catalog: catalog.Fixed(cat), Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }})
	var wg sync.WaitGroup
	for i := 0; i < 32; i++ {
		path := "/"
		if i%2 == 1 {
			path = "/api/v1/integrations"
		}
		wg.Go(func() {
			if resp, body := get(t, srv, path); resp.StatusCode != 200 || !strings.Contains(body, "shop-to-erp-orders") {
				t.Errorf("%s: %d", path, resp.StatusCode)
			}
		})
	}
	wg.Wait()
	if n := store.reads.Load(); n != 1 {
		t.Errorf("32 requests at once read the counts %d times, want once", n)
	}
	mu.Lock()
	now = now.Add(10 * time.Second)
	mu.Unlock()
	_, body := get(t, srv, "/api/v1/integrations")
	if n := store.reads.Load(); n != 2 || !strings.Contains(body, `"to": "2026-11-22T10:30:10Z"`) {
		t.Errorf("10 s later: %d reads; %.300s", n, body)
	}
}

func TestIntegrationsAPIIsNotStaleForAFixedClock(t *testing.T) {
	cat, err := catalog.Load("../examples/estate")
	if err != nil {
		t.Fatal(err)
	}
	store := &slowCounts{estateStore: estateStore{[]string{"shop-to-erp-orders"}}}
	srv := ui.New(ui.Options{Store: store, Catalog: catalog.Fixed(cat), Now: func() time.Time { return webNow }})
	_, before := get(t, srv, "/api/v1/integrations")
	time.Sleep(5100 * time.Millisecond)
	store.estateStore.ids = append(store.estateStore.ids, "wms-to-oms-stock-levels")
	_, after := get(t, srv, "/api/v1/integrations")
	if store.reads.Load() != 2 || before == after {
		t.Errorf("%d reads; the answer did not change after the counts did", store.reads.Load())
	}
}
