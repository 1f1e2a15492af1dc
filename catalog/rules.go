package catalog

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/intops/intops"
)

func reflectTypeOf(v any) reflect.Type { return reflect.TypeOf(v) }

// rules is the rule table; docs/catalog.md lists it for people.
var rules = []Rule{
	{
		ID: "id.duplicate", Severity: SeverityError,
		Rationale: "a name must mean one thing: alerts, SLOs and spans are tied to it",
		Fix:       "rename one of the two, or delete the copy",
		check: func(c *Catalog, _ *lintEnv, report func(Pos, string)) {
			for _, d := range c.Duplicates {
				report(d.Again, fmt.Sprintf("%s %q is defined twice (first at %s)", d.Kind, d.Name, d.First))
			}
		},
	},
	{
		ID: "ref.unknown-team", Severity: SeverityError,
		Rationale: "alerts and ownership reports need a team that exists",
		Fix:       "add the Team to the catalog or correct the name",
		check:     unknownRefs("Team"),
	},
	{
		ID: "ref.unknown-system", Severity: SeverityError,
		Rationale: "the estate map and change impact need every system an integration touches",
		Fix:       "add the System to the catalog or correct the name",
		check:     unknownRefs("System"),
	},
	{
		ID: "ref.unknown-integration", Severity: SeverityError,
		Rationale: "a replacement must be an integration the catalog knows",
		Fix:       "correct replacedBy, or catalogue the replacement first",
		check: func(c *Catalog, _ *lintEnv, report func(Pos, string)) {
			for _, r := range c.refs {
				if r.Kind == "Integration" && r.What == "replacedBy" && c.byID[r.Name] == nil {
					report(r.At, fmt.Sprintf("%s: replacedBy integration %q is not in the catalog", lowerRef(r.From), r.Name))
				}
			}
		},
	},
	{
		ID: "integration.systems", Severity: SeverityError,
		Rationale: "an integration connects a source system to at least one target",
		Fix:       "set spec.source and spec.targets",
		check: eachIntegration(func(c *Catalog, _ *lintEnv, in *intops.Integration, report func(Pos, string)) {
			if in.Source == "" {
				report(c.Where("Integration/"+in.ID), fmt.Sprintf("integration %q has no source system", in.ID))
			}
			if len(in.Targets) == 0 {
				report(c.Where("Integration/"+in.ID), fmt.Sprintf("integration %q has no target system", in.ID))
			}
		}),
	},
	{
		ID: "ownership.team", Severity: SeverityError,
		Rationale: "an integration without an owning team has nobody to page",
		Fix:       "set spec.owner to the team that runs it",
		check:     missingField("owner", "no owner team", func(in *intops.Integration) string { return in.Owner }),
	},
	{
		ID: "ownership.business-owner", Severity: SeverityWarning,
		Rationale: "someone in the business must decide on changes, SLOs and retirement",
		Fix:       "set spec.businessOwner",
		check:     missingField("businessOwner", "no business owner", func(in *intops.Integration) string { return in.BusinessOwner }),
	},
	{
		ID: "ownership.data-steward", Severity: SeverityWarning,
		Rationale: "moved data needs a steward accountable for its quality and use",
		Fix:       "set spec.dataSteward",
		check:     missingField("dataSteward", "no data steward", func(in *intops.Integration) string { return in.DataSteward }),
	},
	{
		ID: "lifecycle.retirement-missing", Severity: SeverityWarning,
		Rationale: "every production integration needs a defined end, or it lives forever",
		Fix:       "set spec.retirement (YYYY-MM-DD)",
		check: eachIntegration(func(c *Catalog, _ *lintEnv, in *intops.Integration, report func(Pos, string)) {
			if in.Lifecycle == intops.LifecycleProduction && in.Retirement.IsZero() {
				report(c.Where("Integration/"+in.ID), fmt.Sprintf("production integration %q has no retirement date", in.ID))
			}
		}),
	},
	{
		ID: "lifecycle.retirement-past", Severity: SeverityError,
		Rationale: "a production integration past its retirement date is running without a decision",
		Fix:       "retire it (lifecycle: deprecated or retired), or move the date after a review",
		check: eachIntegration(func(c *Catalog, env *lintEnv, in *intops.Integration, report func(Pos, string)) {
			if in.Lifecycle == intops.LifecycleProduction && !in.Retirement.IsZero() && in.Retirement.Before(env.now) {
				report(c.Where("Integration/"+in.ID+"#retirement"), fmt.Sprintf("production integration %q was due to retire on %s", in.ID, in.Retirement.Format("2006-01-02")))
			}
		}),
	},
	{
		ID: "lifecycle.deprecated-replacement", Severity: SeverityWarning,
		Rationale: "consumers of a deprecated integration need to know where to move",
		Fix:       "set spec.replacedBy to the integration that replaces it",
		check: eachIntegration(func(c *Catalog, _ *lintEnv, in *intops.Integration, report func(Pos, string)) {
			if in.Lifecycle == intops.LifecycleDeprecated && in.ReplacedBy == "" {
				report(c.Where("Integration/"+in.ID+"#lifecycle"), fmt.Sprintf("deprecated integration %q names no replacement", in.ID))
			}
		}),
	},
	{
		ID: "slo.tier1-missing", Severity: SeverityError,
		Rationale: "tier-1 integrations carry the business; they need an objective to be held to",
		Fix:       "add an OpenSLO SLO whose spec.service is the integration",
		check: func(c *Catalog, _ *lintEnv, report func(Pos, string)) {
			has := map[string]bool{}
			for _, s := range c.SLOs {
				has[s.Integration] = true
			}
			for _, in := range c.Integrations {
				if in.Tier == 1 && in.Lifecycle == intops.LifecycleProduction && !has[in.ID] {
					report(c.Where("Integration/"+in.ID+"#tier"), fmt.Sprintf("tier-1 integration %q has no SLO", in.ID))
				}
			}
		},
	},
	{
		ID: "data.ownership", Severity: SeverityWarning,
		Rationale: "integrations must not blur ownership: a domain's data flows from its system of record",
		Fix:       "source the data from its system of record, or correct the systems' systemOfRecordFor",
		check: func(c *Catalog, env *lintEnv, report func(Pos, string)) {
			owners := map[string][]string{} // data domain → its systems of record
			for _, s := range sortedSystems(c) {
				for _, d := range s.DataDomains {
					owners[d] = append(owners[d], s.Name)
				}
			}
			eachIntegration(func(c *Catalog, _ *lintEnv, in *intops.Integration, report func(Pos, string)) {
				for _, d := range in.DataDomains {
					sor := owners[d]
					if len(sor) == 0 || contains(sor, in.Source) {
						continue
					}
					for _, t := range in.Targets {
						if !contains(sor, t) {
							report(c.Where("Integration/"+in.ID+"#dataDomains"), fmt.Sprintf(
								"integration %q writes %s data into %s from %s, but its system of record is %s",
								in.ID, d, t, in.Source, strings.Join(sor, ", ")))
						}
					}
				}
			})(c, env, report)
		},
	},
	{
		ID: "slo.objective", Severity: SeverityError,
		Rationale: "an objective is a share of good events strictly between 0 and 1",
		Fix:       "set objectives[0].target to e.g. 0.999 (or targetPercent: 99.9)",
		check: eachSLO(func(c *Catalog, s *intops.SLO, report func(Pos, string)) {
			if !(s.Objective > 0 && s.Objective < 1) {
				report(c.Where("SLO/"+s.Name+"#objectives"), fmt.Sprintf("SLO %q: objective %g is outside (0, 1)", s.Name, s.Objective))
			}
		}),
	},
	{
		ID: "slo.window", Severity: SeverityError,
		Rationale: "budgets and burn rates are computed over a known window",
		Fix:       "use a rolling window such as 7d, 28d or 30d, or a calendar 1w, 1M or 1Q",
		check: eachSLO(func(c *Catalog, s *intops.SLO, report func(Pos, string)) {
			if _, err := intops.ParseWindow(s.Window.Text, s.Window.Rolling); err != nil {
				report(c.Where("SLO/"+s.Name+"#timeWindow"), fmt.Sprintf("SLO %q: %v", s.Name, err))
			}
		}),
	},
	{
		ID: "slo.unknown-integration", Severity: SeverityError,
		Rationale: "an SLO measures one catalogued integration",
		Fix:       "set spec.service to an integration id of the catalog",
		check: func(c *Catalog, _ *lintEnv, report func(Pos, string)) {
			notEvaluated := map[string]bool{}
			for _, s := range c.SLOs {
				notEvaluated["SLO/"+s.Name] = s.NotEvaluated != ""
			}
			for _, r := range c.refs {
				if r.Kind == "Integration" && r.What == "service" && c.byID[r.Name] == nil {
					_, service := c.pos["Service/"+r.Name]
					if service && notEvaluated[r.From] {
						// intops neither evaluates nor alerts on it: it may
						// measure an OpenSLO Service, as where it was written
						// (Sloth, Pyrra), until it names an integration.
						continue
					}
					msg := fmt.Sprintf("%s: service %q is not an integration of the catalog", lowerRef(r.From), r.Name)
					if service {
						msg += " (it is an OpenSLO Service; intops measures integrations, so name one)"
					}
					report(r.At, msg)
				}
			}
		},
	},
	{
		ID: "slo.unknown-reference", Severity: SeverityError,
		Rationale: "an SLO's indicator, alert policies, conditions, notification targets and data sources must exist",
		Fix:       "define the referenced SLI, AlertPolicy, AlertCondition, AlertNotificationTarget or DataSource, or correct the name",
		check: func(c *Catalog, _ *lintEnv, report func(Pos, string)) {
			for _, r := range c.refs {
				var found bool
				switch r.Kind {
				case "SLI":
					_, found = c.SLIs[r.Name]
					if _, foreign := c.notEvaluated[r.Name]; foreign {
						found = true
					}
				case "AlertPolicy":
					_, found = c.AlertPolicies[r.Name]
				case "AlertCondition":
					found = false // only the unresolved are recorded
				case "DataSource", "AlertNotificationTarget":
					_, found = c.pos[r.Kind+"/"+r.Name]
				default:
					continue
				}
				if !found {
					report(r.At, fmt.Sprintf("%s: %s %q is not defined", lowerRef(r.From), r.Kind, r.Name))
				}
			}
		},
	},
	{
		ID: "openslo.invalid", Severity: SeverityError,
		Rationale: "an OpenSLO document that breaks the OpenSLO v1 specification is left out of the catalog",
		Fix:       "correct the document as the message says (github.com/OpenSLO/OpenSLO, v1)",
		check: func(c *Catalog, _ *lintEnv, report func(Pos, string)) {
			for _, e := range c.invalid {
				report(e.Pos, e.Msg)
			}
		},
	},
	{
		ID: "slo.not-evaluated", Severity: SeverityWarning,
		Rationale: "an SLO whose indicator reads another metric source is kept and listed, but intops does not evaluate it or alert on it",
		Fix:       "measure it with a metricSource of type intops, or keep evaluating it where its source lives",
		check: eachSLO(func(c *Catalog, s *intops.SLO, report func(Pos, string)) {
			if s.NotEvaluated != "" {
				report(c.Where("SLO/"+s.Name+"#notEvaluated"), fmt.Sprintf("SLO %q is not evaluated: %s", s.Name, s.NotEvaluated))
			}
		}),
	},
	{
		ID: "slo.notification-target", Severity: SeverityNote,
		Rationale: "an alert notification target says where an SLO's alerts go: a Slack channel is used, the other receivers are those intops is configured with",
		Fix:       "nothing to fix; name a Slack channel (#channel) to send the SLOs' alerts there",
		check: eachTarget(func(c *Catalog, t *intops.NotificationTarget, report func(Pos, string)) {
			at := c.Where("AlertNotificationTarget/" + t.Name)
			what := fmt.Sprintf("AlertNotificationTarget %q", t.Name)
			switch {
			case t.Kind == intops.TargetSlack && t.Channel != "":
				report(at, fmt.Sprintf("%s: the alerts of %s go to Slack channel %s", what, slosNaming(c, t.Name), t.Channel))
			case t.Kind == intops.TargetSlack:
				report(at, fmt.Sprintf("%s: Slack, naming no channel (#channel, slack:#channel or a channel link): alerts go to the owning team's channel", what))
			case t.Kind != intops.TargetUnknown:
				report(at, fmt.Sprintf("%s: %s: alerts go to the %s receiver intops is configured with", what, t.Kind, receiverName[t.Kind]))
			}
		}),
	},
	{
		ID: "slo.unknown-target", Severity: SeverityWarning,
		Rationale: "a notification target that names no receiver intops has sends nothing: the alerts go to the owning team's channel",
		Fix:       "name a Slack channel (#channel, slack:#channel), pagerduty, webhook, jira or servicenow",
		check: eachTarget(func(c *Catalog, t *intops.NotificationTarget, report func(Pos, string)) {
			if t.Kind == intops.TargetUnknown {
				report(c.Where("AlertNotificationTarget/"+t.Name), fmt.Sprintf(
					"AlertNotificationTarget %q: target %q is not a receiver of intops (a Slack channel, pagerduty, webhook, jira or servicenow): alerts go to the owning team's channel",
					t.Name, t.Target))
			}
		}),
	},
}

