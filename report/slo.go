package report

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/intops/intops/alerting"
	"github.com/intops/intops/analyzer/slo"
	"github.com/intops/intops/catalog"
)

// SLOReport is SLO attainment over a period, for the estate, per team and
// per tier, with the incidents, the worst integrations and the trend.
type SLOReport struct {
	Kind        string    `json:"kind"` // "slo"
	Period      Period    `json:"period"`
	GeneratedAt time.Time `json:"generated_at"`
	// DataFrom is where the hourly history begins (null: no data at all).
	DataFrom *time.Time `json:"data_from"`
	// Skipped SLOs are invalid in the catalog (catalog lint says why).
	Skipped int `json:"skipped_slos"`
	// Estate is the period's figures; Trend the estate's figures in the
	// previous periods and this one, oldest first.
	Estate    Figures          `json:"estate"`
	Trend     []Figures        `json:"trend"`
	Teams     []Group          `json:"teams"`
	Tiers     []Group          `json:"tiers"`
	Worst     []IntegrationRow `json:"worst_integrations"`
	SLOs      []SLORow         `json:"slos"`
	Incidents []IncidentRow    `json:"incidents"`
}

// Figures are a scope's headline numbers over one period.
type Figures struct {
	Period string `json:"period"`
	// Partial: the period has not ended (figures so far). PartialData:
	// the history begins inside it.
	Partial     bool `json:"partial"`
	PartialData bool `json:"partial_data"`
	SLOs        int  `json:"slos"`
	Met         int  `json:"met"`
	Missed      int  `json:"missed"`
	NoData      int  `json:"no_data"`
	// MetShare is met / (met + missed): null when no SLO had events.
	MetShare *float64 `json:"met_share"`
	// WorstBudget is the largest share of an error budget consumed.
	WorstBudget     *float64 `json:"worst_budget_consumed"`
	Incidents       int      `json:"incidents"`
	Pages           int      `json:"pages"`
	Open            int      `json:"open_incidents"`
	IncidentMinutes float64  `json:"incident_minutes"`
	MTTAMinutes     *float64 `json:"mtta_minutes"`
	MTTRMinutes     *float64 `json:"mttr_minutes"`
}

// Group is a team's or a tier's figures, with their trend.
type Group struct {
	Key   string `json:"key"` // the team, or tier-1 … tier-3, no-tier
	Title string `json:"title"`
	Figures
	Trend []Figures `json:"trend"`
}

// SLORow is one SLO over the period.
type SLORow struct {
	Name             string  `json:"name"`
	Title            string  `json:"title"`
	Integration      string  `json:"integration"`
	IntegrationTitle string  `json:"integration_title"`
	Team             string  `json:"team"`
	Tier             int     `json:"tier"`
	SLI              string  `json:"sli"`
	Objective        float64 `json:"objective"`
	Window           string  `json:"window"`
	Events           float64 `json:"events"`
	// Attainment is good / total events over the period; null without
	// events.
	Attainment     *float64 `json:"attainment"`
	Status         string   `json:"status"` // met, missed, no_data
	BudgetConsumed *float64 `json:"budget_consumed"`
	// Trend is the attainment in the previous periods, oldest first.
	Trend []*float64 `json:"trend"`
}

// IntegrationRow is one of the worst integrations of the period.
type IntegrationRow struct {
	Integration string `json:"integration"`
	Title       string `json:"title"`
	Team        string `json:"team"`
	Tier        int    `json:"tier"`
	SLOs        int    `json:"slos"`
	Missed      int    `json:"missed"`
	// WorstSLO consumed the largest share of its budget: BudgetConsumed.
	WorstSLO        string  `json:"worst_slo"`
	BudgetConsumed  float64 `json:"budget_consumed"`
	Incidents       int     `json:"incidents"`
	IncidentMinutes float64 `json:"incident_minutes"`
}

// IncidentRow is an incident opened in the period.
type IncidentRow struct {
	ID          string     `json:"id"`
	Integration string     `json:"integration"`
	Title       string     `json:"title"`
	Team        string     `json:"team"`
	Tier        int        `json:"tier"`
	Severity    string     `json:"severity"`
	OpenedAt    time.Time  `json:"opened_at"`
	AckedAt     *time.Time `json:"acknowledged_at"`
	ResolvedAt  *time.Time `json:"resolved_at"`
	// Minutes it lasted (until now when still open).
	Minutes float64 `json:"minutes"`
	Open    bool    `json:"open"`
	// Alerts are the keys of its alerts (slo/…, anomaly/…).
	Alerts []string `json:"alerts"`
}

// Unowned is the team key of integrations without an owner.
const Unowned = "(unowned)"

