package alerting

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/intops/intops"
)

// Incident is the state of one incident: the fold of its events.
type Incident struct {
	ID          string
	Integration string // the first integration; Members holds them all
	// Members are the integrations whose alerts the incident holds: one,
	// or several that fail together for one probable cause (correlate.go).
	Members []string
	// Signature is what the alerts agree in (errors:unavailable,
	// volume:low, latency:high…), from the alert that opened it.
	Signature string
	// Cause is the system the members share, when there are several.
	Cause       string
	Team        string
	Channel     string
	Severity    string // the worst of its alerts: page, ticket, warning
	State       string // open, acknowledged, resolved
	OpenedAt    time.Time
	AckedAt     time.Time
	AckedBy     string
	FirstAck    time.Time // kept when reopened: MTTA counts to it
	ResolvedAt  time.Time
	ResolvedBy  string
	SilenceID   string
	SilencedBy  string
	SilenceEnds time.Time
	Escalated   bool
	// Alerts by key, in the order they joined.
	Alerts   []*AlertView
	Timeline []TimelineEntry
	// LastNotice is when the team was last told about it (for reminders).
	LastNotice time.Time
}

// TimelineEntry is one thing that happened to an incident.
type TimelineEntry struct {
	At    time.Time `json:"at"`
	Kind  string    `json:"kind"`
	Text  string    `json:"text"`
	Actor string    `json:"actor,omitempty"`
}

// Open reports whether the incident is not resolved.
func (in *Incident) Open() bool { return in.State != StateResolved }

// Silenced reports whether a silence holds the incident's notifications
// at t.
func (in *Incident) Silenced(t time.Time) bool {
	return in.SilenceID != "" && t.Before(in.SilenceEnds)
}

func (in *Incident) alert(key string) *AlertView {
	for _, a := range in.Alerts {
		if a.Key == key {
			return a
		}
	}
	return nil
}

// firing reports whether any alert still fires.
func (in *Incident) firing() bool {
	for _, a := range in.Alerts {
		if a.State != "resolved" {
			return true
		}
	}
	return false
}

var severityRank = map[string]int{"warning": 1, "ticket": 2, "page": 3}

// worst is the worst severity of the firing alerts (of all when none fires).
func (in *Incident) worst() string {
	best := ""
	for _, pass := range []bool{true, false} {
		for _, a := range in.Alerts {
			if (a.State != "resolved" || !pass) && severityRank[a.Severity] > severityRank[best] {
				best = a.Severity
			}
		}
		if best != "" {
			return best
		}
	}
	return "warning"
}

// Event kinds of the incident stream.
const (
	evOpened    = "opened"
	evReopened  = "reopened"
	evAlert     = "alert"
	evAcked     = "acknowledged"
	evResolved  = "resolved"
	evSilenced  = "silenced"
	evEscalated = "escalated"
	evReminded  = "reminded"
	evRouted    = "delivery" // a delivery problem worth showing on the timeline
	evJoined    = "joined"   // another integration failing for the same cause
	evMerged    = "merged"   // another incident's integrations and alerts moved in (by hand)
	evSplit     = "split"    // an integration and its alerts moved out to a new incident (by hand)
	evHeld      = "held"     // an alert of missing traffic held back while intops is blind
	evReleased  = "released" // a held alert let go: processed, or resolved meanwhile
)

