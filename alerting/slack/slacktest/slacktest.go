// Package slacktest is a fake Slack Web API for tests: enough of it for
// the notifier and the digest (chat.postMessage, chat.update,
// conversations.history/.replies with metadata and paging,
// conversations.list, and file uploads: files.getUploadURLExternal, the
// upload URL, files.completeUploadExternal), served by an httptest server.
package slacktest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/intops/intops/alerting/slack/internal/ts"
)

// Token is the bot token the fake accepts.
const Token = "xoxb-test-0123456789-SECRET"

// Server is the fake Slack. SetFail makes every call fail: "429", "500",
// "lost" (posts are taken but the answer is a 504) or a Slack error code.
type Server struct {
	URL string // the API URL, for slack-go's OptionAPIURL (ends in /)
	srv *httptest.Server

	mu       sync.Mutex
	channels map[string]string // name → ID
	msgs     map[string][]*Message
	now      time.Time // ts of the next message; advances a second per message
	page     int       // page size override (0: the client's limit)
	fail     string
	// retryAfter is the Retry-After of "429" (default 7 seconds).
	retryAfter string
	// lost: "lost" mode takes posts but answers 500, as when the answer
	// is lost on the way back.
	calls []Call
	// files uploaded with files.getUploadURLExternal, the upload URL and
	// files.completeUploadExternal, by file ID.
	files map[string]*File
}

// File is a file uploaded to the fake.
type File struct {
	ID, Name, Title   string
	Length            int
	Data              []byte
	Channel, ThreadTS string // where it was shared
}

// Call is an API call the fake got.
type Call struct {
	Method string
	Form   map[string]string
}

// Message is a message as the fake keeps it.
type Message struct {
	TS, ThreadTS, Text string
	Blocks             json.RawMessage
	Metadata           json.RawMessage
	LinkNames          string
}

// New starts a fake Slack with the channels #order-alerts,
// #integration-coe and #crm-alerts; it stops when the test ends.
func New(t testing.TB) *Server {
	f := &Server{
		channels: map[string]string{"order-alerts": "C0ORDER001", "integration-coe": "C0ICOE0001", "crm-alerts": "C0CRM00001"},
		msgs:     map[string][]*Message{},
		now:      time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC),
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	f.URL = f.srv.URL + "/"
	t.Cleanup(f.srv.Close)
	return f
}

func (f *Server) serve(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	method := strings.TrimPrefix(r.URL.Path, "/")
	form := map[string]string{}
	for k := range r.PostForm {
		form[k] = r.PostForm.Get(k)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, Call{method, form})
	token := form["token"]
	if token == "" {
		token = strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	}
	if token != Token {
		reply(w, map[string]any{"ok": false, "error": "invalid_auth"})
		return
	}
	switch f.fail {
	case "":
	case "429":
		ra := f.retryAfter
		if ra == "" {
			ra = "7"
		}
		w.Header().Set("Retry-After", ra)
		http.Error(w, "slow down", http.StatusTooManyRequests)
		return
	case "500":
		http.Error(w, "<html>oops</html>", http.StatusInternalServerError)
		return
	case "lost":
		if method == "chat.postMessage" {
			f.post(httptest.NewRecorder(), form)
			http.Error(w, "<html>gateway timeout</html>", http.StatusGatewayTimeout)
			return
		}
	default:
		reply(w, map[string]any{"ok": false, "error": f.fail})
		return
	}
	switch method {
	case "chat.postMessage":
		f.post(w, form)
	case "chat.update":
		f.update(w, form)
	case "conversations.history":
		f.history(w, form)
	case "conversations.replies":
		f.replies(w, form)
	case "conversations.list":
		f.list(w, form)
	case "files.getUploadURLExternal":
		f.uploadURL(w, form)
	case "files.completeUploadExternal":
		f.completeUpload(w, form)
	default:
		if id, ok := strings.CutPrefix(method, "upload/"); ok {
			f.upload(w, r, id)
			return
		}
		reply(w, map[string]any{"ok": false, "error": "unknown_method"})
	}
}

// uploadURL hands out an upload URL on this server for a new file.
func (f *Server) uploadURL(w http.ResponseWriter, form map[string]string) {
	n, err := strconv.Atoi(form["length"])
	if form["filename"] == "" || err != nil || n <= 0 {
		reply(w, map[string]any{"ok": false, "error": "invalid_arguments"})
		return
	}
	if f.files == nil {
		f.files = map[string]*File{}
	}
	id := "F" + strconv.Itoa(1000+len(f.files))
	f.files[id] = &File{ID: id, Name: form["filename"], Length: n}
	reply(w, map[string]any{"ok": true, "upload_url": f.srv.URL + "/upload/" + id, "file_id": id})
}