// SLOReport computes the SLO report of a period and its trend.
func (s *Service) SLOReport(ctx context.Context, p Period) (*SLOReport, error) {
	now := s.now()
	if !p.Start().Before(now) {
		return nil, fmt.Errorf("%w: %s begins %s", ErrNotStarted, p, p.Start().Format(time.RFC3339))
	}
	periods := p.Back(s.trend())
	spans := make([]span, len(periods))
	for k, q := range periods {
		spans[k] = span{q.Start(), minTime(q.End(), now)}
	}
	cat := s.Catalog()
	defs, skipped := measurable(cat)
	tallies, err := measure(ctx, s.Store, defs, func(int) []span { return spans })
	if err != nil {
		return nil, err
	}
	r := &SLOReport{Kind: "slo", Period: p, GeneratedAt: now.UTC(), Skipped: skipped, SLOs: []SLORow{}, Incidents: []IncidentRow{}}
	first, err := s.Store.EarliestHour(ctx)
	if err != nil {
		return nil, err
	}
	if !first.IsZero() {
		r.DataFrom = &first
	}
	var incs []alerting.Incident
	if s.Incidents != nil {
		if incs, err = s.Incidents.Opened(ctx, spans[0].From, spans[len(spans)-1].To); err != nil {
			return nil, fmt.Errorf("read incidents: %w", err)
		}
	}
	// Per period: each SLO's row, each incident; then grouped.
	cur := len(periods) - 1
	rows := make([][]SLORow, len(periods))
	for i, d := range defs {
		for k := range periods {
			rows[k] = append(rows[k], sloRow(d, tallies[i][k]))
		}
	}
	byPeriod := make([][]alerting.Incident, len(periods))
	for _, in := range incs {
		if in.Integration == "" {
			continue // shadow-flow findings: governance, not operations
		}
		for k, sp := range spans {
			if !in.OpenedAt.Before(sp.From) && in.OpenedAt.Before(sp.To) {
				byPeriod[k] = append(byPeriod[k], in)
			}
		}
	}
	teamOf := func(team string) string { return cmp.Or(team, Unowned) }
	tierOf := func(tier int) string {
		if tier < 1 {
			return "no-tier"
		}
		return "tier-" + strconv.Itoa(tier)
	}
	incTier := func(in *alerting.Incident) string {
		if ig := cat.Integration(in.Integration); ig != nil {
			return tierOf(ig.Tier)
		}
		return tierOf(0)
	}
	type scope struct {
		slo func(SLORow) string
		inc func(*alerting.Incident) string
	}
	scopes := map[string]scope{
		"estate": {func(SLORow) string { return "estate" }, func(*alerting.Incident) string { return "estate" }},
		"team":   {func(r SLORow) string { return teamOf(r.Team) }, func(in *alerting.Incident) string { return teamOf(in.Team) }},
		"tier":   {func(r SLORow) string { return tierOf(r.Tier) }, incTier},
	}
	// figures[scope][key][period]
	figures := map[string]map[string][]Figures{}
	for name, sc := range scopes {
		by := map[string][]Figures{}
		get := func(key string) []Figures {
			if by[key] == nil {
				by[key] = make([]Figures, len(periods))
				for k, q := range periods {
					by[key][k].Period = q.String()
					by[key][k].Partial = q.End().After(now)
					by[key][k].PartialData = first.IsZero() || first.After(q.Start())
				}
			}
			return by[key]
		}
		for k := range periods {
			for _, row := range rows[k] {
				get(sc.slo(row))[k].addSLO(row)
			}
			for _, st := range alerting.StatsBy(byPeriod[k], sc.inc) {
				f := &get(st.Team)[k]
				f.Incidents = st.Incidents
				if st.Acknowledged > 0 {
					f.MTTAMinutes = ptr(st.MTTA.Minutes())
				}
				if st.Resolved > 0 {
					f.MTTRMinutes = ptr(st.MTTR.Minutes())
				}
			}
			for i := range byPeriod[k] {
				in := &byPeriod[k][i]
				f := &get(sc.inc(in))[k]
				f.IncidentMinutes = round(f.IncidentMinutes + incidentDuration(in, now).Minutes())
				if in.Severity == "page" {
					f.Pages++
				}
				if in.Open() {
					f.Open++
				}
			}
		}
		if name == "estate" {
			get("estate")
		}
		figures[name] = by
	}
	r.Trend = figures["estate"]["estate"]
	r.Estate = r.Trend[cur]
	group := func(name string, title func(string) string) []Group {
		out := []Group{}
		for key, fs := range figures[name] {
			out = append(out, Group{Key: key, Title: title(key), Figures: fs[cur], Trend: fs})
		}
		slices.SortFunc(out, func(a, b Group) int { return cmp.Compare(a.Key, b.Key) })
		return out
	}
	r.Teams = group("team", func(k string) string { return teamTitle(cat, k) })
	r.Tiers = group("tier", func(k string) string {
		if k == "no-tier" {
			return "No tier"
		}
		return "Tier " + k[len("tier-"):]
	})
	for i := range rows[cur] {
		row := rows[cur][i]
		row.Trend = []*float64{}
		for k := range cur {
			row.Trend = append(row.Trend, rows[k][i].Attainment)
		}
		r.SLOs = append(r.SLOs, row)
	}
	slices.SortStableFunc(r.SLOs, func(a, b SLORow) int {
		return cmp.Or(cmp.Compare(a.Team, b.Team), cmp.Compare(a.Integration, b.Integration), cmp.Compare(a.Name, b.Name))
	})
	for i := range byPeriod[cur] {
		r.Incidents = append(r.Incidents, incidentRow(cat, &byPeriod[cur][i], now))
	}
	r.Worst = worst(cat, r.SLOs, r.Incidents)
	return r, nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func teamTitle(cat *catalog.Catalog, team string) string {
	if t := cat.Teams[team]; t != nil && t.Title != "" {
		return t.Title
	}
	return team
}

func sloRow(d sloDef, t tally) SLORow {
	row := SLORow{Name: d.Name, Title: cmp.Or(d.Title, d.Name), Integration: d.Integration.ID,
		IntegrationTitle: cmp.Or(d.Integration.Title, d.Integration.ID), Team: d.Integration.Owner, Tier: d.Integration.Tier,
		SLI: string(d.SLI.Kind), Objective: d.Objective, Window: d.Window.Text, Events: math.Round(t.Total*1000) / 1000, Status: "no_data"}
	if t.Total > 0 {
		row.Attainment = ptr(t.Good / t.Total)
		row.BudgetConsumed = ptr(slo.BudgetConsumed(d.Objective, t.Good, t.Total))
		row.Status = "missed"
		if slo.Met(d.Objective, t.Good, t.Total) {
			row.Status = "met"
		}
	}
	return row
}

func (f *Figures) addSLO(r SLORow) {
	f.SLOs++
	switch r.Status {
	case "met":
		f.Met++
	case "missed":
		f.Missed++
	default:
		f.NoData++
	}
	if f.Met+f.Missed > 0 {
		f.MetShare = ptr(float64(f.Met) / float64(f.Met+f.Missed))
	}
	if r.BudgetConsumed != nil && (f.WorstBudget == nil || *r.BudgetConsumed > *f.WorstBudget) {
		f.WorstBudget = ptr(*r.BudgetConsumed)
	}
}

// incidentDuration is how long an incident lasted, or has lasted so far.
func incidentDuration(in *alerting.Incident, now time.Time) time.Duration {
	if !in.ResolvedAt.IsZero() {
		return in.ResolvedAt.Sub(in.OpenedAt)
	}
	return now.Sub(in.OpenedAt)
}

func incidentRow(cat *catalog.Catalog, in *alerting.Incident, now time.Time) IncidentRow {
	row := IncidentRow{ID: in.ID, Integration: in.Integration, Title: in.Integration, Team: cmp.Or(in.Team, Unowned),
		Severity: in.Severity, OpenedAt: in.OpenedAt.UTC(), Minutes: minutes(incidentDuration(in, now)), Open: in.Open(), Alerts: []string{}}
	if ig := cat.Integration(in.Integration); ig != nil {
		row.Title, row.Tier = cmp.Or(ig.Title, ig.ID), ig.Tier
	}
	if !in.FirstAck.IsZero() {
		t := in.FirstAck.UTC()
		row.AckedAt = &t
	}
	if !in.ResolvedAt.IsZero() {
		t := in.ResolvedAt.UTC()
		row.ResolvedAt = &t
	}
	for _, a := range in.Alerts {
		row.Alerts = append(row.Alerts, a.Key)
	}
	return row
}

// worstCount is how many integrations the worst list shows.
const worstCount = 10

// worst ranks the integrations that missed SLOs, spent budget or had
// incidents: most SLOs missed, then the largest share of a budget
// consumed, then the longest incidents.
func worst(cat *catalog.Catalog, slos []SLORow, incs []IncidentRow) []IntegrationRow {
	by := map[string]*IntegrationRow{}
	get := func(id string) *IntegrationRow {
		if by[id] == nil {
			row := &IntegrationRow{Integration: id, Title: id}
			if ig := cat.Integration(id); ig != nil {
				row.Title, row.Team, row.Tier = cmp.Or(ig.Title, ig.ID), cmp.Or(ig.Owner, Unowned), ig.Tier
			}
			by[id] = row
		}
		return by[id]
	}
	for _, s := range slos {
		row := get(s.Integration)
		row.SLOs++
		if s.Status == "missed" {
			row.Missed++
		}
		if s.BudgetConsumed != nil && *s.BudgetConsumed > row.BudgetConsumed {
			row.BudgetConsumed, row.WorstSLO = *s.BudgetConsumed, s.Name
		}
	}
	for _, in := range incs {
		row := get(in.Integration)
		row.Incidents++
		row.IncidentMinutes = round(row.IncidentMinutes + in.Minutes)
	}
	out := []IntegrationRow{}
	for _, row := range by {
		if row.Missed > 0 || row.BudgetConsumed > 0 || row.Incidents > 0 {
			out = append(out, *row)
		}
	}
	slices.SortFunc(out, func(a, b IntegrationRow) int {
		return cmp.Or(cmp.Compare(b.Missed, a.Missed), cmp.Compare(b.BudgetConsumed, a.BudgetConsumed),
			cmp.Compare(b.IncidentMinutes, a.IncidentMinutes), cmp.Compare(a.Integration, b.Integration))
	})
	if len(out) > worstCount {
		out = out[:worstCount]
	}
	return out
}
