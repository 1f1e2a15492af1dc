package estate

import (
	"fmt"
	"sort"
	"strings"

	"github.com/intops/intops"
	"github.com/intops/intops/catalog"
)

// DuplicateDetail is what a duplicate finding adds.
type DuplicateDetail struct {
	Source      string   `json:"source"`
	Targets     []string `json:"targets"`
	DataDomains []string `json:"data_domains"`
	// Relation is "replacement" when the entries are a deprecated flow
	// and the replacement it names (expected while migrating), "overlap"
	// otherwise.
	Relation     string            `json:"relation"`
	SameTeam     bool              `json:"same_team"`
	Integrations []DuplicateMember `json:"integrations"`
}

// DuplicateMember is one of the overlapping entries.
type DuplicateMember struct {
	ID              string `json:"id"`
	Team            string `json:"team"`
	Lifecycle       string `json:"lifecycle"`
	Mechanism       string `json:"mechanism"`
	Pattern         string `json:"pattern"`
	ReplacedBy      string `json:"replaced_by,omitempty"`
	ExpectedTraffic string `json:"expected_traffic,omitempty"`
	Volume          uint64 `json:"volume"` // executions over the window read
}

// Duplicates reports catalog entries that move the same data domains
// (the same set, not merely one in common) from the same source to the
// same target system. Retired entries and entries without a source,
// target or data domain are left out. A deprecated entry with the
// replacement it names is reported as info; any other overlap is a
// warning. traffic may be nil; it only adds volumes.
func Duplicates(cat *catalog.Catalog, traffic []intops.Traffic) []Finding {
	used := byIntegration(traffic)
	// entries moving the same domains from a source to a target
	byRoute := map[string][]*intops.Integration{}
	for _, in := range cat.Integrations {
		if in.Lifecycle == intops.LifecycleRetired || in.Source == "" || len(in.DataDomains) == 0 {
			continue
		}
		domains := normalized(in.DataDomains)
		for _, t := range uniq(in.Targets) {
			if t == "" || t == in.Source {
				continue
			}
			k := in.Source + "\x00" + t + "\x00" + strings.Join(domains, ",")
			byRoute[k] = append(byRoute[k], in)
		}
	}
	// one finding per set of entries, whatever number of targets they share
	type group struct {
		members []*intops.Integration
		source  string
		targets []string
		domains []string
	}
	groups := map[string]*group{}
	for k, ins := range byRoute {
		if len(ins) < 2 {
			continue
		}
		ids := make([]string, len(ins))
		for i, in := range ins {
			ids[i] = in.ID
		}
		sort.Strings(ids)
		gk := strings.Join(ids, ",")
		parts := strings.SplitN(k, "\x00", 3)
		g := groups[gk]
		if g == nil {
			g = &group{members: ins, source: parts[0], domains: strings.Split(parts[2], ",")}
			groups[gk] = g
		}
		g.targets = append(g.targets, parts[1])
	}
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []Finding
	for _, gk := range keys {
		g := groups[gk]
		sort.Slice(g.members, func(i, j int) bool { return g.members[i].ID < g.members[j].ID })
		sort.Strings(g.targets)
		d := &DuplicateDetail{Source: g.source, Targets: g.targets, DataDomains: g.domains}
		inGroup := map[string]bool{}
		teams := map[string]bool{}
		for _, in := range g.members {
			inGroup[in.ID] = true
			teams[in.Owner] = true
		}
		replaced := 0
		var total usage
		var silent []string
		for _, in := range g.members {
			m := DuplicateMember{ID: in.ID, Team: in.Owner, Lifecycle: string(in.Lifecycle), Mechanism: in.Mechanism,
				Pattern: in.Pattern, ReplacedBy: in.ReplacedBy, ExpectedTraffic: in.Annotations[intops.AnnotationExpectedTraffic]}
			if u := used[in.ID]; u != nil {
				m.Volume = u.Executions
				total.add(intops.Traffic{Spans: u.Spans, Executions: u.Executions, FirstSeen: u.First, LastSeen: u.Last})
			}
			if in.ReplacedBy != "" && inGroup[in.ReplacedBy] && in.ReplacedBy != in.ID {
				replaced++
			}
			if m.ExpectedTraffic == "none" {
				silent = append(silent, in.ID)
			}
			d.Integrations = append(d.Integrations, m)
		}
		d.SameTeam = len(teams) == 1
		systems := map[string]bool{g.source: true}
		for _, t := range g.targets {
			systems[t] = true
		}
		f := Finding{ID: "duplicate:" + gk, Kind: KindDuplicate, Severity: SeverityWarning, Systems: sortedKeys(systems), Duplicate: d}
		if d.SameTeam {
			f.Team = g.members[0].Owner
		}
		f.Volume, f.VolumeUnit = total.volume()
		f.FirstSeen, f.LastSeen = total.seenRange()
		ids := make([]string, len(g.members))
		for i, in := range g.members {
			ids[i] = in.ID
			if in.Owner != "" && !d.SameTeam {
				ids[i] += " (" + in.Owner + ")"
			}
		}
		var b strings.Builder
		all := "all"
		if len(ids) == 2 {
			all = "both"
		}
		fmt.Fprintf(&b, "%s %s move %s from %s to %s.", list(ids), all, strings.Join(g.domains, ", "), g.source, strings.Join(g.targets, ", "))
		if replaced == len(g.members)-1 {
			d.Relation = "replacement"
			f.Severity = SeverityInfo
			b.WriteString(" The older entry names the other as its replacement: retire it once the replacement carries everything.")
		} else {
			d.Relation = "overlap"
			if d.SameTeam {
				fmt.Fprintf(&b, " %s are owned by %s: keep one.", capitalized(all), f.Team)
			} else {
				b.WriteString(" They are owned by different teams: agree on one owned flow and retire the rest.")
			}
			if len(silent) > 0 {
				verb := "are"
				if len(silent) == 1 {
					verb = "is"
				}
				fmt.Fprintf(&b, " %s %s annotated intops.dev/expected-traffic: \"none\".", list(silent), verb)
			}
		}
		f.Summary = b.String()
		out = append(out, f)
	}
	return out
}

func normalized(ds []string) []string {
	set := map[string]bool{}
	for _, d := range ds {
		set[strings.ToLower(strings.TrimSpace(d))] = true
	}
	return sortedKeys(set)
}

func uniq(s []string) []string {
	var out []string
	for _, v := range s {
		out = appendUniq(out, v)
	}
	return out
}

func appendUniq(s []string, v string) []string {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}

// list joins names as "a", "a and b", "a, b and c".
func list(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

func capitalized(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
