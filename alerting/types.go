// Package alerting turns the alert event log (SLO burn-rate alerts,
// anomalies) into incidents for the team that owns each integration:
// routed from the catalog, grouped per integration, deduplicated,
// silenced, acknowledged, escalated, and delivered through an outbox that
// loses nothing when Slack is down. alerting/slack talks to Slack.
package alerting

import (
	"context"
	"errors"
	"time"

	"github.com/intops/intops/internal/cron"
)

// Incident states.
const (
	StateOpen         = "open"
	StateAcknowledged = "acknowledged"
	StateResolved     = "resolved"
)

// IncidentView is what a notification shows of an incident: everything a
// Slack message (or the inbox) needs, already in words and numbers.
type IncidentView struct {
	ID          string // inc-…
	Integration string
	Title       string // the integration's title
	Source      string // source system (title)
	Targets     []string
	Team        string // owning team
	Technical   string // technical owner
	Business    string // business owner
	Tier        int
	Severity    string // page, ticket, warning
	State       string // open, acknowledged, resolved
	Silenced    bool
	OpenedAt    time.Time
	ResolvedAt  time.Time
	AckedBy     string
	ResolvedBy  string
	SilencedBy  string
	SilenceEnds time.Time
	// Alerts are the incident's alerts, firing first.
	Alerts []AlertView
	// TopErrors are the most frequent recent error messages (redacted,
	// truncated), with their class and count.
	TopErrors []ErrorSample
	// Links: the integration page and the runbook (may be empty).
	URL, Runbook string
	// Cause is the system an incident of several integrations is named
	// for; Affected lists those integrations, with what each is missing.
	Cause    string
	Affected []AffectedView
	// Advice is the error class's handling advice, naming the system;
	// Told are the people its policy names (technical owner, data
	// steward, the system's owner…).
	Advice string
	Told   []string
}

// AffectedView is one integration of an incident with a common cause.
type AffectedView struct {
	Integration string `json:"integration"`
	Title       string `json:"title"`
	Team        string `json:"team,omitempty"`
	// Firing are its firing alerts' summaries (observed against normal).
	Firing []string `json:"firing"`
}

// AlertView is one alert of an incident.
type AlertView struct {
	Key         string // slo/…, anomaly/…
	Integration string // whose alert it is
	Source      string // slo, anomaly
	Severity    string
	State       string // firing, resolved, no_data
	Summary     string // the sentence: observed vs expected, burn rates, budget, forecast
	Since       time.Time
}

// ErrorSample is one error message seen in the incident's failed spans.
type ErrorSample struct {
	Class   string
	Message string
	Count   int
}

// Message kinds of the outbox.
const (
	KindPost   = "post"   // the incident's root message
	KindUpdate = "update" // edit the root message (state, who acted)
	KindReply  = "reply"  // a thread reply (new alert, reminder, resolution)
)

// Notification is one message to deliver, in outbox order.
type Notification struct {
	ID       string // unique, stable across retries (for dedup at Slack)
	Seq      uint64 // outbox order
	Incident string
	Kind     string
	Channel  string
	// Text is the plain-text fallback (notifications, screen readers);
	// View the incident as of this notification; Note, for replies, what
	// the reply says (new alert, reminder, escalation, resolution).
	Text string
	View IncidentView
	Note string
	// Escalation marks a post to an escalation channel (a separate root
	// message that mentions OnCall).
	Escalation bool
	OnCall     string
	// AtOnce marks an escalation its error class's policy makes at once
	// (auth), not one of an unacknowledged page.
	AtOnce    bool `json:",omitempty"`
	CreatedAt time.Time
}

// Ref is where a delivered message is: its channel and timestamp.
type Ref struct {
	Channel string
	TS      string
}

// Notifier delivers notifications (alerting/slack does, to Slack).
// Post returns the root message's ref; Reply posts in the thread of root;
// Update edits root. Find looks for a message this notifier already posted
// for the notification id (after a crash between posting and recording),
// so that nothing is posted twice.
type Notifier interface {
	Post(ctx context.Context, n Notification) (Ref, error)
	Reply(ctx context.Context, root Ref, n Notification) (Ref, error)
	Update(ctx context.Context, root Ref, n Notification) error
	Find(ctx context.Context, channel, notificationID string, since time.Time) (Ref, bool, error)
}

// RetryAfterError says the notifier was rate limited: try again after.
type RetryAfterError struct {
	After time.Duration
	Err   error
}

