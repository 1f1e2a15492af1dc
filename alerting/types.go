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
	Duration                            time.Duration
	Reason                              string
	Creator                             string
}

// Silence is an active or expired silence (or maintenance window).
type Silence struct {
	ID          string    `json:"id"`
	Integration string    `json:"integration,omitempty"`
	System      string    `json:"system,omitempty"`
	Team        string    `json:"team,omitempty"`
	Starts      time.Time `json:"starts_at"`
	Ends        time.Time `json:"ends_at"`
	Creator     string    `json:"created_by"`
	Reason      string    `json:"reason"`
}
