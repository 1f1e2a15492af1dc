package web

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/intops/intops/analyzer/slo"
)

// SLOView is one SLO as the integration and SLO pages show it.
type SLOView struct {
	ID, Title, Status, Window, SLI, Forecast string
	Objective, SLIValue, Budget, PerDay      float64
	Burns                                    []BurnView
	Firing                                   []string
}

// BurnView is the burn rate of an SLO over one long window.
type BurnView struct {
	Window string
	Long   time.Duration
	Rate   float64
}

// SLOViewOf is the view of an evaluated SLO.
func SLOViewOf(st slo.Status) SLOView {
	ev := slo.EvidenceOf(st.SLO, st.Result)
	v := SLOView{ID: st.SLO.Name, Title: First(st.SLO.Title, st.SLO.Name), Status: st.Result.Status, Window: st.SLO.Window.Text,
		SLI: string(st.SLI.Kind), Forecast: ev.Forecast, Objective: st.SLO.Objective, SLIValue: Finite(st.Result.SLI),
		Budget: Finite(st.Result.BudgetRemaining), PerDay: Finite(st.Result.BudgetPerDay), Firing: ev.Firing}
	for _, w := range st.Result.Windows { // long windows, shortest first, once each
		name := durationName(w.Long)
		if !slices.ContainsFunc(v.Burns, func(b BurnView) bool { return b.Window == name }) {
			v.Burns = append(v.Burns, BurnView{name, w.Long, Finite(w.LongBurn)})
		}
	}
	slices.SortFunc(v.Burns, func(a, b BurnView) int { return cmp.Compare(a.Long, b.Long) })
	return v
}

func durationName(d time.Duration) string {
	switch {
	case d >= 24*time.Hour && d%(24*time.Hour) == 0:
		return Itoa(int(d/(24*time.Hour))) + "d"
	case d >= time.Hour && d%time.Hour == 0:
		return Itoa(int(d/time.Hour)) + "h"
	case d >= 2*time.Hour: // windows scaled to a 28-day SLO: 5.6h
		return strconv.FormatFloat(math.Round(d.Hours()*10)/10, 'f', -1, 64) + "h"
	}
	return Itoa(int(d/time.Minute)) + "m"
}

// BurnText is a burn rate with at most two decimals: "14.4×".
func BurnText(x float64) string {
	return strconv.FormatFloat(math.Round(x*100)/100, 'f', -1, 64) + "×"
}

// SLOSummary is the worst of an integration's SLOs.
type SLOSummary struct {
	Status string  // page, ticket, no_data, ok; "" without SLOs
	Budget float64 // the lowest budget remaining
	Count  int
}

// SLORank orders SLO statuses, worst first.
var SLORank = map[string]int{"page": 0, "ticket": 1, "no_data": 2, "ok": 3}

// Add counts an SLO in the summary.
func (a *SLOSummary) Add(st slo.Status) {
	if a.Count == 0 || SLORank[st.Result.Status] < SLORank[a.Status] {
		a.Status = st.Result.Status
	}
	if a.Count == 0 || st.Result.BudgetRemaining < a.Budget {
		a.Budget = st.Result.BudgetRemaining
	}
	a.Count++
}

// SLOSummaries are the summaries of every integration's SLOs, by
// integration id (none without src).
func SLOSummaries(src SLOSource) map[string]*SLOSummary {
	slos := map[string]*SLOSummary{}
	if src != nil {
		for _, st := range src.Results() {
			a := slos[st.SLO.Integration]
			if a == nil {
				a = &SLOSummary{}
				slos[st.SLO.Integration] = a
			}
			a.Add(st)
		}
	}
	return slos
}

// SLOLabel is the summary's status in words.
func SLOLabel(s SLOSummary) string {
	switch s.Status {
	case "":
		return "no SLO"
	case "no_data":
		return "no data"
	}
	return s.Status
}
