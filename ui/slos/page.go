package slos

import (
	"cmp"
	"net/http"
	"slices"

	"github.com/intops/intops/ui/internal/web"
)

// sloFilter is the SLO page's query (GET parameters).
type sloFilter struct{ Status, Team, Integration string }

// sloRow is one SLO of the /slos page.
type sloRow struct {
	web.SLOView
	Integration, IntegrationTitle, Team string
	Evaluated                           string
}

type slosModel struct {
	Filter                        sloFilter
	Rows                          []sloRow
	Total                         int
	Statuses, Teams, Integrations []web.Option
	Warnings                      []string
}

// Page serves /slos[?status=&team=&integration=]: the SLOs, worst first.
func (h *Handlers) Page(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	m := slosModel{Filter: sloFilter{Status: q.Get("status"), Team: q.Get("team"), Integration: q.Get("integration")}}
	cat := h.Catalog.Current()
	if h.SLOs == nil {
		m.Warnings = append(m.Warnings, "SLO evaluation is not running: no SLO to show.")
	}
	teams, integrations := map[string]bool{}, map[string]bool{}
	if h.SLOs != nil {
		now := h.Now()
		for _, st := range h.SLOs.Results() {
			m.Total++
			row := sloRow{SLOView: web.SLOViewOf(st), Integration: st.SLO.Integration, IntegrationTitle: st.SLO.Integration}
			if in := cat.Integration(st.SLO.Integration); in != nil {
				row.IntegrationTitle, row.Team = web.First(in.Title, in.ID), in.Owner
			}
			if !st.EvaluatedAt.IsZero() {
				row.Evaluated = web.Ago(now, st.EvaluatedAt)
			}
			teams[row.Team], integrations[row.Integration] = true, true
			f := m.Filter
			if (f.Status != "" && row.Status != f.Status) || (f.Team != "" && row.Team != f.Team) ||
				(f.Integration != "" && row.Integration != f.Integration) {
				continue
			}
			m.Rows = append(m.Rows, row)
		}
	}
	for _, sl := range notEvaluated(cat, h.SLOs) {
		m.Warnings = append(m.Warnings, "SLO "+sl.Name+" ("+sl.Integration+") is not evaluated: "+sl.NotEvaluated+".")
	}
	// Worst first: page, ticket, no data, ok; then the least budget left.
	slices.SortFunc(m.Rows, func(a, b sloRow) int {
		return cmp.Or(cmp.Compare(rankOf(a.Status), rankOf(b.Status)), cmp.Compare(a.Budget, b.Budget), cmp.Compare(a.ID, b.ID))
	})
	for _, st := range []string{"page", "ticket", "no_data", "ok"} {
		m.Statuses = append(m.Statuses, web.Option{Value: st, Label: web.SLOLabel(web.SLOSummary{Status: st})})
	}
	m.Teams = web.TeamOptions(cat, teams)
	for id := range integrations {
		if id != "" {
			m.Integrations = append(m.Integrations, web.Option{Value: id, Label: id})
		}
	}
	slices.SortFunc(m.Integrations, func(a, b web.Option) int { return cmp.Compare(a.Value, b.Value) })
	h.Render(w, r, http.StatusOK, slosPage(m))
}

// rankOf places unknown statuses after ok.
func rankOf(status string) int {
	if r, ok := web.SLORank[status]; ok {
		return r
	}
	return len(web.SLORank)
}
