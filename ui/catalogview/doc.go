// Package catalogview serves the catalog to the Integration Center of
// Excellence: the catalog review (/catalog: lint findings, estate findings
// and retirements due, and its CSV export) and the catalog API (the
// catalog and the status of its last load).
package catalogview

import (
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/ui/internal/web"
)

// Handlers serve the catalog review and the catalog API.
type Handlers struct {
	*web.Env
	Catalog    web.CatalogSource
	LintConfig catalog.LintConfig
	Findings   web.FindingsSource // nil: the review shows no estate findings
}
