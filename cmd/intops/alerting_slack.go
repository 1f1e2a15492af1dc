package main

import (
	"errors"
	"net/http"

	"github.com/intops/intops/alerting"
)

// slackParts is replaced when alerting/slack lands.
func slackParts(token, secret, apiURL string, m *alerting.Manager) (alerting.Notifier, map[string]http.Handler, error) {
	return nil, nil, errors.New("Slack is not wired yet")
}
