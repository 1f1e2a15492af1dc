// Package anomalies serves the anomaly API: the open anomalies of the
// estate's traffic, most significant first, and those closed in the last
// day, and on-call's marks on anomaly episodes (expected, not an
// anomaly) with the form endpoint behind their buttons.
package anomalies

import "github.com/intops/intops/ui/internal/web"

// Handlers serve the anomaly API.
type Handlers struct {
	*web.Env
	Anomalies web.AnomalySource // nil: no anomalies
	Catalog   web.CatalogSource
	Feedback  FeedbackStore // nil: marks are not stored (the API 404s)
}
