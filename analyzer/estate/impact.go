package estate

import (
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/catalog"
)

// ErrUnknownSystem is returned by Impact for a system that neither the
// catalog nor any integration names.
var ErrUnknownSystem = errors.New("unknown system")

// SystemImpact is a system's blast radius: what breaks, and whom to tell, when
// it is down or changes.
type SystemImpact struct {
	System string `json:"system"`
	Title  string `json:"title"`
	Kind   string `json:"kind"`
	Owner  string `json:"owner"`
	// Catalogued is false for a system that integrations name but the
	// catalog does not define.
	Catalogued   bool                  `json:"catalogued"`
	Integrations []ImpactedIntegration `json:"integrations"`
	// ShadowFlows is the uncatalogued traffic that touches the system.
	ShadowFlows []ShadowFlow `json:"shadow_flows"`
	// Teams owns the affected integrations, sorted.
	Teams []string `json:"teams"`
	// SLOs names every SLO of the affected integrations, sorted.
	SLOs []string `json:"slos"`
}

// ImpactedIntegration is one integration that reads from or writes to the
// system.
type ImpactedIntegration struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	// Role is source, target or both.
	Role      string   `json:"role"`
	Source    string   `json:"source"`
	Targets   []string `json:"targets"`
	Team      string   `json:"team"`
	Tier      int      `json:"tier"`
	Lifecycle string   `json:"lifecycle"`
	SLOs      []string `json:"slos"`
	// Executions over the window of traffic read (0 without traffic).
	Executions uint64 `json:"executions"`
}

// ShadowFlow is unattributed traffic between a service and a peer.
type ShadowFlow struct {
	Service      string     `json:"service"`
	Peer         string     `json:"peer"`
	SourceSystem string     `json:"source_system"`
	TargetSystem string     `json:"target_system"`
	Executions   uint64     `json:"executions"`
	Spans        uint64     `json:"spans"`
	FirstSeen    *time.Time `json:"first_seen"`
	LastSeen     *time.Time `json:"last_seen"`
}

// Impact lists every integration that has the system as source or target
// (retired ones only when they still carry traffic), the shadow flows that
// touch it, the teams that own them and their SLOs. traffic may be nil.
// A system that neither the catalog nor an integration names is an
// ErrUnknownSystem.
func Impact(cat *catalog.Catalog, systemID string, traffic []intops.Traffic) (*SystemImpact, error) {
	used := byIntegration(traffic)
	out := &SystemImpact{System: systemID, Integrations: []ImpactedIntegration{}, ShadowFlows: []ShadowFlow{}, Teams: []string{}, SLOs: []string{}}
	if s := cat.Systems[systemID]; s != nil {
		out.Catalogued, out.Title, out.Kind, out.Owner = true, s.Title, s.Kind, s.Owner
	}
	slos := map[string][]string{}
	for _, s := range cat.SLOs {
		slos[s.Integration] = append(slos[s.Integration], s.Name)
	}
	teams, allSLOs := map[string]bool{}, map[string]bool{}
	named := false
	for _, in := range cat.Integrations {
		var src, dst bool
		src = in.Source == systemID
		for _, t := range in.Targets {
			dst = dst || t == systemID
		}
		if !src && !dst {
			continue
		}
		named = true
		u := used[in.ID]
		if in.Lifecycle == intops.LifecycleRetired && (u == nil || u.Executions == 0) {
			continue
		}
		role := "source"
		switch {
		case src && dst:
			role = "both"
		case dst:
			role = "target"
		}
		ii := ImpactedIntegration{ID: in.ID, Title: in.Title, Role: role, Source: in.Source, Targets: in.Targets,
			Team: in.Owner, Tier: in.Tier, Lifecycle: string(in.Lifecycle), SLOs: append([]string{}, slos[in.ID]...)}
		sort.Strings(ii.SLOs)
		if u != nil {
			ii.Executions = u.Executions
		}
		teams[in.Owner] = true
		for _, s := range ii.SLOs {
			allSLOs[s] = true
		}
		out.Integrations = append(out.Integrations, ii)
	}
	if !out.Catalogued && !named {
		return nil, fmt.Errorf("%w %q", ErrUnknownSystem, systemID)
	}
	sort.Slice(out.Integrations, func(i, j int) bool { return out.Integrations[i].ID < out.Integrations[j].ID })
	res := newResolver(cat)
	flows := unattributed(traffic)
	for k, u := range flows {
		src, dst := res.system(k.Service), res.system(k.Peer)
		if src != systemID && dst != systemID && k.Service != systemID && k.Peer != systemID {
			continue
		}
		first, last := u.seenRange()
		out.ShadowFlows = append(out.ShadowFlows, ShadowFlow{Service: k.Service, Peer: k.Peer, SourceSystem: src, TargetSystem: dst,
			Executions: u.Executions, Spans: u.Spans, FirstSeen: first, LastSeen: last})
	}
	sort.Slice(out.ShadowFlows, func(i, j int) bool {
		a, b := out.ShadowFlows[i], out.ShadowFlows[j]
		if a.Service != b.Service {
			return a.Service < b.Service
		}
		return a.Peer < b.Peer
	})
	out.Teams, out.SLOs = sortedKeys(teams), sortedKeys(allSLOs)
	return out, nil
}
