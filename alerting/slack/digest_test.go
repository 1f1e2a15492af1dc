package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/alerting"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/clickhouse"
	"github.com/intops/intops/clickhouse/chtest"
	"github.com/intops/intops/internal/cron"
	"github.com/intops/intops/report"
)

const digestEstate = e2eEstate + `
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: orders-availability}
spec:
  service: shop-to-erp-orders
  indicator:
    metadata: {name: orders-ok}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: intops, spec: {sli: success_ratio}}}
        total: {metricSource: {type: intops, spec: {sli: success_ratio}}}
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.999}]
`

// TestDigestPostedToSlackWithThePDF runs the digest job against the fake
// Slack API with a fake clock and a real Chromium: when the schedule
// fires the headline is posted to the leaders' channel and the PDF is
// uploaded into its thread (files.getUploadURLExternal, the upload,
// files.completeUploadExternal); nothing is posted twice, and a Slack
// outage only delays the next one.
func TestDigestPostedToSlackWithThePDF(t *testing.T) {
	if _, err := report.FindChromium(); err != nil {
		t.Fatal(err) // loud: make deps installs chromium
	}
	db := chtest.Shared(t).Open(t)
	ctx := context.Background()
	cat, err := catalog.Parse("estate.yaml", []byte(digestEstate))
	if err != nil {
		t.Fatal(err)
	}
	// September and October: 600 orders an hour, 300 failed on 10-10.
	var hs []clickhouse.Minute
	outage := time.Date(2026, 10, 10, 10, 0, 0, 0, time.UTC)
	for h := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC); h.Before(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)); h = h.Add(time.Hour) {
		m := clickhouse.Minute{Minute: h, IntegrationID: "shop-to-erp-orders", Executions: 600, Spans: 1200, Records: 600}
		if h.Equal(outage) {
			m.Failed, m.ByClass = 300, map[intops.ErrorClass]uint64{intops.ErrorUnavailable: 300}
		}
		hs = append(hs, m)
	}
	if err := db.InsertHours(ctx, hs); err != nil {
		t.Fatal(err)
	}
	var now time.Time
	clock := func() time.Time { return now }
	current := func() *catalog.Catalog { return cat }
	svc := &report.Service{Store: db, Catalog: current, Incidents: &alerting.Manager{Store: db, Catalog: current}, Now: clock}
	sched, err := cron.ParseSchedule("0 8 1 * *", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	fake := newFakeSlack(t)
	fake.AddChannel("integration-leaders", "C0LEAD0001")
	d := &report.Digester{Reports: svc, Schedule: sched, Channel: "#integration-leaders", Publisher: fake.notifier(),
		Log: db, Printer: &report.Chromium{}, BaseURL: "https://intops.example.com", Now: clock}
	tick := func(at time.Time) error { now = at; return d.Tick(ctx) }
	if err := tick(time.Date(2026, 11, 1, 7, 59, 0, 0, time.UTC)); err != nil || len(fake.Messages("C0LEAD0001")) != 0 {
		t.Fatalf("before 08:00: %v, %d messages", err, len(fake.Messages("C0LEAD0001")))
	}
	if err := tick(time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	msgs := fake.Messages("C0LEAD0001")
	if len(msgs) != 1 || !strings.Contains(msgs[0].Text, "Integration report, October 2026: 1 of 1 SLOs met (100.0%)") {
		t.Fatalf("messages: %+v", msgs)
	}
	blocks := string(msgs[0].Blocks)
	for _, want := range []string{`"type":"header"`, "Integration report, October 2026", "*SLOs met*", "1 of 1 (100.0%)",
		"https://intops.example.com/reports?period=2026-10", "Worst integration", "67.2% of its budget"} { // 300 failed of 744 × 600
		if !strings.Contains(blocks, want) {
			t.Errorf("the message's blocks lack %q: %s", want, blocks)
		}
	}
	files := fake.Shared("C0LEAD0001")
	if len(files) != 1 || files[0].ThreadTS != msgs[0].TS || files[0].Name != "intops-report-2026-10.pdf" ||
		!bytes.HasPrefix(files[0].Data, []byte("%PDF-")) || files[0].Title != "Integration report, October 2026" {
		t.Fatalf("files shared: %d; want the PDF in the message's thread", len(files))
	}
	t.Logf("digest PDF: %d bytes", len(files[0].Data))
	for _, at := range []time.Time{time.Date(2026, 11, 1, 8, 1, 0, 0, time.UTC), time.Date(2026, 11, 3, 12, 0, 0, 0, time.UTC)} {
		if err := tick(at); err != nil || len(fake.Messages("C0LEAD0001")) != 1 {
			t.Fatalf("at %v: %v, %d messages; want no second post", at, err, len(fake.Messages("C0LEAD0001")))
		}
	}
	// Slack is down at 08:00 on 1 December: posted once it is back.
	fake.SetFail("500")
	if err := tick(time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)); err == nil {
		t.Fatal("a Slack outage must be reported")
	}
	fake.SetFail("")
	if err := tick(time.Date(2026, 12, 1, 8, 2, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	msgs = fake.Messages("C0LEAD0001")
	if len(msgs) != 2 || !strings.Contains(msgs[1].Text, "November 2026") || len(fake.Shared("C0LEAD0001")) != 2 {
		t.Fatalf("after the outage: %d messages, %d files", len(msgs), len(fake.Shared("C0LEAD0001")))
	}
	var calls []string
	for _, m := range fake.Methods() {
		if !strings.HasPrefix(m, "upload/") {
			calls = append(calls, m)
		}
	}
	js, _ := json.Marshal(calls)
	if want := `"files.getUploadURLExternal","files.completeUploadExternal"`; !strings.Contains(string(js), want) {
		t.Errorf("Slack calls %s lack %s", js, want)
	}
}
