package estate

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/a-h/templ"

	"github.com/intops/intops"
	"github.com/intops/intops/ui/internal/web"
)

// estateFilter is the overview's query: every field is a GET parameter,
// so a filtered view is a URL that can be shared.
type estateFilter struct {
	Team, System, Tier, Lifecycle, Q string
	Sort                             string // worst (default), name, volume
}

func estateFilterOf(q url.Values) estateFilter {
	f := estateFilter{Team: q.Get("team"), System: q.Get("system"), Tier: q.Get("tier"),
		Lifecycle: q.Get("lifecycle"), Q: strings.TrimSpace(q.Get("q")), Sort: q.Get("sort")}
	if f.Sort != "name" && f.Sort != "volume" {
		f.Sort = "worst"
	}
	return f
}

func (f estateFilter) match(in *intops.Integration) bool {
	if f.Team != "" && in.Owner != f.Team {
		return false
	}
	if f.System != "" && in.Source != f.System && !slices.Contains(in.Targets, f.System) {
		return false
	}
	if f.Tier != "" && strconv.Itoa(in.Tier) != f.Tier {
		return false
	}
	if f.Lifecycle != "" && string(in.Lifecycle) != f.Lifecycle {
		return false
	}
	if f.Q != "" {
		q := strings.ToLower(f.Q)
		if !strings.Contains(strings.ToLower(in.ID), q) && !strings.Contains(strings.ToLower(in.Title), q) {
			return false
		}
	}
	return true
}

// estateRow is one integration of the overview.
type estateRow struct {
	ID, Title, Source, Targets, Team, Lifecycle string
	Tier                                        int
	SLO                                         web.SLOSummary
	Anomalies                                   int
	Incident                                    *web.IncidentView
	Executions, Failures                        uint64
	rank                                        int
}

// health is the row's place in "worst first": a page (SLO or incident),
// a ticket, open anomalies, no data, ok, and last integrations without
// SLOs or signals.
func (r *estateRow) health() int {
	sev := ""
	if r.Incident != nil {
		sev = r.Incident.Severity
	}
	switch {
	case r.SLO.Status == "page" || sev == "page":
		return 0
	case r.SLO.Status == "ticket" || sev != "":
		return 1
	case r.Anomalies > 0:
		return 2
	case r.SLO.Status == "no_data":
		return 3
	case r.SLO.Status == "ok":
		return 4
	}
	return 5
}

// estateModel is everything the overview renders.
type estateModel struct {
	Filter                            estateFilter
	Rows                              []estateRow
	Total                             int
	Teams, Systems, Tiers, Lifecycles []web.Option
	Warnings                          []string
}

// Page serves the overview, the page everyone opens first: one
// render serves all who ask within a moment (web.SharedPages).
func (h *Handlers) Page(w http.ResponseWriter, r *http.Request) {
	h.RenderShared(w, r, func(r *http.Request) templ.Component { return estatePage(h.estate(r)) })
}

// estate builds the overview with one read of each source, whatever the
// number of integrations: counts, SLOs, anomalies and incidents become
// maps by integration id before the rows are made.
func (h *Handlers) estate(r *http.Request) estateModel {
	ctx := r.Context()
	now := h.Now()
	f := estateFilterOf(r.URL.Query())
	m := estateModel{Filter: f}
	cat := h.Catalog.Current()

	var counts map[string]intops.Traffic
	read, err := h.Counts.LastHour(ctx, now)
	if err == nil {
		counts = read.Counts
	}
	if err != nil {
		h.Logger.Error("read integration counts", "err", err)
		m.Warnings = append(m.Warnings, "ClickHouse is unavailable: executions and failures are not shown.")
	}
	slos := web.SLOSummaries(h.SLOs)
	anomalies := map[string]int{}
	if h.Anomalies != nil {
		for _, st := range h.Anomalies.Open() {
			anomalies[st.Integration]++
		}
	}
	incidents := map[string]*web.IncidentView{}
	open, _, err := h.IncidentsSince(ctx, h.Alerts, now)
	if err != nil {
		h.Logger.Error("read incidents", "err", err)
		m.Warnings = append(m.Warnings, "Alerting is unavailable: open incidents are not shown.")
	}
	for i := range open { // worst first: keep the first per integration
		if _, ok := incidents[open[i].Integration]; !ok {
			incidents[open[i].Integration] = &open[i]
		}
	}

	teams, systems, tiers := map[string]bool{}, map[string]bool{}, map[int]bool{}
	for _, in := range cat.All() {
		teams[in.Owner] = true
		systems[in.Source] = true
		for _, t := range in.Targets {
			systems[t] = true
		}
		tiers[in.Tier] = true
		if !f.match(in) {
			continue
		}
		c := counts[in.ID]
		row := estateRow{ID: in.ID, Title: web.First(in.Title, in.ID), Source: in.Source, Targets: strings.Join(in.Targets, ", "),
			Team: in.Owner, Lifecycle: string(in.Lifecycle), Tier: in.Tier, Anomalies: anomalies[in.ID],
			Incident: incidents[in.ID], Executions: c.Executions, Failures: c.Failed}
		if a := slos[in.ID]; a != nil {
			row.SLO = *a
		}
		row.rank = row.health()
		m.Rows = append(m.Rows, row)
	}
	m.Total = len(cat.All())
	// Sorted by pointer: a row is too large to move around at each swap.
	order := make([]*estateRow, len(m.Rows))
	for i := range m.Rows {
		order[i] = &m.Rows[i]
	}
	switch f.Sort {
	case "name":
		slices.SortFunc(order, func(a, b *estateRow) int { return cmp.Compare(a.ID, b.ID) })
	case "volume":
		slices.SortFunc(order, func(a, b *estateRow) int {
			return cmp.Or(cmp.Compare(b.Executions, a.Executions), cmp.Compare(a.ID, b.ID))
		})
	default:
		slices.SortFunc(order, func(a, b *estateRow) int {
			return cmp.Or(cmp.Compare(a.rank, b.rank), cmp.Compare(a.SLO.Budget, b.SLO.Budget),
				cmp.Compare(b.Failures, a.Failures), cmp.Compare(a.ID, b.ID))
		})
	}
	sorted := make([]estateRow, len(order))
	for i, r := range order {
		sorted[i] = *r
	}
	m.Rows = sorted

	m.Teams = web.TeamOptions(cat, teams)
	for sys := range systems {
		if sys == "" {
			continue
		}
		m.Systems = append(m.Systems, web.Option{Value: sys, Label: cat.SystemTitle(sys)})
	}
	for t := range tiers {
		m.Tiers = append(m.Tiers, web.Option{Value: strconv.Itoa(t), Label: "Tier " + strconv.Itoa(t)})
	}
	for _, l := range intops.Lifecycles {
		m.Lifecycles = append(m.Lifecycles, web.Option{Value: string(l), Label: string(l)})
	}
	byLabel := func(a, b web.Option) int { return cmp.Or(cmp.Compare(a.Label, b.Label), cmp.Compare(a.Value, b.Value)) }
	slices.SortFunc(m.Systems, byLabel)
	slices.SortFunc(m.Tiers, func(a, b web.Option) int { return cmp.Compare(a.Value, b.Value) })
	return m
}

// sortURL is the current view sorted another way.
func (f estateFilter) sortURL(sort string) string {
	q := url.Values{}
	for k, v := range map[string]string{"team": f.Team, "system": f.System, "tier": f.Tier, "lifecycle": f.Lifecycle, "q": f.Q} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if sort != "worst" {
		q.Set("sort", sort)
	}
	if len(q) == 0 {
		return "/"
	}
	return "/?" + q.Encode()
}
