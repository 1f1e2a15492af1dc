package web

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/intops/intops/alerting"
)

// IncidentView is an incident as the pages show it.
type IncidentView struct {
	ID, Integration, Title, Severity, State string
	Opened, Resolved                        time.Time
	Age                                     string
	Timeline                                []alerting.TimelineEntry
	// Members are the integrations of an incident with a common cause;
	// Since is when its first alert's condition began.
	Members []string
	Since   time.Time
}

// Concerns reports whether the incident is about the integration.
func (v IncidentView) Concerns(integration string) bool {
	return v.Integration == integration || slices.Contains(v.Members, integration)
}

func incidentViewOf(id, integration, title, severity, state string, opened, resolved time.Time, tl []alerting.TimelineEntry, now time.Time) IncidentView {
	return IncidentView{ID: id, Integration: integration, Title: First(title, id), Severity: severity, State: state,
		Opened: opened, Resolved: resolved, Age: Ago(now, opened), Timeline: tl}
}

// WindowView is a silence window as the integration page and the map
// show it.
type WindowView struct {
	Matches, Reason, Creator, Repeats string
	From, To                          time.Time
	Active                            bool
}

// WindowViewOf is the view of a silence window.
func WindowViewOf(x alerting.Window) WindowView {
	return WindowView{Matches: MatchesOf(x.Silence), Reason: x.Reason, Creator: x.Creator,
		From: x.From, To: x.To, Active: x.Active, Repeats: RepeatsOf(x.Schedule)}
}

// MatchesOf says what a silence matches: "integration x, system y, team z".
func MatchesOf(x alerting.Silence) string {
	var parts []string
	for _, p := range []struct{ k, v string }{{"integration", x.Integration}, {"system", x.System}, {"team", x.Team}} {
		if p.v != "" {
			parts = append(parts, p.k+" "+p.v)
		}
	}
	return strings.Join(parts, ", ")
}

// RepeatsOf says in words how a silence's schedule repeats.
func RepeatsOf(schedule string) string {
	f := strings.Fields(schedule)
	if len(f) != 5 {
		return schedule
	}
	at := fmt.Sprintf("%02s:%02s", f[1], f[0])
	switch {
	case f[2] == "*" && f[3] == "*" && f[4] == "*":
		return "every day at " + at
	case f[2] == "*" && f[3] == "*" && f[4] == "1-5":
		return "every weekday at " + at
	case f[2] == "*" && f[3] == "*" && len(f[4]) == 1 && f[4][0] >= '0' && f[4][0] <= '7':
		return "every " + time.Weekday(int(f[4][0]-'0')%7).String() + " at " + at
	}
	return "cron " + schedule
}
