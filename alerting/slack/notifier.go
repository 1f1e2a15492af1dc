package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/intops/intops"
	"github.com/intops/intops/alerting"
	"github.com/intops/intops/alerting/slack/internal/ts"
)

// EventType is the Slack message metadata event type of every message
// intops posts; its payload holds notification_id and incident.
const EventType = "intops_notification"

const (
	// defaultThreadLookback is how far before since Find looks for thread
	// roots whose threads may hold the reply it is looking for.
	defaultThreadLookback = 7 * 24 * time.Hour
	// clockSkew widens Find's window: Slack's timestamps come from Slack's
	// clock, since from ours.
	clockSkew = 5 * time.Minute
	// defaultRetryAfter is used when Slack answers 429 without Retry-After.
	defaultRetryAfter = 30 * time.Second
	// pageSize of conversations.history, .replies and .list requests.
	pageSize = 200
)

var _ alerting.Notifier = (*Notifier)(nil)

// Notifier posts, threads and updates incident messages in Slack with a
// bot token (chat.postMessage, chat.update) and finds them again by their
// message metadata (conversations.history, conversations.replies).
type Notifier struct {
	api      *slackapi.Client
	logger   *slog.Logger
	lookback time.Duration

	mu       sync.Mutex
	channels map[string]string // channel name without # → channel ID
}

// Option configures a Notifier or a Handler; each ignores the options that
// are not about it.
type Option func(*options)

type options struct {
	apiURL     string
	httpClient *http.Client
	logger     *slog.Logger
	now        func() time.Time
	lookback   time.Duration
	maxBody    int64
	feedback   FeedbackFunc
}

// WithAPIURL sets the Slack Web API base URL, with its trailing slash
// (default https://slack.com/api/); for tests and proxies. Notifier only.
func WithAPIURL(url string) Option {
	return func(o *options) {
		if url != "" && !strings.HasSuffix(url, "/") {
			url += "/"
		}
		o.apiURL = url
	}
}

// WithHTTPClient sets the HTTP client of Slack API calls (default: one with
// a 30 s timeout). Notifier only.
func WithHTTPClient(c *http.Client) Option { return func(o *options) { o.httpClient = c } }

// WithLogger sets the logger; nil (the default) logs nothing.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithClock replaces time.Now. Handler only: it checks request timestamps.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// FeedbackFunc records a mark on an anomaly episode (ClickHouse's
// AppendFeedback).
type FeedbackFunc func(ctx context.Context, f intops.AnomalyFeedback) error

// WithAnomalyFeedback sets where the Expected and Not an anomaly buttons
// record their marks (without it they answer that marks are not kept).
// Handler only.
func WithAnomalyFeedback(f FeedbackFunc) Option { return func(o *options) { o.feedback = f } }

// WithThreadLookback sets how old a thread's root message may be for Find
// to look for a reply in its thread (default 7 days). Notifier only.
func WithThreadLookback(d time.Duration) Option { return func(o *options) { o.lookback = d } }

// WithMaxBody sets the largest request body the handler reads (default
// 64 KiB); larger requests get 413. Handler only.
func WithMaxBody(n int64) Option { return func(o *options) { o.maxBody = n } }

func newOptions(opts []Option) options {
	o := options{lookback: defaultThreadLookback, maxBody: 64 << 10}
	for _, opt := range opts {
		opt(&o)
	}
	if o.logger == nil {
		o.logger = slog.New(slog.DiscardHandler)
	}
	if o.now == nil {
		o.now = time.Now
	}
	if o.httpClient == nil {
		o.httpClient = &http.Client{Timeout: 30 * time.Second}
	}
	return o
}

// New returns a Notifier that calls Slack with the bot token (xoxb-…).
// The token is sent to Slack only; it is never in an error or a log.
func New(token string, opts ...Option) *Notifier {
	o := newOptions(opts)
	apiOpts := []slackapi.Option{slackapi.OptionHTTPClient(o.httpClient)}
	if o.apiURL != "" {
		apiOpts = append(apiOpts, slackapi.OptionAPIURL(o.apiURL))
	}
	return &Notifier{
		api:      slackapi.New(token, apiOpts...),
		logger:   o.logger.With("component", "slack"),
		lookback: o.lookback,
		channels: map[string]string{},
	}
}

// Post posts the incident's root message (or an escalation post) to
// n.Channel, a channel name (#team-alerts) or ID.
func (s *Notifier) Post(ctx context.Context, n alerting.Notification) (alerting.Ref, error) {
	if n.Channel == "" {
		return alerting.Ref{}, &alerting.PermanentError{Code: "channel_not_found", Err: errors.New("notification has no channel")}
	}
	ch, ts, err := s.api.PostMessageContext(ctx, n.Channel, messageOptions(n, true)...)
	if err != nil {
		return alerting.Ref{}, mapError("chat.postMessage", err)
	}
	s.remember(n.Channel, ch)
	return alerting.Ref{Channel: ch, TS: ts}, nil
}