// event is one entry of the incident stream.
type event struct {
	Kind        string    `json:"kind"`
	At          time.Time `json:"at"`
	Incident    string    `json:"incident"`
	Integration string    `json:"integration,omitempty"`
	Team        string    `json:"team,omitempty"`
	Channel     string    `json:"channel,omitempty"`
	Actor       string    `json:"actor,omitempty"`
	Text        string    `json:"text,omitempty"`
	// alert events
	AlertKey      string    `json:"alert_key,omitempty"`
	AlertSource   string    `json:"alert_source,omitempty"`
	AlertSeverity string    `json:"alert_severity,omitempty"`
	AlertState    string    `json:"alert_state,omitempty"`
	AlertSince    time.Time `json:"alert_since,omitzero"`
	AlertNS       uint64    `json:"alert_ns,omitempty"` // the alert event's at_ns: the cursor
	// correlation
	Signature string `json:"signature,omitempty"` // opened
	Cause     string `json:"cause,omitempty"`     // opened, joined: the shared system
	From      string `json:"from,omitempty"`      // merged: the incident moved in
	NewID     string `json:"new_id,omitempty"`    // split: the incident the integration moved to
	// Held is the alert event held back (held).
	Held *intops.AlertEvent `json:"held,omitempty"`
	// silences
	SilenceID   string    `json:"silence_id,omitempty"`
	SilenceEnds time.Time `json:"silence_ends,omitzero"`
	Notify      bool      `json:"notify,omitempty"` // whether the team was told
}

func (e event) body() string {
	b, _ := json.Marshal(e)
	return string(b)
}

// apply folds one event into the incidents.
func (m *state) apply(e event) {
	switch e.Kind {
	case evHeld:
		if e.AlertNS > m.cursor {
			m.cursor = e.AlertNS
		}
		if e.Held != nil {
			m.held[e.AlertKey] = *e.Held
		}
		return
	case evReleased:
		if e.AlertNS > m.cursor {
			m.cursor = e.AlertNS
		}
		delete(m.held, e.AlertKey)
		return
	}
	in := m.incidents[e.Incident]
	if in == nil {
		if e.Kind != evOpened {
			return
		}
		in = &Incident{ID: e.Incident, Integration: e.Integration, Members: []string{e.Integration}, Signature: e.Signature, Cause: e.Cause,
			Team: e.Team, Channel: e.Channel, State: StateOpen, OpenedAt: e.At, LastNotice: e.At}
		m.incidents[e.Incident] = in
		m.order = append(m.order, e.Incident)
	}
	if e.AlertNS > m.cursor {
		m.cursor = e.AlertNS
	}
	if e.Notify {
		in.LastNotice = e.At
	}
	tl := TimelineEntry{At: e.At, Kind: e.Kind, Text: e.Text, Actor: e.Actor}
	switch e.Kind {
	case evOpened:
		m.open[in.Integration] = in.ID
		if in.Integration == IngestSubject {
			m.ingest = in.ID
		}
	case evReopened:
		in.State, in.ResolvedAt, in.ResolvedBy = StateOpen, time.Time{}, ""
		in.AckedAt, in.AckedBy, in.Escalated = time.Time{}, "", false
		for _, ig := range in.Members {
			m.open[ig] = in.ID
		}
	case evJoined:
		if !in.member(e.Integration) {
			in.Members = append(in.Members, e.Integration)
		}
		if e.Cause != "" {
			in.Cause = e.Cause
		}
		m.open[e.Integration] = in.ID
	case evMerged:
		if from := m.incidents[e.From]; from != nil {
			for _, ig := range from.Members {
				if !in.member(ig) {
					in.Members = append(in.Members, ig)
				}
				m.open[ig] = in.ID
			}
			for _, a := range from.Alerts {
				if in.alert(a.Key) == nil {
					c := *a
					in.Alerts = append(in.Alerts, &c)
				}
			}
			in.Cause = e.Cause
		}
	case evSplit:
		out := &Incident{ID: e.NewID, Integration: e.Integration, Members: []string{e.Integration}, Signature: in.Signature,
			Team: e.Team, Channel: e.Channel, State: StateOpen, OpenedAt: e.At, LastNotice: e.At}
		in.Members = slices.DeleteFunc(in.Members, func(ig string) bool { return ig == e.Integration })
		in.Alerts = slices.DeleteFunc(in.Alerts, func(a *AlertView) bool {
			if a.Integration == e.Integration {
				out.Alerts = append(out.Alerts, a)
				return true
			}
			return false
		})
		if len(in.Members) < 2 {
			in.Cause = ""
		}
		if len(in.Members) > 0 {
			in.Integration = in.Members[0]
		}
		out.Severity = out.worst()
		out.Timeline = append(out.Timeline, TimelineEntry{At: e.At, Kind: evOpened, Text: "split from " + in.ID + " by " + e.Actor, Actor: e.Actor})
		m.incidents[out.ID] = out
		m.order = append(m.order, out.ID)
		m.open[e.Integration] = out.ID
	case evAlert:
		a := in.alert(e.AlertKey)
		if a == nil {
			a = &AlertView{Key: e.AlertKey, Source: e.AlertSource, Integration: e.Integration}
			if a.Integration == "" {
				a.Integration = in.Integration
			}
			in.Alerts = append(in.Alerts, a)
		}
		a.Severity, a.State, a.Summary = e.AlertSeverity, e.AlertState, e.Text
		if !e.AlertSince.IsZero() {
			a.Since = e.AlertSince
		}
		if a.Severity == "" {
			a.Severity = "warning"
		}
	case evAcked:
		in.State, in.AckedAt, in.AckedBy = StateAcknowledged, e.At, e.Actor
		if in.FirstAck.IsZero() {
			in.FirstAck = e.At
		}
	case evResolved:
		in.State, in.ResolvedAt, in.ResolvedBy = StateResolved, e.At, e.Actor
		for _, ig := range in.Members {
			if m.open[ig] == in.ID {
				delete(m.open, ig)
			}
		}
	case evSilenced:
		in.SilenceID, in.SilencedBy, in.SilenceEnds = e.SilenceID, e.Actor, e.SilenceEnds
	case evEscalated:
		in.Escalated = true
	}
	in.Severity = in.worst()
	in.Timeline = append(in.Timeline, tl)
}

