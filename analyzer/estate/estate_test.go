package estate_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/intops/intops/analyzer/estate"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/clickhouse"
)

var now = time.Date(2026, 11, 22, 10, 30, 0, 0, time.UTC)

// hoursAgo is the start of the hour n hours before now's.
func hoursAgo(n int) time.Time { return now.Truncate(time.Hour).Add(-time.Duration(n) * time.Hour) }

func parse(t *testing.T, doc string) *catalog.Catalog {
	t.Helper()
	cat, err := catalog.Parse("test.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

const systems = `
apiVersion: intops.dev/v1alpha1
kind: Team
metadata: {name: crm-team}
---
apiVersion: intops.dev/v1alpha1
kind: Team
metadata: {name: erp-team}
---
apiVersion: intops.dev/v1alpha1
kind: System
metadata: {name: salesforce-crm, title: Salesforce CRM}
spec: {owner: crm-team}
---
apiVersion: intops.dev/v1alpha1
kind: System
metadata: {name: sap-erp, title: SAP S/4HANA}
spec: {owner: erp-team}
---
apiVersion: intops.dev/v1alpha1
kind: System
metadata: {name: marketo, title: Marketo}
spec: {owner: crm-team}
`

// integration writes an Integration document; spec is its spec's inner
// lines as flow mappings.
func integration(name, annotations, spec string) string {
	doc := "---\napiVersion: intops.dev/v1alpha1\nkind: Integration\nmetadata:\n  name: " + name + "\n"
	if annotations != "" {
		doc += "  annotations: " + annotations + "\n"
	}
	return doc + "spec: " + spec + "\n"
}

func seen(id string, executions uint64, first, last time.Time) clickhouse.TrafficRow {
	return clickhouse.TrafficRow{IntegrationID: id, Spans: 2 * executions, Executions: executions, FirstSeen: first, LastSeen: last}
}

func shadow(service, peer string, executions uint64, first, last time.Time) clickhouse.TrafficRow {
	return clickhouse.TrafficRow{ServiceName: service, PeerService: peer, Spans: 2 * executions, Executions: executions, FirstSeen: first, LastSeen: last}
}

func ids(fs []estate.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.ID)
	}
	return out
}

func byID(t *testing.T, fs []estate.Finding, id string) estate.Finding {
	t.Helper()
	for _, f := range fs {
		if f.ID == id {
			return f
		}
	}
	t.Fatalf("no finding %s in %v", id, ids(fs))
	return estate.Finding{}
}

