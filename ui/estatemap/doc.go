// Package estatemap serves the estate map (/map): the systems and the
// integrations between them, coloured by health and sized by volume, the
// most connected systems, the maintenance windows ahead and a system's
// change impact.
package estatemap

import "github.com/intops/intops/ui/internal/web"

// Handlers serve the estate map and its data.
type Handlers struct {
	*web.Env
	Catalog  web.CatalogSource
	Counts   *web.RecentCounts  // the last hour's counts, shared
	SLOs     web.SLOSource      // nil: no SLO colours the edges
	Alerts   web.AlertsSource   // nil: no incident, no maintenance window
	Findings web.FindingsSource // nil: no change impact
}
