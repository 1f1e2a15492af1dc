package silences

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/intops/intops/alerting"
	"github.com/intops/intops/ui/internal/web"
)

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

// Create serves POST /api/v1/silences.
func (h *Handlers) Create(w http.ResponseWriter, r *http.Request) {
	if h.Alerts == nil {
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
	sil, err := h.Alerts.Silence(r.Context(), alerting.SilenceRequest{Integration: b.Integration, System: b.System, Team: b.Team,
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
		h.Unavailable(w, "silences", err)
	}
}

// List serves GET /api/v1/silences: active first, then expired.
func (h *Handlers) List(w http.ResponseWriter, r *http.Request) {
	out := []alerting.Silence{}
	if h.Alerts != nil {
		ss, err := h.Alerts.Silences(r.Context())
		if err != nil {
			h.Unavailable(w, "silences", err)
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
	if h.Alerts != nil {
		ws, err := h.Alerts.Windows(r.Context(), 366*24*time.Hour)
		if err != nil {
			h.Unavailable(w, "silences", err)
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

// Expire serves POST /api/v1/silences/{id}/expire.
func (h *Handlers) Expire(w http.ResponseWriter, r *http.Request) {
	b, ok := web.ReadAction(w, r, h.Alerts != nil)
	if !ok {
		return
	}
	h.ActionResult(w, h.Alerts.Expire(r.Context(), r.PathValue("id"), web.Actor(r, b.Actor)))

}
