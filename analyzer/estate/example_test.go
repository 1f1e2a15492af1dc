package estate_test

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/intops/intops/analyzer/estate"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/clickhouse"
	"github.com/intops/intops/simulate"
)

func loadEstate(t *testing.T) *catalog.Catalog {
	t.Helper()
	cat, err := catalog.Load("../../examples/estate")
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// The pairs examples/estate/README.md lists under "Near-duplicates":
// found from the catalog's data, and nothing else.
func TestDemoEstateDuplicatesAreTheREADMEPairs(t *testing.T) {
	fs := estate.Duplicates(loadEstate(t), nil)
	want := map[string]struct {
		relation string
		severity estate.Severity
	}{
		"duplicate:crm-to-marketo-accounts,crm-to-marketo-contacts":          {"overlap", estate.SeverityWarning},
		"duplicate:crm-to-erp-customers,crm-to-erp-customers-nightly":        {"replacement", estate.SeverityInfo},
		"duplicate:3pl-to-wms-tracking-events,3pl-to-wms-tracking-polling":   {"replacement", estate.SeverityInfo},
		"duplicate:edi-van-to-oms-fax-orders,edi-van-to-oms-purchase-orders": {"overlap", estate.SeverityWarning},
	}
	if len(fs) != len(want) {
		t.Errorf("%d duplicates, want %d: %v", len(fs), len(want), ids(fs))
	}
	for _, f := range fs {
		w, ok := want[f.ID]
		if !ok {
			t.Errorf("unexpected duplicate: %s", f.Summary)
			continue
		}
		if f.Duplicate.Relation != w.relation || f.Severity != w.severity {
			t.Errorf("%s: %s %s, want %s %s", f.ID, f.Duplicate.Relation, f.Severity, w.relation, w.severity)
		}
		delete(want, f.ID)
	}
	for id := range want {
		t.Errorf("missing %s", id)
	}
	m := byID(t, fs, "duplicate:crm-to-marketo-accounts,crm-to-marketo-contacts")
	if m.Duplicate.SameTeam || !strings.Contains(m.Summary, "crm-to-marketo-accounts (customer-systems) and crm-to-marketo-contacts (marketing-technology)") {
		t.Errorf("cross-team pair: %s", m.Summary)
	}
	if e := byID(t, fs, "duplicate:edi-van-to-oms-fax-orders,edi-van-to-oms-purchase-orders"); !strings.Contains(e.Summary, "edi-van-to-oms-fax-orders is annotated") {
		t.Errorf("zombie and live sibling: %s", e.Summary)
	}
}

type minuteSink struct{ ms []clickhouse.Minute }

func (s *minuteSink) InsertMinutes(_ context.Context, ms []clickhouse.Minute) error {
	s.ms = append(s.ms, ms...)
	return nil
}

// rollUp sums simulated minutes into the rows clickhouse.DB.Traffic reads.
func rollUp(ms []clickhouse.Minute) []clickhouse.TrafficRow {
	type key struct{ id, svc, peer string }
	rows := map[key]*clickhouse.TrafficRow{}
	for _, m := range ms {
		k := key{m.IntegrationID, m.ServiceName, m.PeerService}
		r := rows[k]
		h := m.Minute.Truncate(time.Hour)
		if r == nil {
			r = &clickhouse.TrafficRow{IntegrationID: k.id, ServiceName: k.svc, PeerService: k.peer, FirstSeen: h}
			rows[k] = r
		}
		r.Spans += m.Spans
		r.ErrorSpans += m.ErrorSpans
		r.Executions += m.Executions
		r.Failed += m.Failed
		r.Records += m.Records
		if h.Before(r.FirstSeen) {
			r.FirstSeen = h
		}
		if h.After(r.LastSeen) {
			r.LastSeen = h
		}
	}
	out := make([]clickhouse.TrafficRow, 0, len(rows))
	for _, r := range rows {
		out = append(out, *r)
	}
	return out
}

// A day of the simulated demo estate: the annotated zombie candidates
// carry nothing and are found, and so is the simulator's shadow flow.
func TestSimulatedDemoEstate(t *testing.T) {
	cat := loadEstate(t)
	profiles := simulate.Profiles(cat.Integrations)
	for _, p := range profiles {
		if id := p.Integration.ID; id == "oms-to-erp-catalogue-orders" || id == "edi-van-to-oms-fax-orders" {
			t.Errorf("%s is annotated expected-traffic: none and must get no simulated traffic", id)
		}
	}
	end := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	var sink minuteSink
	g := simulate.NewGenerator(append(profiles, simulate.Shadow()), 7)
	if _, err := simulate.Backfill(context.Background(), g, &sink, end.Add(-24*time.Hour), end); err != nil {
		t.Fatal(err)
	}
	fs := estate.Analyze(cat, rollUp(sink.ms), end, estate.Config{ZombieAfter: 12 * time.Hour})
	byKind := map[estate.Kind][]string{}
	for _, f := range fs {
		byKind[f.Kind] = append(byKind[f.Kind], f.ID)
	}
	for _, k := range estate.Kinds {
		sort.Strings(byKind[k])
	}
	check := func(k estate.Kind, want ...string) {
		t.Helper()
		if strings.Join(byKind[k], " ") != strings.Join(want, " ") {
			t.Errorf("%s: %v\nwant %v", k, byKind[k], want)
		}
	}
	check(estate.KindZombie, "zombie:edi-van-to-oms-fax-orders", "zombie:oms-to-erp-catalogue-orders")
	check(estate.KindShadow, "shadow:marketing-export-script->salesforce-crm")
	// lint's lifecycle.retirement-past: due on 2026-06-30, still in production
	check(estate.KindRetiredWithTraffic, "retired_with_traffic:erp-to-powerbi-sales-cube")
	check(estate.KindDeprecatedWithTraffic, "deprecated_with_traffic:3pl-to-wms-tracking-polling",
		"deprecated_with_traffic:crm-to-erp-customers-nightly", "deprecated_with_traffic:wms-to-erp-stock-dblink",
		"deprecated_with_traffic:zendesk-to-crm-csat-scores")
	check(estate.KindComplexity, "complexity:estate")
	s := byID(t, fs, "shadow:marketing-export-script->salesforce-crm")
	if s.Shadow.TargetSystem != "salesforce-crm" || s.Team != "customer-systems" || s.Volume == 0 {
		t.Errorf("shadow flow %+v", s.Shadow)
	}
	c := byID(t, fs, "complexity:estate").Complexity
	if c.Systems < 41 || c.Connections == 0 || c.Connections >= c.Ceiling || len(c.Hubs) != 3 || c.HubShare <= 0 || c.HubShare > 1 {
		t.Errorf("complexity %+v", c)
	}
	for _, f := range fs {
		t.Logf("%-7s %s", f.Severity, f.Summary)
	}
}
