package estatemap

import (
	"cmp"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/analyzer/estate"
	"github.com/intops/intops/ui/internal/web"
)

// hubCount is how many of the most connected systems the map lists.
const hubCount = 5

// mapNode is a system of the estate map.
type mapNode struct {
	ID         string  `json:"id"`
	Label      string  `json:"label"`
	Kind       string  `json:"kind"`
	Owner      string  `json:"owner"`
	Catalogued bool    `json:"catalogued"`
	Degree     int     `json:"degree"` // integrations that touch the system
	Sources    int     `json:"sources"`
	Targets    int     `json:"targets"`
	Share      float64 `json:"share"` // degree / integrations on the map
	Hub        bool    `json:"hub"`
}

// mapEdge is an integration from its source to one of its targets.
type mapEdge struct {
	ID          string `json:"id"`
	Source      string `json:"source"`
	Target      string `json:"target"`
	Integration string `json:"integration"`
	Label       string `json:"label"`
	Team        string `json:"team"`
	Tier        int    `json:"tier"`
	Lifecycle   string `json:"lifecycle"`
	// Health is the worst of the integration's SLOs and open incident:
	// page, ticket, no_data, ok, or none without SLO or incident.
	Health string `json:"health"`
	Volume uint64 `json:"volume"` // executions in the last hour
}

// mapGraph is the map's data: GET /map/data.json and the page's JSON block.
type mapGraph struct {
	Nodes        []mapNode `json:"nodes"`
	Edges        []mapEdge `json:"edges"`
	Integrations int       `json:"integrations"`
	MaxDegree    int       `json:"max_degree"`
	MaxVolume    uint64    `json:"max_volume"`
	Selected     string    `json:"selected,omitempty"`
}

// mapModel is what /map renders.
type mapModel struct {
	Graph   mapGraph
	Systems []mapNode // by degree, most connected first
	Hubs    []mapNode
	System  string
	Impact  *estate.SystemImpact
	// Maintenance are the windows in force or in the next 14 days, with
	// the systems and integrations they cover.
	Maintenance []mapWindow
	Warnings    []string
}

// mapWindow is a maintenance window of the map.
type mapWindow struct {
	web.WindowView
	Covers int // integrations it silences
}

// health combines an SLO summary and an incident severity into one status.
func health(s web.SLOSummary, incident string) string {
	switch {
	case s.Status == "page" || incident == "page":
		return "page"
	case s.Status == "ticket" || incident != "":
		return "ticket"
	case s.Status != "":
		return s.Status
	}
	return "none"
}

