package maturity

import (
	"math"
	"testing"
	"time"

	"github.com/intops/intops/catalog"
	"github.com/intops/intops/clickhouse"
)

func TestGather(t *testing.T) {
	cat, err := catalog.Parse("estate.yaml", []byte(`
apiVersion: intops.dev/v1alpha1
kind: Team
metadata: {name: a}
---
apiVersion: intops.dev/v1alpha1
kind: Team
metadata: {name: b}
---
apiVersion: intops.dev/v1alpha1
kind: System
metadata: {name: s1}
---
apiVersion: intops.dev/v1alpha1
kind: System
metadata: {name: s2}
---
apiVersion: intops.dev/v1alpha1
kind: System
metadata: {name: s3}
---
apiVersion: intops.dev/v1alpha1
kind: Integration
metadata: {name: f1}
spec: {source: s1, targets: [s2], owner: a, businessOwner: x, mechanism: api, tier: 1, contractTest: passing, lifecycle: production}
---
apiVersion: intops.dev/v1alpha1
kind: Integration
metadata: {name: f2}
spec: {source: s2, targets: [s3], owner: a, mechanism: file, tier: 2, lifecycle: production}
---
apiVersion: intops.dev/v1alpha1
kind: Integration
metadata: {name: f3}
spec: {source: s1, targets: [s3], owner: b, mechanism: event, tier: 3, lifecycle: deprecated}
`))
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	ev := Gather(Inputs{
		Catalog:   cat,
		Lint:      []catalog.Finding{{Severity: catalog.SeverityError, Message: `integration "f2": no data steward`}, {Severity: catalog.SeverityWarning, Message: "x"}},
		Traffic:   []clickhouse.TrafficRow{{IntegrationID: "f1", Executions: 10}, {IntegrationID: "f3", Executions: 5}, {ServiceName: "script", PeerService: "s1", Executions: 3}},
		SLOs:      []SLOOutcome{{Integration: "f1", Met: true}, {Integration: "f2", Met: false}},
		Incidents: []IncidentOutcome{{Integration: "f1", Opened: t0, Acked: t0.Add(10 * time.Minute), Resolved: t0.Add(time.Hour), SLOPage: true, AnomalyFirst: true}},
	})
	est, a := ev["estate"], ev["a"]
	for _, c := range []struct {
		got, want float64
		what      string
	}{
		{est["owner_share"], 1, "owner share"},
		{est["business_owner_share"], 1.0 / 3, "business owner share"},
		{est["slo_coverage_tier12"], 1, "tier-1/2 SLO coverage"},
		{est["slo_attainment"], 0.5, "attainment"},
		{est["emitting_share"], 0.5, "emitting (f1 of f1, f2)"},
		{est["api_event_share"], 2.0 / 3, "API/event share"},
		{est["connection_ratio"], 1, "3 pairs of 3 systems"},
		{est["shadow_integrations"], 1, "shadow flows"},
		{est["deprecated_with_traffic"], 1, "f3"},
		{est["lint_errors_per_100"], 100.0 / 3, "lint errors"},
		{est["mtta_minutes"], 10, "MTTA"},
		{est["mttr_hours"], 1, "MTTR"},
		{est["anomaly_first_share"], 1, "anomaly first"},
		{a["lint_errors_per_100"], 50, "team a: f2's error"},
		{a["contract_test_share"], 0.5, "team a contract tests"},
		{ev["b"]["deprecated_with_traffic"], 1, "team b"},
	} {
		if math.Abs(c.got-c.want) > 1e-9 {
			t.Errorf("%s: %v, want %v", c.what, c.got, c.want)
		}
	}
	if _, ok := ev["b"]["mttr_hours"]; ok {
		t.Error("team b had no incident: MTTR must be unknown")
	}
}