// state is everything the manager folds from the log.
type state struct {
	incidents map[string]*Incident
	order     []string          // incident ids, oldest first
	open      map[string]string // integration → its open incident
	silences  map[string]*Silence
	cursor    uint64 // alert events up to this at_ns are handled
	// held are alerts of missing traffic held back while intops was
	// blind, by alert key (inhibit.go).
	held map[string]intops.AlertEvent
	// ingest is the latest ingest incident (blindness), "" before any.
	ingest string
}

func newState() *state {
	return &state{incidents: map[string]*Incident{}, open: map[string]string{}, silences: map[string]*Silence{},
		held: map[string]intops.AlertEvent{}}
}

// lastIncident returns the latest incident of an integration.
func (m *state) lastIncident(integration string) *Incident {
	for i := len(m.order) - 1; i >= 0; i-- {
		if in := m.incidents[m.order[i]]; in.member(integration) {
			return in
		}
	}
	return nil
}

// silenceEvent is one entry of the silence stream.
type silenceEvent struct {
	Kind    string  `json:"kind"` // created, expired
	Silence Silence `json:"silence"`
}

func (m *state) applySilence(e silenceEvent) {
	switch e.Kind {
	case "created":
		s := e.Silence
		m.silences[s.ID] = &s
	case "expired":
		if s := m.silences[e.Silence.ID]; s != nil {
			s.Ends = e.Silence.Ends
		}
	}
}

// activeSilences are the silences in force at t, by start: of a
// recurring maintenance window, its window in force (Starts and Ends the
// window's).
func (m *state) activeSilences(t time.Time, loc *time.Location) []*Silence {
	var out []*Silence
	for _, s := range m.silences {
		if from, to, ok := s.window(t, loc); ok {
			c := *s
			c.Starts, c.Ends = from, to
			out = append(out, &c)
		}
	}
	slices.SortFunc(out, func(a, b *Silence) int { return a.Starts.Compare(b.Starts) })
	return out
}

// member reports whether integration is one of the incident's.
func (in *Incident) member(integration string) bool {
	return slices.Contains(in.Members, integration)
}