func TestShadowFlowsAreGroupedMappedAndDrafted(t *testing.T) {
	cat := parse(t, systems+integration("crm-to-erp", "", "{source: salesforce-crm, targets: [sap-erp], owner: crm-team}"))
	traffic := []clickhouse.TrafficRow{
		seen("crm-to-erp", 100, hoursAgo(48), hoursAgo(0)),
		shadow("marketing-export-script", "salesforce-crm", 30, hoursAgo(200), hoursAgo(5)),
		shadow("marketing-export-script", "salesforce-crm", 12, hoursAgo(300), hoursAgo(100)), // another read, same flow
		shadow("salesforce-crm", "sap-erp.internal.example.com", 0, hoursAgo(3), hoursAgo(2)), // spans only
	}
	traffic[3].Spans = 7
	fs := estate.Shadows(cat, traffic)
	if len(fs) != 2 {
		t.Fatalf("findings %v, want 2 shadow flows", ids(fs))
	}

	f := byID(t, fs, "shadow:marketing-export-script->salesforce-crm")
	if f.Kind != estate.KindShadow || f.Severity != estate.SeverityWarning || f.Integration != "" ||
		f.Volume != 42 || f.VolumeUnit != "executions" || !f.FirstSeen.Equal(hoursAgo(300)) || !f.LastSeen.Equal(hoursAgo(5)) {
		t.Errorf("finding %+v", f)
	}
	d := f.Shadow
	if d.SourceSystem != "" || d.TargetSystem != "salesforce-crm" || d.Executions != 42 || d.Spans != 84 {
		t.Errorf("detail %+v", d)
	}
	if strings.Join(f.Systems, ",") != "salesforce-crm" || f.Team != "crm-team" {
		t.Errorf("systems %v, team %q: want the CRM and its owner", f.Systems, f.Team)
	}
	if !strings.Contains(f.Summary, "marketing-export-script calling salesforce-crm") || !strings.Contains(f.Summary, "42 executions") {
		t.Errorf("summary %q", f.Summary)
	}
	// The draft is a catalog entry the ICoE can load as it is.
	draft, err := catalog.Parse("draft.yaml", []byte(d.DraftEntry))
	if err != nil {
		t.Fatalf("draft does not load: %v\n%s", err, d.DraftEntry)
	}
	in := draft.Integration("marketing-export-script-to-salesforce-crm")
	if in == nil || in.Source != "" || strings.Join(in.Targets, ",") != "salesforce-crm" || in.Owner != "TODO" || len(in.Match) != 1 ||
		len(in.Match[0].Conditions) != 2 || in.Match[0].Conditions[0].Value != "salesforce-crm" || in.Match[0].Conditions[1].Value != "marketing-export-script" {
		t.Errorf("draft integration %+v from\n%s", in, d.DraftEntry)
	}
	if !strings.Contains(d.DraftEntry, "# source: TODO") {
		t.Errorf("draft does not say the source is to be found:\n%s", d.DraftEntry)
	}

	// Both ends mapped: the peer by its id followed by a host suffix.
	g := byID(t, fs, "shadow:salesforce-crm->sap-erp.internal.example.com")
	if g.Shadow.SourceSystem != "salesforce-crm" || g.Shadow.TargetSystem != "sap-erp" || g.Volume != 7 || g.VolumeUnit != "spans" ||
		strings.Join(g.Systems, ",") != "salesforce-crm,sap-erp" || g.Team != "erp-team" {
		t.Errorf("mapped flow %+v %+v", g, g.Shadow)
	}
	draft, err = catalog.Parse("draft.yaml", []byte(g.Shadow.DraftEntry))
	if err != nil {
		t.Fatal(err)
	}
	if in := draft.Integration("salesforce-crm-to-sap-erp"); in == nil || in.Source != "salesforce-crm" || in.Target() != "sap-erp" {
		t.Errorf("draft %+v\n%s", in, g.Shadow.DraftEntry)
	}
}

func TestNoShadowWithoutUnattributedTraffic(t *testing.T) {
	cat := parse(t, systems)
	if fs := estate.Shadows(cat, []clickhouse.TrafficRow{seen("crm-to-erp", 5, hoursAgo(2), hoursAgo(1))}); len(fs) != 0 {
		t.Errorf("shadows %v from attributed traffic", ids(fs))
	}
	if fs := estate.Shadows(cat, []clickhouse.TrafficRow{shadow("x", "y", 0, time.Time{}, time.Time{})}); len(fs) != 0 {
		t.Errorf("shadows %v from an empty row", ids(fs))
	}
}

func TestShadowSystemsMatchByTitle(t *testing.T) {
	cat := parse(t, systems)
	fs := estate.Shadows(cat, []clickhouse.TrafficRow{shadow("Salesforce CRM", "sap", 1, hoursAgo(1), hoursAgo(1))})
	if len(fs) != 1 || fs[0].Shadow.SourceSystem != "salesforce-crm" || fs[0].Shadow.TargetSystem != "" {
		t.Errorf("%+v", fs)
	}
}