var receiverName = map[intops.TargetKind]string{
	intops.TargetPagerDuty: "PagerDuty", intops.TargetWebhook: "webhook", intops.TargetJira: "Jira", intops.TargetServiceNow: "ServiceNow",
}

func eachTarget(f func(*Catalog, *intops.NotificationTarget, func(Pos, string))) func(*Catalog, *lintEnv, func(Pos, string)) {
	return func(c *Catalog, _ *lintEnv, report func(Pos, string)) {
		names := make([]string, 0, len(c.Targets))
		for n := range c.Targets {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			f(c, c.Targets[n], report)
		}
	}
}

// slosNaming says which SLOs' alert policies name a target.
func slosNaming(c *Catalog, target string) string {
	var out []string
	for _, s := range c.SLOs {
		for _, p := range s.AlertPolicies {
			if ap := c.AlertPolicies[p]; ap != nil && contains(ap.Targets, target) && !contains(out, s.Name) {
				out = append(out, s.Name)
			}
		}
	}
	switch len(out) {
	case 0:
		return "no SLO (no alert policy of an SLO names it)"
	case 1:
		return "SLO " + strconv.Quote(out[0])
	}
	for i := range out {
		out[i] = strconv.Quote(out[i])
	}
	return "SLOs " + strings.Join(out, ", ")
}

