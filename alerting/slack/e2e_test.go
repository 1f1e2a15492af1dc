package slack

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/alerting"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/clickhouse"
	"github.com/intops/intops/clickhouse/chtest"
)

func TestMain(m *testing.M) { chtest.Main(m) }

const e2eEstate = `
apiVersion: intops.dev/v1alpha1
kind: Team
metadata: {name: orders}
spec: {slackChannel: "#order-alerts", onCall: "@order-oncall", escalationChannel: "#order-escalation"}
---
apiVersion: intops.dev/v1alpha1
kind: Team
metadata: {name: crm}
spec: {slackChannel: "#crm-alerts"}
---
apiVersion: intops.dev/v1alpha1
kind: Team
metadata: {name: ghosts}
spec: {slackChannel: "#archived-channel"}
---
apiVersion: intops.dev/v1alpha1
kind: System
metadata: {name: shop, title: Webshop}
---
apiVersion: intops.dev/v1alpha1
kind: System
metadata: {name: erp, title: SAP ERP}
---
apiVersion: intops.dev/v1alpha1
kind: Integration
metadata: {name: shop-to-erp-orders, title: Webshop orders to ERP}
spec: {source: shop, targets: [erp], owner: orders, technicalOwner: ana, businessOwner: tom, tier: 1}
---
apiVersion: intops.dev/v1alpha1
kind: Integration
metadata: {name: crm-to-erp-accounts}
spec: {source: erp, targets: [shop], owner: crm}
---
apiVersion: intops.dev/v1alpha1
kind: Integration
metadata: {name: ghost-feed}
spec: {source: erp, targets: [shop], owner: ghosts}
`

type e2e struct {
	t     *testing.T
	db    *clickhouse.DB
	slack *fakeSlack
	cat   *catalog.Catalog
	mu    sync.Mutex
	now   time.Time
}

func newE2E(t *testing.T) *e2e {
	cat, err := catalog.Parse("estate.yaml", []byte(e2eEstate))
	if err != nil {
		t.Fatal(err)
	}
	e := &e2e{t: t, db: chtest.Shared(t).Open(t), slack: newFakeSlack(t), cat: cat, now: time.Now().UTC().Truncate(time.Second)}
	e.slack.AddChannel("order-escalation", "C0ESCAL001")
	e.slack.SetNow(e.now)
	e.slack.SetRetryAfter("1")
	return e
}

func (e *e2e) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *e2e) advance(d time.Duration) {
	e.mu.Lock()
	e.now = e.now.Add(d)
	e.mu.Unlock()
}

func (e *e2e) manager() *alerting.Manager {
	return &alerting.Manager{Store: e.db, Catalog: func() *catalog.Catalog { return e.cat }, Notifier: e.slack.notifier(),
		Now: e.clock, Config: alerting.Config{ICoEChannel: "#integration-coe", EscalateAfter: 15 * time.Minute, RepeatEvery: time.Hour}}
}

func (e *e2e) fire(key, integration, severity, state, summary string) {
	e.t.Helper()
	src := strings.SplitN(key, "/", 2)[0]
	if err := e.db.AppendAlertEvents(context.Background(), []clickhouse.AlertEvent{{At: e.clock(), Key: key, Source: src,
		Integration: integration, Severity: intops.Severity(severity), State: intops.AlertState(state), Summary: summary, Evidence: "{}"}}); err != nil {
		e.t.Fatal(err)
	}
	e.advance(time.Second)
}

// settle ticks the manager and delivers everything queued.
func (e *e2e) settle(m *alerting.Manager) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := m.Tick(ctx); err != nil {
		e.t.Fatal(err)
	}
	for m.Pending() > 0 {
		if err := m.DeliverOnce(ctx); err != nil {
			e.t.Fatal(err)
		}
	}
	for _, r := range m.Receivers {
		for {
			sent, err := m.PageOnce(ctx, r)
			if err != nil {
				e.t.Fatal(err)
			}
			if !sent {
				break
			}
		}
	}
}

// roots and replies of a channel.
func (e *e2e) split(ch string) (roots, replies []fakeMsg) {
	for _, m := range e.slack.Messages(ch) {
		if m.ThreadTS == "" {
			roots = append(roots, m)
		} else {
			replies = append(replies, m)
		}
	}
	return roots, replies
}

func notificationID(m fakeMsg) string {
	var md struct {
		EventPayload struct {
			ID string `json:"notification_id"`
		} `json:"event_payload"`
	}
	_ = json.Unmarshal(m.Metadata, &md)
	return md.EventPayload.ID
}

