package alerting_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/intops/intops/alerting"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/clickhouse/chtest"
)

// sloTargets: the SLO orders-booked names a Slack channel as its alert
// policy's notification target, stock-fresh names PagerDuty (the
// configured receivers: no channel of its own).
const sloTargets = `
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: orders-booked}
spec:
  service: shop-to-erp-orders
  indicator:
    metadata: {name: orders-booked}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: intops, spec: {sli: success_ratio}}}
        total: {metricSource: {type: intops, spec: {sli: success_ratio}}}
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.999}]
  alertPolicies: [{alertPolicyRef: orders-burn}]
---
apiVersion: openslo/v1
kind: AlertPolicy
metadata: {name: orders-burn}
spec:
  conditions:
    - kind: AlertCondition
      metadata: {name: orders-fast}
      spec:
        severity: page
        condition: {kind: burnrate, op: gte, threshold: 14.4, lookbackWindow: 1h, alertAfter: 5m}
  notificationTargets:
    - targetRef: orders-slo-channel
    - targetRef: orders-pager
---
apiVersion: openslo/v1
kind: AlertNotificationTarget
metadata: {name: orders-slo-channel}
spec: {target: "slack:#orders-slo"}
---
apiVersion: openslo/v1
kind: AlertNotificationTarget
metadata: {name: orders-pager}
spec: {target: pagerduty}
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: stock-fresh}
spec:
  service: erp-to-shop-stock
  indicator:
    metadata: {name: stock-fresh}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: intops, spec: {sli: success_ratio}}}
        total: {metricSource: {type: intops, spec: {sli: success_ratio}}}
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.99}]
  alertPolicies:
    - kind: AlertPolicy
      metadata: {name: stock-burn}
      spec:
        conditions:
          - kind: AlertCondition
            metadata: {name: stock-fast}
            spec:
              severity: page
              condition: {kind: burnrate, op: gte, threshold: 14.4, lookbackWindow: 1h, alertAfter: 5m}
        notificationTargets:
          - kind: AlertNotificationTarget
            metadata: {name: stock-pager}
            spec: {target: pagerduty}
`

// posted is a Notifier that keeps what it is asked to post.
type posted struct {
	mu    sync.Mutex
	posts []alerting.Notification
}

func (p *posted) Post(_ context.Context, n alerting.Notification) (alerting.Ref, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.posts = append(p.posts, n)
	return alerting.Ref{Channel: n.Channel, TS: n.ID}, nil
}
func (p *posted) Reply(_ context.Context, root alerting.Ref, n alerting.Notification) (alerting.Ref, error) {
	return root, nil
}
func (p *posted) Update(context.Context, alerting.Ref, alerting.Notification) error { return nil }
func (p *posted) Find(context.Context, string, string, time.Time) (alerting.Ref, bool, error) {
	return alerting.Ref{}, false, nil
}

// TestSLOAlertGoesToItsSlackTarget: the incident of an SLO alert whose
// alert policy names a Slack channel is posted there, before the team's
// channel and its page override; the team still owns it. An SLO whose
// targets name no channel, and other alerts of the integration, go the
// team's way.
func TestSLOAlertGoesToItsSlackTarget(t *testing.T) {
	db := chtest.Shared(t).Open(t)
	ctx := context.Background()
	cat, err := catalog.Parse("estate.yaml", []byte(estate+sloTargets))
	if err != nil {
		t.Fatal(err)
	}
	if got := cat.SLOChannel("orders-booked"); got != "#orders-slo" {
		t.Fatalf("SLOChannel = %q", got)
	}
	c := &clock{time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	slack := &posted{}
	m := &alerting.Manager{Store: db, Catalog: func() *catalog.Catalog { return cat }, Now: c.now, Notifier: slack,
		Config: alerting.Config{Overrides: map[string]alerting.TeamRoute{"orders": {PageChannel: "#orders-pages"}}}}
	fire(t, db, c.add(time.Second), "slo/orders-booked", "shop-to-erp-orders", "page", "firing", "burning 14x")
	if err := m.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	// An hour later, so that it is not taken for the same cause.
	fire(t, db, c.add(time.Hour), "slo/stock-fresh", "erp-to-shop-stock", "page", "firing", "burning 20x")
	if err := m.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		if err := m.DeliverOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	open, _, err := m.Incidents(ctx, c.t.Add(-2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	channels := map[string]string{}
	for _, in := range open {
		channels[in.Integration] = in.Channel + " " + in.Team
	}
	if channels["shop-to-erp-orders"] != "#orders-slo orders" || channels["erp-to-shop-stock"] != "#orders-pages orders" {
		t.Errorf("incident channels and teams: %v", channels)
	}
	slack.mu.Lock()
	defer slack.mu.Unlock()
	var got []string
	for _, n := range slack.posts {
		if !n.Escalation { // the first page, unacknowledged for an hour, escalated to the team's escalation channel
			got = append(got, n.Channel)
		}
	}
	if len(got) != 2 || got[0] != "#orders-slo" || got[1] != "#orders-pages" {
		t.Errorf("posted to %v, want #orders-slo then #orders-pages", got)
	}
}