// Reply posts n in the thread of root.
func (s *Notifier) Reply(ctx context.Context, root alerting.Ref, n alerting.Notification) (alerting.Ref, error) {
	if root.Channel == "" || root.TS == "" {
		return alerting.Ref{}, &alerting.PermanentError{Code: "thread_not_found", Err: errors.New("reply without a root message")}
	}
	opts := append(messageOptions(n, true), slackapi.MsgOptionTS(root.TS))
	ch, ts, err := s.api.PostMessageContext(ctx, root.Channel, opts...)
	if err != nil {
		return alerting.Ref{}, mapError("chat.postMessage", err)
	}
	return alerting.Ref{Channel: ch, TS: ts}, nil
}

// Update replaces the text and blocks of root with n's rendering. The
// root keeps the metadata it was posted with (Slack leaves metadata alone
// when chat.update does not send any), so Find still finds it by the id
// of the notification that posted it.
func (s *Notifier) Update(ctx context.Context, root alerting.Ref, n alerting.Notification) error {
	if root.Channel == "" || root.TS == "" {
		return &alerting.PermanentError{Code: "message_not_found", Err: errors.New("update without a root message")}
	}
	_, _, _, err := s.api.UpdateMessageContext(ctx, root.Channel, root.TS, messageOptions(n, false)...)
	return mapError("chat.update", err)
}

// messageOptions renders n; withMetadata adds the metadata Find looks for.
func messageOptions(n alerting.Notification, withMetadata bool) []slackapi.MsgOption {
	text, blocks := Render(n)
	opts := []slackapi.MsgOption{
		slackapi.MsgOptionText(text, false),
		slackapi.MsgOptionBlocks(blocks...),
	}
	if withMetadata {
		opts = append(opts, slackapi.MsgOptionMetadata(slackapi.SlackMetadata{
			EventType:    EventType,
			EventPayload: map[string]any{"notification_id": n.ID, "incident": n.Incident},
		}))
	}
	if n.Escalation {
		// Turns "@order-oncall" into a user group mention.
		opts = append(opts, slackapi.MsgOptionLinkNames(true))
	}
	return opts
}

// Find looks for a message posted for notificationID in channel no
// earlier than since (less 5 minutes of clock skew): first among the
// channel's top-level messages, then in the threads of intops messages
// posted up to the thread lookback (7 days) before since that got a reply
// after since. It reads message metadata, so it needs the channels:history
// (and groups:history) scope and the bot in the channel; a channel given
// by name is resolved with conversations.list (channels:read,
// groups:read) unless this Notifier posted to it before.
//
// Find is best effort. A reply in a thread whose root is older than the
// lookback is not found, and when Slack refuses to let it look (a
// permanent error: missing scope, bot not in the channel, unknown channel
// name) it logs a warning and reports not found: the caller then posts,
// and the post itself fails or succeeds: at worst a duplicate, never a
// loss or a misrouted message. Rate limits and transient errors are
// returned. Updates carry no metadata of their own and are not found.
func (s *Notifier) Find(ctx context.Context, channel, notificationID string, since time.Time) (alerting.Ref, bool, error) {
	ref, ok, err := s.find(ctx, channel, notificationID, since)
	if pe, perm := errors.AsType[*alerting.PermanentError](err); perm {
		s.logger.Warn("cannot look for an already posted message; posting anyway", "channel", channel, "notification", notificationID, "code", pe.Code)
		return alerting.Ref{}, false, nil
	}
	return ref, ok, err
}

func (s *Notifier) find(ctx context.Context, channel, notificationID string, since time.Time) (alerting.Ref, bool, error) {
	ch, err := s.channelID(ctx, channel)
	if err != nil {
		return alerting.Ref{}, false, err
	}
	oldest := since.Add(-clockSkew)
	var threads []string // roots with replies since oldest, newest first
	cursor := ""
	for {
		resp, err := s.api.GetConversationHistoryContext(ctx, &slackapi.GetConversationHistoryParameters{
			ChannelID: ch, Cursor: cursor, Limit: pageSize, Inclusive: true,
			Oldest: ts.Format(oldest.Add(-s.lookback)), IncludeAllMetadata: true,
		})
		if err != nil {
			return alerting.Ref{}, false, mapError("conversations.history", err)
		}
		for _, m := range resp.Messages {
			id, ok := notificationOf(m.Metadata)
			if !ok {
				continue
			}
			if id == notificationID {
				return alerting.Ref{Channel: ch, TS: m.Timestamp}, true, nil
			}
			if m.ReplyCount > 0 && !ts.Before(m.LatestReply, oldest) {
				threads = append(threads, m.Timestamp)
			}
		}
		cursor = resp.ResponseMetaData.NextCursor
		if !resp.HasMore || cursor == "" {
			break
		}
	}
	for _, root := range threads {
		cursor = ""
		for {
			msgs, more, next, err := s.api.GetConversationRepliesContext(ctx, &slackapi.GetConversationRepliesParameters{
				ChannelID: ch, Timestamp: root, Cursor: cursor, Limit: pageSize, Inclusive: true,
				Oldest: ts.Format(oldest), IncludeAllMetadata: true,
			})
			if err != nil {
				return alerting.Ref{}, false, mapError("conversations.replies", err)
			}
			for _, m := range msgs {
				if id, ok := notificationOf(m.Metadata); ok && id == notificationID && m.Timestamp != root {
					return alerting.Ref{Channel: ch, TS: m.Timestamp}, true, nil
				}
			}
			if !more || next == "" {
				break
			}
			cursor = next
		}
	}
	return alerting.Ref{}, false, nil
}