func (e *RetryAfterError) Error() string { return "rate limited: " + e.Err.Error() }
func (e *RetryAfterError) Unwrap() error { return e.Err }

// PermanentError is a refusal no retry fixes (channel_not_found,
// not_in_channel, is_archived, invalid_auth…): the notification goes to
// the fallback channel and the error is shown in the UI and API.
type PermanentError struct {
	Code string
	Err  error
}

func (e *PermanentError) Error() string { return e.Code + ": " + e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// IsPermanent reports whether err is a PermanentError.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}

// Actions are what a person can do to an incident from Slack, the API or
// the UI. actor is who did it (a Slack user, a UI user).
type Actions interface {
	Acknowledge(ctx context.Context, incidentID, actor string) error
	Resolve(ctx context.Context, incidentID, actor string) error
	Silence(ctx context.Context, s SilenceRequest) (Silence, error)
	// Status says, in a few lines of text, how an integration is doing.
	Status(ctx context.Context, integration string) (string, error)
	// Incident finds an open incident by id, or the latest open one of an
	// integration when given an integration id.
	Incident(ctx context.Context, idOrIntegration string) (IncidentView, error)
}

// ErrNotFound says there is no such incident, integration or silence.
var ErrNotFound = errors.New("not found")

// ErrInvalid says an action does not apply to what it names (a merge of
// a resolved incident, a split of a single integration).
var ErrInvalid = errors.New("invalid")

// SilenceRequest asks for a silence.
type SilenceRequest struct {
	// Matchers: any of integration, system or team (all given must match);
	// Incident silences that incident's integration.
	Integration, System, Team, Incident string
	// Duration of the silence, or of each window of a schedule.
	Duration time.Duration
	// Starts is when it begins (zero: now; at most a year ahead).
	Starts time.Time
	// Schedule, when set, makes it a recurring maintenance window: a
	// five-field cron expression in the alerting time zone saying when
	// each window begins, from Starts until Until (default 90 days later,
	// at most a year).
	Schedule string
	Until    time.Time
	Reason   string
	Creator  string
}

// Silence is an active or expired silence (or maintenance window).
type Silence struct {
	ID          string    `json:"id"`
	Integration string    `json:"integration,omitempty"`
	System      string    `json:"system,omitempty"`
	Team        string    `json:"team,omitempty"`
	Starts      time.Time `json:"starts_at"`
	Ends        time.Time `json:"ends_at"`
	// Schedule and Length: a recurring maintenance window, each window
	// Length long from each time the schedule fires within [Starts, Ends).
	Schedule string        `json:"schedule,omitempty"`
	Length   time.Duration `json:"length,omitempty"`
	Creator  string        `json:"created_by"`
	Reason   string        `json:"reason"`

	sched *cron.Schedule
}

// window is the silence's window in force at t, if any.
func (s *Silence) window(t time.Time, loc *time.Location) (from, to time.Time, ok bool) {
	if t.Before(s.Starts) || !t.Before(s.Ends) {
		return time.Time{}, time.Time{}, false
	}
	if s.Schedule == "" {
		return s.Starts, s.Ends, true
	}
	sc := s.schedule(loc)
	if sc == nil {
		return time.Time{}, time.Time{}, false
	}
	p := sc.Prev(t)
	if p.IsZero() || p.Before(s.Starts) || !t.Before(p.Add(s.Length)) {
		return time.Time{}, time.Time{}, false
	}
	return p.UTC(), minTime(p.Add(s.Length), s.Ends).UTC(), true
}

// Next is the start and end of the silence's next window after t (zero:
// none).
func (s *Silence) Next(t time.Time, loc *time.Location) (from, to time.Time) {
	if s.Schedule == "" {
		if t.Before(s.Starts) {
			return s.Starts, s.Ends
		}
		return time.Time{}, time.Time{}
	}
	sc := s.schedule(loc)
	if sc == nil {
		return time.Time{}, time.Time{}
	}
	n := sc.Next(maxTime(t, s.Starts.Add(-time.Minute)))
	if n.IsZero() || !n.Before(s.Ends) {
		return time.Time{}, time.Time{}
	}
	return n.UTC(), minTime(n.Add(s.Length), s.Ends).UTC()
}

func (s *Silence) schedule(loc *time.Location) *cron.Schedule {
	if s.sched == nil && s.Schedule != "" {
		s.sched, _ = cron.ParseSchedule(s.Schedule, loc)
	}
	return s.sched
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
