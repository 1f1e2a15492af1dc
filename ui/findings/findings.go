package findings

import (
	"errors"
	"net/http"
	"strings"

	"github.com/intops/intops/analyzer/estate"
	"github.com/intops/intops/ui/internal/web"
)

// List serves GET /api/v1/findings[?kind=zombie[,shadow…]]: the
// estate findings, most severe first, in estate.Finding's JSON shape.
func (h *Handlers) List(w http.ResponseWriter, r *http.Request) {
	var kinds []estate.Kind
	for _, v := range r.URL.Query()["kind"] {
		for _, name := range strings.Split(v, ",") {
			if name = strings.TrimSpace(name); name == "" {
				continue
			}
			k, err := estate.ParseKind(name)
			if err != nil {
				web.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "kind: " + err.Error()})
				return
			}
			kinds = append(kinds, k)
		}
	}
	out := []estate.Finding{}
	if h.Findings != nil {
		fs, err := h.Findings.Findings(r.Context())
		if err != nil {
			h.Logger.Error("estate findings", "err", err)
			web.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "findings are unavailable (ClickHouse or the catalog); try again shortly"})
			return
		}
		out = append(out, estate.Filter(fs, kinds...)...)
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"findings": out})
}

// Impact serves GET /api/v1/systems/{id}/impact: the integrations,
// teams, SLOs and shadow flows a system's outage or change touches.
func (h *Handlers) Impact(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if h.Findings == nil {
		web.WriteJSON(w, http.StatusNotFound, map[string]string{"error": "no system " + id})
		return
	}
	im, err := h.Findings.Impact(r.Context(), id)
	if errors.Is(err, estate.ErrUnknownSystem) {
		web.WriteJSON(w, http.StatusNotFound, map[string]string{"error": "no system " + id + " in the catalog"})
		return
	}
	if err != nil {
		h.Logger.Error("system impact", "system", id, "err", err)
		web.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "impact is unavailable (ClickHouse or the catalog); try again shortly"})
		return
	}
	web.WriteJSON(w, http.StatusOK, im)
}
