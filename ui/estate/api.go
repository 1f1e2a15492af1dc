package estate

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sort"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/ui/internal/web"
)

// integrationJSON is one entry of GET /api/v1/integrations. Field names
// are snake_case and are only ever added to, never renamed.
type integrationJSON struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Owner        string   `json:"owner"`
	Source       string   `json:"source"`
	Target       string   `json:"target"`
	Targets      []string `json:"targets"`
	Lifecycle    string   `json:"lifecycle"`
	Tier         int      `json:"tier"`
	Mechanism    string   `json:"mechanism"`
	Spans1h      uint64   `json:"spans_1h"`
	Errors1h     uint64   `json:"errors_1h"`
	Executions1h uint64   `json:"executions_1h"`
	Failed1h     uint64   `json:"failed_1h"`
	Records1h    uint64   `json:"records_1h"`
}

// Integrations serves GET /api/v1/integrations: every integration of the
// catalog with its last hour's counts, and the spans nobody owns.
func (h *Handlers) Integrations(w http.ResponseWriter, r *http.Request) {
	read, err := h.Counts.LastHour(r.Context(), h.Now())
	if err != nil {
		h.Logger.Error("read integration counts", "err", err)
		web.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "ClickHouse is unavailable; try again shortly"})
		return
	}
	cat := h.Catalog.Current()
	// The answer is the same until the counts or the catalog change.
	h.integrationsMu.Lock()
	body := h.integrationsBody
	if h.integrationsRead != read || h.integrationsCat != cat {
		body = nil
	}
	h.integrationsMu.Unlock()
	if body == nil {
		body = integrationsAnswer(cat, read.Counts, read.To)
		h.integrationsMu.Lock()
		h.integrationsBody, h.integrationsRead, h.integrationsCat = body, read, cat
		h.integrationsMu.Unlock()
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}

// integrationsAnswer is the body of GET /api/v1/integrations for the hour
// before now.
func integrationsAnswer(cat *catalog.Catalog, counts map[string]intops.Traffic, now time.Time) []byte {
	all := cat.All()
	out := make([]integrationJSON, 0, len(all))
	for _, in := range all {
		c := counts[in.ID]
		name := in.Title
		if name == "" {
			name = in.ID
		}
		out = append(out, integrationJSON{
			ID: in.ID, Name: name, Owner: in.Owner, Source: in.Source, Target: in.Target(), Targets: in.Targets,
			Lifecycle: string(in.Lifecycle), Tier: in.Tier, Mechanism: in.Mechanism,
			Spans1h: c.Spans, Errors1h: c.ErrorSpans, Executions1h: c.Executions, Failed1h: c.Failed, Records1h: c.Records,
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	un := counts[""]
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	_ = enc.Encode(map[string]any{
		"integrations": out,
		"unattributed": map[string]uint64{"spans_1h": un.Spans, "errors_1h": un.ErrorSpans},
		"window":       map[string]string{"from": now.Add(-time.Hour).UTC().Format(time.RFC3339), "to": now.UTC().Format(time.RFC3339)},
	})
	return buf.Bytes()
}
