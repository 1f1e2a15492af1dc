// Package jiratest is a fake of Jira Cloud's REST API v3 for tests: it
// checks each request as the API documents it (method, path, basic
// auth, content type, required fields, Atlassian Document Format) and
// keeps the issues it would hold, with their labels, comments and status,
// in a workflow To Do → In Progress → Done.
package jiratest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// The account and project the fake knows.
const (
	User    = "intops-bot@example.com"
	Token   = "ATATT3xFfGF0-fake-api-token"
	Project = "OPS"
)

// Statuses of the fake's workflow, each with its category.
var statuses = []struct{ ID, Name, Category, Transition string }{
	{"10000", "To Do", "new", "11"},
	{"10001", "In Progress", "indeterminate", "21"},
	{"10002", "Done", "done", "31"},
}

// Issue is an issue as the fake keeps it.
type Issue struct {
	ID, Key, Type, Summary string
	Description            string // the description's text
	Labels                 []string
	Status                 string // To Do, In Progress, Done
	Comments               []string
	Transitions            int // how many times its status changed
	created                time.Time
}

// Server is the fake.
type Server struct {
	URL string // the site
	srv *httptest.Server

	mu     sync.Mutex
	issues []*Issue
	down   bool
	lose   int
	lag    time.Duration
}

// New starts the fake; it stops when the test ends.
func New(t testing.TB) *Server {
	f := &Server{}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	f.URL = f.srv.URL
	t.Cleanup(f.srv.Close)
	return f
}

// SetDown makes the fake answer 503 to everything (or not).
func (f *Server) SetDown(down bool) {
	f.mu.Lock()
	f.down = down
	f.mu.Unlock()
}

// LoseAnswers makes the fake carry out the next n writes (POST) and
// answer them 504, as when a gateway times out after Jira acted.
func (f *Server) LoseAnswers(n int) {
	f.mu.Lock()
	f.lose = n
	f.mu.Unlock()
}

// SetSearchLag makes the search miss issues created less than d ago, as
// Jira's eventually consistent JQL search may.
func (f *Server) SetSearchLag(d time.Duration) {
	f.mu.Lock()
	f.lag = d
	f.mu.Unlock()
}

// Issues are the issues filed, in order.
func (f *Server) Issues() []Issue {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Issue
	for _, is := range f.issues {
		c := *is
		c.Labels = append([]string(nil), is.Labels...)
		c.Comments = append([]string(nil), is.Comments...)
		out = append(out, c)
	}
	return out
}

var (
	reIssue = regexp.MustCompile(`^/rest/api/3/issue/([^/]+)(/comment|/transitions)?$`)
	reLabel = regexp.MustCompile(`labels\s*=\s*"((?:[^"\\]|\\.)*)"`)
)

func (f *Server) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	if u, p, ok := r.BasicAuth(); !ok || u != User || p != Token || !strings.HasPrefix(r.Header.Get("Authorization"), "Basic ") {
		// Jira answers a wrong email or token with 401 and no JSON.
		w.Header().Set("WWW-Authenticate", `Basic realm="protected-area"`)
		http.Error(w, "Client must be authenticated to access this resource.", http.StatusUnauthorized)
		return
	}
	if r.Method == http.MethodPost && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		fail(w, http.StatusUnsupportedMediaType, "Unsupported Media Type: Content-Type must be application/json", nil)
		return
	}
	var body []byte
	if r.Method == http.MethodPost {
		body, _ = io.ReadAll(io.LimitReader(r.Body, 1<<20))
	}
	// A lost answer: the write is carried out, the answer a 504.
	if r.Method == http.MethodPost && f.lose > 0 && r.URL.Path != "/rest/api/3/search/jql" {
		f.lose--
		f.route(httptest.NewRecorder(), r, body)
		w.WriteHeader(http.StatusGatewayTimeout)
		return
	}
	f.route(w, r, body)
}

