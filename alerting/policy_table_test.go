package alerting_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/alerting"
	"github.com/intops/intops/alerting/alertingtest"
	"github.com/intops/intops/catalog"
)

// The alerting policy as a table, over the in-memory store (the fast
// tier): routing, tiers, escalation, silences, and a restart that folds
// the same state from the log.
func TestPolicyTable(t *testing.T) {
	cat, err := catalog.Parse("estate.yaml", []byte(estate))
	if err != nil {
		t.Fatal(err)
	}
	type step struct {
		after time.Duration // from the start
		fire  *intops.AlertEvent
		ack   string // an integration whose incident is acknowledged
		sil   *alerting.SilenceRequest
	}
	type want struct {
		integration, team, channel, severity string
		escalated, silenced                  bool
	}
	page := func(integration string) *intops.AlertEvent {
		return &intops.AlertEvent{Key: "slo/" + integration + "-ok", Source: "slo", Integration: integration, Severity: "page", State: "firing", Summary: "burning", Evidence: "{}"}
	}
	warn := func(integration string) *intops.AlertEvent {
		return &intops.AlertEvent{Key: "anomaly/" + integration + "/latency_p95/high", Source: "anomaly", Integration: integration, Severity: "warning",
			State: "firing", Summary: "slow", Evidence: `{"signal":"latency_p95","direction":"high"}`}
	}
	for name, tc := range map[string]struct {
		cfg   alerting.Config
		steps []step
		want  []want
	}{
		"a tier-1 integration's warning is a ticket in its team's channel": {
			steps: []step{{fire: warn("shop-to-erp-orders")}},
			want:  []want{{"shop-to-erp-orders", "orders", "#orders-alerts", "ticket", false, false}},
		},
		"an unowned integration goes to the ICoE": {
			steps: []step{{fire: warn("orphan-feed")}},
			want:  []want{{"orphan-feed", "", "#integration-coe", "warning", false, false}},
		},
		"a team's page channel takes its pages": {
			cfg:   alerting.Config{Overrides: map[string]alerting.TeamRoute{"orders": {PageChannel: "#orders-pages"}}},
			steps: []step{{fire: page("erp-to-shop-stock")}},
			want:  []want{{"erp-to-shop-stock", "orders", "#orders-pages", "page", false, false}},
		},
		"an unacknowledged page escalates after 15 minutes": {
			steps: []step{{fire: page("erp-to-shop-stock")}, {after: 16 * time.Minute}},
			want:  []want{{"erp-to-shop-stock", "orders", "#orders-alerts", "page", true, false}},
		},
		"an acknowledged page does not escalate": {
			steps: []step{{fire: page("erp-to-shop-stock")}, {after: 5 * time.Minute, ack: "erp-to-shop-stock"}, {after: 30 * time.Minute}},
			want:  []want{{"erp-to-shop-stock", "orders", "#orders-alerts", "page", false, false}},
		},
		"a team's escalation delay is its own": {
			cfg:   alerting.Config{Overrides: map[string]alerting.TeamRoute{"orders": {EscalateAfter: time.Hour}}},
			steps: []step{{fire: page("erp-to-shop-stock")}, {after: 30 * time.Minute}},
			want:  []want{{"erp-to-shop-stock", "orders", "#orders-alerts", "page", false, false}},
		},
		"a system's silence covers its integrations": {
			steps: []step{{sil: &alerting.SilenceRequest{System: "erp", Duration: time.Hour, Reason: "upgrade", Creator: "@basis"}},
				{after: time.Minute, fire: page("erp-to-shop-stock")}},
			want: []want{{"erp-to-shop-stock", "orders", "#orders-alerts", "page", false, true}},
		},
		"a team's silence leaves other teams alone": {
			steps: []step{{sil: &alerting.SilenceRequest{Team: "orders", Duration: time.Hour, Reason: "game day", Creator: "@ana"}},
				{after: time.Minute, fire: warn("orphan-feed")}},
			want: []want{{"orphan-feed", "", "#integration-coe", "warning", false, false}},
		},
		"the ingest watchdog's alert is the platform team's": {
			steps: []step{{fire: &intops.AlertEvent{Key: "ingest/estate", Source: alerting.IngestSource, Integration: alerting.IngestSubject,
				Severity: "page", State: "firing", Summary: "no spans", Evidence: "{}"}}},
			want: []want{{alerting.IngestSubject, "intops-platform", "#intops-platform", "page", false, false}},
		},
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			store := &alertingtest.Store{}
			start := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
			now := start
			newManager := func() *alerting.Manager {
				return &alerting.Manager{Store: store, Catalog: func() *catalog.Catalog { return cat }, Now: func() time.Time { return now }, Config: tc.cfg}
			}
			m := newManager()
			for _, s := range tc.steps {
				now = start.Add(s.after)
				switch {
				case s.fire != nil:
					e := *s.fire
					e.At = now
					if err := store.AppendAlertEvents(ctx, []intops.AlertEvent{e}); err != nil {
						t.Fatal(err)
					}
				case s.sil != nil:
					if _, err := m.Silence(ctx, *s.sil); err != nil {
						t.Fatal(err)
					}
				case s.ack != "":
					open, _, _ := m.Incidents(ctx, start)
					for _, in := range open {
						if in.Integration == s.ack {
							if err := m.Acknowledge(ctx, in.ID, "@on-call"); err != nil {
								t.Fatal(err)
							}
						}
					}
				}
				if err := m.Tick(ctx); err != nil {
					t.Fatal(err)
				}
			}
			view := func(m *alerting.Manager) []want {
				open, _, err := m.Incidents(ctx, start)
				if err != nil {
					t.Fatal(err)
				}
				var got []want
				for _, in := range open {
					got = append(got, want{in.Integration, in.Team, in.Channel, in.Severity, in.Escalated, in.Silenced(now)})
				}
				return got
			}
			if got := view(m); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("incidents\n got %+v\nwant %+v", got, tc.want)
			}
			if got := view(newManager()); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("after a restart\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}