const lifecycles = systems +
	`---
apiVersion: intops.dev/v1alpha1
kind: Integration
metadata: {name: recent}
spec: {source: salesforce-crm, targets: [sap-erp], owner: crm-team, tier: 2}
---
apiVersion: intops.dev/v1alpha1
kind: Integration
metadata: {name: silent-ten-days}
spec: {source: salesforce-crm, targets: [sap-erp], owner: crm-team, tier: 1}
---
apiVersion: intops.dev/v1alpha1
kind: Integration
metadata: {name: never-seen}
spec: {source: sap-erp, targets: [salesforce-crm], owner: erp-team, tier: 3}
---
apiVersion: intops.dev/v1alpha1
kind: Integration
metadata:
  name: switched-off-in-theory
  annotations: {intops.dev/expected-traffic: "none"}
spec: {source: sap-erp, targets: [marketo], owner: erp-team}
---
apiVersion: intops.dev/v1alpha1
kind: Integration
metadata:
  name: annotated-but-running
  annotations: {intops.dev/expected-traffic: "none"}
spec: {source: sap-erp, targets: [marketo], owner: erp-team}
---
apiVersion: intops.dev/v1alpha1
kind: Integration
metadata: {name: in-design}
spec: {source: sap-erp, targets: [marketo], lifecycle: design}
---
apiVersion: intops.dev/v1alpha1
kind: Integration
metadata: {name: retired-quiet}
spec: {source: sap-erp, targets: [marketo], lifecycle: retired}
---
apiVersion: intops.dev/v1alpha1
kind: Integration
metadata: {name: retired-running}
spec: {source: sap-erp, targets: [marketo], lifecycle: retired, owner: erp-team}
---
apiVersion: intops.dev/v1alpha1
kind: Integration
metadata: {name: overdue-running}
spec: {source: sap-erp, targets: [marketo], retirement: "2026-06-30", owner: erp-team}
---
apiVersion: intops.dev/v1alpha1
kind: Integration
metadata: {name: overdue-stopped}
spec: {source: sap-erp, targets: [marketo], retirement: "2026-06-30", owner: erp-team}
---
apiVersion: intops.dev/v1alpha1
kind: Integration
metadata: {name: deprecated-replaced}
spec: {source: salesforce-crm, targets: [marketo], lifecycle: deprecated, replacedBy: recent, retirement: "2027-01-31"}
---
apiVersion: intops.dev/v1alpha1
kind: Integration
metadata: {name: deprecated-orphan}
spec: {source: salesforce-crm, targets: [marketo], lifecycle: deprecated}
---
apiVersion: intops.dev/v1alpha1
kind: Integration
metadata: {name: deprecated-quiet}
spec: {source: salesforce-crm, targets: [marketo], lifecycle: deprecated, replacedBy: recent}
`

var lifecycleTraffic = []clickhouse.TrafficRow{
	seen("recent", 500, hoursAgo(700), hoursAgo(0)),
	seen("silent-ten-days", 80, hoursAgo(700), hoursAgo(240)),
	seen("annotated-but-running", 3, hoursAgo(30), hoursAgo(20)),
	seen("retired-running", 9, hoursAgo(100), hoursAgo(1)),
	seen("overdue-running", 40, hoursAgo(100), hoursAgo(3)),
	seen("overdue-stopped", 40, hoursAgo(700), hoursAgo(500)),
	seen("deprecated-replaced", 20, hoursAgo(100), hoursAgo(6)),
	seen("deprecated-orphan", 20, hoursAgo(100), hoursAgo(6)),
	seen("deprecated-quiet", 20, hoursAgo(700), hoursAgo(400)),
}

