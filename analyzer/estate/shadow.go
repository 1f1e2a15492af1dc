package estate

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/intops/intops"
	"github.com/intops/intops/catalog"
)

// ShadowDetail is what a shadow finding adds: the flow as the traffic
// shows it and a catalog entry to start from.
type ShadowDetail struct {
	Service string `json:"service"` // service.name of the caller
	Peer    string `json:"peer"`    // peer.service it called
	// SourceSystem and TargetSystem are the catalogued systems the service
	// and the peer stand for ("" when none matches).
	SourceSystem string `json:"source_system"`
	TargetSystem string `json:"target_system"`
	Spans        uint64 `json:"spans"`
	ErrorSpans   uint64 `json:"error_spans"`
	Executions   uint64 `json:"executions"`
	Failed       uint64 `json:"failed"`
	Records      uint64 `json:"records"`
	// DraftEntry is an intops.dev/v1alpha1 Integration document for the
	// flow, with its owner and unknown systems left as TODOs.
	DraftEntry string `json:"draft_entry"`
}

// Shadows reports the unattributed traffic, one finding per service and
// peer: flows that run but that no catalog entry claims.
func Shadows(cat *catalog.Catalog, traffic []intops.Traffic) []Finding {
	res := newResolver(cat)
	flows := unattributed(traffic)
	keys := make([]flowKey, 0, len(flows))
	for k := range flows {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].Service != keys[j].Service {
			return keys[i].Service < keys[j].Service
		}
		return keys[i].Peer < keys[j].Peer
	})
	var out []Finding
	for _, k := range keys {
		u := flows[k]
		if u.Spans == 0 && u.Executions == 0 {
			continue
		}
		src, dst := res.system(k.Service), res.system(k.Peer)
		d := &ShadowDetail{Service: k.Service, Peer: k.Peer, SourceSystem: src, TargetSystem: dst,
			Spans: u.Spans, ErrorSpans: u.ErrorSpans, Executions: u.Executions, Failed: u.Failed, Records: u.Records}
		d.DraftEntry = draftEntry(d, u)
		vol, unit := u.volume()
		first, last := u.seenRange()
		f := Finding{
			ID: "shadow:" + k.Service + "->" + k.Peer, Kind: KindShadow, Severity: SeverityWarning,
			Systems: sortedKeys(map[string]bool{src: true, dst: true}), Team: systemOwner(cat, dst, src),
			FirstSeen: first, LastSeen: last, Volume: vol, VolumeUnit: unit, Shadow: d,
		}
		f.Summary = shadowSummary(d, u, vol, unit, f.Team)
		out = append(out, f)
	}
	return out
}

func systemOwner(cat *catalog.Catalog, ids ...string) string {
	for _, id := range ids {
		if s := cat.Systems[id]; s != nil && s.Owner != "" {
			return s.Owner
		}
	}
	return ""
}

func endpoint(name, system string) string {
	switch {
	case name == "":
		return "an unnamed service"
	case system != "" && system != name:
		return name + " (" + system + ")"
	}
	return name
}

func shadowSummary(d *ShadowDetail, u *usage, vol uint64, unit, team string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Uncatalogued traffic: %s", endpoint(d.Service, d.SourceSystem))
	if d.Peer != "" {
		fmt.Fprintf(&b, " calling %s", endpoint(d.Peer, d.TargetSystem))
	}
	fmt.Fprintf(&b, ", %s from %s to %s, that no catalog entry claims.", plural(vol, strings.TrimSuffix(unit, "s"), unit), hourText(u.First), hourText(u.Last))
	b.WriteString(" Find its owner and catalogue it (a draft entry is attached) or switch it off")
	if team != "" {
		fmt.Fprintf(&b, "; %s owns the systems it touches", team)
	}
	b.WriteString(".")
	return b.String()
}

