package ui

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/intops/intops/alerting"
	"github.com/intops/intops/ui/internal/web"
)

// ---- /slos

// sloFilter is the SLO page's query (GET parameters).
type sloFilter struct{ Status, Team, Integration string }

// sloRow is one SLO of the /slos page.
type sloRow struct {
	web.SLOView
	Integration, IntegrationTitle, Team string
	Evaluated                           string
}

type slosModel struct {
	Filter                        sloFilter
	Rows                          []sloRow
	Total                         int
	Statuses, Teams, Integrations []web.Option
	Warnings                      []string
}

func (s *Server) slosPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	m := slosModel{Filter: sloFilter{Status: q.Get("status"), Team: q.Get("team"), Integration: q.Get("integration")}}
	cat := s.catalog.Current()
	if s.sloSource == nil {
		m.Warnings = append(m.Warnings, "SLO evaluation is not running: no SLO to show.")
	}
	teams, integrations := map[string]bool{}, map[string]bool{}
	if s.sloSource != nil {
		now := s.Now()
		for _, st := range s.sloSource.Results() {
			m.Total++
			row := sloRow{SLOView: web.SLOViewOf(st), Integration: st.SLO.Integration, IntegrationTitle: st.SLO.Integration}
			if in := cat.Integration(st.SLO.Integration); in != nil {
				row.IntegrationTitle, row.Team = web.First(in.Title, in.ID), in.Owner
			}
			if !st.EvaluatedAt.IsZero() {
				row.Evaluated = web.Ago(now, st.EvaluatedAt)
			}
			teams[row.Team], integrations[row.Integration] = true, true
			f := m.Filter
			if (f.Status != "" && row.Status != f.Status) || (f.Team != "" && row.Team != f.Team) ||
				(f.Integration != "" && row.Integration != f.Integration) {
				continue
			}
			m.Rows = append(m.Rows, row)
		}
	}
	for _, sl := range notEvaluated(cat, s.sloSource) {
		m.Warnings = append(m.Warnings, "SLO "+sl.Name+" ("+sl.Integration+") is not evaluated: "+sl.NotEvaluated+".")
	}
	// Worst first: page, ticket, no data, ok; then the least budget left.
	slices.SortFunc(m.Rows, func(a, b sloRow) int {
		return cmp.Or(cmp.Compare(rankOf(a.Status), rankOf(b.Status)), cmp.Compare(a.Budget, b.Budget), cmp.Compare(a.ID, b.ID))
	})
	for _, st := range []string{"page", "ticket", "no_data", "ok"} {
		m.Statuses = append(m.Statuses, web.Option{Value: st, Label: web.SLOLabel(web.SLOSummary{Status: st})})
	}
	m.Teams = web.TeamOptions(cat, teams)
	for id := range integrations {
		if id != "" {
			m.Integrations = append(m.Integrations, web.Option{Value: id, Label: id})
		}
	}
	slices.SortFunc(m.Integrations, func(a, b web.Option) int { return cmp.Compare(a.Value, b.Value) })
	s.Render(w, r, http.StatusOK, slosPage(m))
}

// rankOf places unknown statuses after ok.
func rankOf(status string) int {
	if r, ok := web.SLORank[status]; ok {
		return r
	}
	return len(web.SLORank)
}

// ---- /alerts

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

func (s *Server) alertsPage(w http.ResponseWriter, r *http.Request) {
	csrf := s.csrf.token(w, r)
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
	if s.alertSrc == nil {
		m.Warnings = append(m.Warnings, "Alerting is not running: no incident to show.")
		s.Render(w, r, http.StatusOK, alertsPage(m))
		return
	}
	now := s.Now()
	open, recent, err := s.alertSrc.Incidents(r.Context(), now.Add(-span))
	if err != nil {
		s.Logger.Error("read incidents", "err", err)
		m.Warnings = append(m.Warnings, "Alerting is unavailable: incidents are not shown; try again shortly.")
	}
	cat := s.catalog.Current()
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
	s.Render(w, r, http.StatusOK, alertsPage(m))
}

// incidentSilences are the durations of an incident's silence buttons.
var incidentSilences = map[string]time.Duration{"1h": time.Hour, "4h": 4 * time.Hour, "24h": 24 * time.Hour}

// incidentForm serves POST /alerts/{id}/ack, …/resolve, …/silence,
// …/merge (from: the incident moved in) and …/split (integration: the one
// moved out).
func (s *Server) incidentForm(w http.ResponseWriter, r *http.Request) {
	if s.alertSrc == nil {
		s.NotFound(w, r, "Alerting is not running: there is no incident to act on.")
		return
	}
	id := r.PathValue("id")
	action := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	actor := web.Actor(r, "")
	var err error
	switch action {
	case "ack":
		err = s.alertSrc.Acknowledge(r.Context(), id, actor)
	case "resolve":
		err = s.alertSrc.Resolve(r.Context(), id, actor)
	case "silence":
		d, ok := incidentSilences[r.PostFormValue("duration")]
		if !ok {
			s.Problem(w, r, http.StatusBadRequest, "Cannot silence", "duration: want 1h, 4h or 24h.", "/alerts")
			return
		}
		reason := strings.TrimSpace(r.PostFormValue("reason"))
		if reason == "" {
			reason = "silenced from the alerts page"
		}
		_, err = s.alertSrc.Silence(r.Context(), alerting.SilenceRequest{Incident: id, Duration: d, Reason: reason, Creator: actor})
	case "merge":
		err = s.alertSrc.Merge(r.Context(), id, r.PostFormValue("from"), actor)
	case "split":
		err = s.alertSrc.Split(r.Context(), id, r.PostFormValue("integration"), actor)
	}
	if errors.Is(err, alerting.ErrInvalid) {
		s.Problem(w, r, http.StatusConflict, "Cannot "+action, "Incident "+id+": "+err.Error()+".", "/alerts")
		return
	}
	if err != nil {
		s.FormError(w, r, "incident "+id, err, "/alerts")
		return
	}
	http.Redirect(w, r, web.BackTo(r, "/alerts", action, id), http.StatusSeeOther)
}

