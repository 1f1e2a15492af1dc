package alerts

import (
	"net/http"
	"strconv"
	"time"

	"github.com/intops/intops/alerting"
	"github.com/intops/intops/ui/internal/web"
)

type incidentJSON struct {
	ID             string                   `json:"id"`
	Integration    string                   `json:"integration"`
	Title          string                   `json:"title"`
	Team           string                   `json:"team"`
	Channel        string                   `json:"channel"`
	Severity       string                   `json:"severity"`
	State          string                   `json:"state"`
	Silenced       bool                     `json:"silenced"`
	SilencedUntil  string                   `json:"silenced_until,omitempty"`
	OpenedAt       string                   `json:"opened_at"`
	AcknowledgedAt string                   `json:"acknowledged_at,omitempty"`
	AcknowledgedBy string                   `json:"acknowledged_by,omitempty"`
	ResolvedAt     string                   `json:"resolved_at,omitempty"`
	ResolvedBy     string                   `json:"resolved_by,omitempty"`
	DurationSec    float64                  `json:"duration_seconds"`
	Delivery       string                   `json:"delivery"`
	Alerts         []alertJSON              `json:"alerts"`
	TopErrors      []alerting.ErrorSample   `json:"top_errors"`
	Timeline       []alerting.TimelineEntry `json:"timeline"`
	URL            string                   `json:"url"`
	Runbook        string                   `json:"runbook,omitempty"`
	// Integrations of an incident with a common cause (one otherwise),
	// the system they share and what correlated them.
	Integrations []string                `json:"integrations"`
	Cause        string                  `json:"cause,omitempty"`
	Signature    string                  `json:"signature,omitempty"`
	Affected     []alerting.AffectedView `json:"affected,omitempty"`
	// Advice is the error class's handling advice; Told who its policy
	// names.
	Advice string   `json:"advice,omitempty"`
	Told   []string `json:"told,omitempty"`
}

type alertJSON struct {
	Key         string `json:"key"`
	Integration string `json:"integration,omitempty"`
	Source      string `json:"source"`
	Severity    string `json:"severity"`
	State       string `json:"state"`
	Summary     string `json:"summary"`
}

func incidentOf(st alerting.IncidentStatus, now time.Time) incidentJSON {
	end := now
	if !st.ResolvedAt.IsZero() {
		end = st.ResolvedAt
	}
	j := incidentJSON{ID: st.ID, Integration: st.Integration, Title: st.View.Title, Team: st.Team, Channel: st.Channel,
		Severity: st.Severity, State: st.State, Silenced: st.View.Silenced, OpenedAt: web.RFC3339(st.OpenedAt),
		AcknowledgedAt: web.RFC3339(st.AckedAt), AcknowledgedBy: st.AckedBy, ResolvedAt: web.RFC3339(st.ResolvedAt), ResolvedBy: st.ResolvedBy,
		DurationSec: end.Sub(st.OpenedAt).Seconds(), Delivery: st.Delivery, Timeline: st.Timeline, URL: st.View.URL, Runbook: st.View.Runbook,
		Alerts: []alertJSON{}, TopErrors: st.View.TopErrors,
		Integrations: st.Members, Cause: st.View.Cause, Signature: st.Signature, Affected: st.View.Affected,
		Advice: st.View.Advice, Told: st.View.Told}
	if j.Integrations == nil {
		j.Integrations = []string{st.Integration}
	}
	if st.View.Silenced {
		j.SilencedUntil = web.RFC3339(st.SilenceEnds)
	}
	if j.TopErrors == nil {
		j.TopErrors = []alerting.ErrorSample{}
	}
	for _, a := range st.View.Alerts {
		j.Alerts = append(j.Alerts, alertJSON{Key: a.Key, Integration: a.Integration, Source: a.Source, Severity: a.Severity, State: a.State, Summary: a.Summary})
	}
	return j
}

// List serves GET /api/v1/alerts[?since=24h]: open incidents, worst
// first, and those resolved within `since` (default 24h), each with its
// alerts, top errors, timeline and delivery state.
func (h *Handlers) List(w http.ResponseWriter, r *http.Request) {
	since := 24 * time.Hour
	if v := r.URL.Query().Get("since"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			web.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "since: want a duration such as 24h"})
			return
		}
		since = d
	}
	open, recent := []incidentJSON{}, []incidentJSON{}
	if h.Alerts != nil {
		o, rc, err := h.Alerts.Incidents(r.Context(), h.Now().Add(-since))
		if err != nil {
			h.Unavailable(w, "alerts", err)
			return
		}
		for _, st := range o {
			open = append(open, incidentOf(st, h.Now()))
		}
		for _, st := range rc {
			recent = append(recent, incidentOf(st, h.Now()))
		}
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"incidents": open, "recent": recent})
}

// Action serves POST /api/v1/alerts/{id}/{action}: ack, resolve, merge
// (from: the incident moved in) or split (integration: the one moved out).
func (h *Handlers) Action(w http.ResponseWriter, r *http.Request) {
	b, ok := web.ReadAction(w, r, h.Alerts != nil)
	if !ok {
		return
	}
	id, action := r.PathValue("id"), r.PathValue("action")
	var err error
	switch action {
	case "ack":
		err = h.Alerts.Acknowledge(r.Context(), id, web.Actor(r, b.Actor))
	case "resolve":
		err = h.Alerts.Resolve(r.Context(), id, web.Actor(r, b.Actor))
	case "merge":
		if b.From == "" {
			web.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": `merge: the body names the incident to merge in: {"from": "inc-…"}`})
			return
		}
		err = h.Alerts.Merge(r.Context(), id, b.From, web.Actor(r, b.Actor))
	case "split":
		if b.Integration == "" {
			web.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": `split: the body names the integration to move out: {"integration": "…"}`})
			return
		}
		err = h.Alerts.Split(r.Context(), id, b.Integration, web.Actor(r, b.Actor))
	default:
		web.WriteJSON(w, http.StatusNotFound, map[string]string{"error": "unknown action " + strconv.Quote(action) + " (ack, resolve, merge, split)"})
		return
	}
	h.ActionResult(w, err)
}

// Stats serves GET /api/v1/alerts/stats[?days=30]: MTTA and MTTR
// per team.
func (h *Handlers) Stats(w http.ResponseWriter, r *http.Request) {
	days := 30
	if v := r.URL.Query().Get("days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 || n > 400 {
			web.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "days: want 1 to 400"})
			return
		}
		days = n
	}
	type teamJSON struct {
		alerting.TeamStats
		MTTASec *float64 `json:"mtta_seconds"`
		MTTRSec *float64 `json:"mttr_seconds"`
	}
	out := []teamJSON{}
	if h.Alerts != nil {
		ts, err := h.Alerts.Stats(r.Context(), h.Now().Add(-time.Duration(days)*24*time.Hour))
		if err != nil {
			h.Unavailable(w, "alert statistics", err)
			return
		}
		for _, t := range ts {
			j := teamJSON{TeamStats: t}
			if t.Acknowledged > 0 {
				v := t.MTTA.Seconds()
				j.MTTASec = &v
			}
			if t.Resolved > 0 {
				v := t.MTTR.Seconds()
				j.MTTRSec = &v
			}
			out = append(out, j)
		}
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"days": days, "teams": out})
}
