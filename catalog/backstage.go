package catalog

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/intops/intops"
)

const backstageVersion = "backstage.io/v1alpha1"

// Backstage annotations intops reads (docs/catalog.md has the table).
const (
	annIntegration   = "intops.dev/integration"
	annSource        = "intops.dev/source"
	annTargets       = "intops.dev/targets"
	annTier          = "intops.dev/tier"
	annBusinessOwner = "intops.dev/business-owner"
	annDataSteward   = "intops.dev/data-steward"
	annTechOwner     = "intops.dev/technical-owner"
	annRetirement    = "intops.dev/retirement"
	annGoLive        = "intops.dev/go-live"
	annPattern       = "intops.dev/pattern"
	annMechanism     = "intops.dev/mechanism"
	annDataDomains   = "intops.dev/data-domains"
	annRunbook       = "intops.dev/runbook"
	annContractTest  = "intops.dev/contract-test"
	annServiceName   = "intops.dev/service-name"
	annSystemKind    = "intops.dev/system-kind"
	annVendor        = "intops.dev/vendor"
	annSoR           = "intops.dev/system-of-record-for"
	annSlack         = "intops.dev/slack-channel"
	annOnCall        = "intops.dev/on-call"
	annEscalation    = "intops.dev/escalation-channel"
)

// integrationTypes are Backstage Component spec.type values that mean an
// integration flow.
var integrationTypes = map[string]bool{"integration": true, "integration-flow": true, "data-pipeline": true, "etl": true}

type backstageDoc struct {
	file string
	at   Pos
	doc  documentFile
}

// backstageSpec is the union of the Backstage kinds' spec fields intops
// reads; other fields are allowed (Backstage catalogs carry many).
type backstageSpec struct {
	Type         string   `yaml:"type"`
	Lifecycle    string   `yaml:"lifecycle"`
	Owner        string   `yaml:"owner"`
	System       string   `yaml:"system"`
	Domain       string   `yaml:"domain"`
	Parent       string   `yaml:"parent"`
	Children     []string `yaml:"children"`
	Members      []string `yaml:"members"`
	MemberOf     []string `yaml:"memberOf"`
	ProvidesAPIs []string `yaml:"providesApis"`
	ConsumesAPIs []string `yaml:"consumesApis"`
	DependsOn    []string `yaml:"dependsOn"`
	Profile      struct {
		DisplayName string `yaml:"displayName"`
		Email       string `yaml:"email"`
	} `yaml:"profile"`
}