// TestSlackIncidentLifecycle: routing to the owner's channel, one thread
// per incident, dedup, reminders, escalation, the root edited on
// acknowledgement and resolution, a permanent error routed to the ICoE.
func TestSlackIncidentLifecycle(t *testing.T) {
	e := newE2E(t)
	m := e.manager()
	e.fire("slo/orders-booked", "shop-to-erp-orders", "page", "firing", "SLO orders-booked burning 14.4x over 1h")
	e.settle(m)
	roots, _ := e.split("C0ORDER001")
	if len(roots) != 1 || !strings.Contains(string(roots[0].Blocks), `"action_id":"ack"`) || notificationID(roots[0]) == "" {
		t.Fatalf("root message in #order-alerts: %+v", roots)
	}
	// A second alert of the same integration: a reply in the thread and an
	// edit of the root, not a new message.
	e.fire("anomaly/shop-to-erp-orders/executions/low", "shop-to-erp-orders", "warning", "firing", "executions dropped 40% below normal")
	e.settle(m)
	// The same transition again: nothing.
	calls := len(e.slack.Methods())
	e.fire("slo/orders-booked", "shop-to-erp-orders", "page", "firing", "SLO orders-booked burning 14.4x over 1h")
	e.settle(m)
	if n := len(e.slack.Methods()); n != calls {
		t.Errorf("a duplicate alert made %d Slack calls", n-calls)
	}
	roots, replies := e.split("C0ORDER001")
	if len(roots) != 1 || len(replies) != 1 || replies[0].ThreadTS != roots[0].TS || !strings.Contains(replies[0].Text+string(replies[0].Blocks), "dropped 40%") {
		t.Fatalf("grouping: roots %d, replies %+v", len(roots), replies)
	}
	if !strings.Contains(string(roots[0].Blocks), "dropped 40%") {
		t.Errorf("the root was not edited to show the new alert: %s", roots[0].Blocks)
	}
	// Unacknowledged for 15 minutes: escalated (with the on-call handle).
	e.advance(16 * time.Minute)
	e.settle(m)
	esc := e.slack.Messages("C0ESCAL001")
	if len(esc) != 1 || !strings.Contains(esc[0].Text+string(esc[0].Blocks), "order-oncall") {
		t.Fatalf("escalation: %+v", esc)
	}
	// An hour without news: a reminder in the thread.
	e.advance(time.Hour)
	e.settle(m)
	_, replies = e.split("C0ORDER001")
	if last := replies[len(replies)-1]; !strings.Contains(last.Text+string(last.Blocks), "Still firing") {
		t.Errorf("no reminder: %+v", last)
	}
	// Acknowledged from Slack (the Actions the handler calls): the root
	// shows who, and reminders stop.
	open, _, _ := m.Incidents(context.Background(), e.clock().Add(-time.Hour))
	if err := m.Acknowledge(context.Background(), open[0].ID, "@ana"); err != nil {
		t.Fatal(err)
	}
	e.settle(m)
	roots, _ = e.split("C0ORDER001")
	if !strings.Contains(string(roots[0].Blocks), "@ana") {
		t.Errorf("the root does not show who acknowledged: %s", roots[0].Blocks)
	}
	before := len(e.slack.Messages("C0ORDER001"))
	e.advance(2 * time.Hour)
	e.settle(m)
	if n := len(e.slack.Messages("C0ORDER001")); n != before {
		t.Errorf("%d reminders after the acknowledgement", n-before)
	}
	// Both alerts resolve: the root turns resolved (no buttons) and a
	// final reply gives the duration.
	e.fire("slo/orders-booked", "shop-to-erp-orders", "", "resolved", "no longer burning")
	e.fire("anomaly/shop-to-erp-orders/executions/low", "shop-to-erp-orders", "", "resolved", "back to normal")
	e.settle(m)
	roots, replies = e.split("C0ORDER001")
	if strings.Contains(string(roots[0].Blocks), `"action_id":"ack"`) || !strings.Contains(roots[0].Text+string(roots[0].Blocks), "✅") {
		t.Errorf("resolved root: %s / %s", roots[0].Text, roots[0].Blocks)
	}
	if last := replies[len(replies)-1]; !strings.Contains(last.Text+string(last.Blocks), "Resolved after") {
		t.Errorf("final reply: %+v", last)
	}
	// A team whose channel does not exist: the ICoE channel gets it, and
	// the API shows the failure.
	e.fire("anomaly/ghost-feed/executions/low", "ghost-feed", "warning", "firing", "stopped")
	e.settle(m)
	coe := e.slack.Messages("C0ICOE0001")
	if len(coe) != 1 || !strings.Contains(coe[0].Text+string(coe[0].Blocks), "channel_not_found") {
		t.Fatalf("fallback: %+v", coe)
	}
	open, _, _ = m.Incidents(context.Background(), e.clock().Add(-time.Hour))
	var ghost alerting.IncidentStatus
	for _, in := range open {
		if in.Integration == "ghost-feed" {
			ghost = in
		}
	}
	if ghost.Delivery != "failed: channel_not_found" {
		t.Errorf("ghost delivery %q", ghost.Delivery)
	}
}