func notificationOf(md slackapi.SlackMetadata) (string, bool) {
	if md.EventType != EventType {
		return "", false
	}
	id, ok := md.EventPayload["notification_id"].(string)
	return id, ok && id != ""
}

// channelIDPattern matches Slack conversation IDs (channel names are
// lowercase, IDs uppercase).
var channelIDPattern = regexp.MustCompile(`^[CGD][A-Z0-9]{6,}$`)

func channelKey(name string) string { return strings.TrimPrefix(strings.TrimSpace(name), "#") }

func (s *Notifier) remember(name, id string) {
	if id == "" || channelIDPattern.MatchString(name) {
		return
	}
	s.mu.Lock()
	s.channels[channelKey(name)] = id
	s.mu.Unlock()
}

// channelID resolves a channel name to its ID: from what Post learned,
// else from conversations.list.
func (s *Notifier) channelID(ctx context.Context, channel string) (string, error) {
	key := channelKey(channel)
	if channelIDPattern.MatchString(key) {
		return key, nil
	}
	if key == "" {
		return "", &alerting.PermanentError{Code: "channel_not_found", Err: errors.New("no channel")}
	}
	s.mu.Lock()
	id, ok := s.channels[key]
	s.mu.Unlock()
	if ok {
		return id, nil
	}
	found := map[string]string{}
	cursor := ""
	for {
		chans, next, err := s.api.GetConversationsContext(ctx, &slackapi.GetConversationsParameters{
			Cursor: cursor, ExcludeArchived: true, Limit: pageSize,
			Types: []string{"public_channel", "private_channel"},
		})
		if err != nil {
			return "", mapError("conversations.list", err)
		}
		for _, c := range chans {
			found[c.Name] = c.ID
		}
		if next == "" {
			break
		}
		cursor = next
	}
	s.mu.Lock()
	for name, id := range found {
		s.channels[name] = id
	}
	s.mu.Unlock()
	if id, ok := found[key]; ok {
		return id, nil
	}
	return "", &alerting.PermanentError{Code: "channel_not_found", Err: fmt.Errorf("no channel named #%s", key)}
}

// permanentCodes are Slack error codes that no retry fixes: the channel,
// the token or the message itself is wrong.
var permanentCodes = map[string]bool{
	// channel
	"channel_not_found": true, "not_in_channel": true, "is_archived": true,
	"channel_is_archived": true, "thread_not_found": true,
	"restricted_action": true, "restricted_action_read_only_channel": true,
	"restricted_action_thread_only_channel": true, "restricted_action_non_threadable_channel": true,
	"team_access_not_granted": true, "ekm_access_denied": true,
	// token
	"invalid_auth": true, "not_authed": true, "account_inactive": true,
	"token_revoked": true, "token_expired": true, "no_permission": true,
	"missing_scope": true, "not_allowed_token_type": true, "access_denied": true,
	"org_login_required": true, "two_factor_setup_required": true,
	// message
	"msg_too_long": true, "no_text": true, "invalid_blocks": true,
	"invalid_blocks_format": true, "invalid_metadata_format": true,
	"invalid_metadata_schema": true, "metadata_too_large": true,
	"metadata_must_be_sent_from_app": true, "invalid_arguments": true,
	"invalid_arg_name": true, "invalid_charset": true, "too_many_attachments": true,
	"cant_update_message": true, "edit_window_closed": true,
	"message_not_found": true, "invalid_ts_latest": true, "invalid_ts_oldest": true,
}

// mapError says whether retrying err helps: rate limits become
// RetryAfterError, refusals no retry fixes PermanentError; anything else
// (5xx, network, Slack's internal_error) is returned as is: transient.
func mapError(method string, err error) error {
	if err == nil {
		return nil
	}
	wrapped := fmt.Errorf("slack %s: %w", method, err)
	if rl, ok := errors.AsType[*slackapi.RateLimitedError](err); ok {
		after := rl.RetryAfter
		if after <= 0 {
			after = defaultRetryAfter
		}
		return &alerting.RetryAfterError{After: after, Err: wrapped}
	}
	if sc, ok := errors.AsType[slackapi.StatusCodeError](err); ok && sc.Code == http.StatusTooManyRequests {
		return &alerting.RetryAfterError{After: defaultRetryAfter, Err: wrapped}
	}
	if se, ok := errors.AsType[slackapi.SlackErrorResponse](err); ok {
		switch {
		case se.Err == "ratelimited":
			return &alerting.RetryAfterError{After: defaultRetryAfter, Err: wrapped}
		case permanentCodes[se.Err]:
			return &alerting.PermanentError{Code: se.Err, Err: wrapped}
		}
	}
	return wrapped
}
