package anomalies

import (
	"net/http"
	"time"

	"github.com/intops/intops/analyzer/anomaly"
	"github.com/intops/intops/ui/internal/web"
)

type anomalyJSON struct {
	ID          string  `json:"id"`
	Integration string  `json:"integration"`
	Signal      string  `json:"signal"`
	Class       string  `json:"class,omitempty"`
	Kind        string  `json:"kind"`
	Direction   string  `json:"direction"`
	State       string  `json:"state"`
	OpenedAt    string  `json:"opened_at"`
	ClosedAt    string  `json:"closed_at,omitempty"`
	Since       string  `json:"since"`
	Window      string  `json:"window"`
	Observed    float64 `json:"observed"`
	Expected    float64 `json:"expected"`
	Low         float64 `json:"expected_low"`
	High        float64 `json:"expected_high"`
	Unit        string  `json:"unit"`
	Score       float64 `json:"score"`
	Summary     string  `json:"summary"`
}

func anomalyOf(s anomaly.Status) anomalyJSON {
	a := s.Anomaly
	j := anomalyJSON{ID: s.Key, Integration: s.Integration, Signal: a.Signal, Class: string(a.Class), Kind: a.Kind,
		Direction: a.Direction, State: "open", OpenedAt: s.Opened.UTC().Format(time.RFC3339),
		Window: a.Window.String(), Observed: web.Finite(a.Observed), Expected: web.Finite(a.Expected), Low: web.Finite(a.Low), High: web.Finite(a.High),
		Unit: a.Unit, Score: web.Finite(a.Score), Summary: s.Integration + ": " + a.Summary}
	if !a.Since.IsZero() {
		j.Since = a.Since.UTC().Format(time.RFC3339)
	}
	if !s.Closed.IsZero() {
		j.State, j.ClosedAt = "closed", s.Closed.UTC().Format(time.RFC3339)
	}
	return j
}

// List serves GET /api/v1/anomalies[?integration=ID]: the open
// anomalies, most significant first, and those closed in the last day.
func (h *Handlers) List(w http.ResponseWriter, r *http.Request) {
	only := r.URL.Query().Get("integration")
	open, recent := []anomalyJSON{}, []anomalyJSON{}
	if h.Anomalies != nil {
		for _, st := range h.Anomalies.Open() {
			if only == "" || st.Integration == only {
				open = append(open, anomalyOf(st))
			}
		}
		for _, st := range h.Anomalies.Recent() {
			if only == "" || st.Integration == only {
				recent = append(recent, anomalyOf(st))
			}
		}
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"anomalies": open, "recent": recent})
}
