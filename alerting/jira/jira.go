package jira

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/intops/intops/alerting"
	"github.com/intops/intops/alerting/internal/restapi"
)

// Receiver files the incidents it wants as issues of one Jira Cloud
// project, authenticated with an Atlassian account's email and API token.
//
// Each issue carries the labels "intops" and "intops-<incident id>"; before
// creating one the receiver looks it up by that label, so a creation
// whose answer was lost, or a restart, never files a second issue.
// Acknowledgement and resolution comments end with the page event's id,
// looked for before commenting again.
type Receiver struct {
	URL       string // the site, e.g. https://yourco.atlassian.net
	User      string // the account's email
	Token     string // its API token; never logged
	Project   string // project key, e.g. OPS
	IssueType string // default "Task"
	// Severities it files issues for (default: ticket only).
	Severities []string
	Client     *http.Client
	// IndexLag is how long Jira's search may take to show a new issue
	// (its JQL search is eventually consistent): within it after a
	// creation that went unanswered, a search that finds nothing is not
	// believed and the event is retried instead (default 30s).
	IndexLag time.Duration
	Now      func() time.Time

	mu    sync.Mutex
	keys  map[string]string    // incident → issue key
	tried map[string]time.Time // incident → when a creation went unanswered
}

var _ alerting.Receiver = (*Receiver)(nil)

// New returns a receiver for a site, an account and a project.
func New(siteURL, user, token, project string) *Receiver {
	return &Receiver{URL: siteURL, User: user, Token: token, Project: project, Client: &http.Client{Timeout: 15 * time.Second}}
}

// Name implements alerting.Receiver.
func (r *Receiver) Name() string { return "jira" }

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

// Label is the label that marks an incident's issue: "intops-" and the
// incident id, with what labels cannot hold (spaces…) replaced by "_".
func Label(incident string) string {
	b := []rune("intops-" + incident)
	for i, c := range b {
		if !(unicode.IsLetter(c) || unicode.IsDigit(c) || c == '-' || c == '_' || c == '.' || c == ':') {
			b[i] = '_'
		}
	}
	if len(b) > 255 {
		b = b[:255]
	}
	return string(b)
}

// IssueFields are the fields of a created issue.
type IssueFields struct {
	Project     ProjectRef `json:"project"`
	IssueType   TypeRef    `json:"issuetype"`
	Summary     string     `json:"summary"` // one line, at most 255 characters
	Description Node       `json:"description"`
	Labels      []string   `json:"labels"`
}

// ProjectRef names a project by key.
type ProjectRef struct {
	Key string `json:"key"`
}

// TypeRef names an issue type.
type TypeRef struct {
	Name string `json:"name"`
}

// IssueOf is the issue a trigger files.
func IssueOf(project, issueType string, e alerting.PageEvent) IssueFields {
	if issueType == "" {
		issueType = "Task"
	}
	v := e.View
	summary := v.Title
	for _, a := range v.Alerts {
		if a.State != "resolved" {
			summary += ": " + a.Summary
			break
		}
	}
	summary = oneLine(summary)
	if summary == "" {
		summary = e.Incident
	}
	if s := []rune(summary); len(s) > 255 {
		summary = string(s[:254]) + "…"
	}
	return IssueFields{Project: ProjectRef{Key: project}, IssueType: TypeRef{Name: issueType}, Summary: summary,
		Description: Description(e), Labels: []string{"intops", Label(e.Incident)}}
}

// Description is an issue's description: the incident's title, who owns
// it, its alerts, the integrations it affects, the advice, the top
// errors, and links to intops and the runbook.
func Description(e alerting.PageEvent) Node {
	v := e.View
	owner := "Team " + v.Team
	if v.Team == "" {
		owner = ""
	}
	if v.Technical != "" {
		owner += ", technical owner " + v.Technical
	}
	if v.Tier > 0 {
		owner += fmt.Sprintf(", tier %d", v.Tier)
	}
	flow := v.Source
	if len(v.Targets) > 0 {
		flow += " → " + strings.Join(v.Targets, ", ")
	}
	var alerts, affected, errs []string
	for _, a := range v.Alerts {
		alerts = append(alerts, fmt.Sprintf("[%s] %s", a.State, a.Summary))
	}
	for _, a := range v.Affected {
		s := a.Title
		if a.Team != "" {
			s += " (" + a.Team + ")"
		}
		if len(a.Firing) > 0 {
			s += ": " + strings.Join(a.Firing, "; ")
		}
		affected = append(affected, s)
	}
	for _, s := range v.TopErrors {
		errs = append(errs, fmt.Sprintf("%s ×%d: %s", s.Class, s.Count, s.Message))
	}
	var links []Node
	if v.URL != "" {
		links = append(links, Link("Open in intops", v.URL))
	}
	if v.Runbook != "" {
		if len(links) > 0 {
			links = append(links, Text(" · "))
		}
		links = append(links, Link("Runbook", v.Runbook))
	}
	blocks := []Node{
		Paragraph(Strong(v.Title)),
		Paragraph(Text(strings.TrimPrefix(owner, ", "))),
		Paragraph(Text(flow)),
		Heading(3, when(len(alerts) > 0, "Alerts")), Bullets(alerts...),
		Heading(3, when(len(affected) > 0, "Affected integrations")), Bullets(affected...),
		Heading(3, when(v.Advice != "", "Advice")), Paragraph(Text(v.Advice)),
		Heading(3, when(len(errs) > 0, "Top errors")), Bullets(errs...),
		Paragraph(links...),
		Paragraph(Text("intops incident " + e.Incident)),
	}
	return Doc(blocks...)
}

