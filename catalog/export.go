package catalog

import (
	"bytes"
	"sort"

	"gopkg.in/yaml.v3"

	"github.com/intops/intops"
)

type outDoc struct {
	APIVersion string  `yaml:"apiVersion"`
	Kind       string  `yaml:"kind"`
	Metadata   outMeta `yaml:"metadata"`
	Spec       any     `yaml:"spec,omitempty"`
}

type outMeta struct {
	Name        string `yaml:"name"`
	Title       string `yaml:"title,omitempty"`
	Description string `yaml:"description,omitempty"`
}

type outTeam struct {
	SlackChannel string   `yaml:"slackChannel,omitempty"`
	OnCall       string   `yaml:"onCall,omitempty"`
	Escalation   string   `yaml:"escalationChannel,omitempty"`
	Members      []string `yaml:"members,omitempty"`
}

type outSystem struct {
	Kind        string   `yaml:"kind,omitempty"`
	Owner       string   `yaml:"owner,omitempty"`
	Vendor      string   `yaml:"vendor,omitempty"`
	DataDomains []string `yaml:"systemOfRecordFor,omitempty"`
}

type outIntegration struct {
	Source         string              `yaml:"source,omitempty"`
	Targets        []string            `yaml:"targets,omitempty"`
	Pattern        string              `yaml:"pattern,omitempty"`
	Mechanism      string              `yaml:"mechanism,omitempty"`
	DataDomains    []string            `yaml:"dataDomains,omitempty"`
	Owner          string              `yaml:"owner,omitempty"`
	TechnicalOwner string              `yaml:"technicalOwner,omitempty"`
	BusinessOwner  string              `yaml:"businessOwner,omitempty"`
	DataSteward    string              `yaml:"dataSteward,omitempty"`
	Lifecycle      string              `yaml:"lifecycle,omitempty"`
	GoLive         string              `yaml:"goLive,omitempty"`
	Retirement     string              `yaml:"retirement,omitempty"`
	Tier           int                 `yaml:"tier,omitempty"`
	RunbookURL     string              `yaml:"runbook,omitempty"`
	ContractTest   string              `yaml:"contractTest,omitempty"`
	ReplacedBy     string              `yaml:"replacedBy,omitempty"`
	Match          []map[string]string `yaml:"match,omitempty"`
}

// MarshalYAML writes teams, systems and integrations as intops catalog
// documents (what `intops catalog import` produces).
func MarshalYAML(teams []*intops.Team, systems []*intops.System, integrations []*intops.Integration) ([]byte, error) {
	var docs []outDoc
	sort.Slice(teams, func(i, j int) bool { return teams[i].Name < teams[j].Name })
	for _, t := range teams {
		docs = append(docs, outDoc{APIVersion, "Team", outMeta{Name: t.Name, Title: t.Title},
			outTeam{t.SlackChannel, t.OnCall, t.Escalation, t.Members}})
	}
	sortSystems(systems)
	for _, s := range systems {
		docs = append(docs, outDoc{APIVersion, "System", outMeta{Name: s.Name, Title: s.Title},
			outSystem{s.Kind, s.Owner, s.Vendor, s.DataDomains}})
	}
	for _, in := range integrations {
		o := outIntegration{
			Source: in.Source, Targets: in.Targets, Pattern: in.Pattern, Mechanism: in.Mechanism,
			DataDomains: in.DataDomains, Owner: in.Owner, TechnicalOwner: in.TechnicalOwner,
			BusinessOwner: in.BusinessOwner, DataSteward: in.DataSteward, Lifecycle: string(in.Lifecycle),
			Tier: in.Tier, RunbookURL: in.RunbookURL, ContractTest: in.ContractTest, ReplacedBy: in.ReplacedBy,
		}
		if !in.GoLive.IsZero() {
			o.GoLive = in.GoLive.Format("2006-01-02")
		}
		if !in.Retirement.IsZero() {
			o.Retirement = in.Retirement.Format("2006-01-02")
		}
		for _, r := range in.Match {
			m := map[string]string{}
			for _, c := range r.Conditions {
				m[c.Key] = c.Value
			}
			o.Match = append(o.Match, m)
		}
		docs = append(docs, outDoc{APIVersion, "Integration", outMeta{Name: in.ID, Title: in.Title, Description: in.Description}, o})
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	for _, d := range docs {
		if err := enc.Encode(d); err != nil {
			return nil, err
		}
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
