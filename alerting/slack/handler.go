package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/intops/intops"
	"github.com/intops/intops/alerting"
)

const (
	// maxSkew is how far a request's timestamp may be from now (Slack's
	// replay window).
	maxSkew = 5 * time.Minute
	// maxSilence is the longest silence /intops silence sets.
	maxSilence = 7 * 24 * time.Hour
	// silenceReason is the reason of silences set by the buttons.
	silenceReason = "silenced from Slack"
)

// silenceButtons are the durations of the silence buttons.
var silenceButtons = map[string]time.Duration{
	ActionSilence1h:  time.Hour,
	ActionSilence4h:  4 * time.Hour,
	ActionSilence24h: 24 * time.Hour,
}

// Handler serves the requests of the Slack app: button clicks on incident
// messages (POST /slack/interactions) and the /intops slash command
// (POST /slack/commands). Each request must carry a valid v0 signature of
// its body with the app's signing secret and a timestamp within 5 minutes
// of now; anything else gets 401 and changes nothing.
type Handler struct {
	secret  string
	actions alerting.Actions
	logger  *slog.Logger
	now     func() time.Time
	maxBody int64
	// feedback records the anomaly buttons' marks (nil: not kept).
	feedback FeedbackFunc
}

// NewHandler returns the handler of the Slack app's requests. It routes by
// the end of the path (…/interactions, …/commands), so it can be mounted
// as is:
//
//	mux.Handle("POST /slack/", h)
//
// or its parts on paths of one's choosing:
//
//	mux.Handle("POST /slack/interactions", h.Interactions())
//	mux.Handle("POST /slack/commands", h.Commands())
//
// Options: WithClock, WithLogger, WithMaxBody.
func NewHandler(signingSecret string, actions alerting.Actions, opts ...Option) *Handler {
	o := newOptions(opts)
	h := &Handler{secret: signingSecret, actions: actions, logger: o.logger.With("component", "slack"), now: o.now, maxBody: o.maxBody, feedback: o.feedback}
	if signingSecret == "" {
		h.logger.Warn("no Slack signing secret: every Slack request will be refused")
	}
	return h
}

// ServeHTTP routes …/interactions and …/commands; other paths get 404.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.HasSuffix(r.URL.Path, "/interactions"):
		h.serveInteraction(w, r)
	case strings.HasSuffix(r.URL.Path, "/commands"):
		h.serveCommand(w, r)
	default:
		http.NotFound(w, r)
	}
}

// Interactions serves button clicks (the app's interactivity request URL).
func (h *Handler) Interactions() http.Handler { return http.HandlerFunc(h.serveInteraction) }

// Commands serves the /intops slash command.
func (h *Handler) Commands() http.Handler { return http.HandlerFunc(h.serveCommand) }

// read reads and verifies the request: POST, body within the limit, a
// fresh timestamp and a valid signature. On failure it has answered.
func (h *Handler) read(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.maxBody))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
		} else {
			http.Error(w, "cannot read request", http.StatusBadRequest)
		}
		return nil, false
	}
	if reason := h.verify(r.Header, body); reason != "" {
		h.logger.Warn("refused Slack request", "path", r.URL.Path, "remote", r.RemoteAddr, "reason", reason)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return nil, false
	}
	return body, true
}

// verify returns why the request is not from Slack, or "".
func (h *Handler) verify(header http.Header, body []byte) string {
	ts := header.Get("X-Slack-Request-Timestamp")
	if ts == "" || header.Get("X-Slack-Signature") == "" {
		return "missing signature headers"
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return "bad timestamp"
	}
	if d := h.now().Sub(time.Unix(sec, 0)); d > maxSkew || d < -maxSkew {
		return "timestamp outside 5 minutes"
	}
	// slack-go checks the timestamp again, against time.Now.
	sv, err := slackapi.NewSecretsVerifier(header, h.secret)
	if err != nil {
		return "bad signature: " + err.Error()
	}
	if _, err := sv.Write(body); err != nil {
		return "bad signature: " + err.Error()
	}
	if err := sv.Ensure(); err != nil {
		return "bad signature"
	}
	return ""
}