func TestZombies(t *testing.T) {
	cat := parse(t, lifecycles)
	fs := estate.Zombies(cat, lifecycleTraffic, now, 0) // the default: 7 days
	want := "zombie:never-seen zombie:overdue-stopped zombie:silent-ten-days zombie:switched-off-in-theory"
	if got := strings.Join(sortedIDs(fs), " "); got != want {
		t.Fatalf("zombies %s\nwant    %s", got, want)
	}
	f := byID(t, fs, "zombie:silent-ten-days")
	if f.Severity != estate.SeverityError || f.Team != "crm-team" || f.Integration != "silent-ten-days" || f.Volume != 80 ||
		f.Zombie.SilentDays == nil || *f.Zombie.SilentDays != 10 || f.Zombie.ThresholdDays != 7 || !f.LastSeen.Equal(hoursAgo(240)) {
		t.Errorf("tier-1 zombie silent for ten days: %+v %+v", f, f.Zombie)
	}
	n := byID(t, fs, "zombie:never-seen")
	if n.Severity != estate.SeverityWarning || n.Zombie.SilentDays != nil || n.FirstSeen != nil || n.LastSeen != nil || n.Volume != 0 ||
		!strings.Contains(n.Summary, "none was seen") {
		t.Errorf("never seen: %+v %+v", n, n.Zombie)
	}
	a := byID(t, fs, "zombie:switched-off-in-theory")
	if a.Zombie.ExpectedTraffic != "none" || !strings.Contains(a.Summary, `expected-traffic: "none"`) {
		t.Errorf("annotated zombie: %q %+v", a.Summary, a.Zombie)
	}
	if strings.Contains(n.Summary, "expected-traffic") {
		t.Errorf("summary mentions an annotation it does not have: %q", n.Summary)
	}

	// A longer threshold spares the flow silent for ten days.
	fs = estate.Zombies(cat, lifecycleTraffic, now, 14*24*time.Hour)
	for _, f := range fs {
		if f.Integration == "silent-ten-days" {
			t.Errorf("zombie after 14 days: %s", f.Summary)
		}
	}
}

