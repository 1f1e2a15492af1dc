package servicenow

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/intops/intops/alerting"
	"github.com/intops/intops/alerting/internal/restapi"
)

// Incident states of the incident table.
const (
	StateNew        = "1"
	StateInProgress = "2"
	StateOnHold     = "3"
	StateResolved   = "6"
	StateClosed     = "7"
	StateCanceled   = "8"
)

// DefaultCloseCode is the resolution code of a resolved incident.
const DefaultCloseCode = "Solution provided"

// Receiver files the incidents it wants in one instance's incident
// table, authenticated with a user and password.
//
// Each record's correlation_id is the intops incident id, looked up
// before creating, so a creation whose answer was lost, or a restart,
// never files a second record. The acknowledgement and the resolution
// are state changes, made only when the record is not in that state or
// beyond: repeated after a lost answer, they add no second work note.
type Receiver struct {
	URL      string // the instance, e.g. https://yourco.service-now.com
	User     string
	Password string // never logged
	// AssignmentGroup is the group the records are assigned to (a
	// sys_id or a name); empty leaves it to the instance's rules.
	AssignmentGroup string
	CallerID        string // optional caller (a sys_id or user name)
	CloseCode       string // default DefaultCloseCode
	// Severities it files records for (default: ticket only).
	Severities []string
	Client     *http.Client

	mu  sync.Mutex
	ids map[string]string // intops incident → sys_id
}

var _ alerting.Receiver = (*Receiver)(nil)

// New returns a receiver for an instance and a user.
func New(instanceURL, user, password string) *Receiver {
	return &Receiver{URL: instanceURL, User: user, Password: password, Client: &http.Client{Timeout: 15 * time.Second}}
}

// Name implements alerting.Receiver.
func (r *Receiver) Name() string { return "servicenow" }

// Wants implements alerting.Receiver: tickets (or what Severities says).
func (r *Receiver) Wants(severity string) bool {
	if len(r.Severities) == 0 {
		return severity == "ticket"
	}
	for _, s := range r.Severities {
		if s == severity {
			return true
		}
	}
	return false
}

// CorrelationID is the record's correlation_id for an intops incident:
// its id ("^", which would split the lookup's query, as "_"), or, beyond
// the field's 100 characters, its start and a hash.
func CorrelationID(incident string) string {
	incident = strings.ReplaceAll(incident, "^", "_")
	if len(incident) <= 100 {
		return incident
	}
	h := sha256.Sum256([]byte(incident))
	return incident[:83] + "-" + hex.EncodeToString(h[:8])
}

// Record is an incident record as the receiver reads it.
type Record struct {
	SysID  string `json:"sys_id"`
	Number string `json:"number"`
	State  string `json:"state"`
}

// active says whether the record is open: new, in progress, on hold.
func (rec *Record) active() bool {
	return rec.State != StateResolved && rec.State != StateClosed && rec.State != StateCanceled
}

// Fields are the fields of a created record.
func (r *Receiver) Fields(e alerting.PageEvent) map[string]string {
	v := e.View
	short := v.Title
	for _, a := range v.Alerts {
		if a.State != "resolved" {
			short += ": " + a.Summary
			break
		}
	}
	short = strings.Join(strings.Fields(short), " ")
	if short == "" {
		short = e.Incident
	}
	if s := []rune(short); len(s) > 160 {
		short = string(s[:159]) + "…"
	}
	level := map[string]string{"page": "1", "ticket": "2", "warning": "3"}[e.Severity] // 1 high, 2 medium, 3 low
	if level == "" {
		level = "3"
	}
	f := map[string]string{"short_description": short, "description": Description(e), "correlation_id": CorrelationID(e.Incident),
		"correlation_display": "intops", "urgency": level, "impact": level}
	if r.AssignmentGroup != "" {
		f["assignment_group"] = r.AssignmentGroup
	}
	if r.CallerID != "" {
		f["caller_id"] = r.CallerID
	}
	return f
}

// Description is a record's description: the incident's title, who owns
// it, its alerts, the integrations it affects, the advice, the top
// errors, and links to intops and the runbook.
func Description(e alerting.PageEvent) string {
	v := e.View
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	line("%s", v.Title)
	if v.Team != "" {
		s := "Team: " + v.Team
		if v.Technical != "" {
			s += ", technical owner " + v.Technical
		}
		if v.Tier > 0 {
			s += fmt.Sprintf(", tier %d", v.Tier)
		}
		line("%s", s)
	}
	if v.Source != "" && len(v.Targets) > 0 {
		line("Flow: %s → %s", v.Source, strings.Join(v.Targets, ", "))
	}
	if len(v.Alerts) > 0 {
		line("\nAlerts:")
		for _, a := range v.Alerts {
			line("- [%s] %s", a.State, a.Summary)
		}
	}
	if len(v.Affected) > 0 {
		line("\nAffected integrations:")
		for _, a := range v.Affected {
			s := a.Title
			if a.Team != "" {
				s += " (" + a.Team + ")"
			}
			if len(a.Firing) > 0 {
				s += ": " + strings.Join(a.Firing, "; ")
			}
			line("- %s", s)
		}
	}
	if v.Advice != "" {
		line("\nAdvice: %s", v.Advice)
	}
	if len(v.TopErrors) > 0 {
		line("\nTop errors:")
		for _, s := range v.TopErrors {
			line("- %s ×%d: %s", s.Class, s.Count, s.Message)
		}
	}
	b.WriteString("\n")
	if v.URL != "" {
		line("intops: %s", v.URL)
	}
	if v.Runbook != "" {
		line("Runbook: %s", v.Runbook)
	}
	line("intops incident %s", e.Incident)
	return b.String()
}