// serveInteraction handles block_actions: ack, silence_1h/4h/24h and
// resolve call Actions with the incident ID in the button's value; link
// buttons need only the 200. Success is a 200 with an empty body: the core
// updates the message through its outbox. A gone incident is a 200 with an
// ephemeral text (Slack ignores bodies of block_actions responses, so the
// user may not see it; the message stays as it was); any other failure is
// a 500, which Slack shows as a warning on the button.
func (h *Handler) serveInteraction(w http.ResponseWriter, r *http.Request) {
	body, ok := h.read(w, r)
	if !ok {
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	payload := form.Get("payload")
	if payload == "" {
		http.Error(w, "no payload", http.StatusBadRequest)
		return
	}
	var cb slackapi.InteractionCallback
	if err := json.Unmarshal([]byte(payload), &cb); err != nil {
		http.Error(w, "bad payload", http.StatusBadRequest)
		return
	}
	if cb.Type != slackapi.InteractionTypeBlockActions {
		http.Error(w, "unsupported interaction", http.StatusBadRequest)
		return
	}
	actor := actorOf(cb.User.Name, cb.User.ID)
	if actor == "" {
		http.Error(w, "no user", http.StatusBadRequest)
		return
	}
	acts := cb.ActionCallback.BlockActions
	if len(acts) == 0 {
		http.Error(w, "no action", http.StatusBadRequest)
		return
	}
	// Check every action before doing any.
	var todo []*slackapi.BlockAction
	for _, a := range acts {
		if a == nil {
			http.Error(w, "bad payload", http.StatusBadRequest)
			return
		}
		if strings.HasPrefix(a.ActionID, actionLinkPrefix) {
			continue
		}
		if _, silence := silenceButtons[a.ActionID]; !silence && a.ActionID != ActionAck && a.ActionID != ActionResolve &&
			a.ActionID != ActionExpected && a.ActionID != ActionNotAnomaly {
			http.Error(w, "unknown action", http.StatusBadRequest)
			return
		}
		if id := strings.TrimSpace(a.Value); id == "" || len(id) > 200 || strings.ContainsAny(id, " \t\r\n") {
			http.Error(w, "missing incident id", http.StatusBadRequest)
			return
		}
		todo = append(todo, a)
	}
	for _, a := range todo {
		id := strings.TrimSpace(a.Value)
		var err error
		switch a.ActionID {
		case ActionAck:
			err = h.actions.Acknowledge(r.Context(), id, actor)
		case ActionResolve:
			err = h.actions.Resolve(r.Context(), id, actor)
		case ActionExpected, ActionNotAnomaly:
			var text string
			if text, err = h.mark(r.Context(), id, a.ActionID, actor); err == nil {
				h.logger.Info("Slack action", "action", a.ActionID, "incident", id, "actor", actor)
				ephemeral(w, text)
				return
			}
		default:
			_, err = h.actions.Silence(r.Context(), alerting.SilenceRequest{
				Incident: id, Duration: silenceButtons[a.ActionID], Reason: silenceReason, Creator: actor,
			})
		}
		switch {
		case errors.Is(err, alerting.ErrNotFound):
			ephemeral(w, fmt.Sprintf("Incident `%s` is gone: it was resolved or no longer exists.", escText(id)))
			return
		case err != nil:
			h.logger.Error("Slack action failed", "action", a.ActionID, "incident", id, "actor", actor, "err", err)
			http.Error(w, "could not do it, try again", http.StatusInternalServerError)
			return
		}
		h.logger.Info("Slack action", "action", a.ActionID, "incident", id, "actor", actor)
	}
	w.WriteHeader(http.StatusOK)
}

// serveCommand handles /intops status|silence|ack|help. Every answer,
// usage and failures included, is a 200 with an ephemeral text: Slack
// shows non-200 answers to slash commands only as a generic error.
func (h *Handler) serveCommand(w http.ResponseWriter, r *http.Request) {
	body, ok := h.read(w, r)
	if !ok {
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	actor := actorOf(form.Get("user_name"), form.Get("user_id"))
	if actor == "" {
		http.Error(w, "no user", http.StatusBadRequest)
		return
	}
	cmd := form.Get("command")
	if !strings.HasPrefix(cmd, "/") || strings.ContainsAny(cmd, " \t\r\n<>&") || len(cmd) > 50 {
		cmd = "/intops"
	}
	args := strings.Fields(form.Get("text"))
	sub := ""
	if len(args) > 0 {
		sub = strings.ToLower(args[0])
	}
	ctx := r.Context()
	switch sub {
	case "status":
		if len(args) != 2 {
			ephemeral(w, usage(cmd))
			return
		}
		text, err := h.actions.Status(ctx, args[1])
		switch {
		case errors.Is(err, alerting.ErrNotFound):
			ephemeral(w, fmt.Sprintf("No integration `%s`.", escText(args[1])))
		case err != nil:
			h.failed(w, "status", err, actor)
		default:
			ephemeral(w, escText(text))
		}
	case "silence":
		if len(args) < 4 {
			ephemeral(w, usage(cmd))
			return
		}
		d, err := parseDuration(args[2])
		if err != nil || d <= 0 || d > maxSilence {
			ephemeral(w, fmt.Sprintf("`%s` is not a duration between 1m and 7d.\n%s", escText(args[2]), usage(cmd)))
			return
		}
		reason := strings.Join(args[3:], " ")
		s, err := h.actions.Silence(ctx, alerting.SilenceRequest{Integration: args[1], Duration: d, Reason: reason, Creator: actor})
		switch {
		case errors.Is(err, alerting.ErrNotFound):
			ephemeral(w, fmt.Sprintf("No integration `%s`.", escText(args[1])))
		case err != nil:
			h.failed(w, "silence", err, actor)
		default:
			h.logger.Info("Slack silence", "integration", args[1], "duration", d, "actor", actor)
			until := s.Ends
			if until.IsZero() {
				until = h.now().Add(d)
			}
			msg := fmt.Sprintf("🔕 Silenced `%s` until %s: %s", escText(args[1]), date(until), escText(reason))
			if s.ID != "" {
				msg += fmt.Sprintf(" (`%s`)", escText(s.ID))
			}
			ephemeral(w, msg)
		}
	case "ack":
		if len(args) != 2 {
			ephemeral(w, usage(cmd))
			return
		}
		v, err := h.actions.Incident(ctx, args[1])
		if err == nil {
			err = h.actions.Acknowledge(ctx, v.ID, actor)
		}
		switch {
		case errors.Is(err, alerting.ErrNotFound):
			ephemeral(w, fmt.Sprintf("No open incident for `%s`.", escText(args[1])))
		case err != nil:
			h.failed(w, "ack", err, actor)
		default:
			h.logger.Info("Slack action", "action", ActionAck, "incident", v.ID, "actor", actor)
			title := v.Title
			if title == "" {
				title = v.Integration
			}
			ephemeral(w, fmt.Sprintf("👀 Acknowledged `%s` (%s).", escText(v.ID), escText(title)))
		}
	default:
		ephemeral(w, usage(cmd))
	}
}

func (h *Handler) failed(w http.ResponseWriter, what string, err error, actor string) {
	h.logger.Error("Slack command failed", "command", what, "actor", actor, "err", err)
	ephemeral(w, "Could not "+what+" right now; try again in a moment.")
}

func usage(cmd string) string {
	return "Usage:\n" +
		"`" + cmd + " status <integration>`: how an integration is doing\n" +
		"`" + cmd + " silence <integration> <duration> <reason…>`: silence its alerts (30m, 2h, 1d; at most 7d)\n" +
		"`" + cmd + " ack <incident-id|integration>`: acknowledge an incident\n" +
		"`" + cmd + " help`: this text"
}

// parseDuration reads 30m, 2h, 1d, 1d12h, 90m.
func parseDuration(s string) (time.Duration, error) {
	s = strings.ToLower(s)
	var days time.Duration
	if i := strings.IndexByte(s, 'd'); i >= 0 {
		n, err := strconv.Atoi(s[:i])
		if err != nil || n < 0 || n > 366 {
			return 0, fmt.Errorf("bad duration %q", s)
		}
		days = time.Duration(n) * 24 * time.Hour
		s = s[i+1:]
		if s == "" {
			return days, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, err
	}
	return days + d, nil
}

// actorOf is "@name", or "@id" when Slack sent no name.
func actorOf(name, id string) string {
	who := oneLine(name)
	if who == "" {
		who = oneLine(id)
	}
	if who == "" {
		return ""
	}
	return "@" + strings.TrimPrefix(plain(who, 100), "@")
}

// escText escapes text echoed to Slack.
func escText(s string) string { return fit(renderer{}.esc(s), maxSection) }

// ephemeral answers with a message only the user sees.
func ephemeral(w http.ResponseWriter, text string) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"response_type": "ephemeral", "text": text})
}