// ---- /silences

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

func (s *Server) silencesPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := silenceForm{Integration: q.Get("integration"), System: q.Get("system"), Team: q.Get("team"), Duration: "4h"}
	m := s.silencesModelOf(w, r, f)
	m.Flash = web.FlashOf(q)
	s.Render(w, r, http.StatusOK, silencesPage(m))
}

// silencesModelOf builds the silences page around a form.
func (s *Server) silencesModelOf(w http.ResponseWriter, r *http.Request, f silenceForm) silencesModel {
	m := silencesModel{CSRF: s.csrf.token(w, r), Form: f, Zone: s.loc.String()}
	for _, d := range silenceDurations {
		m.Durations = append(m.Durations, d.Value)
	}
	for _, x := range silenceRepeats {
		m.Repeats = append(m.Repeats, web.Option{Value: x.Value, Label: x.Label})
	}
	cat := s.catalog.Current()
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
	if s.alertSrc == nil {
		m.Warnings = append(m.Warnings, "Alerting is not running: silences cannot be shown or made.")
		return m
	}
	ss, err := s.alertSrc.Silences(r.Context())
	if err != nil {
		s.Logger.Error("read silences", "err", err)
		m.Warnings = append(m.Warnings, "Alerting is unavailable: silences are not shown; try again shortly.")
	}
	now := s.Now()
	windows := map[string]alerting.Window{}
	if ws, err := s.alertSrc.Windows(r.Context(), 366*24*time.Hour); err == nil {
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

// createSilenceForm serves POST /silences: the form's fields, checked,
// become a silence; problems show on the page with the form as filled.
func (s *Server) createSilenceForm(w http.ResponseWriter, r *http.Request) {
	f := silenceForm{Integration: strings.TrimSpace(r.PostFormValue("integration")), System: strings.TrimSpace(r.PostFormValue("system")),
		Team: strings.TrimSpace(r.PostFormValue("team")), Duration: r.PostFormValue("duration"), Reason: strings.TrimSpace(r.PostFormValue("reason")),
		Starts: strings.TrimSpace(r.PostFormValue("starts")), Repeat: r.PostFormValue("repeat"), Until: strings.TrimSpace(r.PostFormValue("until"))}
	var problems []string
	var starts, until time.Time
	if f.Starts != "" {
		t, err := time.ParseInLocation("2006-01-02T15:04", f.Starts, s.loc)
		if err != nil {
			problems = append(problems, "Starts: want a date and time such as 2026-12-05T02:00.")
		}
		starts = t
	}
	if f.Until != "" {
		t, err := time.ParseInLocation("2006-01-02", f.Until, s.loc)
		if err != nil {
			problems = append(problems, "Until: want a date such as 2027-03-31.")
		}
		until = t.AddDate(0, 0, 1) // to the end of that day
	}
	schedule := ""
	if f.Repeat != "" {
		first := starts
		if first.IsZero() {
			first = s.Now().In(s.loc)
		}
		if schedule = repeatSchedule(f.Repeat, first.In(s.loc)); schedule == "" {
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
	if len(problems) == 0 && s.alertSrc == nil {
		problems = append(problems, "Alerting is not running: no silence can be made.")
	}
	if len(problems) == 0 {
		sil, err := s.alertSrc.Silence(r.Context(), alerting.SilenceRequest{Integration: f.Integration, System: f.System, Team: f.Team,
			Duration: d, Starts: starts, Schedule: schedule, Until: until, Reason: f.Reason, Creator: web.Actor(r, "")})
		if err == nil {
			http.Redirect(w, r, "/silences?"+url.Values{"done": {"create"}, "id": {sil.ID}}.Encode(), http.StatusSeeOther)
			return
		}
		if !errors.Is(err, alerting.ErrNotFound) && !strings.HasPrefix(err.Error(), "a silence") {
			s.Logger.Error("create silence", "err", err)
			problems = append(problems, "Alerting is unavailable: the silence was not made; try again shortly.")
		} else {
			problems = append(problems, "The silence was not made: "+err.Error()+".")
		}
	}
	m := s.silencesModelOf(w, r, f)
	m.Errors = problems
	s.Render(w, r, http.StatusBadRequest, silencesPage(m))
}

// expireSilenceForm serves POST /silences/{id}/expire.
func (s *Server) expireSilenceForm(w http.ResponseWriter, r *http.Request) {
	if s.alertSrc == nil {
		s.NotFound(w, r, "Alerting is not running: there is no silence to expire.")
		return
	}
	id := r.PathValue("id")
	if err := s.alertSrc.Expire(r.Context(), id, web.Actor(r, "")); err != nil {
		s.FormError(w, r, "silence "+id, err, "/silences")
		return
	}
	http.Redirect(w, r, web.BackTo(r, "/silences", "expire", id), http.StatusSeeOther)
}
