// Package slos serves the SLOs: the /slos page (every SLO, worst first,
// filtered by status, team and integration) and the SLO API (their status
// and history).
package slos

import "github.com/intops/intops/ui/internal/web"

// Handlers serve the SLO page and API.
type Handlers struct {
	*web.Env
	Catalog web.CatalogSource
	SLOs    web.SLOSource // nil: SLO evaluation is not running
}