func (f *Server) route(w http.ResponseWriter, r *http.Request, body []byte) {
	path := r.URL.Path
	switch {
	case path == "/rest/api/3/issue" && r.Method == http.MethodPost:
		f.create(w, body)
	case path == "/rest/api/3/search/jql" && (r.Method == http.MethodGet || r.Method == http.MethodPost):
		jql := r.URL.Query().Get("jql")
		if r.Method == http.MethodPost {
			var q struct {
				JQL string `json:"jql"`
			}
			if err := json.Unmarshal(body, &q); err != nil {
				fail(w, http.StatusBadRequest, "Invalid request payload. Refer to the REST API documentation and try again.", nil)
				return
			}
			jql = q.JQL
		}
		f.search(w, jql)
	default:
		m := reIssue.FindStringSubmatch(path)
		if m == nil {
			fail(w, http.StatusNotFound, "No resource found for "+r.Method+" "+path, nil)
			return
		}
		is := f.issue(m[1])
		if is == nil {
			fail(w, http.StatusNotFound, "Issue does not exist or you do not have permission to see it.", nil)
			return
		}
		switch {
		case m[2] == "" && r.Method == http.MethodGet:
			writeJSON(w, http.StatusOK, view(is))
		case m[2] == "/comment" && r.Method == http.MethodGet:
			var cs []map[string]any
			for i, c := range is.Comments {
				cs = append(cs, map[string]any{"id": fmt.Sprint(10000 + i), "body": doc(c)})
			}
			if r.URL.Query().Get("orderBy") == "-created" {
				for i, j := 0, len(cs)-1; i < j; i, j = i+1, j-1 {
					cs[i], cs[j] = cs[j], cs[i]
				}
			}
			writeJSON(w, http.StatusOK, map[string]any{"startAt": 0, "maxResults": 100, "total": len(cs), "comments": cs})
		case m[2] == "/comment" && r.Method == http.MethodPost:
			var c struct {
				Body json.RawMessage `json:"body"`
			}
			if json.Unmarshal(body, &c) != nil || len(c.Body) == 0 {
				fail(w, http.StatusBadRequest, "", map[string]string{"comment": "Comment body can not be empty!"})
				return
			}
			text, err := checkADF(c.Body)
			if err != nil {
				fail(w, http.StatusBadRequest, "", map[string]string{"comment": "Comment body is not valid Atlassian Document Format: " + err.Error()})
				return
			}
			is.Comments = append(is.Comments, text)
			writeJSON(w, http.StatusCreated, map[string]any{"id": fmt.Sprint(10000 + len(is.Comments) - 1), "body": doc(text)})
		case m[2] == "/transitions" && r.Method == http.MethodGet:
			var ts []map[string]any
			for _, s := range statuses {
				if s.Name != is.Status {
					ts = append(ts, map[string]any{"id": s.Transition, "name": s.Name, "hasScreen": false,
						"to": map[string]any{"id": s.ID, "name": s.Name, "statusCategory": map[string]any{"key": s.Category, "name": s.Name}}})
				}
			}
			writeJSON(w, http.StatusOK, map[string]any{"transitions": ts})
		case m[2] == "/transitions" && r.Method == http.MethodPost:
			var t struct {
				Transition struct {
					ID string `json:"id"`
				} `json:"transition"`
			}
			if json.Unmarshal(body, &t) != nil || t.Transition.ID == "" {
				fail(w, http.StatusBadRequest, "", map[string]string{"transition": "Transition id is required."})
				return
			}
			for _, s := range statuses {
				if s.Transition == t.Transition.ID && s.Name != is.Status {
					is.Status = s.Name
					is.Transitions++
					w.WriteHeader(http.StatusNoContent)
					return
				}
			}
			fail(w, http.StatusBadRequest, "Transition id '"+t.Transition.ID+"' is not valid for this issue.", nil)
		default:
			fail(w, http.StatusMethodNotAllowed, "Method not allowed", nil)
		}
	}
}

