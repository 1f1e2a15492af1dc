// Package findings serves the estate analysis API: the findings (shadow,
// zombie and duplicate integrations, traffic on retired ones, complexity)
// and the change impact of a system.
package findings

import "github.com/intops/intops/ui/internal/web"

// Handlers serve the findings and impact API.
type Handlers struct {
	*web.Env
	Findings web.FindingsSource // nil: no findings, every system unknown
}
