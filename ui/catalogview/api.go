package catalogview

import (
	"net/http"
	"sort"
	"time"

	"github.com/intops/intops/catalog"
	"github.com/intops/intops/ui/internal/web"
)

type teamJSON struct {
	Name         string   `json:"name"`
	Title        string   `json:"title"`
	SlackChannel string   `json:"slack_channel"`
	OnCall       string   `json:"on_call"`
	Escalation   string   `json:"escalation_channel"`
	Members      []string `json:"members"`
}

type systemJSON struct {
	Name             string   `json:"name"`
	Title            string   `json:"title"`
	Kind             string   `json:"kind"`
	Owner            string   `json:"owner"`
	Vendor           string   `json:"vendor"`
	SystemOfRecordOf []string `json:"system_of_record_for"`
}

type catalogIntegrationJSON struct {
	ID             string              `json:"id"`
	Title          string              `json:"title"`
	Description    string              `json:"description"`
	Source         string              `json:"source"`
	Targets        []string            `json:"targets"`
	Pattern        string              `json:"pattern"`
	Mechanism      string              `json:"mechanism"`
	DataDomains    []string            `json:"data_domains"`
	Owner          string              `json:"owner"`
	TechnicalOwner string              `json:"technical_owner"`
	BusinessOwner  string              `json:"business_owner"`
	DataSteward    string              `json:"data_steward"`
	Lifecycle      string              `json:"lifecycle"`
	GoLive         string              `json:"go_live,omitempty"`
	Retirement     string              `json:"retirement,omitempty"`
	Tier           int                 `json:"tier"`
	Runbook        string              `json:"runbook"`
	ContractTest   string              `json:"contract_test"`
	ReplacedBy     string              `json:"replaced_by"`
	Match          []map[string]string `json:"match"`
}

type sloJSON struct {
	Name          string   `json:"name"`
	Title         string   `json:"title"`
	Integration   string   `json:"integration"`
	SLI           string   `json:"sli"`
	Threshold     string   `json:"threshold,omitempty"`
	Objective     float64  `json:"objective"`
	Window        string   `json:"window"`
	Rolling       bool     `json:"rolling"`
	AlertPolicies []string `json:"alert_policies"`
	// NotEvaluated says why intops does not evaluate the SLO (another
	// metric source); empty when it does.
	NotEvaluated string `json:"not_evaluated,omitempty"`
}

func date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2006-01-02")
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// JSON is the catalog as the API serves it.
func JSON(c *catalog.Catalog) map[string]any {
	teams := []teamJSON{}
	for _, t := range c.Teams {
		teams = append(teams, teamJSON{t.Name, t.Title, t.SlackChannel, t.OnCall, t.Escalation, nonNil(t.Members)})
	}
	sort.Slice(teams, func(i, j int) bool { return teams[i].Name < teams[j].Name })
	systems := []systemJSON{}
	for _, s := range c.Systems {
		systems = append(systems, systemJSON{s.Name, s.Title, s.Kind, s.Owner, s.Vendor, nonNil(s.DataDomains)})
	}
	sort.Slice(systems, func(i, j int) bool { return systems[i].Name < systems[j].Name })
	integrations := []catalogIntegrationJSON{}
	for _, in := range c.Integrations {
		match := []map[string]string{}
		for _, r := range in.Match {
			m := map[string]string{}
			for _, cond := range r.Conditions {
				m[cond.Key] = cond.Value
			}
			match = append(match, m)
		}
		integrations = append(integrations, catalogIntegrationJSON{
			ID: in.ID, Title: in.Title, Description: in.Description, Source: in.Source, Targets: nonNil(in.Targets),
			Pattern: in.Pattern, Mechanism: in.Mechanism, DataDomains: nonNil(in.DataDomains), Owner: in.Owner,
			TechnicalOwner: in.TechnicalOwner, BusinessOwner: in.BusinessOwner, DataSteward: in.DataSteward,
			Lifecycle: string(in.Lifecycle), GoLive: date(in.GoLive), Retirement: date(in.Retirement), Tier: in.Tier,
			Runbook: in.RunbookURL, ContractTest: in.ContractTest, ReplacedBy: in.ReplacedBy, Match: match,
		})
	}
	slos := []sloJSON{}
	for _, s := range c.SLOs {
		sli := s.Indicator
		if ref, ok := c.SLIs[sli.Name]; ok && sli.Kind == "" {
			sli = *ref
		}
		j := sloJSON{Name: s.Name, Title: s.Title, Integration: s.Integration, SLI: string(sli.Kind), Objective: s.Objective,
			Window: s.Window.Text, Rolling: s.Window.Rolling, AlertPolicies: nonNil(s.AlertPolicies), NotEvaluated: s.NotEvaluated}
		if sli.Threshold > 0 {
			j.Threshold = sli.Threshold.String()
		}
		slos = append(slos, j)
	}
	return map[string]any{"teams": teams, "systems": systems, "integrations": integrations, "slos": slos}
}

// Model serves GET /api/v1/catalog: the catalog (teams, systems,
// integrations, SLOs), its version and when it was loaded.
func (h *Handlers) Model(w http.ResponseWriter, _ *http.Request) {
	st := h.Catalog.Status()
	doc := JSON(h.Catalog.Current())
	doc["version"] = st.Version
	doc["loaded_at"] = st.LoadedAt.UTC().Format(time.RFC3339)
	web.WriteJSON(w, http.StatusOK, doc)
}

type catalogErrorJSON struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Message string `json:"message"`
}

// Status serves GET /api/v1/catalog/status: how the last load went (its
// errors with their positions) and the lint counts by severity.
func (h *Handlers) Status(w http.ResponseWriter, _ *http.Request) {
	st := h.Catalog.Status()
	cur := h.Catalog.Current()
	findings := catalog.Lint(cur, h.LintConfig, h.Now())
	counts := map[string]int{"error": 0, "warning": 0, "note": 0}
	for _, f := range findings {
		counts[string(f.Severity)]++
	}
	doc := map[string]any{
		"status":       "ok",
		"version":      st.Version,
		"loaded_at":    st.LoadedAt.UTC().Format(time.RFC3339),
		"integrations": len(cur.Integrations),
		"lint":         counts,
		"errors":       []catalogErrorJSON{},
	}
	if len(st.Errors) > 0 {
		doc["status"] = "error"
		doc["failed_at"] = st.FailedAt.UTC().Format(time.RFC3339)
		var errs []catalogErrorJSON
		for _, e := range st.Errors {
			j := catalogErrorJSON{Message: e.Error()}
			if ce, ok := e.(*catalog.Error); ok {
				j = catalogErrorJSON{File: ce.File, Line: ce.Line, Column: ce.Column, Message: ce.Msg}
			}
			errs = append(errs, j)
		}
		doc["errors"] = errs
	}
	web.WriteJSON(w, http.StatusOK, doc)
}
