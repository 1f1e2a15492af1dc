package silences

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/intops/intops/alerting"
	"github.com/intops/intops/ui/internal/web"
)

// silenceDurations are the choices of the silence form.
var silenceDurations = []struct {
	Value string
	D     time.Duration
}{{"1h", time.Hour}, {"4h", 4 * time.Hour}, {"24h", 24 * time.Hour}, {"7d", 7 * 24 * time.Hour}}

type silenceRow struct {
	alerting.Silence
	Matches string // integration x, system y, team z
	Left    string // time left (active), when it begins (scheduled) or when it ended (expired)
	// From and To are the window in force or the next one (maintenance
	// windows); Repeats says how a recurring one repeats.
	From, To time.Time
	Repeats  string
}

// silenceRepeats are the form's recurrences: the cron schedule of each,
// from the first window's start in the estate's time zone.
var silenceRepeats = []struct{ Value, Label string }{
	{"", "once"}, {"daily", "every day"}, {"weekdays", "every weekday"}, {"weekly", "every week"},
}

func repeatSchedule(repeat string, start time.Time) string {
	switch repeat {
	case "daily":
		return fmt.Sprintf("%d %d * * *", start.Minute(), start.Hour())
	case "weekdays":
		return fmt.Sprintf("%d %d * * 1-5", start.Minute(), start.Hour())
	case "weekly":
		return fmt.Sprintf("%d %d * * %d", start.Minute(), start.Hour(), int(start.Weekday()))
	}
	return ""
}

// silenceForm is the create form as submitted (kept on errors).
type silenceForm struct {
	Integration, System, Team, Duration, Reason string
	// Starts (datetime-local in the estate's time zone; empty: now),
	// Repeat (silenceRepeats) and Until (a date) plan maintenance windows.
	Starts, Repeat, Until string
}

type silencesModel struct {
	CSRF                         string
	Active, Scheduled, Expired   []silenceRow
	Repeats                      []web.Option
	Zone                         string // the estate's time zone, for the form
	Form                         silenceForm
	Errors                       []string
	Integrations, Systems, Teams []web.Option
	Durations                    []string
	Flash                        string
	Warnings                     []string
}

// Page serves /silences: the silences and maintenance windows, active,
// scheduled and expired, and the form that makes one (prefilled from
// ?integration=, ?system= or ?team=).
func (h *Handlers) Page(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := silenceForm{Integration: q.Get("integration"), System: q.Get("system"), Team: q.Get("team"), Duration: "4h"}
	m := h.silencesModelOf(w, r, f)
	m.Flash = web.FlashOf(q)
	h.Render(w, r, http.StatusOK, silencesPage(m))
}

// silencesModelOf builds the silences page around a form.
func (h *Handlers) silencesModelOf(w http.ResponseWriter, r *http.Request, f silenceForm) silencesModel {
	m := silencesModel{CSRF: h.CSRF(w, r), Form: f, Zone: h.Location.String()}
	for _, d := range silenceDurations {
		m.Durations = append(m.Durations, d.Value)
	}
	for _, x := range silenceRepeats {
		m.Repeats = append(m.Repeats, web.Option{Value: x.Value, Label: x.Label})
	}
	cat := h.Catalog.Current()
	teams := map[string]bool{}
	for _, in := range cat.All() {
		m.Integrations = append(m.Integrations, web.Option{Value: in.ID, Label: in.ID})
		teams[in.Owner] = true
	}
	for name := range cat.Teams {
		teams[name] = true
	}
	m.Teams = web.TeamOptions(cat, teams)
	for name, sy := range cat.Systems {
		m.Systems = append(m.Systems, web.Option{Value: name, Label: web.First(sy.Title, name)})
	}
	slices.SortFunc(m.Integrations, func(a, b web.Option) int { return cmp.Compare(a.Value, b.Value) })
	slices.SortFunc(m.Systems, func(a, b web.Option) int { return cmp.Or(cmp.Compare(a.Label, b.Label), cmp.Compare(a.Value, b.Value)) })
	if h.Alerts == nil {
		m.Warnings = append(m.Warnings, "Alerting is not running: silences cannot be shown or made.")
		return m
	}
	ss, err := h.Alerts.Silences(r.Context())
	if err != nil {
		h.Logger.Error("read silences", "err", err)
		m.Warnings = append(m.Warnings, "Alerting is unavailable: silences are not shown; try again shortly.")
	}
	now := h.Now()
	windows := map[string]alerting.Window{}
	if ws, err := h.Alerts.Windows(r.Context(), 366*24*time.Hour); err == nil {
		for _, x := range ws {
			windows[x.ID] = x
		}
	}
	for _, x := range ss {
		row := silenceRow{Silence: x, Matches: web.MatchesOf(x), From: x.Starts, To: x.Ends}
		if x.Schedule != "" {
			row.Repeats = web.RepeatsOf(x.Schedule) + ", until " + web.Stamp(x.Ends)
		}
		win, ok := windows[x.ID]
		switch {
		case ok && win.Active:
			row.From, row.To = win.From, win.To
			row.Left = web.InWords(win.To.Sub(now)) + " left"
			m.Active = append(m.Active, row)
		case ok:
			row.From, row.To = win.From, win.To
			row.Left = "begins in " + web.InWords(win.From.Sub(now))
			m.Scheduled = append(m.Scheduled, row)
		case now.Before(x.Ends) && !now.Before(x.Starts) && x.Schedule == "":
			row.Left = web.InWords(x.Ends.Sub(now)) + " left"
			m.Active = append(m.Active, row)
		case now.Before(x.Starts):
			row.Left = "begins in " + web.InWords(x.Starts.Sub(now))
			m.Scheduled = append(m.Scheduled, row)
		default:
			row.Left = "ended " + web.Ago(now, x.Ends)
			m.Expired = append(m.Expired, row)
		}
	}
	slices.SortFunc(m.Scheduled, func(a, b silenceRow) int { return a.From.Compare(b.From) })
	return m
}