// draftName is a valid integration id for the flow: source-to-target.
func draftName(d *ShadowDetail) string {
	src := first(d.SourceSystem, slug(d.Service))
	dst := first(d.TargetSystem, slug(d.Peer))
	name := "shadow-flow"
	switch {
	case src != "" && dst != "":
		name = src + "-to-" + dst
	case src != "":
		name = src + "-flow"
	case dst != "":
		name = "to-" + dst
	}
	if len(name) > 128 {
		name = strings.TrimRight(name[:128], "-._")
	}
	return name
}

// draftEntry writes the catalog entry the ICoE can start from.
func draftEntry(d *ShadowDetail, u *usage) string {
	var b strings.Builder
	arrow := endpoint(d.Service, "")
	if d.Peer != "" {
		arrow += " → " + d.Peer
	}
	fmt.Fprintf(&b, "# Draft catalog entry for the shadow flow %s,\n", oneLine(arrow))
	b.WriteString("# written by intops from its traffic. The caller (service.name) is taken as\n")
	b.WriteString("# the source and the called peer (peer.service) as the target: swap them if\n")
	b.WriteString("# data flows the other way. Fill in the TODOs, then add it to the catalog.\n")
	fmt.Fprintf(&b, "apiVersion: %s\nkind: Integration\nmetadata:\n", catalog.APIVersion)
	fmt.Fprintf(&b, "  name: %s\n", draftName(d))
	fmt.Fprintf(&b, "  title: %s\n", yamlScalar(strings.TrimPrefix(arrow, "an unnamed service → ")+" (found by intops)"))
	desc := fmt.Sprintf("Found by intops as unattributed traffic between %s and %s: %s (%s failed) in that time.",
		hourText(u.First), hourText(u.Last), plural(u.Executions, "execution", "executions"), formatCount(u.Failed))
	fmt.Fprintf(&b, "  description: %s\n", yamlScalar(desc))
	b.WriteString("spec:\n")
	if d.SourceSystem != "" {
		fmt.Fprintf(&b, "  source: %s\n", d.SourceSystem)
	} else {
		if d.Service == "" {
			b.WriteString("  # source: TODO (the spans name no service.name)\n")
		} else {
			fmt.Fprintf(&b, "  # source: TODO (%s is not a catalogued system)\n", oneLine(d.Service))
		}
	}
	if d.TargetSystem != "" {
		fmt.Fprintf(&b, "  targets: [%s]\n", d.TargetSystem)
	} else {
		if d.Peer == "" {
			b.WriteString("  # targets: [TODO] (the spans name no peer.service)\n")
		} else {
			fmt.Fprintf(&b, "  # targets: [TODO] (%s is not a catalogued system)\n", oneLine(d.Peer))
		}
	}
	b.WriteString("  # mechanism, pattern, dataDomains, tier: TODO\n")
	b.WriteString("  owner: TODO # the team that will own and operate this flow\n")
	b.WriteString("  lifecycle: production\n")
	var conds []string
	if d.Service != "" {
		conds = append(conds, intops.AttrServiceName+": "+yamlScalar(d.Service))
	}
	if d.Peer != "" {
		conds = append(conds, intops.AttrPeerService+": "+yamlScalar(d.Peer))
	}
	if len(conds) > 0 {
		b.WriteString("  match:\n")
		for i, c := range conds {
			if i == 0 {
				b.WriteString("    - " + c + "\n")
			} else {
				b.WriteString("      " + c + "\n")
			}
		}
	} else {
		b.WriteString("  # match: TODO (the spans carry neither service.name nor peer.service)\n")
	}
	return b.String()
}

// oneLine makes s safe inside a YAML comment.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

// yamlScalar writes s as a YAML scalar on one line, quoted when it has
// to be.
func yamlScalar(s string) string {
	if strings.ContainsAny(s, "\r\n") {
		return strconv.Quote(s) // YAML double quotes take Go's escapes
	}
	out, err := yaml.Marshal(s)
	if err != nil {
		return fmt.Sprintf("%q", s)
	}
	return strings.TrimSuffix(string(out), "\n")
}

func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