func (f *Server) create(w http.ResponseWriter, body []byte) {
	var req struct {
		Fields *struct {
			Project *struct {
				Key string `json:"key"`
				ID  string `json:"id"`
			} `json:"project"`
			IssueType *struct {
				Name string `json:"name"`
				ID   string `json:"id"`
			} `json:"issuetype"`
			Summary     *string         `json:"summary"`
			Description json.RawMessage `json:"description"`
			Labels      []string        `json:"labels"`
		} `json:"fields"`
	}
	if err := json.Unmarshal(body, &req); err != nil || req.Fields == nil {
		fail(w, http.StatusBadRequest, "Invalid request payload. Refer to the REST API documentation and try again.", nil)
		return
	}
	fs := req.Fields
	errs := map[string]string{}
	if fs.Project == nil || fs.Project.Key != Project {
		errs["project"] = "Specify a valid project ID or key"
	}
	typ := ""
	if fs.IssueType != nil {
		typ = fs.IssueType.Name
	}
	switch typ {
	case "Task", "Bug", "Story", "Incident":
	default:
		errs["issuetype"] = "Specify a valid issue type"
	}
	switch {
	case fs.Summary == nil || strings.TrimSpace(*fs.Summary) == "":
		errs["summary"] = "You must specify a summary of the issue."
	case len([]rune(*fs.Summary)) > 255:
		errs["summary"] = "Summary must be less than 255 characters."
	case strings.ContainsAny(*fs.Summary, "\r\n"):
		errs["summary"] = "The summary is invalid because it contains newline characters."
	}
	desc := ""
	if len(fs.Description) > 0 && string(fs.Description) != "null" {
		text, err := checkADF(fs.Description)
		if err != nil {
			errs["description"] = "Operation value must be an Atlassian Document (see the Atlassian Document Format): " + err.Error()
		}
		desc = text
	}
	for _, l := range fs.Labels {
		if l == "" || strings.ContainsAny(l, " \t\r\n") || len(l) > 255 {
			errs["labels"] = "The label '" + l + "' contains spaces which is invalid."
		}
	}
	if len(errs) > 0 {
		fail(w, http.StatusBadRequest, "", errs)
		return
	}
	n := len(f.issues) + 1
	is := &Issue{ID: fmt.Sprint(10000 + n), Key: fmt.Sprintf("%s-%d", Project, n), Type: typ, Summary: *fs.Summary, Description: desc,
		Labels: fs.Labels, Status: "To Do", created: time.Now()}
	f.issues = append(f.issues, is)
	writeJSON(w, http.StatusCreated, map[string]string{"id": is.ID, "key": is.Key, "self": f.URL + "/rest/api/3/issue/" + is.ID})
}

