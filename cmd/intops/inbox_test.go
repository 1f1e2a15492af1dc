package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/clickhouse"
	"github.com/intops/intops/clickhouse/chtest"
	"github.com/intops/intops/simulate"
)

const inboxEstate = `
apiVersion: intops.dev/v1alpha1
kind: Team
metadata: {name: orders}
spec: {slackChannel: "#orders-alerts", onCall: "@orders-oncall"}
---
apiVersion: intops.dev/v1alpha1
kind: System
metadata: {name: shop}
---
apiVersion: intops.dev/v1alpha1
kind: System
metadata: {name: erp}
---
apiVersion: intops.dev/v1alpha1
kind: Integration
metadata: {name: shop-to-erp-orders}
spec: {source: shop, targets: [erp], owner: orders, mechanism: event, tier: 1}
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: orders-booked}
spec:
  service: shop-to-erp-orders
  indicator:
    metadata: {name: orders-ok}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: intops, spec: {sli: success_ratio}}}
        total: {metricSource: {type: intops, spec: {sli: success_ratio}}}
  timeWindow: [{duration: 7d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.999}]
`

// TestOutageReachesTheInbox: with no Slack token, an outage of a flow
// becomes one incident in the inbox (GET /api/v1/alerts) with its
// timeline, and is acknowledged through the API.
func TestOutageReachesTheInbox(t *testing.T) {
	srv := chtest.Shared(t)
	dsn := srv.NewDatabase(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db, err := clickhouse.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "estate.yaml"), []byte(inboxEstate), 0o644)
	cat, err := catalog.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	prof := &simulate.Profile{Integration: cat.Integration("shop-to-erp-orders"), PeakPerMinute: 300, ErrorRate: 0.0002,
		ErrorMix: map[intops.ErrorClass]float64{intops.ErrorTransient: 1}, MedianLatency: 80 * time.Millisecond, Records: 1,
		Incidents: []simulate.Incident{{Name: "erp down", From: now.Add(-8 * time.Minute), To: now.Add(time.Hour), ErrorRate: 1, Class: intops.ErrorUnavailable}}}
	if _, err := simulate.Backfill(ctx, simulate.NewGenerator([]*simulate.Profile{prof}, 3), db, now.Add(-2*24*time.Hour), now); err != nil {
		t.Fatal(err)
	}
	t.Setenv("INTOPS_SLACK_TOKEN", "")
	port, _ := clickhouse.FreePort()
	ready := make(chan string, 1)
	go serve(ctx, slog.New(slog.DiscardHandler), serverFlags{listen: fmt.Sprintf("127.0.0.1:%d", port), dsn: dsn, catalog: dir,
		spanDays: 14, rollupDays: 400, sloInterval: time.Second, alertInterval: time.Second, anomalyInterval: time.Minute}, ready)
	var base string
	select {
	case addr := <-ready:
		base = "http://" + addr
	case <-time.After(30 * time.Second):
		t.Fatal("server did not start")
	}
	type incident struct {
		ID, Integration, Severity, State, Channel, Delivery string
		AcknowledgedBy                                      string `json:"acknowledged_by"`
		Alerts                                              []struct{ Key, State, Summary string }
		Timeline                                            []struct{ Kind, Text, Actor string }
	}
	var doc struct{ Incidents []incident }
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		getJSON(t, base+"/api/v1/alerts", &doc)
		if len(doc.Incidents) > 0 {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if len(doc.Incidents) != 1 {
		t.Fatalf("want one incident in the inbox, got %+v", doc.Incidents)
	}
	in := doc.Incidents[0]
	// The SLO page and the anomalies of the same outage are one incident.
	var slo string
	for deadline := time.Now().Add(30 * time.Second); slo == "" && time.Now().Before(deadline); {
		for _, a := range in.Alerts {
			if a.Key == "slo/orders-booked" {
				slo = a.Summary
			}
		}
		if slo == "" {
			time.Sleep(500 * time.Millisecond)
			getJSON(t, base+"/api/v1/alerts", &doc)
			in = doc.Incidents[0]
		}
	}
	if len(doc.Incidents) != 1 || in.Integration != "shop-to-erp-orders" || in.Severity != "page" || in.Channel != "#orders-alerts" || in.Delivery != "inbox" ||
		slo == "" || len(in.Timeline) < 2 || in.Timeline[0].Kind != "opened" {
		t.Fatalf("incidents %+v", doc.Incidents)
	}
	t.Logf("inbox: %s %s, %d alerts: %s", in.ID, in.Severity, len(in.Alerts), slo)
	// Acknowledged through the API (JSON; a form post needs a CSRF token).
	resp, err := http.Post(base+"/api/v1/alerts/"+in.ID+"/ack", "application/x-www-form-urlencoded", strings.NewReader("actor=x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a form post without a CSRF token: %d, want 403", resp.StatusCode)
	}
	resp, err = http.Post(base+"/api/v1/alerts/"+in.ID+"/ack", "application/json", bytes.NewReader([]byte(`{"actor":"@ana"}`)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("ack: %d", resp.StatusCode)
	}
	getJSON(t, base+"/api/v1/alerts", &doc)
	in = doc.Incidents[0]
	last := in.Timeline[len(in.Timeline)-1]
	if in.State != "acknowledged" || in.AcknowledgedBy != "@ana" || last.Kind != "acknowledged" || last.Actor != "@ana" {
		t.Errorf("after ack: %+v", in)
	}
	// The maturity report scores the estate and the team from the same
	// platform: one SLO paged and was acknowledged.
	var rep struct {
		Scores []struct {
			Scope    string
			Level    int
			Criteria []struct {
				Measure string
				Value   float64
				Known   bool
			}
		}
	}
	getJSON(t, base+"/api/v1/reports/maturity", &rep)
	if len(rep.Scores) != 2 || rep.Scores[0].Scope != "estate" || rep.Scores[1].Scope != "orders" || rep.Scores[0].Level < 1 {
		t.Fatalf("maturity %+v", rep)
	}
	measured := map[string]float64{}
	for _, c := range rep.Scores[0].Criteria {
		if c.Known {
			measured[c.Measure] = c.Value
		}
	}
	if measured["owner_share"] != 1 || measured["emitting_share"] != 1 || measured["slo_coverage_tier12"] != 1 {
		t.Errorf("measured %v", measured)
	}
}

// TestSlackEndpointsNeedSignatures: with Slack configured, the server
// mounts /slack/interactions and /slack/commands, and refuses unsigned or
// badly signed requests.
func TestSlackEndpointsNeedSignatures(t *testing.T) {
	srv := chtest.Shared(t)
	dsn := srv.NewDatabase(t)
	fakeSlack := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"ok":true}`))
	}))
	defer fakeSlack.Close()
	t.Setenv("INTOPS_SLACK_TOKEN", "xoxb-test")
	t.Setenv("INTOPS_SLACK_SIGNING_SECRET", "s3cret")
	t.Setenv("INTOPS_SLACK_API_URL", fakeSlack.URL+"/")
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "estate.yaml"), []byte(inboxEstate), 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	port, _ := clickhouse.FreePort()
	ready := make(chan string, 1)
	go serve(ctx, slog.New(slog.DiscardHandler), serverFlags{listen: fmt.Sprintf("127.0.0.1:%d", port), dsn: dsn, catalog: dir,
		spanDays: 14, rollupDays: 400}, ready)
	var base string
	select {
	case addr := <-ready:
		base = "http://" + addr
	case <-time.After(30 * time.Second):
		t.Fatal("server did not start")
	}
	for _, path := range []string{"/slack/interactions", "/slack/commands"} {
		req, _ := http.NewRequest("POST", base+path, strings.NewReader("payload=%7B%7D"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Slack-Request-Timestamp", fmt.Sprint(time.Now().Unix()))
		req.Header.Set("X-Slack-Signature", "v0=0000000000000000000000000000000000000000000000000000000000000000")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s with a bad signature: %d, want 401", path, resp.StatusCode)
		}
	}
}
