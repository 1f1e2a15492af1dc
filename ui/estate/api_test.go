package estate_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/clickhouse/chtest"
	"github.com/intops/intops/ui"
	"github.com/intops/intops/ui/internal/uitest"
)

func TestIntegrationsAPICountsTheLastHour(t *testing.T) {
	db := chtest.Shared(t).Open(t)
	cat, err := catalog.Load(uitest.Examples)
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
	resp, body := uitest.Get(t, srv, "/api/v1/integrations")
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
	if resp, _ := uitest.Get(t, srv, "/healthz"); resp.StatusCode != 200 {
		t.Errorf("healthz %d", resp.StatusCode)
	}
	_, metrics := uitest.Get(t, srv, "/metrics")
	if !strings.Contains(metrics, `intops_http_requests_total{code="200",route="GET /api/v1/integrations"} 1`) {
		t.Errorf("metrics lack the API request:\n%s", metrics)
	}
}

func TestIntegrationsAPIIsNotStaleForAFixedClock(t *testing.T) {
	cat, err := catalog.Load(uitest.Examples)
	if err != nil {
		t.Fatal(err)
	}
	store := &uitest.SlowCounts{EstateStore: uitest.EstateStore{IDs: []string{"shop-to-erp-orders"}}}
	srv := ui.New(ui.Options{Store: store, Catalog: catalog.Fixed(cat), Now: func() time.Time { return uitest.Now }})
	_, before := uitest.Get(t, srv, "/api/v1/integrations")
	time.Sleep(5100 * time.Millisecond)
	store.EstateStore.IDs = append(store.EstateStore.IDs, "wms-to-oms-stock-levels")
	_, after := uitest.Get(t, srv, "/api/v1/integrations")
	if store.Reads.Load() != 2 || before == after {
		t.Errorf("%d reads; the answer did not change after the counts did", store.Reads.Load())
	}
}
