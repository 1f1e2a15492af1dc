package maturity

import (
	"strings"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/catalog"
)

// Inputs are what the platform knows, from which evidence is measured.
type Inputs struct {
	Catalog *catalog.Catalog
	Lint    []catalog.Finding
	// Traffic of the last 7 days (as the store's Traffic reads it).
	Traffic []intops.Traffic
	// SLOs and whether each met its objective over the period.
	SLOs []SLOOutcome
	// Incidents opened in the period.
	Incidents []IncidentOutcome
}

// SLOOutcome is one SLO over the period.
type SLOOutcome struct {
	Integration string
	Met         bool
}

// IncidentOutcome is one incident over the period.
type IncidentOutcome struct {
	Integration             string
	Opened, Acked, Resolved time.Time
	// SLOPage: an SLO paged; AnomalyFirst: an anomaly of the integration
	// fired before that page.
	SLOPage, AnomalyFirst bool
}

// Gather measures the evidence of the estate ("estate") and of each team.
func Gather(in Inputs) map[string]Evidence {
	cat := in.Catalog
	scopes := map[string][]*intops.Integration{"estate": nil}
	teamOf := map[string]string{}
	for _, ig := range cat.Integrations {
		if ig.Lifecycle == intops.LifecycleRetired {
			continue
		}
		scopes["estate"] = append(scopes["estate"], ig)
		if ig.Owner != "" {
			scopes[ig.Owner] = append(scopes[ig.Owner], ig)
			teamOf[ig.ID] = ig.Owner
		}
	}
	executions := map[string]uint64{}
	shadows := 0
	for _, r := range in.Traffic {
		if r.IntegrationID == "" {
			if r.Executions > 0 || r.Spans > 0 {
				shadows++
			}
			continue
		}
		executions[r.IntegrationID] += r.Executions
	}
	out := map[string]Evidence{}
	for scope, igs := range scopes {
		ev := Evidence{}
		n := float64(len(igs))
		var owner, business, steward, retire, tier12, tier12SLO, prod, emitting, apiEvent, mech, contract, oldTraffic float64
		withSLO := map[string]bool{}
		for _, s := range in.SLOs {
			withSLO[s.Integration] = true
		}
		ids := map[string]bool{}
		for _, ig := range igs {
			ids[ig.ID] = true
			owner += b(ig.Owner != "")
			business += b(ig.BusinessOwner != "")
			steward += b(ig.DataSteward != "")
			retire += b(!ig.Retirement.IsZero())
			if ig.Tier == 1 || ig.Tier == 2 {
				tier12++
				tier12SLO += b(withSLO[ig.ID])
			}
			if ig.Lifecycle == intops.LifecycleProduction || ig.Lifecycle == "" {
				prod++
				emitting += b(executions[ig.ID] > 0)
			}
			if ig.Mechanism != "" {
				mech++
				apiEvent += b(ig.Mechanism == "api" || ig.Mechanism == "event")
			}
			contract += b(ig.ContractTest == "passing")
			if ig.Lifecycle == intops.LifecycleDeprecated && executions[ig.ID] > 0 {
				oldTraffic++
			}
		}
		if n > 0 {
			ev["owner_share"], ev["business_owner_share"] = owner/n, business/n
			ev["data_steward_share"], ev["retirement_plan_share"] = steward/n, retire/n
			ev["contract_test_share"] = contract / n
			ev["lint_errors_per_100"] = 100 * float64(lintErrors(in.Lint, scope, ids)) / n
		}
		if tier12 > 0 {
			ev["slo_coverage_tier12"] = tier12SLO / tier12
		}
		if prod > 0 {
			ev["emitting_share"] = emitting / prod
		}
		if mech > 0 {
			ev["api_event_share"] = apiEvent / mech
		}
		ev["deprecated_with_traffic"] = oldTraffic
		for _, r := range in.Traffic { // retired flows still moving data
			if ig := cat.Integration(r.IntegrationID); ig != nil && !ids[ig.ID] && ig.Lifecycle == intops.LifecycleRetired && r.Executions > 0 &&
				(scope == "estate" || ig.Owner == scope) {
				ev["deprecated_with_traffic"]++
			}
		}
		if scope == "estate" {
			ev["shadow_integrations"] = float64(shadows)
			ev["connection_ratio"] = connectionRatio(igs)
		}
		var met, slos float64
		for _, s := range in.SLOs {
			if ids[s.Integration] {
				slos++
				met += b(s.Met)
			}
		}
		if slos > 0 {
			ev["slo_attainment"] = met / slos
		}
		var acks, ress, pages, first float64
		var ackT, resT time.Duration
		for _, inc := range in.Incidents {
			if !ids[inc.Integration] {
				continue
			}
			if !inc.Acked.IsZero() {
				acks++
				ackT += inc.Acked.Sub(inc.Opened)
			}
			if !inc.Resolved.IsZero() {
				ress++
				resT += inc.Resolved.Sub(inc.Opened)
			}
			if inc.SLOPage {
				pages++
				first += b(inc.AnomalyFirst)
			}
		}
		if acks > 0 {
			ev["mtta_minutes"] = ackT.Minutes() / acks
		}
		if ress > 0 {
			ev["mttr_hours"] = resT.Hours() / ress
		}
		if pages > 0 {
			ev["anomaly_first_share"] = first / pages
		}
		out[scope] = ev
	}
	return out
}

func b(x bool) float64 {
	if x {
		return 1
	}
	return 0
}

// lintErrors counts the scope's lint errors: all of them for the estate,
// those naming one of its integrations for a team.
func lintErrors(fs []catalog.Finding, scope string, ids map[string]bool) int {
	n := 0
	for _, f := range fs {
		if f.Severity != catalog.SeverityError {
			continue
		}
		if scope == "estate" {
			n++
			continue
		}
		for id := range ids {
			if strings.Contains(f.Message, `"`+id+`"`) {
				n++
				break
			}
		}
	}
	return n
}

// connectionRatio is the distinct system pairs the integrations connect
// over the n(n-1)/2 a full mesh of their systems would need.
func connectionRatio(igs []*intops.Integration) float64 {
	systems := map[string]bool{}
	pairs := map[[2]string]bool{}
	for _, ig := range igs {
		for _, t := range ig.Targets {
			if ig.Source == "" || t == "" || ig.Source == t {
				continue
			}
			a, c := ig.Source, t
			if c < a {
				a, c = c, a
			}
			pairs[[2]string{a, c}] = true
			systems[ig.Source], systems[t] = true, true
		}
	}
	n := float64(len(systems))
	if n < 2 {
		return 0
	}
	return float64(len(pairs)) / (n * (n - 1) / 2)
}
