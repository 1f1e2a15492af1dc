package estate

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/intops/intops"
	"github.com/intops/intops/catalog"
)

// ComplexityDetail measures the estate against point-to-point sprawl.
type ComplexityDetail struct {
	// Systems counts the catalogued systems and any system an integration
	// or observed connection names that the catalog lacks.
	Systems int `json:"systems"`
	// Connections counts distinct unordered pairs of systems linked by a
	// running catalogued integration or by observed shadow traffic.
	Connections int `json:"connections"`
	// ObservedConnections are the connections only shadow traffic shows.
	ObservedConnections int `json:"observed_connections"`
	// Ceiling is n(n-1)/2: the connections full point-to-point
	// connectivity of the systems would need.
	Ceiling int `json:"ceiling"`
	// ConnectionShare is Connections / Ceiling.
	ConnectionShare float64 `json:"connection_share"`
	// Integrations counts the running integrations: production or
	// deprecated, or any other that carried traffic.
	Integrations int `json:"integrations"`
	// HubShare is the share of those integrations that touch a hub.
	HubShare float64 `json:"hub_share"`
	// Hubs are the most connected systems, most connected first.
	Hubs []Hub `json:"hubs"`
}

// Hub is one of the most connected systems.
type Hub struct {
	System       string `json:"system"`
	Connections  int    `json:"connections"`
	Integrations int    `json:"integrations"`
}

// running reports whether an integration counts as part of the estate
// that runs: production or deprecated, or any that carried traffic.
func running(in *intops.Integration, u *usage) bool {
	if in.Lifecycle == intops.LifecycleProduction || in.Lifecycle == intops.LifecycleDeprecated {
		return true
	}
	return u != nil && (u.Executions > 0 || u.Spans > 0)
}

type pair struct{ a, b string }

func newPair(x, y string) pair {
	if x > y {
		x, y = y, x
	}
	return pair{x, y}
}

// Complexity is the one estate-wide finding: how many systems, how many
// of their possible point-to-point connections are in use, and how much
// of the estate runs through its top `hubs` systems.
func Complexity(cat *catalog.Catalog, traffic []intops.Traffic, hubs int) Finding {
	if hubs <= 0 {
		hubs = DefaultHubs
	}
	used := byIntegration(traffic)
	systems := map[string]bool{}
	for id := range cat.Systems {
		systems[id] = true
	}
	conns := map[pair]bool{}
	integrationsOf := map[string]int{}
	var runningIns []*intops.Integration
	var total usage
	for _, in := range cat.Integrations {
		u := used[in.ID]
		if !running(in, u) {
			continue
		}
		runningIns = append(runningIns, in)
		if u != nil {
			total.add(intops.Traffic{Spans: u.Spans, Executions: u.Executions, FirstSeen: u.First, LastSeen: u.Last})
		}
		for _, s := range integrationSystems(in) {
			systems[s] = true
			integrationsOf[s]++
		}
		for _, t := range in.Targets {
			if in.Source != "" && t != "" && t != in.Source {
				conns[newPair(in.Source, t)] = true
			}
		}
	}
	res := newResolver(cat)
	observed := 0
	for k, u := range unattributed(traffic) {
		src, dst := res.system(k.Service), res.system(k.Peer)
		if src == "" || dst == "" || src == dst || (u.Spans == 0 && u.Executions == 0) {
			continue
		}
		if p := newPair(src, dst); !conns[p] {
			conns[p] = true
			observed++
		}
	}
	degree := map[string]int{}
	for p := range conns {
		degree[p.a]++
		degree[p.b]++
	}
	n := len(systems)
	d := &ComplexityDetail{Systems: n, Connections: len(conns), ObservedConnections: observed,
		Ceiling: n * (n - 1) / 2, Integrations: len(runningIns), Hubs: []Hub{}}
	if d.Ceiling > 0 {
		d.ConnectionShare = round3(float64(d.Connections) / float64(d.Ceiling))
	}
	ranked := make([]string, 0, len(degree))
	for s := range degree {
		ranked = append(ranked, s)
	}
	sort.Slice(ranked, func(i, j int) bool {
		a, b := ranked[i], ranked[j]
		if degree[a] != degree[b] {
			return degree[a] > degree[b]
		}
		if integrationsOf[a] != integrationsOf[b] {
			return integrationsOf[a] > integrationsOf[b]
		}
		return a < b
	})
	if len(ranked) > hubs {
		ranked = ranked[:hubs]
	}
	isHub := map[string]bool{}
	var hubText []string
	for _, s := range ranked {
		isHub[s] = true
		d.Hubs = append(d.Hubs, Hub{System: s, Connections: degree[s], Integrations: integrationsOf[s]})
		hubText = append(hubText, fmt.Sprintf("%s (%d connections)", s, degree[s]))
	}
	touching := 0
	for _, in := range runningIns {
		for _, s := range integrationSystems(in) {
			if isHub[s] {
				touching++
				break
			}
		}
	}
	if len(runningIns) > 0 {
		d.HubShare = round3(float64(touching) / float64(len(runningIns)))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d systems would need %d point-to-point connections to all talk to each other; %d are in use (%.1f%%)",
		n, d.Ceiling, d.Connections, 100*d.ConnectionShare)
	if observed > 0 {
		fmt.Fprintf(&b, ", %d of them seen only in uncatalogued traffic", observed)
	}
	b.WriteString(".")
	if len(d.Hubs) > 0 {
		fmt.Fprintf(&b, " %.0f%% of the %d running integrations touch the top %d hubs: %s.",
			100*d.HubShare, d.Integrations, len(d.Hubs), strings.Join(hubText, ", "))
	}
	vol, unit := total.volume()
	first, last := total.seenRange()
	return Finding{
		ID: "complexity:estate", Kind: KindComplexity, Severity: SeverityInfo, Systems: hubSystems(d.Hubs),
		Summary: b.String(), FirstSeen: first, LastSeen: last, Volume: vol, VolumeUnit: unit, Complexity: d,
	}
}

// hubSystems lists the hubs' ids, most connected first.
func hubSystems(hs []Hub) []string {
	out := make([]string, 0, len(hs))
	for _, h := range hs {
		out = append(out, h.System)
	}
	return out
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }
