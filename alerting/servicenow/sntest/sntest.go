// Package sntest is a fake of ServiceNow's Table API for the incident
// table, for tests: it checks each request as the API documents it
// (method, path, basic auth, Accept and Content-Type, field lengths and
// choices, the resolution's mandatory code and notes) and keeps the
// records it would hold, with their state and work notes.
package sntest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// The user the fake knows.
const (
	User     = "intops.integration"
	Password = "fake-Passw0rd!"
)

// Record is an incident record as the fake keeps it.
type Record struct {
	SysID, Number, State                       string
	ShortDescription, Description              string
	CorrelationID, CorrelationDisplay          string
	Urgency, Impact, AssignmentGroup, CallerID string
	CloseCode, CloseNotes                      string
	WorkNotes                                  []string
	Updates                                    int // PATCHes that changed it
}

// Server is the fake.
type Server struct {
	URL string // the instance
	srv *httptest.Server

	mu      sync.Mutex
	records []*Record
	down    bool
	lose    int
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

// LoseAnswers makes the fake carry out the next n writes (POST, PATCH)
// and answer them 504, as when a gateway times out after the instance
// acted.
func (f *Server) LoseAnswers(n int) {
	f.mu.Lock()
	f.lose = n
	f.mu.Unlock()
}

// Records are the records filed, in order.
func (f *Server) Records() []Record {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Record
	for _, rec := range f.records {
		c := *rec
		c.WorkNotes = append([]string(nil), rec.WorkNotes...)
		out = append(out, c)
	}
	return out
}

// Limits and choices of the incident table's fields.
var (
	maxLen  = map[string]int{"short_description": 160, "description": 4000, "correlation_id": 100, "correlation_display": 100, "close_notes": 4000, "work_notes": 4000}
	choices = map[string][]string{
		"urgency": {"1", "2", "3"}, "impact": {"1", "2", "3"},
		"state": {"1", "2", "3", "6", "7", "8"},
		"close_code": {"Solution provided", "Workaround provided", "Duplicate", "Known error", "No resolution provided",
			"Resolved by caller", "Resolved by change", "Resolved by problem", "Resolved by request", "User error"},
	}
	writable = map[string]bool{"short_description": true, "description": true, "correlation_id": true, "correlation_display": true,
		"urgency": true, "impact": true, "assignment_group": true, "caller_id": true, "state": true, "close_code": true,
		"close_notes": true, "work_notes": true, "comments": true, "category": true}
)

func (f *Server) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	if u, p, ok := r.BasicAuth(); !ok || u != User || p != Password {
		fail(w, http.StatusUnauthorized, "User Not Authenticated", "Required to provide Auth information")
		return
	}
	if !strings.Contains(r.Header.Get("Accept"), "application/json") {
		fail(w, http.StatusNotAcceptable, "Invalid Accept header", "Accept must be application/json")
		return
	}
	write := r.Method == http.MethodPost || r.Method == http.MethodPatch || r.Method == http.MethodPut
	if write && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		fail(w, http.StatusUnsupportedMediaType, "Requested URI does not represent any resource", "Content-Type must be application/json")
		return
	}
	var body []byte
	if write {
		body, _ = io.ReadAll(io.LimitReader(r.Body, 1<<20))
	}
	if write && f.lose > 0 {
		f.lose--
		f.route(httptest.NewRecorder(), r, body)
		w.WriteHeader(http.StatusGatewayTimeout)
		return
	}
	f.route(w, r, body)
}

func (f *Server) route(w http.ResponseWriter, r *http.Request, body []byte) {
	const table = "/api/now/table/incident"
	path := r.URL.Path
	if path != table && !strings.HasPrefix(path, table+"/") {
		fail(w, http.StatusBadRequest, "Invalid table", "the fake holds the incident table only")
		return
	}
	sysID := strings.TrimPrefix(strings.TrimPrefix(path, table), "/")
	fieldsOf := r.URL.Query().Get("sysparm_fields")
	switch {
	case sysID == "" && r.Method == http.MethodGet:
		q := r.URL.Query()
		query, limit := q.Get("sysparm_query"), q.Get("sysparm_limit")
		var cond []string
		desc := false
		for _, part := range strings.Split(query, "^") {
			switch {
			case part == "":
			case part == "ORDERBYDESCsys_created_on":
				desc = true
			case strings.HasPrefix(part, "correlation_id="):
				cond = append(cond, strings.TrimPrefix(part, "correlation_id="))
			default:
				fail(w, http.StatusBadRequest, "Unsupported query", "the fake supports correlation_id=… and ORDERBYDESCsys_created_on")
				return
			}
		}
		var result []map[string]string
		for _, rec := range f.records {
			if len(cond) == 1 && rec.CorrelationID != cond[0] {
				continue
			}
			result = append(result, view(rec, fieldsOf))
		}
		if desc {
			for i, j := 0, len(result)-1; i < j; i, j = i+1, j-1 {
				result[i], result[j] = result[j], result[i]
			}
		}
		if limit == "1" && len(result) > 1 {
			result = result[:1]
		}
		if result == nil {
			result = []map[string]string{}
		}
		writeJSON(w, http.StatusOK, map[string]any{"result": result})
	case sysID == "" && r.Method == http.MethodPost:
		fields, ok := f.fields(w, body)
		if !ok {
			return
		}
		if fields["short_description"] == "" {
			fail(w, http.StatusBadRequest, "Operation Failed", "Data Policy Exception: \n\tThe following fields are mandatory: Short description")
			return
		}
		n := len(f.records) + 1
		h := sha256.Sum256([]byte(fmt.Sprint("incident", n)))
		rec := &Record{SysID: hex.EncodeToString(h[:16]), Number: fmt.Sprintf("INC%07d", 10000+n), State: "1", Urgency: "3", Impact: "3"}
		f.apply(rec, fields)
		rec.Updates = 0
		f.records = append(f.records, rec)
		writeJSON(w, http.StatusCreated, map[string]any{"result": view(rec, fieldsOf)})
	case sysID != "" && (r.Method == http.MethodGet || r.Method == http.MethodPatch || r.Method == http.MethodPut):
		var rec *Record
		for _, x := range f.records {
			if x.SysID == sysID {
				rec = x
			}
		}
		if rec == nil {
			fail(w, http.StatusNotFound, "No Record found", "Record doesn't exist or ACL restricts the record retrieval")
			return
		}
		if r.Method != http.MethodGet {
			fields, ok := f.fields(w, body)
			if !ok {
				return
			}
			if fields["state"] == "6" || fields["state"] == "7" {
				var missing []string
				if fields["close_code"] == "" && rec.CloseCode == "" {
					missing = append(missing, "Resolution code")
				}
				if fields["close_notes"] == "" && rec.CloseNotes == "" {
					missing = append(missing, "Resolution notes")
				}
				if len(missing) > 0 {
					fail(w, http.StatusForbidden, "Operation Failed", "Data Policy Exception: \n\tThe following fields are mandatory: "+strings.Join(missing, ", "))
					return
				}
			}
			f.apply(rec, fields)
		}
		writeJSON(w, http.StatusOK, map[string]any{"result": view(rec, fieldsOf)})
	default:
		fail(w, http.StatusMethodNotAllowed, "Method not Supported", r.Method+" "+path)
	}
}

// fields reads a write's body: a JSON object of known fields, string
// values within their length and choices.
func (f *Server) fields(w http.ResponseWriter, body []byte) (map[string]string, bool) {
	var raw map[string]any
	if err := json.Unmarshal(body, &raw); err != nil {
		fail(w, http.StatusBadRequest, "Exception while reading request", "The payload is not valid JSON.")
		return nil, false
	}
	out := map[string]string{}
	for k, v := range raw {
		s, ok := v.(string)
		if !ok {
			fail(w, http.StatusBadRequest, "Invalid field value", k+" must be a string")
			return nil, false
		}
		if !writable[k] {
			fail(w, http.StatusBadRequest, "Invalid field", k+" is not a field the fake's incident table takes")
			return nil, false
		}
		if n := maxLen[k]; n > 0 && len([]rune(s)) > n {
			fail(w, http.StatusBadRequest, "Invalid field value", fmt.Sprintf("%s is longer than %d characters", k, n))
			return nil, false
		}
		if cs := choices[k]; cs != nil && !contains(cs, s) {
			fail(w, http.StatusBadRequest, "Invalid field value", fmt.Sprintf("%s %q is not one of %v", k, s, cs))
			return nil, false
		}
		out[k] = s
	}
	return out, true
}

func (f *Server) apply(rec *Record, fields map[string]string) {
	set := map[string]*string{"short_description": &rec.ShortDescription, "description": &rec.Description, "correlation_id": &rec.CorrelationID,
		"correlation_display": &rec.CorrelationDisplay, "urgency": &rec.Urgency, "impact": &rec.Impact, "assignment_group": &rec.AssignmentGroup,
		"caller_id": &rec.CallerID, "state": &rec.State, "close_code": &rec.CloseCode, "close_notes": &rec.CloseNotes}
	for k, v := range fields {
		if p := set[k]; p != nil {
			*p = v
		}
	}
	if n := fields["work_notes"]; n != "" {
		rec.WorkNotes = append(rec.WorkNotes, n)
	}
	rec.Updates++
}

func view(rec *Record, fields string) map[string]string {
	all := map[string]string{"sys_id": rec.SysID, "number": rec.Number, "state": rec.State, "short_description": rec.ShortDescription,
		"correlation_id": rec.CorrelationID, "urgency": rec.Urgency, "impact": rec.Impact, "close_code": rec.CloseCode}
	if fields == "" {
		return all
	}
	out := map[string]string{}
	for _, k := range strings.Split(fields, ",") {
		if v, ok := all[k]; ok {
			out[k] = v
		}
	}
	return out
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

func fail(w http.ResponseWriter, status int, msg, detail string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"message": msg, "detail": detail}, "status": "failure"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