func (f *Server) search(w http.ResponseWriter, jql string) {
	if strings.TrimSpace(jql) == "" {
		fail(w, http.StatusBadRequest, "Unbounded JQL queries are not allowed here. Please add a search restriction to your query.", nil)
		return
	}
	m := reLabel.FindStringSubmatch(jql)
	if m == nil {
		fail(w, http.StatusBadRequest, "The fake only searches by label: labels = \"…\"", nil)
		return
	}
	label := strings.NewReplacer(`\"`, `"`, `\\`, `\`).Replace(m[1])
	issues := []map[string]any{}
	for _, is := range f.issues {
		if f.lag > 0 && time.Since(is.created) < f.lag {
			continue
		}
		for _, l := range is.Labels {
			if l == label {
				issues = append(issues, view(is))
				break
			}
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"issues": issues, "isLast": true})
}

func (f *Server) issue(idOrKey string) *Issue {
	for _, is := range f.issues {
		if is.Key == idOrKey || is.ID == idOrKey {
			return is
		}
	}
	return nil
}

func view(is *Issue) map[string]any {
	st := statuses[0]
	for _, s := range statuses {
		if s.Name == is.Status {
			st = s
		}
	}
	return map[string]any{"id": is.ID, "key": is.Key, "fields": map[string]any{
		"status": map[string]any{"id": st.ID, "name": st.Name, "statusCategory": map[string]any{"key": st.Category, "name": st.Name}}}}
}

func doc(text string) map[string]any {
	return map[string]any{"type": "doc", "version": 1, "content": []any{
		map[string]any{"type": "paragraph", "content": []any{map[string]any{"type": "text", "text": text}}}}}
}

// adf is a node of the Atlassian Document Format.
type adf struct {
	Type    string          `json:"type"`
	Version *int            `json:"version"`
	Content []adf           `json:"content"`
	Text    *string         `json:"text"`
	Attrs   json.RawMessage `json:"attrs"`
	Marks   []struct {
		Type  string `json:"type"`
		Attrs struct {
			Href string `json:"href"`
		} `json:"attrs"`
	} `json:"marks"`
}

var (
	blockTypes  = map[string]bool{"paragraph": true, "heading": true, "bulletList": true, "orderedList": true, "codeBlock": true, "blockquote": true, "rule": true, "panel": true, "table": true}
	inlineTypes = map[string]bool{"text": true, "hardBreak": true, "mention": true, "emoji": true, "inlineCard": true}
	markTypes   = map[string]bool{"strong": true, "em": true, "code": true, "link": true, "strike": true, "underline": true, "textColor": true, "subsup": true}
)

// checkADF checks a document as the format's schema says (a doc of
// version 1 holding blocks; text nodes with text; link marks with an
// href) and returns its text.
func checkADF(raw json.RawMessage) (string, error) {
	var d adf
	if err := json.Unmarshal(raw, &d); err != nil {
		return "", fmt.Errorf("not a document: %v", err)
	}
	if d.Type != "doc" || d.Version == nil || *d.Version != 1 {
		return "", fmt.Errorf(`the root must be {"type":"doc","version":1}`)
	}
	if d.Content == nil {
		return "", fmt.Errorf("doc needs content")
	}
	var texts []string
	var walk func(n adf, parent string) error
	walk = func(n adf, parent string) error {
		switch {
		case parent == "doc" && !blockTypes[n.Type]:
			return fmt.Errorf("%s cannot be at the top level", n.Type)
		case n.Type == "listItem" && parent != "bulletList" && parent != "orderedList":
			return fmt.Errorf("listItem outside a list")
		case (parent == "bulletList" || parent == "orderedList") && n.Type != "listItem":
			return fmt.Errorf("%s inside a list", n.Type)
		case (parent == "paragraph" || parent == "heading") && !inlineTypes[n.Type]:
			return fmt.Errorf("%s inside a %s", n.Type, parent)
		}
		switch n.Type {
		case "text":
			if n.Text == nil || *n.Text == "" {
				return fmt.Errorf("text nodes must not be empty")
			}
			for _, m := range n.Marks {
				if !markTypes[m.Type] {
					return fmt.Errorf("unknown mark %q", m.Type)
				}
				if m.Type == "link" && m.Attrs.Href == "" {
					return fmt.Errorf("link marks need attrs.href")
				}
			}
			texts = append(texts, *n.Text)
		case "heading":
			var a struct {
				Level int `json:"level"`
			}
			if json.Unmarshal(n.Attrs, &a) != nil || a.Level < 1 || a.Level > 6 {
				return fmt.Errorf("heading needs attrs.level from 1 to 6")
			}
		case "bulletList", "orderedList", "listItem":
			if len(n.Content) == 0 {
				return fmt.Errorf("%s needs content", n.Type)
			}
		}
		if n.Type != "doc" && n.Version != nil {
			return fmt.Errorf("only doc has a version")
		}
		for _, c := range n.Content {
			if err := walk(c, n.Type); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(d, ""); err != nil {
		return "", err
	}
	return strings.Join(texts, " "), nil
}

func fail(w http.ResponseWriter, status int, msg string, errs map[string]string) {
	body := map[string]any{"errorMessages": []string{}, "errors": map[string]string{}}
	if msg != "" {
		body["errorMessages"] = []string{msg}
	}
	if errs != nil {
		body["errors"] = errs
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
