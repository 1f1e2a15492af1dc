package catalogview

import (
	"cmp"
	"encoding/csv"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/analyzer/estate"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/report"
	"github.com/intops/intops/ui/internal/web"
)

// retirementHorizon is how far ahead the review lists retirements.
const retirementHorizon = 90 * 24 * time.Hour

// catalogFilter is the review's query; every field is a GET parameter.
type catalogFilter struct {
	Severity string // error, warning, note (lint) or info (estate)
	Rule     string // a lint rule id
	Kind     string // an estate finding kind
}

func catalogFilterOf(q url.Values) catalogFilter {
	return catalogFilter{Severity: q.Get("severity"), Rule: q.Get("rule"), Kind: q.Get("kind")}
}

func (f catalogFilter) query() string {
	q := url.Values{}
	for k, v := range map[string]string{"severity": f.Severity, "rule": f.Rule, "kind": f.Kind} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

// url is the review with this filter.
func (f catalogFilter) url() string { return "/catalog" + f.query() }

func (f catalogFilter) lint(l catalog.Finding) bool {
	return (f.Severity == "" || string(l.Severity) == f.Severity) && (f.Rule == "" || l.Rule == f.Rule) && f.Kind == ""
}

func (f catalogFilter) finding(e estate.Finding) bool {
	return (f.Severity == "" || string(e.Severity) == f.Severity) && (f.Kind == "" || string(e.Kind) == f.Kind) && f.Rule == ""
}

// retirementRow is an integration due to retire within the horizon, or
// past its date without being retired.
type retirementRow struct {
	ID, Title, Team, Lifecycle, Date, ReplacedBy string
	Days                                         int // until the date; negative when past
	File                                         string
	Line                                         int
}

func (r retirementRow) when() string {
	switch {
	case r.Days < 0:
		return strconv.Itoa(-r.Days) + " days overdue"
	case r.Days == 0:
		return "today"
	}
	return "in " + strconv.Itoa(r.Days) + " days"
}

// catalogReview is everything /catalog renders and the CSV exports.
type catalogReview struct {
	Filter                       catalogFilter
	Lint                         []catalog.Finding
	LintTotal                    int
	Severities, Rules, Kinds     []web.Option
	Shadows, Zombies             []estate.Finding
	Duplicates, WithTraffic      []estate.Finding
	Complexity                   []estate.Finding
	Retirements                  []retirementRow
	FindingsConfigured, ShowLint bool
	Warnings                     []string
}

func (m catalogReview) estateCount() int {
	return len(m.Shadows) + len(m.Zombies) + len(m.Duplicates) + len(m.WithTraffic) + len(m.Complexity)
}

// review reads the catalog, lints it and reads the estate findings once.
func (h *Handlers) review(r *http.Request) catalogReview {
	now := h.Now()
	f := catalogFilterOf(r.URL.Query())
	m := catalogReview{Filter: f, ShowLint: f.Kind == ""}
	cat := h.Catalog.Current()

	lint := catalog.Lint(cat, h.LintConfig, now)
	m.LintTotal = len(lint)
	rules := map[string]bool{}
	for _, l := range lint {
		rules[l.Rule] = true
		if f.lint(l) {
			m.Lint = append(m.Lint, l)
		}
	}
	for rule := range rules {
		m.Rules = append(m.Rules, web.Option{Value: rule, Label: rule})
	}
	slices.SortFunc(m.Rules, func(a, b web.Option) int { return cmp.Compare(a.Value, b.Value) })
	for _, sev := range []string{"error", "warning", "note", "info"} {
		m.Severities = append(m.Severities, web.Option{Value: sev, Label: sev})
	}
	for _, k := range []estate.Kind{estate.KindShadow, estate.KindZombie, estate.KindDuplicate, estate.KindRetiredWithTraffic,
		estate.KindDeprecatedWithTraffic, estate.KindComplexity} {
		m.Kinds = append(m.Kinds, web.Option{Value: string(k), Label: strings.ReplaceAll(string(k), "_", " ")})
	}
	m.Kinds = append(m.Kinds, web.Option{Value: "retirement", Label: "retirement due"})

	if h.Findings != nil {
		m.FindingsConfigured = true
		fs, err := h.Findings.Findings(r.Context())
		if err != nil {
			h.Logger.Error("estate findings", "err", err)
			m.Warnings = append(m.Warnings, "Estate findings are unavailable (ClickHouse or the catalog): only the lint and the retirements are shown.")
		}
		for _, e := range fs {
			if !f.finding(e) {
				continue
			}
			switch e.Kind {
			case estate.KindShadow:
				m.Shadows = append(m.Shadows, e)
			case estate.KindZombie:
				m.Zombies = append(m.Zombies, e)
			case estate.KindDuplicate:
				m.Duplicates = append(m.Duplicates, e)
			case estate.KindRetiredWithTraffic, estate.KindDeprecatedWithTraffic:
				m.WithTraffic = append(m.WithTraffic, e)
			case estate.KindComplexity:
				m.Complexity = append(m.Complexity, e)
			}
		}
	}

	if f.Rule == "" && (f.Kind == "" || f.Kind == "retirement") && (f.Severity == "" || f.Severity == "info" || f.Severity == "warning") {
		m.Retirements = retirementsDue(cat, now)
		if f.Severity != "" {
			m.Retirements = slices.DeleteFunc(m.Retirements, func(r retirementRow) bool { return r.severity() != f.Severity })
		}
	}
	return m
}

func (r retirementRow) severity() string {
	if r.Days < 0 {
		return "warning"
	}
	return "info"
}

// retirementsDue lists the integrations whose retirement date falls in
// the next 90 days, and those past it that are not retired yet, soonest
// first.
func retirementsDue(cat *catalog.Catalog, now time.Time) []retirementRow {
	var out []retirementRow
	day := now.UTC().Truncate(24 * time.Hour)
	for _, in := range cat.All() {
		if in.Retirement.IsZero() || in.Lifecycle == intops.LifecycleRetired {
			continue
		}
		days := int(in.Retirement.Sub(day).Hours() / 24)
		if in.Retirement.After(now.Add(retirementHorizon)) {
			continue
		}
		p := cat.Where("Integration/" + in.ID + "#retirement")
		out = append(out, retirementRow{ID: in.ID, Title: web.First(in.Title, in.ID), Team: in.Owner, Lifecycle: string(in.Lifecycle),
			Date: date(in.Retirement), ReplacedBy: in.ReplacedBy, Days: days, File: p.File, Line: p.Line})
	}
	slices.SortFunc(out, func(a, b retirementRow) int { return cmp.Or(cmp.Compare(a.Days, b.Days), cmp.Compare(a.ID, b.ID)) })
	return out
}

// Page serves /catalog[?severity=&rule=&kind=]: the catalog review.
func (h *Handlers) Page(w http.ResponseWriter, r *http.Request) {
	h.Render(w, r, http.StatusOK, catalogPage(h.review(r)))
}

// subject is what an estate finding is about: its integration, or the
// part of its id after the kind.
func subject(e estate.Finding) string {
	if e.Integration != "" {
		return e.Integration
	}
	_, rest, _ := strings.Cut(e.ID, ":")
	return rest
}

// Export serves GET /catalog/export.csv: the review's rows (with
// the page's filters) as a spreadsheet.
func (h *Handlers) Export(w http.ResponseWriter, r *http.Request) {
	m := h.review(r)
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="intops-catalog-review.csv"`)
	cw := csv.NewWriter(w)
	write := func(rec ...string) {
		for i := range rec {
			rec[i] = report.SpreadsheetSafe(rec[i])
		}
		_ = cw.Write(rec)
	}
	write("kind", "severity", "subject", "summary", "file", "line")
	line := func(n int) string {
		if n == 0 {
			return ""
		}
		return strconv.Itoa(n)
	}
	if m.ShowLint {
		for _, l := range m.Lint {
			write("lint", string(l.Severity), l.Rule, l.Message, l.File, line(l.Line))
		}
	}
	for _, group := range [][]estate.Finding{m.Shadows, m.Zombies, m.Duplicates, m.WithTraffic, m.Complexity} {
		for _, e := range group {
			write(string(e.Kind), string(e.Severity), subject(e), e.Summary, "", "")
		}
	}
	for _, rt := range m.Retirements {
		summary := rt.ID + " retires on " + rt.Date + " (" + rt.when() + ")"
		if rt.ReplacedBy != "" {
			summary += "; replaced by " + rt.ReplacedBy
		}
		write("retirement", rt.severity(), rt.ID, summary, rt.File, line(rt.Line))
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		h.Logger.Error("write catalog export", "err", err)
	}
}