func sortedIDs(fs []estate.Finding) []string {
	out := ids(fs)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func TestRetiredAndDeprecatedWithTraffic(t *testing.T) {
	cat := parse(t, lifecycles)
	fs := estate.Retirements(cat, lifecycleTraffic, now, 0)
	want := "deprecated_with_traffic:deprecated-orphan deprecated_with_traffic:deprecated-replaced " +
		"retired_with_traffic:overdue-running retired_with_traffic:retired-running"
	if got := strings.Join(sortedIDs(fs), " "); got != want {
		t.Fatalf("findings %s\nwant     %s", got, want)
	}
	r := byID(t, fs, "retired_with_traffic:retired-running")
	if r.Severity != estate.SeverityError || r.Volume != 9 || r.Retirement.Lifecycle != "retired" || r.Team != "erp-team" {
		t.Errorf("retired: %+v %+v", r, r.Retirement)
	}
	o := byID(t, fs, "retired_with_traffic:overdue-running")
	if o.Severity != estate.SeverityError || o.Retirement.Retirement != "2026-06-30" || o.Retirement.DaysPastRetirement == nil ||
		*o.Retirement.DaysPastRetirement != 145 || !strings.Contains(o.Summary, "due to retire on 2026-06-30") {
		t.Errorf("overdue: %q %+v", o.Summary, o.Retirement)
	}
	d := byID(t, fs, "deprecated_with_traffic:deprecated-replaced")
	if d.Severity != estate.SeverityInfo || d.Retirement.ReplacedBy != "recent" || d.Retirement.ReplacementVolume != 500 ||
		!strings.Contains(d.Summary, "replacement recent") {
		t.Errorf("deprecated with a running replacement: %q %+v", d.Summary, d.Retirement)
	}
	orphan := byID(t, fs, "deprecated_with_traffic:deprecated-orphan")
	if orphan.Severity != estate.SeverityWarning || !strings.Contains(orphan.Summary, "no replacement") {
		t.Errorf("deprecated without a replacement: %q", orphan.Summary)
	}
}

var duplicates = systems +
	// the same domains between the same systems, two teams
	integration("push-accounts", "", "{source: salesforce-crm, targets: [marketo], dataDomains: [customer, contact], owner: crm-team}") +
	integration("pull-contacts", "", "{source: salesforce-crm, targets: [marketo], dataDomains: [contact, customer], owner: erp-team}") +
	// a deprecated flow and the replacement it names
	integration("nightly", "", "{source: salesforce-crm, targets: [sap-erp], dataDomains: [customer], lifecycle: deprecated, replacedBy: realtime, owner: crm-team}") +
	integration("realtime", "", "{source: salesforce-crm, targets: [sap-erp], dataDomains: [customer], owner: crm-team}") +
	// not duplicates: one domain in common only, another target, the
	// other way round, retired, no domains
	integration("orders-and-customers", "", "{source: sap-erp, targets: [salesforce-crm], dataDomains: [order, customer]}") +
	integration("orders", "", "{source: sap-erp, targets: [salesforce-crm], dataDomains: [order]}") +
	integration("customers-to-marketo", "", "{source: sap-erp, targets: [marketo], dataDomains: [customer]}") +
	integration("back-to-crm", "", "{source: sap-erp, targets: [salesforce-crm], dataDomains: [customer]}") +
	integration("old-realtime", "", "{source: salesforce-crm, targets: [sap-erp], dataDomains: [customer], lifecycle: retired}") +
	integration("mystery-a", "", "{source: marketo, targets: [sap-erp]}") +
	integration("mystery-b", "", "{source: marketo, targets: [sap-erp]}") +
	// two entries fanning out to the same two targets: one finding
	integration("fan-a", "", "{source: marketo, targets: [sap-erp, salesforce-crm], dataDomains: [lead], owner: crm-team}") +
	integration("fan-b", "", "{source: marketo, targets: [salesforce-crm, sap-erp], dataDomains: [lead], owner: crm-team}")

func TestDuplicates(t *testing.T) {
	cat := parse(t, duplicates)
	fs := estate.Duplicates(cat, []clickhouse.TrafficRow{seen("push-accounts", 10, hoursAgo(5), hoursAgo(1)), seen("pull-contacts", 5, hoursAgo(9), hoursAgo(2))})
	want := "duplicate:fan-a,fan-b duplicate:nightly,realtime duplicate:pull-contacts,push-accounts"
	if got := strings.Join(sortedIDs(fs), " "); got != want {
		t.Fatalf("duplicates %s\nwant       %s", got, want)
	}
	o := byID(t, fs, "duplicate:pull-contacts,push-accounts")
	if o.Severity != estate.SeverityWarning || o.Duplicate.Relation != "overlap" || o.Duplicate.SameTeam || o.Team != "" ||
		strings.Join(o.Duplicate.DataDomains, ",") != "contact,customer" || strings.Join(o.Systems, ",") != "marketo,salesforce-crm" ||
		o.Volume != 15 || !o.FirstSeen.Equal(hoursAgo(9)) || !o.LastSeen.Equal(hoursAgo(1)) ||
		!strings.Contains(o.Summary, "different teams") {
		t.Errorf("cross-team overlap: %q %+v %+v", o.Summary, o, o.Duplicate)
	}
	r := byID(t, fs, "duplicate:nightly,realtime")
	if r.Severity != estate.SeverityInfo || r.Duplicate.Relation != "replacement" || !r.Duplicate.SameTeam || r.Team != "crm-team" {
		t.Errorf("replacement pair: %q %+v", r.Summary, r.Duplicate)
	}
	f := byID(t, fs, "duplicate:fan-a,fan-b")
	if strings.Join(f.Duplicate.Targets, ",") != "salesforce-crm,sap-erp" || len(f.Systems) != 3 || f.FirstSeen != nil {
		t.Errorf("fan-out pair: %+v %+v", f, f.Duplicate)
	}
}

func TestComplexity(t *testing.T) {
	cat := parse(t, systems+`---
apiVersion: intops.dev/v1alpha1
kind: System
metadata: {name: zendesk}
`+
		integration("crm-to-erp", "", "{source: salesforce-crm, targets: [sap-erp]}")+
		integration("erp-to-crm", "", "{source: sap-erp, targets: [salesforce-crm]}")+ // the same pair
		integration("crm-to-marketo", "", "{source: salesforce-crm, targets: [marketo]}")+
		integration("planned", "", "{source: zendesk, targets: [marketo], lifecycle: design}")+
		integration("gone", "", "{source: zendesk, targets: [sap-erp], lifecycle: retired}"))
	traffic := []clickhouse.TrafficRow{shadow("zendesk-export", "salesforce-crm", 4, hoursAgo(3), hoursAgo(1))}
	f := estate.Complexity(cat, traffic, 1)
	d := f.Complexity
	if d.Systems != 4 || d.Ceiling != 6 || d.Connections != 3 || d.ObservedConnections != 1 || d.ConnectionShare != 0.5 || d.Integrations != 3 {
		t.Errorf("complexity %+v", d)
	}
	if len(d.Hubs) != 1 || d.Hubs[0] != (estate.Hub{System: "salesforce-crm", Connections: 3, Integrations: 3}) || d.HubShare != 1 ||
		strings.Join(f.Systems, ",") != "salesforce-crm" || f.Severity != estate.SeverityInfo || f.ID != "complexity:estate" {
		t.Errorf("hubs %+v, share %v, finding %+v", d.Hubs, d.HubShare, f)
	}
	if !strings.Contains(f.Summary, "4 systems would need 6") || !strings.Contains(f.Summary, "3 are in use (50.0%)") {
		t.Errorf("summary %q", f.Summary)
	}
	// A retired flow that still runs is a connection.
	g := estate.Complexity(cat, append(traffic, seen("gone", 1, hoursAgo(1), hoursAgo(1))), 0)
	if g.Complexity.Connections != 4 || g.Complexity.Integrations != 4 || len(g.Complexity.Hubs) != 3 {
		t.Errorf("with the retired flow running: %+v", g.Complexity)
	}
}

func TestImpact(t *testing.T) {
	cat := parse(t, systems+
		integration("crm-to-erp", "", "{source: salesforce-crm, targets: [sap-erp], owner: crm-team, tier: 1}")+
		integration("erp-to-crm", "", "{source: sap-erp, targets: [salesforce-crm], owner: erp-team, tier: 2, lifecycle: deprecated}")+
		integration("erp-to-benefits", "", "{source: sap-erp, targets: [benefits-portal], owner: erp-team}")+
		integration("old-erp-feed", "", "{source: sap-erp, targets: [marketo], lifecycle: retired, owner: erp-team}")+
		integration("crm-to-marketo", "", "{source: salesforce-crm, targets: [marketo], owner: crm-team}")+`---
apiVersion: openslo/v1
kind: SLO
metadata: {name: crm-to-erp-availability}
spec:
  service: crm-to-erp
  indicator:
    metadata: {name: crm-to-erp-success}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: intops, spec: {sli: success_ratio}}}
        total: {metricSource: {type: intops, spec: {sli: success_ratio}}}
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.999}]
`)
	traffic := []clickhouse.TrafficRow{
		seen("crm-to-erp", 70, hoursAgo(9), hoursAgo(1)),
		shadow("reporting-job", "sap-erp-db", 3, hoursAgo(9), hoursAgo(1)),
		shadow("reporting-job", "marketo", 3, hoursAgo(9), hoursAgo(1)),
	}
	im, err := estate.Impact(cat, "sap-erp", traffic)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, in := range im.Integrations {
		got = append(got, in.ID+"/"+in.Role)
	}
	if strings.Join(got, " ") != "crm-to-erp/target erp-to-benefits/source erp-to-crm/source" {
		t.Errorf("integrations %v (the retired, silent feed is left out)", got)
	}
	c := im.Integrations[0]
	if c.Team != "crm-team" || c.Tier != 1 || c.Lifecycle != "production" || strings.Join(c.SLOs, ",") != "crm-to-erp-availability" || c.Executions != 70 {
		t.Errorf("crm-to-erp %+v", c)
	}
	if strings.Join(im.Teams, ",") != "crm-team,erp-team" || strings.Join(im.SLOs, ",") != "crm-to-erp-availability" ||
		!im.Catalogued || im.Owner != "erp-team" || im.Title != "SAP S/4HANA" {
		t.Errorf("impact %+v", im)
	}
	if len(im.ShadowFlows) != 1 || im.ShadowFlows[0].TargetSystem != "sap-erp" || im.ShadowFlows[0].Executions != 3 {
		t.Errorf("shadow flows %+v", im.ShadowFlows)
	}

	// A system integrations name but the catalog lacks has an impact too.
	if im, err := estate.Impact(cat, "benefits-portal", nil); err != nil || im.Catalogued || len(im.Integrations) != 1 || len(im.ShadowFlows) != 0 {
		t.Errorf("uncatalogued system: %+v, %v", im, err)
	}
	if _, err := estate.Impact(cat, "nowhere", traffic); !errors.Is(err, estate.ErrUnknownSystem) {
		t.Errorf("unknown system: %v", err)
	}
}

func TestFindingJSONShape(t *testing.T) {
	cat := parse(t, lifecycles)
	fs := estate.Analyze(cat, append(lifecycleTraffic, shadow("svc", "marketo", 1, hoursAgo(1), hoursAgo(1))), now, estate.Config{})
	if fs[0].Severity != estate.SeverityError || fs[len(fs)-1].Kind != estate.KindComplexity {
		t.Errorf("not most severe first: %v", ids(fs))
	}
	for _, f := range fs {
		data, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"id", "kind", "severity", "systems", "team", "summary", "first_seen", "last_seen", "volume", "volume_unit"} {
			if _, ok := m[k]; !ok {
				t.Errorf("%s lacks %q: %s", f.ID, k, data)
			}
		}
		detail := string(f.Kind)
		if f.Kind == estate.KindRetiredWithTraffic || f.Kind == estate.KindDeprecatedWithTraffic {
			detail = "retirement"
		}
		if _, ok := m[detail]; !ok {
			t.Errorf("%s lacks its detail %q: %s", f.ID, detail, data)
		}
		if _, ok := m["integration"]; ok != (f.Kind == estate.KindZombie || detail == "retirement") {
			t.Errorf("%s: integration present = %v: %s", f.ID, ok, data)
		}
	}
}

