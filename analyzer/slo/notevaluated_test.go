package slo_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/intops/intops/analyzer/slo"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/clickhouse"
)

// readsStore is a Store that records which integrations are read and has
// no traffic.
type readsStore struct {
	mu   sync.Mutex
	read map[string]bool
}

func (s *readsStore) note(ids []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		s.read[id] = true
	}
}

func (s *readsStore) Minutes(_ context.Context, ids []string, _, _ time.Time) (map[string][]clickhouse.MinuteCounts, error) {
	s.note(ids)
	return map[string][]clickhouse.MinuteCounts{}, nil
}

func (s *readsStore) Rollup(_ context.Context, q clickhouse.RollupQuery) (map[string][]clickhouse.MinuteCounts, error) {
	s.note(q.Integrations)
	return map[string][]clickhouse.MinuteCounts{}, nil
}

func (s *readsStore) LatestAlertStates(context.Context, string) (map[string]clickhouse.AlertEvent, error) {
	return map[string]clickhouse.AlertEvent{}, nil
}

func (s *readsStore) AppendAlertEvents(context.Context, []clickhouse.AlertEvent) error { return nil }

var _ slo.Store = (*readsStore)(nil)

const datadogSLO = `
---
apiVersion: intops.dev/v1alpha1
kind: Integration
metadata: {name: crm-to-erp-accounts}
spec: {source: shop, targets: [erp], owner: ops, mechanism: api, tier: 2}
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: accounts-synced}
spec:
  service: crm-to-erp-accounts
  indicator:
    metadata: {name: accounts-ok}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: Datadog, spec: {query: "sum:sync.ok{*}.as_count()"}}}
        total: {metricSource: {type: Datadog, spec: {query: "sum:sync.all{*}.as_count()"}}}
  timeWindow: [{duration: 30d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.99}]
`

// TestNotEvaluatedSLOIsSkipped: an SLO measured in Datadog stays in the
// catalog; the evaluator neither reads its integration nor reports it,
// and no Prometheus rule is written for it, while the intops SLO beside
// it is evaluated.
func TestNotEvaluatedSLOIsSkipped(t *testing.T) {
	cat, err := catalog.Parse("estate.yaml", []byte(estate+datadogSLO))
	if err != nil {
		t.Fatal(err)
	}
	if len(cat.SLOs) != 2 || cat.SLOs[1].NotEvaluated == "" {
		t.Fatalf("SLOs: %+v", cat.SLOs)
	}
	if _, ok := slo.SLIFor(cat, cat.SLOs[1]); ok {
		t.Error("SLIFor resolves an indicator intops does not evaluate")
	}
	store := &readsStore{read: map[string]bool{}}
	ev := &slo.Evaluator{Store: store, Catalog: func() *catalog.Catalog { return cat },
		Now: func() time.Time { return time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC) }}
	if err := ev.EvaluateOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	res := ev.Results()
	if len(res) != 1 || res[0].SLO.Name != "orders-booked" {
		t.Errorf("results: %+v", res)
	}
	if store.read["crm-to-erp-accounts"] || !store.read["shop-to-erp-orders"] {
		t.Errorf("integrations read: %v", store.read)
	}
	if _, err := ev.History(context.Background(), "accounts-synced", time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)); !errors.Is(err, slo.ErrNotEvaluated) || !strings.Contains(err.Error(), "Datadog") {
		t.Errorf("history of the Datadog SLO: %v", err)
	}
	rules, err := slo.PrometheusRules(cat)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(rules), "accounts-synced") || !strings.Contains(string(rules), "orders-booked") {
		t.Errorf("Prometheus rules:\n%s", rules)
	}
}
