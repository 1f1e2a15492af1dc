package main

import (
	"log/slog"
	"net/http"

	"github.com/intops/intops/alerting"
	"github.com/intops/intops/alerting/slack"
)

// slackParts builds the Slack notifier and, when a signing secret is set,
// the handlers of Slack's buttons and /intops command (requests are
// verified with it; without it they are not served at all). The anomaly
// buttons record their marks with feedback.
func slackParts(token, secret, apiURL string, m *alerting.Manager, feedback slack.FeedbackFunc, logger *slog.Logger) (alerting.Notifier, map[string]http.Handler) {
	opts := []slack.Option{slack.WithLogger(logger.With("component", "slack"))}
	if apiURL != "" {
		opts = append(opts, slack.WithAPIURL(apiURL))
	}
	n := slack.New(token, opts...)
	handlers := map[string]http.Handler{}
	if secret == "" {
		logger.Warn("INTOPS_SLACK_SIGNING_SECRET is not set: Slack buttons and /intops are not served")
		return n, handlers
	}
	h := slack.NewHandler(secret, m, append(opts, slack.WithAnomalyFeedback(feedback))...)
	handlers["POST /slack/interactions"] = h.Interactions()
	handlers["POST /slack/commands"] = h.Commands()
	return n, handlers
}