func TestParseKind(t *testing.T) {
	if k, err := estate.ParseKind("zombie"); err != nil || k != estate.KindZombie {
		t.Errorf("zombie: %v %v", k, err)
	}
	_, err := estate.ParseKind("zombies")
	if err == nil || !strings.Contains(err.Error(), `unknown kind "zombies": want one of shadow, zombie, duplicate`) {
		t.Errorf("error %v", err)
	}
}

func TestDraftOfAnOddlyNamedFlowLoads(t *testing.T) {
	cat := parse(t, systems)
	for _, svc := range []string{"weird: name #1", "multi\nline", "", "quote'd \"x\""} {
		fs := estate.Shadows(cat, []clickhouse.TrafficRow{shadow(svc, "", 3, hoursAgo(2), hoursAgo(1))})
		if len(fs) != 1 {
			t.Fatalf("%q: %v", svc, ids(fs))
		}
		draft, err := catalog.Parse("draft.yaml", []byte(fs[0].Shadow.DraftEntry))
		if err != nil || len(draft.Integrations) != 1 {
			t.Errorf("%q: draft does not load: %v\n%s", svc, err, fs[0].Shadow.DraftEntry)
			continue
		}
		in := draft.Integrations[0]
		if svc != "" && (len(in.Match) != 1 || in.Match[0].Conditions[0].Value != svc) {
			t.Errorf("%q: match %+v", svc, in.Match)
		}
		if svc == "" && len(in.Match) != 0 {
			t.Errorf("no service, no peer: match %+v", in.Match)
		}
	}
}
