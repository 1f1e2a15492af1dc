// Package alerts serves the incidents: the /alerts page with its buttons
// (acknowledge, resolve, silence, merge, split) and the form endpoints
// behind them, and the alerts API (incidents, actions, MTTA and MTTR per
// team).
package alerts

import (
	"net/http"

	"github.com/intops/intops/ui/internal/web"
)

// Handlers serve the incidents' pages, forms and API.
type Handlers struct {
	*web.Env
	Alerts  web.AlertsSource // nil: alerting is not running
	Catalog web.CatalogSource
	// CSRF is the request's CSRF token, for the page's forms.
	CSRF func(http.ResponseWriter, *http.Request) string
}