// graph builds the map from one read of each source. Retired
// integrations are left out unless they carried traffic in the last hour.
func (h *Handlers) graph(r *http.Request) (mapGraph, []string) {
	ctx := r.Context()
	now := h.Now()
	cat := h.Catalog.Current()
	var warns []string
	var counts map[string]intops.Traffic
	read, err := h.Counts.LastHour(ctx, now)
	if err == nil {
		counts = read.Counts
	}
	if err != nil {
		h.Logger.Error("read integration counts", "err", err)
		warns = append(warns, "ClickHouse is unavailable: edge widths (volume) are not shown.")
	}
	slos := web.SLOSummaries(h.SLOs)
	incidents := map[string]string{}
	open, _, err := h.IncidentsSince(ctx, h.Alerts, now)
	if err != nil {
		h.Logger.Error("read incidents", "err", err)
		warns = append(warns, "Alerting is unavailable: open incidents do not colour the edges.")
	}
	for _, iv := range open {
		if cur, ok := incidents[iv.Integration]; !ok || (cur != "page" && iv.Severity == "page") {
			incidents[iv.Integration] = iv.Severity
		}
	}

	g := mapGraph{Nodes: []mapNode{}, Edges: []mapEdge{}}
	nodes := map[string]*mapNode{}
	node := func(id string) *mapNode {
		n := nodes[id]
		if n == nil {
			n = &mapNode{ID: id, Label: id}
			if sy := cat.Systems[id]; sy != nil {
				n.Label, n.Kind, n.Owner, n.Catalogued = web.First(sy.Title, id), sy.Kind, sy.Owner, true
			}
			nodes[id] = n
		}
		return n
	}
	for id := range cat.Systems {
		node(id)
	}
	for _, in := range cat.All() {
		c := counts[in.ID]
		if in.Source == "" || len(in.Targets) == 0 || (in.Lifecycle == intops.LifecycleRetired && c.Executions == 0) {
			continue
		}
		g.Integrations++
		var sum web.SLOSummary
		if a := slos[in.ID]; a != nil {
			sum = *a
		}
		h := health(sum, incidents[in.ID])
		touched := map[string]bool{in.Source: true}
		node(in.Source).Sources++
		for _, t := range in.Targets {
			touched[t] = true
			node(t).Targets++
			g.Edges = append(g.Edges, mapEdge{ID: in.ID + "→" + t, Source: in.Source, Target: t, Integration: in.ID,
				Label: web.First(in.Title, in.ID), Team: in.Owner, Tier: in.Tier, Lifecycle: string(in.Lifecycle), Health: h, Volume: c.Executions})
			g.MaxVolume = max(g.MaxVolume, c.Executions)
		}
		for sys := range touched {
			node(sys).Degree++
		}
	}
	for _, n := range nodes {
		if g.Integrations > 0 {
			n.Share = float64(n.Degree) / float64(g.Integrations)
		}
		g.MaxDegree = max(g.MaxDegree, n.Degree)
		g.Nodes = append(g.Nodes, *n)
	}
	slices.SortFunc(g.Nodes, func(a, b mapNode) int { return cmp.Or(cmp.Compare(b.Degree, a.Degree), cmp.Compare(a.ID, b.ID)) })
	for i := range g.Nodes {
		if i < hubCount && g.Nodes[i].Degree > 0 {
			g.Nodes[i].Hub = true
		}
	}
	return g, warns
}

// Data serves GET /map/data.json[?system=]: the map's graph.
func (h *Handlers) Data(w http.ResponseWriter, r *http.Request) {
	g, _ := h.graph(r)
	g.Selected = r.URL.Query().Get("system")
	web.WriteJSON(w, http.StatusOK, g)
}

// Page serves /map[?system=]: the estate map, its hubs, the maintenance
// windows ahead and, for a system, its change impact.
func (h *Handlers) Page(w http.ResponseWriter, r *http.Request) {
	g, warns := h.graph(r)
	m := mapModel{Graph: g, Systems: g.Nodes, Warnings: warns, System: r.URL.Query().Get("system")}
	for _, n := range g.Nodes {
		if n.Hub {
			m.Hubs = append(m.Hubs, n)
		}
	}
	code := http.StatusOK
	if m.System != "" {
		m.Graph.Selected = m.System
		switch {
		case h.Findings == nil:
			m.Warnings = append(m.Warnings, "The estate analysis is not configured: change impact is not available.")
		default:
			im, err := h.Findings.Impact(r.Context(), m.System)
			switch {
			case errors.Is(err, estate.ErrUnknownSystem):
				code = http.StatusNotFound
				m.Warnings = append(m.Warnings, "No system "+m.System+" in the catalog.")
			case err != nil:
				h.Logger.Error("system impact", "system", m.System, "err", err)
				m.Warnings = append(m.Warnings, "Change impact is unavailable (ClickHouse or the catalog); try again shortly.")
			default:
				m.Impact = im
			}
		}
	}
	if h.Alerts != nil {
		ws, err := h.Alerts.Windows(r.Context(), 14*24*time.Hour)
		if err != nil {
			h.Logger.Error("read maintenance windows", "err", err)
		}
		cat := h.Catalog.Current()
		for _, x := range ws {
			mw := mapWindow{WindowView: web.WindowViewOf(x)}
			for _, in := range cat.All() {
				if x.Matches(cat, in.ID, in.Owner) {
					mw.Covers++
				}
			}
			m.Maintenance = append(m.Maintenance, mw)
		}
	}
	h.Render(w, r, code, mapPage(m))
}

// systemURL is the map with a system's change impact.
func systemURL(id string) string { return "/map?system=" + url.QueryEscape(id) }
