// Package anomalies serves the anomaly API: the open anomalies of the
// estate's traffic, most significant first, and those closed in the last
// day.
package anomalies

import "github.com/intops/intops/ui/internal/web"

// Handlers serve the anomaly API.
type Handlers struct {
	*web.Env
	Anomalies web.AnomalySource // nil: no anomalies
}
