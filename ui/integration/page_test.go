package integration_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/alerting"
	"github.com/intops/intops/clickhouse"
	"github.com/intops/intops/ui"
	"github.com/intops/intops/ui/internal/uitest"
)

// The integration page shows the incidents of a cause it is part of, the
// maintenance windows that cover it, and shades the times intops was
// blind; the map lists the windows with what they cover.
func TestIntegrationPageWindowsGapsAndCauses(t *testing.T) {
	srv, fake, cat := uitest.AlertsServer(t)
	var owned string
	for _, in := range cat.All() {
		if in.Owner == "customer-systems" && in.ID != "shop-to-erp-orders" {
			owned = in.ID
			break
		}
	}
	if owned == "" {
		t.Fatal("no integration of customer-systems in the example estate")
	}
	fake.Mu.Lock()
	fake.Open = append(fake.Open,
		alerting.IncidentStatus{Incident: alerting.Incident{ID: "inc-ingest-1", Integration: alerting.IngestSubject, Members: []string{alerting.IngestSubject},
			Team: "intops-platform", Severity: "page", State: alerting.StateOpen, OpenedAt: uitest.Now.Add(-30 * time.Minute),
			Alerts: []*alerting.AlertView{{Key: "ingest/estate", Source: "ingest", State: "firing", Since: uitest.Now.Add(-32 * time.Minute)}}},
			View: alerting.IncidentView{Title: "intops ingest: no spans from the estate"}},
		alerting.IncidentStatus{Incident: alerting.Incident{ID: "inc-sap-erp-1", Integration: "shop-to-erp-orders", Members: []string{"shop-to-erp-orders", owned},
			Team: "order-platform", Severity: "page", State: alerting.StateOpen, OpenedAt: uitest.Now.Add(-10 * time.Minute)},
			View: alerting.IncidentView{Title: "SAP S/4HANA unavailable: 2 integrations failing with unavailable since 09:50"}})
	fake.Mu.Unlock()

	_, body := uitest.Get(t, srv, "/integrations/"+owned)
	for _, want := range []string{`data-testid="maintenance"`, "CRM upgrade", "In force", "SAP S/4HANA unavailable: 2 integrations", `data-testid="chart-gaps"`, `"gaps":[[`} {
		if !strings.Contains(body, want) {
			t.Errorf("the page of %s lacks %q", owned, want)
		}
	}
	_, body = uitest.Get(t, srv, "/integrations/shop-to-erp-orders")
	if strings.Contains(body, `data-testid="maintenance"`) {
		t.Error("shop-to-erp-orders shows a window of another team")
	}
	_, body = uitest.Get(t, srv, "/map")
	if !strings.Contains(body, `data-testid="map-maintenance"`) || !strings.Contains(body, "CRM upgrade") || !strings.Contains(body, "integrations silenced") {
		t.Error("the map does not list the window in force")
	}
}