// mark records the incident's anomaly episodes as the button says, by
// actor, and returns what to tell them.
func (h *Handler) mark(ctx context.Context, id, action, actor string) (string, error) {
	if h.feedback == nil {
		return "Anomaly marks are not kept here.", nil
	}
	v, err := h.actions.Incident(ctx, id)
	if err != nil {
		return "", err
	}
	verdict, said := intops.VerdictExpected, "expected"
	if action == ActionNotAnomaly {
		verdict, said = intops.VerdictNotAnomaly, "not an anomaly"
	}
	var marked []string
	for _, al := range v.Alerts {
		in := al.Integration
		if in == "" {
			in = v.Integration
		}
		sig, ok := strings.CutPrefix(al.Key, "anomaly/"+in+"/")
		if al.Source != "anomaly" || !ok || sig == "" {
			continue
		}
		start := al.Since
		if start.IsZero() {
			start = v.OpenedAt
		}
		f := intops.AnomalyFeedback{Integration: in, Signal: sig, Start: start.UTC(), Verdict: verdict, User: actor, At: h.now().UTC()}
		if err := f.Validate(); err != nil {
			return "", err
		}
		if err := h.feedback(ctx, f); err != nil {
			return "", err
		}
		marked = append(marked, "`"+escText(sig)+"`")
	}
	if len(marked) == 0 {
		return fmt.Sprintf("Incident `%s` has no anomaly to mark.", escText(id)), nil
	}
	return fmt.Sprintf("Marked %s of incident `%s` %s.", strings.Join(marked, ", "), escText(id), said), nil
}
