package ui_test

import (
	"strings"
	"testing"
	"time"

	"github.com/intops/intops/catalog"
	"github.com/intops/intops/ui"
	"github.com/intops/intops/ui/internal/uitest"
)

func TestPagesWhenClickHouseIsDown(t *testing.T) {
	cat, err := catalog.Load(uitest.Examples)
	if err != nil {
		t.Fatal(err)
	}
	srv := ui.New(ui.Options{Store: uitest.DownStore{}, Catalog: catalog.Fixed(cat),
		Alerts: uitest.FixedIncidentsErr{}, Now: func() time.Time { return uitest.Now }})
	resp, body := uitest.Get(t, srv, "/")
	if resp.StatusCode != 200 || len(uitest.RowIDs(body)) != len(cat.Integrations) || !strings.Contains(body, "ClickHouse is unavailable") ||
		!strings.Contains(body, "Alerting is unavailable") {
		t.Errorf("estate: %d, %d rows", resp.StatusCode, len(uitest.RowIDs(body)))
	}
	resp, body = uitest.Get(t, srv, "/integrations/shop-to-erp-orders")
	if resp.StatusCode != 200 || !strings.Contains(body, "the chart is empty") || strings.Contains(body, "refused") {
		t.Errorf("integration: %d", resp.StatusCode)
	}
}