func when(ok bool, s string) string {
	if ok {
		return s
	}
	return ""
}

// Comment is the comment an acknowledgement, a resolution or a reopening
// adds; it ends with the event's id, by which a comment already added is
// recognised.
func Comment(e alerting.PageEvent) Node {
	v := e.View
	var text string
	switch e.Action {
	case alerting.PageAcknowledge:
		text = "Acknowledged"
		if v.AckedBy != "" {
			text += " by " + v.AckedBy
		}
		text += " in intops."
	case alerting.PageResolve:
		text = "Resolved"
		if v.ResolvedBy != "" {
			text += " by " + v.ResolvedBy
		}
		if !v.ResolvedAt.IsZero() {
			text += " at " + v.ResolvedAt.UTC().Format(time.RFC3339)
		}
		text += " in intops."
	default:
		text = "Open again in intops: a new alert within the grouping window of its resolution."
		for _, a := range v.Alerts {
			if a.State != "resolved" {
				text += " " + a.Summary
				break
			}
		}
	}
	return Doc(Paragraph(Text(text), Text(" "), Link("Open in intops", v.URL)), Paragraph(Text(marker(e))))
}

func marker(e alerting.PageEvent) string { return "intops event " + e.ID }

// Send implements alerting.Receiver.
func (r *Receiver) Send(ctx context.Context, e alerting.PageEvent) error {
	switch e.Action {
	case alerting.PageTrigger:
		return r.trigger(ctx, e)
	case alerting.PageAcknowledge, alerting.PageResolve:
		is, err := r.find(ctx, e.Incident)
		if err != nil {
			return err
		}
		if is == nil {
			return &alerting.PermanentError{Code: "jira_issue_not_found", Err: fmt.Errorf("jira: no issue labelled %s in %s (deleted or moved?)", Label(e.Incident), r.Project)}
		}
		if err := r.comment(ctx, is.Key, e); err != nil {
			return err
		}
		if e.Action == alerting.PageResolve {
			return r.close(ctx, is)
		}
		return nil
	}
	return &alerting.PermanentError{Code: "action", Err: fmt.Errorf("jira: unknown action %q", e.Action)}
}

func (r *Receiver) trigger(ctx context.Context, e alerting.PageEvent) error {
	is, err := r.find(ctx, e.Incident)
	if err != nil {
		return err
	}
	if is != nil {
		if is.done() { // the incident reopened: so does its issue
			if err := r.comment(ctx, is.Key, e); err != nil {
				return err
			}
			return r.transition(ctx, is.Key, func(cat string) bool { return cat != "done" })
		}
		return nil
	}
	r.mu.Lock()
	at, unanswered := r.tried[e.Incident]
	r.mu.Unlock()
	lag := r.IndexLag
	if lag == 0 {
		lag = 30 * time.Second
	}
	if unanswered && r.now().Sub(at) < lag {
		return fmt.Errorf("jira: the issue of %s may have been created by an unanswered request; its search may not show it yet", e.Incident)
	}
	var created struct {
		ID  string `json:"id"`
		Key string `json:"key"`
	}
	err = r.do(ctx, http.MethodPost, "/rest/api/3/issue", nil, map[string]any{"fields": IssueOf(r.Project, r.IssueType, e)}, &created)
	if err != nil {
		if !alerting.IsPermanent(err) && !isRateLimit(err) {
			r.mu.Lock()
			if r.tried == nil {
				r.tried = map[string]time.Time{}
			}
			r.tried[e.Incident] = r.now()
			r.mu.Unlock()
		}
		return err
	}
	r.remember(e.Incident, created.Key)
	return nil
}

// issue is an issue as search and get return it.
type issue struct {
	ID     string `json:"id"`
	Key    string `json:"key"`
	Fields struct {
		Status struct {
			Name           string `json:"name"`
			StatusCategory struct {
				Key string `json:"key"` // new, indeterminate, done
			} `json:"statusCategory"`
		} `json:"status"`
	} `json:"fields"`
}

func (i *issue) done() bool { return i.Fields.Status.StatusCategory.Key == "done" }