// entityName strips a Backstage entity reference ("group:default/team-a")
// down to the name.
func entityName(ref string) string {
	if i := strings.IndexByte(ref, ':'); i >= 0 {
		ref = ref[i+1:]
	}
	if i := strings.LastIndexByte(ref, '/'); i >= 0 {
		ref = ref[i+1:]
	}
	return strings.ToLower(ref)
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// mapBackstage turns the Backstage documents read into teams, systems and
// integrations, once all are known (components refer to APIs and systems
// in other files).
func (l *loader) mapBackstage() {
	specs := make([]backstageSpec, len(l.backstage))
	apiSystem := map[string]string{}
	for i := range l.backstage {
		b := &l.backstage[i]
		if b.doc.Spec.Kind != 0 {
			if err := b.doc.Spec.Decode(&specs[i]); err != nil {
				l.errorf(b.at, "%s %q: %s", b.doc.Kind, b.doc.Metadata.Name, typeError("spec", err))
				continue
			}
		}
		if b.doc.Kind == "API" {
			apiSystem[entityName(b.doc.Metadata.Name)] = entityName(specs[i].System)
		}
		if b.doc.Kind == "User" {
			for _, g := range specs[i].MemberOf {
				l.cat.Users[entityName(b.doc.Metadata.Name)] = append(l.cat.Users[entityName(b.doc.Metadata.Name)], entityName(g))
			}
		}
	}
	for i := range l.backstage {
		b := &l.backstage[i]
		s := &specs[i]
		md := &b.doc.Metadata
		name := entityName(md.Name)
		ann := md.Annotations
		if !intops.ValidID(name) {
			l.errorf(b.at, "%s %q: the name must be lowercase letters, digits, '.', '_' or '-' to be used by intops", b.doc.Kind, md.Name)
			continue
		}
		switch b.doc.Kind {
		case "Group":
			if !l.define("Team", name, b.at, &b.doc.Spec) {
				continue
			}
			t := &intops.Team{Name: name, Title: first(s.Profile.DisplayName, md.Title), SlackChannel: ann[annSlack],
				OnCall: ann[annOnCall], Escalation: ann[annEscalation]}
			for _, m := range s.Members {
				t.Members = append(t.Members, entityName(m))
			}
			for u, groups := range l.cat.Users {
				for _, g := range groups {
					if g == name && !contains(t.Members, u) {
						t.Members = append(t.Members, u)
					}
				}
			}
			sort.Strings(t.Members)
			l.cat.Teams[name] = t
		case "System":
			if !l.define("System", name, b.at, &b.doc.Spec) {
				continue
			}
			l.cat.Systems[name] = &intops.System{Name: name, Title: md.Title, Kind: first(ann[annSystemKind], s.Type, "application"),
				Owner: entityName(s.Owner), Vendor: ann[annVendor], DataDomains: splitList(ann[annSoR])}
			l.ref("System/"+name, "Team", entityName(s.Owner), "owner", l.fieldPos("System", name, "owner", b.at))
		case "Component":
			if !integrationTypes[s.Type] && ann[annIntegration] == "" {
				l.cat.Ignored = append(l.cat.Ignored, Ignored{Kind: "Component", Name: name, At: b.at,
					Why: "not an integration (spec.type " + strconv.Quote(s.Type) + "; set spec.type: integration or the " + annIntegration + " annotation)"})
				continue
			}
			in := l.backstageIntegration(b, name, s, apiSystem)
			if in == nil || !l.define("Integration", name, b.at, &b.doc.Spec) {
				continue
			}
			l.addIntegration(in)
		case "User":
			// memberships were read above
		default: // API, Domain, Resource, Location, Template…
			l.cat.Ignored = append(l.cat.Ignored, Ignored{Kind: b.doc.Kind, Name: name, At: b.at, Why: "no intops counterpart"})
		}
	}
}

func (l *loader) backstageIntegration(b *backstageDoc, name string, s *backstageSpec, apiSystem map[string]string) *intops.Integration {
	md := &b.doc.Metadata
	ann := md.Annotations
	in := &intops.Integration{
		ID: name, Title: first(md.Title, name), Description: md.Description,
		Source: first(ann[annSource], entityName(s.System)), Targets: splitList(ann[annTargets]),
		Pattern: ann[annPattern], Mechanism: ann[annMechanism], DataDomains: splitList(ann[annDataDomains]),
		Owner: entityName(s.Owner), TechnicalOwner: ann[annTechOwner], BusinessOwner: ann[annBusinessOwner],
		DataSteward: ann[annDataSteward], RunbookURL: ann[annRunbook], ContractTest: ann[annContractTest],
		ReplacedBy: ann["intops.dev/replaced-by"], Annotations: copyAnnotations(ann),
	}
	if len(in.Targets) == 0 {
		for _, api := range s.ConsumesAPIs {
			if sys := apiSystem[entityName(api)]; sys != "" && sys != in.Source && !contains(in.Targets, sys) {
				in.Targets = append(in.Targets, sys)
			}
		}
	}
	switch s.Lifecycle {
	case "experimental":
		in.Lifecycle = intops.LifecycleDesign
	case "deprecated":
		in.Lifecycle = intops.LifecycleDeprecated
	case "retired":
		in.Lifecycle = intops.LifecycleRetired
	default:
		in.Lifecycle = intops.LifecycleProduction
	}
	if t := ann[annTier]; t != "" {
		n, err := strconv.Atoi(t)
		if err != nil {
			l.errorf(b.at, "Component %q: annotation %s %q: want 1, 2 or 3", name, annTier, t)
			return nil
		}
		in.Tier = n
	}
	for _, d := range []struct {
		key string
		out *time.Time
	}{{annRetirement, &in.Retirement}, {annGoLive, &in.GoLive}} {
		if v := ann[d.key]; v != "" {
			t, err := time.Parse(time.DateOnly, v)
			if err != nil {
				l.errorf(b.at, "Component %q: annotation %s %q: want a date as YYYY-MM-DD", name, d.key, v)
				return nil
			}
			*d.out = t
		}
	}
	// Backstage component names usually are the services' service.name.
	in.Match = []intops.MatchRule{{Conditions: []intops.Condition{{Key: intops.AttrServiceName, Value: first(ann[annServiceName], name)}}}}
	if err := in.Validate(); err != nil {
		for _, e := range unjoin(err) {
			l.errorf(b.at, "Component %q: %v", name, e)
		}
		return nil
	}
	return in
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