// Send implements alerting.Receiver.
func (r *Receiver) Send(ctx context.Context, e alerting.PageEvent) error {
	rec, err := r.find(ctx, e.Incident)
	if err != nil {
		return err
	}
	v := e.View
	switch e.Action {
	case alerting.PageTrigger:
		switch {
		case rec == nil || rec.State == StateClosed || rec.State == StateCanceled:
			var created struct {
				Result Record `json:"result"`
			}
			if err := r.do(ctx, http.MethodPost, "/api/now/table/incident", url.Values{"sysparm_fields": {"sys_id,number,state"}}, r.Fields(e), &created); err != nil {
				return err
			}
			r.remember(e.Incident, created.Result.SysID)
			return nil
		case rec.State == StateResolved: // the incident reopened: so does the record
			return r.update(ctx, rec, map[string]string{"state": StateInProgress,
				"work_notes": "Open again in intops: a new alert within the grouping window of its resolution. " + v.URL})
		}
		return nil
	case alerting.PageAcknowledge:
		if rec == nil {
			return notFound(e.Incident)
		}
		if rec.State != StateNew {
			return nil // in progress or beyond already
		}
		note := "Acknowledged"
		if v.AckedBy != "" {
			note += " by " + v.AckedBy
		}
		return r.update(ctx, rec, map[string]string{"state": StateInProgress, "work_notes": note + " in intops. " + v.URL})
	case alerting.PageResolve:
		if rec == nil {
			return notFound(e.Incident)
		}
		if !rec.active() {
			return nil
		}
		notes := "Resolved"
		if v.ResolvedBy != "" {
			notes += " by " + v.ResolvedBy
		}
		if !v.ResolvedAt.IsZero() {
			notes += " at " + v.ResolvedAt.UTC().Format(time.RFC3339)
		}
		notes += " in intops: its alerts are resolved. " + v.URL
		code := r.CloseCode
		if code == "" {
			code = DefaultCloseCode
		}
		return r.update(ctx, rec, map[string]string{"state": StateResolved, "close_code": code, "close_notes": notes})
	}
	return &alerting.PermanentError{Code: "action", Err: fmt.Errorf("servicenow: unknown action %q", e.Action)}
}

func notFound(incident string) error {
	return &alerting.PermanentError{Code: "servicenow_record_not_found",
		Err: fmt.Errorf("servicenow: no incident with correlation_id %s (deleted?)", CorrelationID(incident))}
}

func (r *Receiver) update(ctx context.Context, rec *Record, fields map[string]string) error {
	return r.do(ctx, http.MethodPatch, "/api/now/table/incident/"+url.PathEscape(rec.SysID), url.Values{"sysparm_fields": {"sys_id,number,state"}}, fields, nil)
}

// find is the intops incident's record, by the sys_id remembered or its
// correlation_id (the latest created); nil when there is none.
func (r *Receiver) find(ctx context.Context, incident string) (*Record, error) {
	fields := url.Values{"sysparm_fields": {"sys_id,number,state"}}
	r.mu.Lock()
	id := r.ids[incident]
	r.mu.Unlock()
	if id != "" {
		var got struct {
			Result Record `json:"result"`
		}
		err := r.do(ctx, http.MethodGet, "/api/now/table/incident/"+url.PathEscape(id), fields, nil, &got)
		var pe *alerting.PermanentError
		switch {
		case errors.As(err, &pe) && pe.Code == "servicenow_404":
			r.mu.Lock()
			delete(r.ids, incident)
			r.mu.Unlock()
		case err != nil:
			return nil, err
		default:
			return &got.Result, nil
		}
	}
	q := url.Values{"sysparm_query": {"correlation_id=" + CorrelationID(incident) + "^ORDERBYDESCsys_created_on"},
		"sysparm_fields": fields["sysparm_fields"], "sysparm_limit": {"1"}}
	var found struct {
		Result []Record `json:"result"`
	}
	if err := r.do(ctx, http.MethodGet, "/api/now/table/incident", q, nil, &found); err != nil {
		return nil, err
	}
	if len(found.Result) == 0 {
		return nil, nil
	}
	rec := found.Result[0]
	r.remember(incident, rec.SysID)
	return &rec, nil
}

func (r *Receiver) remember(incident, sysID string) {
	if sysID == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ids == nil {
		r.ids = map[string]string{}
	}
	r.ids[incident] = sysID
}

// ErrorResponse is the API's error body.
type ErrorResponse struct {
	Error struct {
		Message string `json:"message"`
		Detail  string `json:"detail"`
	} `json:"error"`
	Status string `json:"status"`
}

// do calls the API (restapi.Do: 429 is a *RetryAfterError, another 4xx a
// *PermanentError with code servicenow_<status>, 5xx and network errors may
// work later; the credentials travel in the Authorization header only).
func (r *Receiver) do(ctx context.Context, method, path string, query url.Values, in, out any) error {
	return restapi.Do(ctx, restapi.Call{Name: "servicenow", Method: method, URL: r.URL, Path: path, Query: query,
		User: r.User, Password: r.Password, In: in, Out: out, Client: r.Client, Message: func(b []byte) string {
			var answer ErrorResponse
			if json.Unmarshal(b, &answer) != nil || answer.Error.Message == "" {
				return ""
			}
			return strings.TrimSpace(answer.Error.Message + ": " + answer.Error.Detail)
		}})
}