// Rules returns the rule table.
func Rules() []Rule { return rules }

// RuleByID returns the rule with the id, or nil.
func RuleByID(id string) *Rule {
	for i := range rules {
		if rules[i].ID == id {
			return &rules[i]
		}
	}
	return nil
}

func unknownRefs(kind string) func(*Catalog, *lintEnv, func(Pos, string)) {
	return func(c *Catalog, _ *lintEnv, report func(Pos, string)) {
		for _, r := range c.refs {
			if r.Kind != kind {
				continue
			}
			var found bool
			if kind == "Team" {
				_, found = c.Teams[r.Name]
			} else {
				_, found = c.Systems[r.Name]
			}
			if !found {
				report(r.At, fmt.Sprintf("%s: %s %s %q is not in the catalog", lowerRef(r.From), r.What, strings.ToLower(kind), r.Name))
			}
		}
	}
}

func eachIntegration(f func(*Catalog, *lintEnv, *intops.Integration, func(Pos, string))) func(*Catalog, *lintEnv, func(Pos, string)) {
	return func(c *Catalog, env *lintEnv, report func(Pos, string)) {
		for _, in := range c.Integrations {
			if in.Lifecycle == intops.LifecycleRetired {
				continue
			}
			f(c, env, in, report)
		}
	}
}

func eachSLO(f func(*Catalog, *intops.SLO, func(Pos, string))) func(*Catalog, *lintEnv, func(Pos, string)) {
	return func(c *Catalog, _ *lintEnv, report func(Pos, string)) {
		for _, s := range c.SLOs {
			f(c, s, report)
		}
	}
}

func missingField(field, what string, get func(*intops.Integration) string) func(*Catalog, *lintEnv, func(Pos, string)) {
	return eachIntegration(func(c *Catalog, _ *lintEnv, in *intops.Integration, report func(Pos, string)) {
		if get(in) == "" {
			report(c.Where("Integration/"+in.ID), fmt.Sprintf("integration %q has %s", in.ID, what))
		}
	})
}

func sortedSystems(c *Catalog) []*intops.System {
	out := make([]*intops.System, 0, len(c.Systems))
	for _, s := range c.Systems {
		out = append(out, s)
	}
	sortSystems(out)
	return out
}

// lowerRef turns "Integration/x" into `integration "x"`.
func lowerRef(from string) string {
	kind, name, _ := strings.Cut(from, "/")
	if kind != "SLO" && kind != "SLI" {
		kind = strings.ToLower(kind[:1]) + kind[1:]
	}
	return fmt.Sprintf("%s %q", kind, name)
}
