package slos

import (
	"errors"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/analyzer/slo"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/ui/internal/web"
)

type sloStatusJSON struct {
	ID              string             `json:"id"`
	Name            string             `json:"name"`
	Integration     string             `json:"integration"`
	Objective       float64            `json:"objective"`
	Window          string             `json:"window"`
	SLI             string             `json:"sli"`
	SLIValue        float64            `json:"sli_value"`
	BudgetRemaining float64            `json:"budget_remaining"`
	BudgetPerDay    float64            `json:"budget_consumed_per_day"`
	BurnRates       map[string]float64 `json:"burn_rates"`
	Firing          []string           `json:"firing_windows"`
	Status          string             `json:"status"`
	Forecast        forecastJSON       `json:"forecast"`
	Events          float64            `json:"events"`
	EvaluatedAt     string             `json:"evaluated_at"`
	// NotEvaluated says why intops does not evaluate the SLO (its
	// indicator reads another metric source); its status is then
	// not_evaluated and the measures are zero.
	NotEvaluated string `json:"not_evaluated,omitempty"`
}

type forecastJSON struct {
	ExhaustionHours *float64 `json:"exhaustion_hours"`
	Text            string   `json:"text"`
}

// List serves GET /api/v1/slos: every SLO with its indicator, budget,
// burn rates and forecast, and those intops does not evaluate.
func (h *Handlers) List(w http.ResponseWriter, _ *http.Request) {
	out := []sloStatusJSON{}
	if h.SLOs != nil {
		for _, st := range h.SLOs.Results() {
			ev := slo.EvidenceOf(st.SLO, st.Result)
			burns := map[string]float64{}
			for k, v := range ev.BurnRates {
				burns[k] = web.Finite(v)
			}
			j := sloStatusJSON{
				ID: st.SLO.Name, Name: web.First(st.SLO.Title, st.SLO.Name), Integration: st.SLO.Integration,
				Objective: st.SLO.Objective, Window: st.SLO.Window.Text, SLI: string(st.SLI.Kind),
				SLIValue: web.Finite(st.Result.SLI), BudgetRemaining: web.Finite(st.Result.BudgetRemaining),
				BudgetPerDay: web.Finite(st.Result.BudgetPerDay),
				BurnRates:    burns, Firing: ev.Firing, Status: st.Result.Status,
				Forecast: forecastJSON{Text: ev.Forecast}, Events: st.Result.Events,
				EvaluatedAt: st.EvaluatedAt.UTC().Format(time.RFC3339),
			}
			if st.Result.Exhaustion > 0 {
				h := math.Round(st.Result.Exhaustion.Hours()*10) / 10
				j.Forecast.ExhaustionHours = &h
			}
			out = append(out, j)
		}
	}
	var cat *catalog.Catalog
	if h.Catalog != nil {
		cat = h.Catalog.Current()
	}
	for _, sl := range notEvaluated(cat, h.SLOs) {
		out = append(out, sloStatusJSON{
			ID: sl.Name, Name: web.First(sl.Title, sl.Name), Integration: sl.Integration, Objective: sl.Objective,
			Window: sl.Window.Text, BurnRates: map[string]float64{}, Firing: []string{}, Status: statusNotEvaluated,
			NotEvaluated: sl.NotEvaluated,
		})
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"slos": out})
}

// statusNotEvaluated is the status of an SLO intops lists but does not
// evaluate.
const statusNotEvaluated = "not_evaluated"

// notEvaluated returns the catalog's SLOs that intops does not evaluate:
// marked so by the catalog and without a result of the evaluator (which
// has those it reads from Prometheus).
func notEvaluated(c *catalog.Catalog, src web.SLOSource) []*intops.SLO {
	var out []*intops.SLO
	if c == nil {
		return nil
	}
	evaluated := map[string]bool{}
	if src != nil {
		for _, st := range src.Results() {
			evaluated[st.SLO.Name] = true
		}
	}
	for _, sl := range c.SLOs {
		if sl.NotEvaluated != "" && !evaluated[sl.Name] {
			out = append(out, sl)
		}
	}
	return out
}

// History serves GET /api/v1/slos/{id}/history[?from=&to=] (default: the
// last 7 days): the SLO's indicator and budget remaining over time.
func (h *Handlers) History(w http.ResponseWriter, r *http.Request) {
	if h.SLOs == nil {
		web.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "SLO evaluation is not running"})
		return
	}
	now := h.Now()
	from, to := now.Add(-7*24*time.Hour), now
	for _, q := range []struct {
		name string
		out  *time.Time
	}{{"from", &from}, {"to", &to}} {
		if v := r.URL.Query().Get(q.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				web.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": q.name + ": want an RFC 3339 time such as 2026-11-01T00:00:00Z"})
				return
			}
			*q.out = t
		}
	}
	if !from.Before(to) || to.Sub(from) > 400*24*time.Hour {
		web.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "want from before to, at most 400 days apart"})
		return
	}
	pts, err := h.SLOs.History(r.Context(), r.PathValue("id"), from, to)
	if errors.Is(err, slo.ErrNotEvaluated) {
		web.WriteJSON(w, http.StatusNotFound, map[string]string{"error": "SLO " + r.PathValue("id") + " is not evaluated by intops: " + strings.TrimPrefix(err.Error(), slo.ErrNotEvaluated.Error()+": ")})
		return
	}
	if errors.Is(err, slo.ErrUnknownSLO) {
		web.WriteJSON(w, http.StatusNotFound, map[string]string{"error": "no SLO " + r.PathValue("id")})
		return
	}
	if err != nil {
		h.Logger.Error("SLO history", "err", err)
		web.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "ClickHouse is unavailable; try again shortly"})
		return
	}
	type pointJSON struct {
		At              string  `json:"at"`
		SLI             float64 `json:"sli"`
		BudgetRemaining float64 `json:"budget_remaining"`
		Events          float64 `json:"events"`
	}
	out := make([]pointJSON, 0, len(pts))
	for _, p := range pts {
		out = append(out, pointJSON{p.At.UTC().Format(time.RFC3339), web.Finite(p.SLI), web.Finite(p.BudgetRemaining), p.Events})
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"id": r.PathValue("id"), "from": from.UTC().Format(time.RFC3339), "to": to.UTC().Format(time.RFC3339), "points": out})
}
