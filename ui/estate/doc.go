// Package estate serves the estate overview (/), the page everyone opens
// first: every integration with its SLOs, anomalies, open incident and
// last hour's executions and failures, worst first, filtered by team,
// system, tier and lifecycle; and the integrations API, the same list as
// JSON.
package estate

import (
	"sync"

	"github.com/intops/intops/catalog"
	"github.com/intops/intops/ui/internal/web"
)

// Handlers serve the estate overview and the integrations API.
type Handlers struct {
	*web.Env
	Catalog   web.CatalogSource
	Counts    *web.RecentCounts // the last hour's counts, shared
	SLOs      web.SLOSource     // nil: no SLO
	Anomalies web.AnomalySource // nil: no anomaly
	Alerts    web.AlertsSource  // nil: no incident

	integrationsMu   sync.Mutex
	integrationsBody []byte           // the last answer of GET /api/v1/integrations,
	integrationsRead *web.CountsRead  // for this read of the counts
	integrationsCat  *catalog.Catalog // and this catalog
}
