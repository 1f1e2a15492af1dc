package main

import (
	"log/slog"
	"net/http"
	"os"

	"github.com/intops/intops/alerting"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/clickhouse"
)

// newAlerting builds the alerting manager: with Slack when
// INTOPS_SLACK_TOKEN is set (and the /slack/ endpoints, verified with
// INTOPS_SLACK_SIGNING_SECRET), else the inbox of the API.
func newAlerting(db *clickhouse.DB, cat func() *catalog.Catalog, f serverFlags, listenURL string, logger *slog.Logger) (*alerting.Manager, map[string]http.Handler, error) {
	base := f.baseURL
	if base == "" {
		base = listenURL
	}
	m := &alerting.Manager{Store: db, Catalog: cat, Logger: logger.With("component", "alerting"), Interval: f.alertInterval,
		Config: alerting.Config{ICoEChannel: f.icoeChannel, BaseURL: base}}
	extra := map[string]http.Handler{}
	if token := os.Getenv("INTOPS_SLACK_TOKEN"); token != "" {
		n, handlers, err := slackParts(token, os.Getenv("INTOPS_SLACK_SIGNING_SECRET"), os.Getenv("INTOPS_SLACK_API_URL"), m)
		if err != nil {
			return nil, nil, err
		}
		m.Notifier = n
		for k, v := range handlers {
			extra[k] = v
		}
		logger.Info("alerts go to Slack", "icoe_channel", f.icoeChannel)
	} else {
		logger.Info("INTOPS_SLACK_TOKEN is not set: alerts go to the inbox (GET /api/v1/alerts)")
	}
	return m, extra, nil
}
