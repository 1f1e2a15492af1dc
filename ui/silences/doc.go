// Package silences serves the silences and maintenance windows: the
// /silences page with its form and the endpoints behind it, and the
// silences API.
package silences

import (
	"net/http"
	"time"

	"github.com/intops/intops/ui/internal/web"
)

// Handlers serve the silences' page, forms and API.
type Handlers struct {
	*web.Env
	Alerts  web.AlertsSource // nil: alerting is not running
	Catalog web.CatalogSource
	// CSRF is the request's CSRF token, for the page's forms.
	CSRF func(http.ResponseWriter, *http.Request) string
	// Location is the estate's time zone: maintenance windows are
	// planned in it.
	Location *time.Location
}
