package ui

import (
	"cmp"
	"math"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/analyzer/slo"
	"github.com/intops/intops/clickhouse"
)

// chartRanges are the time ranges the integration page charts: the
// per-minute rollup up to a day, the hourly one beyond.
var chartRanges = []struct {
	Name   string
	Span   time.Duration
	Hourly bool
}{
	{"1h", time.Hour, false},
	{"6h", 6 * time.Hour, false},
	{"24h", 24 * time.Hour, false},
	{"7d", 7 * 24 * time.Hour, true},
}

// sloView is one SLO of the integration page.
type sloView struct {
	ID, Title, Status, Window, SLI, Forecast string
	Objective, SLIValue, Budget, PerDay      float64
	Burns                                    []burnView
	Firing                                   []string
}

type burnView struct {
	Window string
	Long   time.Duration
	Rate   float64
}

type anomalyView struct {
	Summary, Kind, Since string
}

// chartData feeds the uPlot chart: bucket starts in Unix seconds and the
// executions and failures of each bucket (zeros where nothing ran).
type chartData struct {
	Range      string    `json:"range"`
	Step       int64     `json:"step"`
	T          []int64   `json:"t"`
	Executions []float64 `json:"executions"`
	Failures   []float64 `json:"failures"`
}

// integrationModel is everything the integration page renders.
type integrationModel struct {
	In              *intops.Integration
	TeamTitle       string
	SLOs            []sloView
	Anomalies       []anomalyView
	Open, Recent    []incidentView
	Range           string
	Ranges          []string
	Chart           chartData
	Executions, Bad uint64
	Warnings        []string
}

func (s *Server) integrationPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	cat := s.catalog.Current()
	in := cat.Integration(r.PathValue("id"))
	if in == nil {
		s.notFound(w, r, "No integration "+r.PathValue("id")+" in the catalog.")
		return
	}
	now := s.now()
	m := integrationModel{In: in, TeamTitle: in.Owner, Range: "6h"}
	if t := cat.Teams[in.Owner]; t != nil && t.Title != "" {
		m.TeamTitle = t.Title
	}
	span, hourly := 6*time.Hour, false
	for _, rg := range chartRanges {
		m.Ranges = append(m.Ranges, rg.Name)
		if rg.Name == r.URL.Query().Get("range") {
			m.Range, span, hourly = rg.Name, rg.Span, rg.Hourly
		}
	}

	if s.sloSource != nil {
		for _, st := range s.sloSource.Results() {
			if st.SLO.Integration == in.ID {
				m.SLOs = append(m.SLOs, sloViewOf(st))
			}
		}
		slices.SortFunc(m.SLOs, func(a, b sloView) int {
			return cmp.Or(cmp.Compare(sloRank[a.Status], sloRank[b.Status]), cmp.Compare(a.ID, b.ID))
		})
	}
	if s.anomalySrc != nil {
		for _, st := range s.anomalySrc.Open() {
			if st.Integration == in.ID {
				m.Anomalies = append(m.Anomalies, anomalyView{Summary: st.Anomaly.Summary, Kind: st.Anomaly.Kind, Since: ago(now, st.Opened)})
			}
		}
	}
	open, recent, err := s.incidentsSince(ctx, now.Add(-7*24*time.Hour))
	if err != nil {
		s.logger.Error("read incidents", "err", err)
		m.Warnings = append(m.Warnings, "Alerting is unavailable: incidents are not shown.")
	}
	for _, iv := range open {
		if iv.Integration == in.ID {
			m.Open = append(m.Open, iv)
		}
	}
	for _, iv := range recent {
		if iv.Integration == in.ID {
			m.Recent = append(m.Recent, iv)
		}
	}

	step := time.Minute
	to := now.Truncate(time.Minute)
	if hourly {
		step = time.Hour
		to = now.Truncate(time.Hour).Add(time.Hour) // the current hour so far
	}
	from := to.Add(-span)
	var buckets map[string][]clickhouse.MinuteCounts
	if hourly {
		buckets, err = s.store.Hours(ctx, []string{in.ID}, from, to)
	} else {
		buckets, err = s.store.Minutes(ctx, []string{in.ID}, from, to)
	}
	if err != nil {
		s.logger.Error("read rollup", "integration", in.ID, "err", err)
		m.Warnings = append(m.Warnings, "ClickHouse is unavailable: the chart is empty.")
	}
	m.Chart = chartOf(m.Range, buckets[in.ID], from, to, step)
	for i := range m.Chart.T {
		m.Executions += uint64(m.Chart.Executions[i])
		m.Bad += uint64(m.Chart.Failures[i])
	}
	s.render(w, r, http.StatusOK, integrationPage(m))
}

// chartOf lays the buckets on a regular grid from `from` to `to`.
func chartOf(rangeName string, buckets []clickhouse.MinuteCounts, from, to time.Time, step time.Duration) chartData {
	n := int(to.Sub(from) / step)
	c := chartData{Range: rangeName, Step: int64(step / time.Second), T: make([]int64, n), Executions: make([]float64, n), Failures: make([]float64, n)}
	for i := range n {
		c.T[i] = from.Add(time.Duration(i) * step).Unix()
	}
	for _, b := range buckets {
		i := int(b.Minute.Sub(from) / step)
		if i < 0 || i >= n {
			continue
		}
		c.Executions[i] += float64(b.Executions)
		c.Failures[i] += float64(b.Failed)
	}
	return c
}

func sloViewOf(st slo.Status) sloView {
	ev := slo.EvidenceOf(st.SLO, st.Result)
	v := sloView{ID: st.SLO.Name, Title: first(st.SLO.Title, st.SLO.Name), Status: st.Result.Status, Window: st.SLO.Window.Text,
		SLI: string(st.SLI.Kind), Forecast: ev.Forecast, Objective: st.SLO.Objective, SLIValue: finite(st.Result.SLI),
		Budget: finite(st.Result.BudgetRemaining), PerDay: finite(st.Result.BudgetPerDay), Firing: ev.Firing}
	for _, w := range st.Result.Windows { // long windows, shortest first, once each
		name := durationName(w.Long)
		if !slices.ContainsFunc(v.Burns, func(b burnView) bool { return b.Window == name }) {
			v.Burns = append(v.Burns, burnView{name, w.Long, finite(w.LongBurn)})
		}
	}
	slices.SortFunc(v.Burns, func(a, b burnView) int { return cmp.Compare(a.Long, b.Long) })
	return v
}

func durationName(d time.Duration) string {
	switch {
	case d >= 24*time.Hour && d%(24*time.Hour) == 0:
		return itoa(int(d/(24*time.Hour))) + "d"
	case d >= time.Hour && d%time.Hour == 0:
		return itoa(int(d/time.Hour)) + "h"
	case d >= 2*time.Hour: // windows scaled to a 28-day SLO: 5.6h
		return strconv.FormatFloat(math.Round(d.Hours()*10)/10, 'f', -1, 64) + "h"
	}
	return itoa(int(d/time.Minute)) + "m"
}

func burnText(x float64) string {
	return strconv.FormatFloat(math.Round(x*100)/100, 'f', -1, 64) + "×"
}
