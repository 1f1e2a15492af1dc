package alerts

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/intops/intops/alerting"
	"github.com/intops/intops/ui/internal/web"
)

// alertIncident is an incident of the /alerts page.
type alertIncident struct {
	alerting.IncidentStatus
	IntegrationTitle, TeamTitle string
	Link                        string // the integration's page, or the catalog for findings
	// MergeFrom are the other open incidents that can be merged into this
	// one (by hand: one cause intops saw as two).
	MergeFrom     []mergeOption
	Age, Duration string
	Silenced      bool
}

// CanAck and the others say which buttons apply.
func (a alertIncident) CanAck() bool { return a.State == alerting.StateOpen }

// CanSplit: an open incident of several integrations can give one up.
func (a alertIncident) CanSplit() bool {
	return a.State != alerting.StateResolved && len(a.Members) > 1
}

// mergeOption is an incident a form can name.
type mergeOption struct{ ID, Title string }

// CanResolve: an incident not resolved yet can be resolved.
func (a alertIncident) CanResolve() bool { return a.State != alerting.StateResolved }

type alertsModel struct {
	CSRF         string
	Since        string // the history window as given (7d default)
	Sinces       []string
	Open, Recent []alertIncident
	Flash        string
	Warnings     []string
}

// historySpans are the choices of ?since=; any Go duration or "<n>d" is
// taken too.
var historySpans = []string{"24h", "7d", "30d"}

// parseSpan reads "30m", "24h" or "7d".
func parseSpan(v string) (time.Duration, bool) {
	if n, ok := strings.CutSuffix(v, "d"); ok {
		d, err := strconv.Atoi(n)
		if err != nil || d <= 0 || d > 400 {
			return 0, false
		}
		return time.Duration(d) * 24 * time.Hour, true
	}
	d, err := time.ParseDuration(v)
	return d, err == nil && d > 0
}

// Page serves /alerts[?since=7d]: the open incidents with their buttons,
// then the history.
func (h *Handlers) Page(w http.ResponseWriter, r *http.Request) {
	csrf := h.CSRF(w, r)
	q := r.URL.Query()
	m := alertsModel{CSRF: csrf, Since: "7d", Sinces: historySpans, Flash: web.FlashOf(q)}
	span := 7 * 24 * time.Hour
	if v := q.Get("since"); v != "" {
		if d, ok := parseSpan(v); ok {
			m.Since, span = v, d
		} else {
			m.Warnings = append(m.Warnings, "since="+v+" is not a duration such as 24h or 7d: showing the last 7 days.")
		}
	}
	if h.Alerts == nil {
		m.Warnings = append(m.Warnings, "Alerting is not running: no incident to show.")
		h.Render(w, r, http.StatusOK, alertsPage(m))
		return
	}
	now := h.Now()
	open, recent, err := h.Alerts.Incidents(r.Context(), now.Add(-span))
	if err != nil {
		h.Logger.Error("read incidents", "err", err)
		m.Warnings = append(m.Warnings, "Alerting is unavailable: incidents are not shown; try again shortly.")
	}
	cat := h.Catalog.Current()
	view := func(st alerting.IncidentStatus) alertIncident {
		a := alertIncident{IncidentStatus: st, IntegrationTitle: web.First(st.View.Title, st.Integration), TeamTitle: st.Team,
			Age: web.Ago(now, st.OpenedAt), Silenced: st.View.Silenced || st.Incident.Silenced(now), Link: "/integrations/" + st.Integration}
		switch st.Integration {
		case "":
			a.Link = "/catalog"
		case alerting.IngestSubject:
			a.Link = "/alerts"
		}
		if in := cat.Integration(st.Integration); in != nil && st.View.Title == "" {
			a.IntegrationTitle = web.First(in.Title, in.ID)
		}
		if t := cat.Teams[st.Team]; t != nil && t.Title != "" {
			a.TeamTitle = t.Title
		}
		end := now
		if !st.ResolvedAt.IsZero() {
			end = st.ResolvedAt
		}
		a.Duration = web.InWords(end.Sub(st.OpenedAt))
		return a
	}
	for _, st := range open {
		m.Open = append(m.Open, view(st))
	}
	for i := range m.Open {
		for j, o := range m.Open {
			if i != j {
				m.Open[i].MergeFrom = append(m.Open[i].MergeFrom, mergeOption{o.ID, o.IntegrationTitle})
			}
		}
	}
	for _, st := range recent {
		m.Recent = append(m.Recent, view(st))
	}
	h.Render(w, r, http.StatusOK, alertsPage(m))
}

// incidentSilences are the durations of an incident's silence buttons.
var incidentSilences = map[string]time.Duration{"1h": time.Hour, "4h": 4 * time.Hour, "24h": 24 * time.Hour}

// Form serves POST /alerts/{id}/ack, …/resolve, …/silence,
// …/merge (from: the incident moved in) and …/split (integration: the one
// moved out).
func (h *Handlers) Form(w http.ResponseWriter, r *http.Request) {
	if h.Alerts == nil {
		h.NotFound(w, r, "Alerting is not running: there is no incident to act on.")
		return
	}
	id := r.PathValue("id")
	action := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	actor := web.Actor(r, "")
	var err error
	switch action {
	case "ack":
		err = h.Alerts.Acknowledge(r.Context(), id, actor)
	case "resolve":
		err = h.Alerts.Resolve(r.Context(), id, actor)
	case "silence":
		d, ok := incidentSilences[r.PostFormValue("duration")]
		if !ok {
			h.Problem(w, r, http.StatusBadRequest, "Cannot silence", "duration: want 1h, 4h or 24h.", "/alerts")
			return
		}
		reason := strings.TrimSpace(r.PostFormValue("reason"))
		if reason == "" {
			reason = "silenced from the alerts page"
		}
		_, err = h.Alerts.Silence(r.Context(), alerting.SilenceRequest{Incident: id, Duration: d, Reason: reason, Creator: actor})
	case "merge":
		err = h.Alerts.Merge(r.Context(), id, r.PostFormValue("from"), actor)
	case "split":
		err = h.Alerts.Split(r.Context(), id, r.PostFormValue("integration"), actor)
	}
	if errors.Is(err, alerting.ErrInvalid) {
		h.Problem(w, r, http.StatusConflict, "Cannot "+action, "Incident "+id+": "+err.Error()+".", "/alerts")
		return
	}
	if err != nil {
		h.FormError(w, r, "incident "+id, err, "/alerts")
		return
	}
	http.Redirect(w, r, web.BackTo(r, "/alerts", action, id), http.StatusSeeOther)
}

// anomalySignal is the integration and signal key (executions/low) of an
// anomaly alert of an incident of integration, and whether it is one.
func anomalySignal(al alerting.AlertView, integration string) (string, string, bool) {
	if al.Integration != "" {
		integration = al.Integration
	}
	if al.Source != "anomaly" || integration == "" {
		return "", "", false
	}
	sig, ok := strings.CutPrefix(al.Key, "anomaly/"+integration+"/")
	return integration, sig, ok && sig != ""
}

// episodeStart is when an anomaly alert's episode began: when its
// condition began, else when the incident opened.
func episodeStart(al alerting.AlertView, opened time.Time) time.Time {
	if !al.Since.IsZero() {
		return al.Since
	}
	return opened
}
