package ui

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
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

// alerts serves GET /api/v1/alerts[?since=24h]: open incidents, worst
// first, and those resolved within `since` (default 24h), each with its
// alerts, top errors, timeline and delivery state.
func (s *Server) alerts(w http.ResponseWriter, r *http.Request) {
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
	if s.alertSrc != nil {
		o, rc, err := s.alertSrc.Incidents(r.Context(), s.Now().Add(-since))
		if err != nil {
			s.Unavailable(w, "alerts", err)
			return
		}
		for _, st := range o {
			open = append(open, incidentOf(st, s.Now()))
		}
		for _, st := range rc {
			recent = append(recent, incidentOf(st, s.Now()))
		}
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"incidents": open, "recent": recent})
}

func (s *Server) incidentAction(w http.ResponseWriter, r *http.Request) {
	if s.alertSrc == nil {
		web.WriteJSON(w, http.StatusNotFound, map[string]string{"error": "alerting is not running"})
		return
	}
	var b web.ActionBody
	if !web.ReadJSON(w, r, &b, true) {
		return
	}
	id, action := r.PathValue("id"), r.PathValue("action")
	var err error
	switch action {
	case "ack":
		err = s.alertSrc.Acknowledge(r.Context(), id, web.Actor(r, b.Actor))
	case "resolve":
		err = s.alertSrc.Resolve(r.Context(), id, web.Actor(r, b.Actor))
	case "merge":
		if b.From == "" {
			web.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": `merge: the body names the incident to merge in: {"from": "inc-…"}`})
			return
		}
		err = s.alertSrc.Merge(r.Context(), id, b.From, web.Actor(r, b.Actor))
	case "split":
		if b.Integration == "" {
			web.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": `split: the body names the integration to move out: {"integration": "…"}`})
			return
		}
		err = s.alertSrc.Split(r.Context(), id, b.Integration, web.Actor(r, b.Actor))
	default:
		web.WriteJSON(w, http.StatusNotFound, map[string]string{"error": "unknown action " + strconv.Quote(action) + " (ack, resolve, merge, split)"})
		return
	}
	s.ActionResult(w, err)
}

type silenceBody struct {
	Integration string `json:"integration"`
	System      string `json:"system"`
	Team        string `json:"team"`
	Incident    string `json:"incident"`
	Duration    string `json:"duration"`
	// A maintenance window ahead of time: when it starts (RFC 3339), and
	// for a recurring one its cron schedule and when it ends.
	StartsAt  string `json:"starts_at"`
	Schedule  string `json:"schedule"`
	Until     string `json:"until"`
	Reason    string `json:"reason"`
	CreatedBy string `json:"created_by"`
}

// createSilence serves POST /api/v1/silences.
func (s *Server) createSilence(w http.ResponseWriter, r *http.Request) {
	if s.alertSrc == nil {
		web.WriteJSON(w, http.StatusNotFound, map[string]string{"error": "alerting is not running"})
		return
	}
	var b silenceBody
	if !web.ReadJSON(w, r, &b, false) {
		return
	}
	d, err := time.ParseDuration(b.Duration)
	if err != nil {
		web.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "duration: want a Go duration such as 2h or 30m"})
		return
	}
	if strings.TrimSpace(b.Reason) == "" {
		web.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "reason: say why (it is shown with the silence)"})
		return
	}
	var starts, until time.Time
	for _, f := range []struct {
		name, v string
		t       *time.Time
	}{{"starts_at", b.StartsAt, &starts}, {"until", b.Until, &until}} {
		if f.v == "" {
			continue
		}
		if *f.t, err = time.Parse(time.RFC3339, f.v); err != nil {
			web.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": f.name + ": want an RFC 3339 time such as 2026-12-05T02:00:00+01:00"})
			return
		}
	}
	sil, err := s.alertSrc.Silence(r.Context(), alerting.SilenceRequest{Integration: b.Integration, System: b.System, Team: b.Team,
		Incident: b.Incident, Duration: d, Starts: starts, Schedule: strings.TrimSpace(b.Schedule), Until: until,
		Reason: b.Reason, Creator: web.Actor(r, b.CreatedBy)})
	switch {
	case err == nil:
		web.WriteJSON(w, http.StatusCreated, sil)
	case errors.Is(err, alerting.ErrNotFound):
		web.WriteJSON(w, http.StatusNotFound, map[string]string{"error": err.Error()})
	case errors.Is(err, alerting.ErrInvalid):
		web.WriteJSON(w, http.StatusConflict, map[string]string{"error": err.Error()})
	case strings.HasPrefix(err.Error(), "a silence"):
		web.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
	default:
		s.Unavailable(w, "silences", err)
	}
}

// silences serves GET /api/v1/silences: active first, then expired.
func (s *Server) silences(w http.ResponseWriter, r *http.Request) {
	out := []alerting.Silence{}
	if s.alertSrc != nil {
		ss, err := s.alertSrc.Silences(r.Context())
		if err != nil {
			s.Unavailable(w, "silences", err)
			return
		}
		out = append(out, ss...)
	}
	type silenceJSON struct {
		alerting.Silence
		Active bool `json:"active"`
		// The window in force, or the next (maintenance windows).
		WindowStarts *time.Time `json:"window_starts_at,omitempty"`
		WindowEnds   *time.Time `json:"window_ends_at,omitempty"`
	}
	windows := map[string]alerting.Window{}
	if s.alertSrc != nil {
		ws, err := s.alertSrc.Windows(r.Context(), 366*24*time.Hour)
		if err != nil {
			s.Unavailable(w, "silences", err)
			return
		}
		for _, x := range ws {
			windows[x.ID] = x
		}
	}
	js := []silenceJSON{}
	for _, x := range out {
		j := silenceJSON{Silence: x}
		if win, ok := windows[x.ID]; ok {
			j.Active, j.WindowStarts, j.WindowEnds = win.Active, &win.From, &win.To
		}
		js = append(js, j)
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"silences": js})
}

// expireSilence serves POST /api/v1/silences/{id}/expire.
func (s *Server) expireSilence(w http.ResponseWriter, r *http.Request) {
	if s.alertSrc == nil {
		web.WriteJSON(w, http.StatusNotFound, map[string]string{"error": "alerting is not running"})
		return
	}
	var b web.ActionBody
	if !web.ReadJSON(w, r, &b, true) {
		return
	}
	s.ActionResult(w, s.alertSrc.Expire(r.Context(), r.PathValue("id"), web.Actor(r, b.Actor)))
}

// alertStats serves GET /api/v1/alerts/stats[?days=30]: MTTA and MTTR
// per team.
func (s *Server) alertStats(w http.ResponseWriter, r *http.Request) {
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
	if s.alertSrc != nil {
		ts, err := s.alertSrc.Stats(r.Context(), s.Now().Add(-time.Duration(days)*24*time.Hour))
		if err != nil {
			s.Unavailable(w, "alert statistics", err)
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