func TestIntegrationPage(t *testing.T) {
	srv, _ := uitest.WebServer(t)
	resp, body := uitest.Get(t, srv, "/integrations/shop-to-erp-orders?range=24h")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	for _, want := range []string{"Webshop → ERP orders", "Julia Hoffmann", "Priya Nair", "https://runbooks.example.com/shop-to-erp-orders",
		`id="chart-data"`, "Orders do not reach the ERP", "acknowledged", "the budget runs out", `data-range="24h" aria-current="true"`} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	// the three charts' data: executions, failures by class, latency
	data := uitest.ChartJSON(t, body)
	if len(data.T) != 24*60 || len(data.Executions) != len(data.T) || len(data.P50) != len(data.T) {
		t.Errorf("chart: %d buckets, want %d", len(data.T), 24*60)
	}
	if !slices.Equal(data.Classes, []string{"timeout", "unavailable"}) || len(data.ByClass) != 2 || slices.Max(data.ByClass[0]) == 0 {
		t.Errorf("classes %v", data.Classes)
	}
	if p50, p99 := data.P50[len(data.P50)-1], data.P99[len(data.P99)-1]; p50 == nil || p99 == nil || *p50 < 100 || *p50 > 250 || *p99 < 2000 || *p99 > 5000 {
		t.Errorf("latency p50 %v p99 %v, want 100–250 ms and 2–5 s", p50, p99)
	}
	if strings.Contains(body, `data-testid="rate-limit"`) {
		t.Error("a Rate limiting panel without rate_limit failures")
	}
	if got := strings.Count(body, `data-testid="failed-row"`); got != 20 {
		t.Errorf("%d failed executions, want 20", got)
	}
	if strings.Contains(body, strings.Repeat("x", 201)) || !strings.Contains(body, uitest.FakeTraceID(0)) {
		t.Error("failed executions: message not truncated or trace missing")
	}
	_, body = uitest.Get(t, srv, "/integrations/shop-to-erp-orders?range=24h&trace="+uitest.FakeTraceID(3))
	if got := strings.Count(body, `data-testid="trace-span"`); got != 3 || !strings.Contains(body, "BAPI_SALESORDER_CREATE") ||
		!strings.Contains(body, "depth-2") {
		t.Errorf("trace: %d spans, want 3 (with the unattributed ERP span two levels down)", got)
	}
	for _, bad := range []string{"xyz", strings.Repeat("a", 33), "%3Cscript%3E"} {
		resp, body := uitest.Get(t, srv, "/integrations/shop-to-erp-orders?trace="+bad)
		if resp.StatusCode != 200 || !strings.Contains(body, "Not a trace id") || strings.Contains(body, `data-testid="trace-span"`) {
			t.Errorf("trace=%s: %d", bad, resp.StatusCode)
		}
	}
	for rg, n := range map[string]int{"30d": 30 * 24, "90d": 90 * 24} {
		resp, body := uitest.Get(t, srv, "/integrations/shop-to-erp-orders?range="+rg)
		if d := uitest.ChartJSON(t, body); resp.StatusCode != 200 || len(d.T) != n || d.Step != 3600 {
			t.Errorf("range %s: %d, %d buckets, want %d hours", rg, resp.StatusCode, len(d.T), n)
		}
	}
	if resp, body := uitest.Get(t, srv, "/integrations/no-such-thing"); resp.StatusCode != 404 || !strings.Contains(body, "No integration no-such-thing") {
		t.Errorf("unknown id: %d", resp.StatusCode)
	}
	if resp, body := uitest.Get(t, srv, "/static/htmx.min.js"); resp.StatusCode != 200 || len(body) < 10000 {
		t.Errorf("static htmx: %d, %d bytes", resp.StatusCode, len(body))
	}
}

// rateLimitedStore is the pages' fixture where the ERP rate limits
// shop-to-erp-orders in its busiest minutes.
type rateLimitedStore struct{ uitest.EstateStore }

// Minutes adds 3 rate_limit failures to each of the busiest minutes.
func (s rateLimitedStore) Minutes(ctx context.Context, ids []string, from, to time.Time) (map[string][]clickhouse.MinuteCounts, error) {
	out, err := s.EstateStore.Minutes(ctx, ids, from, to)
	bs := out["shop-to-erp-orders"]
	var busiest uint64
	for _, b := range bs {
		busiest = max(busiest, b.Executions)
	}
	for i := range bs {
		if bs[i].Executions == busiest {
			bs[i].ByClass[intops.ErrorRateLimit.Index()] += 3
			bs[i].Failed += 3
		}
	}
	return out, err
}

// The integration page's Rate limiting panel names the ERP and sets the
// throughput against the rate at which limiting began.
func TestIntegrationPageRateLimit(t *testing.T) {
	srv, _, _ := uitest.AlertsServer(t, func(o *ui.Options) { o.Store = rateLimitedStore{o.Store.(uitest.EstateStore)} })
	_, body := uitest.Get(t, srv, "/integrations/shop-to-erp-orders")
	for _, want := range []string{`data-testid="rate-limit"`, "SAP S/4HANA ERP refuses calls as too many", "minutes in the last 6h had rate_limit failures",
		"Observed limit: about ", "of the rate at which limiting began ("} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}
