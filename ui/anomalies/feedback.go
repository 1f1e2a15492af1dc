package anomalies

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/ui/internal/web"
)

// FeedbackStore keeps the marks on anomaly episodes (ClickHouse).
type FeedbackStore interface {
	AppendFeedback(ctx context.Context, f intops.AnomalyFeedback) error
	Feedback(ctx context.Context, q intops.FeedbackQuery) ([]intops.AnomalyFeedback, error)
}

// feedbackBody is a mark as the API and the forms take it.
type feedbackBody struct {
	Integration string `json:"integration"`
	Signal      string `json:"signal"`
	Start       string `json:"start"` // RFC 3339
	End         string `json:"end"`   // RFC 3339; empty while the episode is open
	Verdict     string `json:"verdict"`
	Note        string `json:"note"`
	User        string `json:"user"`
}

type feedbackJSON struct {
	Integration string `json:"integration"`
	Signal      string `json:"signal"`
	Start       string `json:"start"`
	End         string `json:"end,omitempty"`
	Verdict     string `json:"verdict"`
	Note        string `json:"note,omitempty"`
	User        string `json:"user"`
	At          string `json:"at"`
}

func feedbackOf(f intops.AnomalyFeedback) feedbackJSON {
	j := feedbackJSON{Integration: f.Integration, Signal: f.Signal, Start: f.Start.UTC().Format(time.RFC3339),
		Verdict: string(f.Verdict), Note: f.Note, User: f.User, At: f.At.UTC().Format(time.RFC3339)}
	if !f.End.IsZero() {
		j.End = f.End.UTC().Format(time.RFC3339)
	}
	return j
}

// mark checks a body and makes it a mark by actor at now.
func (h *Handlers) mark(b feedbackBody, actor string, now time.Time) (intops.AnomalyFeedback, error) {
	f := intops.AnomalyFeedback{Integration: b.Integration, Signal: b.Signal, Verdict: intops.Verdict(b.Verdict),
		Note: strings.TrimSpace(b.Note), User: actor, At: now}
	if h.Catalog == nil || h.Catalog.Current().Integration(b.Integration) == nil {
		return f, fmt.Errorf("integration %q is not in the catalog", b.Integration)
	}
	var err error
	if f.Start, err = time.Parse(time.RFC3339, b.Start); err != nil {
		return f, fmt.Errorf("start: want an RFC 3339 time such as 2026-12-03T09:00:00Z")
	}
	if b.End != "" {
		if f.End, err = time.Parse(time.RFC3339, b.End); err != nil {
			return f, fmt.Errorf("end: want an RFC 3339 time such as 2026-12-03T10:00:00Z")
		}
	}
	if f.Start.After(now) {
		return f, fmt.Errorf("start %s is in the future", b.Start)
	}
	return f, f.Validate()
}

// PostFeedback serves POST /api/v1/anomalies/feedback: marks an anomaly
// episode expected or not an anomaly; a later mark of the same episode
// replaces the earlier.
func (h *Handlers) PostFeedback(w http.ResponseWriter, r *http.Request) {
	if h.Feedback == nil {
		web.WriteJSON(w, http.StatusNotFound, map[string]string{"error": "anomaly feedback is not stored here"})
		return
	}
	var b feedbackBody
	if !web.ReadJSON(w, r, &b, false) {
		return
	}
	f, err := h.mark(b, web.Actor(r, b.User), h.now())
	if err != nil {
		web.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	if err := h.Feedback.AppendFeedback(r.Context(), f); err != nil {
		h.Unavailable(w, "anomaly marks", err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, feedbackOf(f))
}

// ListFeedback serves GET /api/v1/anomalies/feedback[?integration=ID]:
// the latest mark of each episode, newest episode first.
func (h *Handlers) ListFeedback(w http.ResponseWriter, r *http.Request) {
	out := []feedbackJSON{}
	only := r.URL.Query().Get("integration")
	if only != "" && (h.Catalog == nil || h.Catalog.Current().Integration(only) == nil) {
		web.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf("integration %q is not in the catalog", only)})
		return
	}
	if h.Feedback != nil {
		fs, err := h.Feedback.Feedback(r.Context(), intops.FeedbackQuery{Integration: only})
		if err != nil {
			h.Unavailable(w, "anomaly marks", err)
			return
		}
		for _, f := range fs {
			out = append(out, feedbackOf(f))
		}
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"feedback": out})
}

// FeedbackForm serves POST /anomalies/feedback, the Expected and Not an
// anomaly buttons: it records the mark and goes back to the page.
func (h *Handlers) FeedbackForm(w http.ResponseWriter, r *http.Request) {
	back := "/integrations/" + r.PostFormValue("integration")
	if h.Feedback == nil {
		h.NotFound(w, r, "Anomaly feedback is not stored here.")
		return
	}
	b := feedbackBody{Integration: r.PostFormValue("integration"), Signal: r.PostFormValue("signal"), Start: r.PostFormValue("start"),
		End: r.PostFormValue("end"), Verdict: r.PostFormValue("verdict"), Note: r.PostFormValue("note")}
	f, err := h.mark(b, web.Actor(r, ""), h.now())
	if err != nil {
		h.Problem(w, r, http.StatusBadRequest, "Cannot mark the anomaly", err.Error()+".", back)
		return
	}
	if err := h.Feedback.AppendFeedback(r.Context(), f); err != nil {
		h.FormError(w, r, "the anomaly", err, back)
		return
	}
	http.Redirect(w, r, web.BackTo(r, back, "mark", f.Integration), http.StatusSeeOther)
}

func (h *Handlers) now() time.Time {
	if h.Env != nil && h.Now != nil {
		return h.Now().UTC()
	}
	return time.Now().UTC()
}
