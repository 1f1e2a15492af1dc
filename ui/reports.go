package ui

import (
	"context"
	"net/http"

	"github.com/intops/intops/analyzer/maturity"
)

// MaturitySource scores the estate and its teams.
type MaturitySource interface {
	Scores(ctx context.Context) ([]maturity.Score, error)
}

// maturityReport serves GET /api/v1/reports/maturity: the estate's level
// and each team's, per dimension, with every criterion's value and what is
// missing for the next level.
func (s *Server) maturityReport(w http.ResponseWriter, r *http.Request) {
	if s.maturitySrc == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "maturity scoring is not running"})
		return
	}
	scores, err := s.maturitySrc.Scores(r.Context())
	if err != nil {
		s.unavailable(w, "maturity scores", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"scores": scores})
}