// TestSlackOutageLosesNothing: Slack rate-limits, then fails for a while
// (answers lost on the way back included) while alerts keep coming, and
// the server restarts in the middle: afterwards every notification is in
// Slack exactly once, in order.
func TestSlackOutageLosesNothing(t *testing.T) {
	e := newE2E(t)
	m := e.manager()
	// 429 with Retry-After: 1 s, then fine.
	e.slack.SetFail("429")
	e.fire("slo/accounts", "crm-to-erp-accounts", "ticket", "firing", "burning 3x")
	go func() { time.Sleep(1500 * time.Millisecond); e.slack.SetFail("") }()
	t0 := time.Now()
	e.settle(m)
	if roots, _ := e.split("C0CRM00001"); len(roots) != 1 || time.Since(t0) < time.Second {
		t.Fatalf("after 429: %d roots in %v", len(roots), time.Since(t0))
	}
	// Slack down: answers lost (the post lands, the client sees 504), then
	// plain 500s. Alerts keep coming; the first server dies mid-outage.
	e.slack.SetFail("lost")
	ctx1, stop1 := context.WithCancel(context.Background())
	if err := m.Tick(ctx1); err != nil {
		t.Fatal(err)
	}
	for i, s := range []string{"executions dropped 20%", "error rate 5%", "latency 4x"} {
		e.fire("anomaly/shop-to-erp-orders/s"+string(rune('a'+i)), "shop-to-erp-orders", "warning", "firing", s)
		e.fire("anomaly/crm-to-erp-accounts/s"+string(rune('a'+i)), "crm-to-erp-accounts", "warning", "firing", s)
	}
	if err := m.Tick(ctx1); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m.Pending() > 0 && ctx1.Err() == nil {
			_ = m.DeliverOnce(ctx1)
		}
	}()
	time.Sleep(1500 * time.Millisecond)
	e.slack.SetFail("500")
	time.Sleep(1500 * time.Millisecond)
	stop1()
	<-done
	// A new server on the same ClickHouse, while Slack is still down.
	m2 := e.manager()
	ctx2, stop2 := context.WithTimeout(context.Background(), 90*time.Second)
	defer stop2()
	if err := m2.Tick(ctx2); err != nil {
		t.Fatal(err)
	}
	e.fire("slo/orders-booked", "shop-to-erp-orders", "page", "firing", "burning 14x")
	if err := m2.Tick(ctx2); err != nil {
		t.Fatal(err)
	}
	go func() { time.Sleep(2 * time.Second); e.slack.SetFail("") }()
	for m2.Pending() > 0 {
		if err := m2.DeliverOnce(ctx2); err != nil {
			t.Fatal(err)
		}
	}
	// Every outbox notification that posts a message is in Slack once,
	// and the incidents' messages are in outbox order.
	log, err := e.db.ReadLog(context.Background(), "outbox", 0)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	var order []string
	for _, ch := range []string{"C0ORDER001", "C0CRM00001", "C0ESCAL001", "C0ICOE0001"} {
		for _, msg := range e.slack.Messages(ch) {
			seen[notificationID(msg)]++
		}
	}
	posted := 0
	for _, le := range log {
		var n alerting.Notification
		if json.Unmarshal([]byte(le.Body), &n) != nil {
			t.Fatal("bad outbox entry")
		}
		if n.Kind == alerting.KindUpdate {
			continue
		}
		posted++
		if seen[n.ID] != 1 {
			t.Errorf("notification %s (%s %s) is in Slack %d times", n.ID, n.Kind, n.Note, seen[n.ID])
		}
		order = append(order, n.ID)
	}
	// In order: per channel, Slack's timestamps follow the outbox seq.
	for _, ch := range []string{"C0ORDER001", "C0CRM00001"} {
		var ids []string
		for _, msg := range e.slack.Messages(ch) {
			ids = append(ids, notificationID(msg))
		}
		k := 0
		for _, id := range order {
			if k < len(ids) && ids[k] == id {
				k++
			}
		}
		if k != len(ids) {
			t.Errorf("%s: messages out of outbox order: %v", ch, ids)
		}
	}
	t.Logf("%d messages delivered exactly once across a 429, a lost-answer and 500 outage and a restart", posted)
	if posted < 8 {
		t.Errorf("only %d messages posted", posted)
	}
}