// CreateForm serves POST /silences: the form's fields, checked,
// become a silence; problems show on the page with the form as filled.
func (h *Handlers) CreateForm(w http.ResponseWriter, r *http.Request) {
	f := silenceForm{Integration: strings.TrimSpace(r.PostFormValue("integration")), System: strings.TrimSpace(r.PostFormValue("system")),
		Team: strings.TrimSpace(r.PostFormValue("team")), Duration: r.PostFormValue("duration"), Reason: strings.TrimSpace(r.PostFormValue("reason")),
		Starts: strings.TrimSpace(r.PostFormValue("starts")), Repeat: r.PostFormValue("repeat"), Until: strings.TrimSpace(r.PostFormValue("until"))}
	var problems []string
	var starts, until time.Time
	if f.Starts != "" {
		t, err := time.ParseInLocation("2006-01-02T15:04", f.Starts, h.Location)
		if err != nil {
			problems = append(problems, "Starts: want a date and time such as 2026-12-05T02:00.")
		}
		starts = t
	}
	if f.Until != "" {
		t, err := time.ParseInLocation("2006-01-02", f.Until, h.Location)
		if err != nil {
			problems = append(problems, "Until: want a date such as 2027-03-31.")
		}
		until = t.AddDate(0, 0, 1) // to the end of that day
	}
	schedule := ""
	if f.Repeat != "" {
		first := starts
		if first.IsZero() {
			first = h.Now().In(h.Location)
		}
		if schedule = repeatSchedule(f.Repeat, first.In(h.Location)); schedule == "" {
			problems = append(problems, "Repeat: choose once, every day, every weekday or every week.")
		}
	} else if !until.IsZero() {
		problems = append(problems, "Until: only a repeating silence has an end date; choose how it repeats.")
	}
	if f.Integration == "" && f.System == "" && f.Team == "" {
		problems = append(problems, "Choose an integration, a system or a team to silence.")
	}
	var d time.Duration
	for _, x := range silenceDurations {
		if x.Value == f.Duration {
			d = x.D
		}
	}
	if d == 0 {
		problems = append(problems, "Duration: choose 1h, 4h, 24h or 7d.")
	}
	if f.Reason == "" {
		problems = append(problems, "Reason: say why (it is shown with the silence).")
	}
	if len(problems) == 0 && h.Alerts == nil {
		problems = append(problems, "Alerting is not running: no silence can be made.")
	}
	if len(problems) == 0 {
		sil, err := h.Alerts.Silence(r.Context(), alerting.SilenceRequest{Integration: f.Integration, System: f.System, Team: f.Team,
			Duration: d, Starts: starts, Schedule: schedule, Until: until, Reason: f.Reason, Creator: web.Actor(r, "")})
		if err == nil {
			http.Redirect(w, r, "/silences?"+url.Values{"done": {"create"}, "id": {sil.ID}}.Encode(), http.StatusSeeOther)
			return
		}
		if !errors.Is(err, alerting.ErrNotFound) && !strings.HasPrefix(err.Error(), "a silence") {
			h.Logger.Error("create silence", "err", err)
			problems = append(problems, "Alerting is unavailable: the silence was not made; try again shortly.")
		} else {
			problems = append(problems, "The silence was not made: "+err.Error()+".")
		}
	}
	m := h.silencesModelOf(w, r, f)
	m.Errors = problems
	h.Render(w, r, http.StatusBadRequest, silencesPage(m))
}

// ExpireForm serves POST /silences/{id}/expire.
func (h *Handlers) ExpireForm(w http.ResponseWriter, r *http.Request) {
	if h.Alerts == nil {
		h.NotFound(w, r, "Alerting is not running: there is no silence to expire.")
		return
	}
	id := r.PathValue("id")
	if err := h.Alerts.Expire(r.Context(), id, web.Actor(r, "")); err != nil {
		h.FormError(w, r, "silence "+id, err, "/silences")
		return
	}
	http.Redirect(w, r, web.BackTo(r, "/silences", "expire", id), http.StatusSeeOther)
}