// upload takes the file's bytes (a multipart form, field "file"), as
// files.slack.com does.
func (f *Server) upload(w http.ResponseWriter, r *http.Request, id string) {
	file := f.files[id]
	if file == nil {
		http.Error(w, "no such upload", http.StatusNotFound)
		return
	}
	part, _, err := r.FormFile("file")
	if err != nil {
		http.Error(w, "no file field: "+err.Error(), http.StatusBadRequest)
		return
	}
	defer part.Close()
	if file.Data, err = io.ReadAll(part); err != nil || len(file.Data) != file.Length {
		http.Error(w, "length mismatch", http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte("OK - " + strconv.Itoa(len(file.Data))))
}

// completeUpload shares uploaded files to a channel (and thread).
func (f *Server) completeUpload(w http.ResponseWriter, form map[string]string) {
	var files []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	if err := json.Unmarshal([]byte(form["files"]), &files); err != nil || len(files) == 0 {
		reply(w, map[string]any{"ok": false, "error": "invalid_arguments"})
		return
	}
	ch := form["channel_id"]
	if !f.isChannelID(ch) {
		reply(w, map[string]any{"ok": false, "error": "channel_not_found"})
		return
	}
	if th := form["thread_ts"]; th != "" && f.find(ch, th) == nil {
		reply(w, map[string]any{"ok": false, "error": "thread_not_found"})
		return
	}
	var out []map[string]any
	for _, x := range files {
		file := f.files[x.ID]
		if file == nil || file.Data == nil {
			reply(w, map[string]any{"ok": false, "error": "file_not_found"})
			return
		}
		file.Title, file.Channel, file.ThreadTS = x.Title, ch, form["thread_ts"]
		out = append(out, map[string]any{"id": file.ID, "title": file.Title})
	}
	reply(w, map[string]any{"ok": true, "files": out})
}

// Shared returns copies of the files shared to a channel.
func (f *Server) Shared(ch string) []File {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []File
	for _, x := range f.files {
		if x.Channel == ch {
			out = append(out, *x)
		}
	}
	return out
}

func reply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func (f *Server) channel(c string) (string, bool) {
	if id, ok := f.channels[strings.TrimPrefix(c, "#")]; ok {
		return id, true
	}
	for _, id := range f.channels {
		if id == c {
			return id, true
		}
	}
	return "", false
}

func (f *Server) isChannelID(id string) bool {
	for _, c := range f.channels {
		if c == id {
			return true
		}
	}
	return false
}

func (f *Server) find(ch, ts string) *Message {
	for _, m := range f.msgs[ch] {
		if m.TS == ts {
			return m
		}
	}
	return nil
}

func (f *Server) post(w http.ResponseWriter, form map[string]string) {
	ch, ok := f.channel(form["channel"])
	if !ok {
		reply(w, map[string]any{"ok": false, "error": "channel_not_found"})
		return
	}
	if form["text"] == "" && form["blocks"] == "" {
		reply(w, map[string]any{"ok": false, "error": "no_text"})
		return
	}
	if th := form["thread_ts"]; th != "" {
		if root := f.find(ch, th); root == nil || root.ThreadTS != "" {
			reply(w, map[string]any{"ok": false, "error": "thread_not_found"})
			return
		}
	}
	m := &Message{TS: ts.Format(f.now), ThreadTS: form["thread_ts"], Text: form["text"],
		Blocks: raw(form["blocks"]), Metadata: raw(form["metadata"]), LinkNames: form["link_names"]}
	f.now = f.now.Add(time.Second)
	f.msgs[ch] = append(f.msgs[ch], m)
	reply(w, map[string]any{"ok": true, "channel": ch, "ts": m.TS})
}

func (f *Server) update(w http.ResponseWriter, form map[string]string) {
	m := f.find(form["channel"], form["ts"])
	if m == nil {
		reply(w, map[string]any{"ok": false, "error": "message_not_found"})
		return
	}
	m.Text, m.Blocks = form["text"], raw(form["blocks"])
	if md := form["metadata"]; md != "" { // as Slack: no metadata, no change
		m.Metadata = raw(md)
	}
	reply(w, map[string]any{"ok": true, "channel": form["channel"], "ts": m.TS})
}

func raw(s string) json.RawMessage {
	if s == "" {
		return nil
	}
	return json.RawMessage(s)
}

// view is a message as conversations.* return it.
func (f *Server) view(ch string, m *Message, metadata bool) map[string]any {
	v := map[string]any{"type": "message", "ts": m.TS, "text": m.Text}
	if m.ThreadTS != "" {
		v["thread_ts"] = m.ThreadTS
	}
	if metadata && m.Metadata != nil {
		v["metadata"] = m.Metadata
	}
	n, latest := 0, ""
	for _, r := range f.msgs[ch] {
		if r.ThreadTS == m.TS {
			n, latest = n+1, r.TS
		}
	}
	if n > 0 {
		v["thread_ts"], v["reply_count"], v["latest_reply"] = m.TS, n, latest
	}
	return v
}

func (f *Server) history(w http.ResponseWriter, form map[string]string) {
	ch := form["channel"]
	if _, ok := f.msgs[ch]; !ok && !f.isChannelID(ch) {
		reply(w, map[string]any{"ok": false, "error": "channel_not_found"})
		return
	}
	var top []*Message
	for _, m := range f.msgs[ch] {
		if m.ThreadTS == "" && !ts.Before(m.TS, tsTime(form["oldest"])) {
			top = append(top, m)
		}
	}
	sort.Slice(top, func(i, j int) bool { return tsTime(top[i].TS).After(tsTime(top[j].TS)) })
	page, next := f.paginate(len(top), form)
	var out []map[string]any
	for _, m := range top[page[0]:page[1]] {
		out = append(out, f.view(ch, m, form["include_all_metadata"] == "1"))
	}
	reply(w, map[string]any{"ok": true, "messages": out, "has_more": next != "",
		"response_metadata": map[string]any{"next_cursor": next}})
}

func (f *Server) replies(w http.ResponseWriter, form map[string]string) {
	ch := form["channel"]
	root := f.find(ch, form["ts"])
	if root == nil {
		reply(w, map[string]any{"ok": false, "error": "thread_not_found"})
		return
	}
	thread := []*Message{root} // Slack always returns the root first
	for _, m := range f.msgs[ch] {
		if m.ThreadTS == root.TS && !ts.Before(m.TS, tsTime(form["oldest"])) {
			thread = append(thread, m)
		}
	}
	page, next := f.paginate(len(thread), form)
	var out []map[string]any
	for _, m := range thread[page[0]:page[1]] {
		out = append(out, f.view(ch, m, form["include_all_metadata"] == "1"))
	}
	reply(w, map[string]any{"ok": true, "messages": out, "has_more": next != "",
		"response_metadata": map[string]any{"next_cursor": next}})
}

func (f *Server) list(w http.ResponseWriter, form map[string]string) {
	names := make([]string, 0, len(f.channels))
	for n := range f.channels {
		names = append(names, n)
	}
	sort.Strings(names)
	page, next := f.paginate(len(names), form)
	var out []map[string]any
	for _, n := range names[page[0]:page[1]] {
		out = append(out, map[string]any{"id": f.channels[n], "name": n})
	}
	reply(w, map[string]any{"ok": true, "channels": out, "response_metadata": map[string]any{"next_cursor": next}})
}

// paginate returns the [from, to) of this page and the next cursor.
func (f *Server) paginate(n int, form map[string]string) ([2]int, string) {
	from, _ := strconv.Atoi(form["cursor"])
	size, _ := strconv.Atoi(form["limit"])
	if f.page > 0 {
		size = f.page
	}
	if size <= 0 {
		size = 100
	}
	from = min(from, n)
	to := min(from+size, n)
	next := ""
	if to < n {
		next = strconv.Itoa(to)
	}
	return [2]int{from, to}, next
}

func tsTime(s string) time.Time {
	at, _ := ts.Parse(s)
	return at
}

// Messages returns a copy of a channel's messages (by channel ID).
func (f *Server) Messages(ch string) []Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Message
	for _, m := range f.msgs[ch] {
		out = append(out, *m)
	}
	return out
}

// Methods lists the API methods called, in order.
func (f *Server) Methods() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.calls {
		out = append(out, c.Method)
	}
	return out
}

// SetFail makes every call fail as mode says ("" for none).
func (f *Server) SetFail(mode string) {
	f.mu.Lock()
	f.fail = mode
	f.mu.Unlock()
}

// AddChannel adds a channel.
func (f *Server) AddChannel(name, id string) {
	f.mu.Lock()
	f.channels[name] = id
	f.mu.Unlock()
}

// SetRetryAfter sets the Retry-After of "429" failures.
func (f *Server) SetRetryAfter(s string) {
	f.mu.Lock()
	f.retryAfter = s
	f.mu.Unlock()
}

// SetPage forces a page size on the paginated methods.
func (f *Server) SetPage(n int) {
	f.mu.Lock()
	f.page = n
	f.mu.Unlock()
}

// Now is the timestamp the next message gets.
func (f *Server) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// SetNow sets the fake's clock.
func (f *Server) SetNow(t time.Time) {
	f.mu.Lock()
	f.now = t
	f.mu.Unlock()
}

// Advance moves the fake's clock.
func (f *Server) Advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}