// find is the incident's issue with its status, from the key remembered
// or a search by label; nil when there is none.
func (r *Receiver) find(ctx context.Context, incident string) (*issue, error) {
	r.mu.Lock()
	key := r.keys[incident]
	r.mu.Unlock()
	if key != "" {
		var is issue
		err := r.do(ctx, http.MethodGet, "/rest/api/3/issue/"+url.PathEscape(key), url.Values{"fields": {"status"}}, nil, &is)
		var pe *alerting.PermanentError
		if errors.As(err, &pe) && pe.Code == "jira_404" {
			r.forget(incident) // moved or deleted: search again
		} else if err != nil {
			return nil, err
		} else {
			return &is, nil
		}
	}
	jql := fmt.Sprintf("project = %s AND labels = %s", quote(r.Project), quote(Label(incident)))
	var found struct {
		Issues []issue `json:"issues"`
	}
	if err := r.do(ctx, http.MethodGet, "/rest/api/3/search/jql", url.Values{"jql": {jql}, "fields": {"status"}, "maxResults": {"10"}}, nil, &found); err != nil {
		return nil, err
	}
	if len(found.Issues) == 0 {
		return nil, nil
	}
	// Several (filed by hand with the label?): the oldest is the one.
	sort.Slice(found.Issues, func(i, j int) bool { return idLess(found.Issues[i].ID, found.Issues[j].ID) })
	is := found.Issues[0]
	r.remember(incident, is.Key)
	return &is, nil
}

func idLess(a, b string) bool {
	x, errA := strconv.ParseInt(a, 10, 64)
	y, errB := strconv.ParseInt(b, 10, 64)
	if errA != nil || errB != nil {
		return a < b
	}
	return x < y
}

// comment adds the event's comment unless it is there already.
func (r *Receiver) comment(ctx context.Context, key string, e alerting.PageEvent) error {
	var page struct {
		Comments []struct {
			Body Node `json:"body"`
		} `json:"comments"`
	}
	if err := r.do(ctx, http.MethodGet, "/rest/api/3/issue/"+url.PathEscape(key)+"/comment",
		url.Values{"orderBy": {"-created"}, "maxResults": {"100"}}, nil, &page); err != nil {
		return err
	}
	for _, c := range page.Comments {
		if strings.Contains(PlainText(c.Body), marker(e)) {
			return nil
		}
	}
	return r.do(ctx, http.MethodPost, "/rest/api/3/issue/"+url.PathEscape(key)+"/comment", nil, map[string]any{"body": Comment(e)}, nil)
}

// close moves the issue to a done status, unless it is in one.
func (r *Receiver) close(ctx context.Context, is *issue) error {
	if is.done() {
		return nil
	}
	return r.transition(ctx, is.Key, func(cat string) bool { return cat == "done" })
}

// transition takes the first transition of the issue to a status whose
// category suits.
func (r *Receiver) transition(ctx context.Context, key string, to func(category string) bool) error {
	var ts struct {
		Transitions []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
			To   struct {
				StatusCategory struct {
					Key string `json:"key"`
				} `json:"statusCategory"`
			} `json:"to"`
		} `json:"transitions"`
	}
	path := "/rest/api/3/issue/" + url.PathEscape(key) + "/transitions"
	if err := r.do(ctx, http.MethodGet, path, nil, nil, &ts); err != nil {
		return err
	}
	for _, t := range ts.Transitions {
		if to(t.To.StatusCategory.Key) {
			return r.do(ctx, http.MethodPost, path, nil, map[string]any{"transition": map[string]string{"id": t.ID}}, nil)
		}
	}
	return &alerting.PermanentError{Code: "jira_no_transition", Err: fmt.Errorf("jira: %s has no transition to the status wanted (workflow?)", key)}
}

func (r *Receiver) remember(incident, key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.keys == nil {
		r.keys = map[string]string{}
	}
	r.keys[incident] = key
	delete(r.tried, incident)
}

func (r *Receiver) forget(incident string) {
	r.mu.Lock()
	delete(r.keys, incident)
	r.mu.Unlock()
}

func (r *Receiver) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// quote is a JQL string literal.
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// ErrorResponse is the API's error body.
type ErrorResponse struct {
	ErrorMessages []string          `json:"errorMessages"`
	Errors        map[string]string `json:"errors"`
}

func (e ErrorResponse) String() string {
	msgs := append([]string(nil), e.ErrorMessages...)
	var fields []string
	for f := range e.Errors {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	for _, f := range fields {
		msgs = append(msgs, f+": "+e.Errors[f])
	}
	return strings.Join(msgs, "; ")
}

// do calls the API (restapi.Do: 429 is a *RetryAfterError, another 4xx a
// *PermanentError with code jira_<status>, 5xx and network errors may
// work later; the credentials travel in the Authorization header only).
func (r *Receiver) do(ctx context.Context, method, path string, query url.Values, in, out any) error {
	return restapi.Do(ctx, restapi.Call{Name: "jira", Method: method, URL: r.URL, Path: path, Query: query,
		User: r.User, Password: r.Token, In: in, Out: out, Client: r.Client, Message: func(b []byte) string {
			var answer ErrorResponse
			_ = json.Unmarshal(b, &answer)
			return answer.String()
		}})
}

func isRateLimit(err error) bool {
	var ra *alerting.RetryAfterError
	return errors.As(err, &ra)
}
