package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/intops/intops/analyzer/maturity"
)

// The CSV exports' tables (RFC 4180, a header row, raw figures: shares as
// fractions, times as RFC 3339, an empty cell for no value); the first is
// the default.
var (
	SLOTables      = []string{"slos", "teams", "tiers", "incidents", "trend"}
	MaturityTables = []string{"scopes", "criteria", "days"}
)

// SpreadsheetSafe keeps a spreadsheet from reading a text cell as a
// formula: a value starting with =, +, -, @, a tab or a carriage return
// gets a leading '.
func SpreadsheetSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

// text is a cell of text from the catalog (names, titles).
func text(v string) string { return SpreadsheetSafe(v) }

func num(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

func opt(x *float64) string {
	if x == nil {
		return ""
	}
	return num(*x)
}

func optTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func badTable(table string, valid []string) error {
	return fmt.Errorf("table %q: want one of %s", table, strings.Join(valid, ", "))
}

// CSV writes one table of the SLO report ("" is slos).
func (r *SLOReport) CSV(w io.Writer, table string) error {
	cw := csv.NewWriter(w)
	figures := []string{"slos", "met", "missed", "no_data", "met_share", "worst_budget_consumed", "incidents", "pages",
		"open_incidents", "incident_minutes", "mtta_minutes", "mttr_minutes", "partial", "partial_data"}
	fig := func(f Figures) []string {
		return []string{count(f.SLOs), count(f.Met), count(f.Missed), count(f.NoData), opt(f.MetShare), opt(f.WorstBudget),
			count(f.Incidents), count(f.Pages), count(f.Open), num(f.IncidentMinutes), opt(f.MTTAMinutes), opt(f.MTTRMinutes),
			strconv.FormatBool(f.Partial), strconv.FormatBool(f.PartialData)}
	}
	period := r.Period.String()
	var rows [][]string
	switch table {
	case "", "slos":
		head := []string{"period", "team", "tier", "slo", "title", "integration", "sli", "objective", "window", "events",
			"attainment", "budget_consumed", "status"}
		for _, p := range r.trendPeriods()[:len(r.Trend)-1] {
			head = append(head, "attainment_"+p.String())
		}
		rows = append(rows, head)
		for _, s := range r.SLOs {
			row := []string{period, text(s.Team), count(s.Tier), text(s.Name), text(s.Title), text(s.Integration), s.SLI, num(s.Objective), text(s.Window),
				num(s.Events), opt(s.Attainment), opt(s.BudgetConsumed), s.Status}
			for _, a := range s.Trend {
				row = append(row, opt(a))
			}
			rows = append(rows, row)
		}
	case "teams", "tiers":
		gs, key := r.Teams, "team"
		if table == "tiers" {
			gs, key = r.Tiers, "tier"
		}
		rows = append(rows, append([]string{"period", key, "title"}, figures...))
		for _, g := range gs {
			rows = append(rows, append([]string{period, text(g.Key), text(g.Title)}, fig(g.Figures)...))
		}
	case "trend":
		rows = append(rows, append([]string{"period"}, figures...))
		for _, f := range r.Trend {
			rows = append(rows, append([]string{f.Period}, fig(f)...))
		}
	case "incidents":
		rows = append(rows, []string{"period", "id", "integration", "title", "team", "tier", "severity", "opened_at",
			"acknowledged_at", "resolved_at", "minutes", "open"})
		for _, in := range r.Incidents {
			opened := in.OpenedAt
			rows = append(rows, []string{period, text(in.ID), text(in.Integration), text(in.Title), text(in.Team), count(in.Tier), in.Severity,
				optTime(&opened), optTime(in.AckedAt), optTime(in.ResolvedAt), num(in.Minutes), strconv.FormatBool(in.Open)})
		}
	default:
		return badTable(table, SLOTables)
	}
	if err := cw.WriteAll(rows); err != nil {
		return fmt.Errorf("write CSV: %w", err)
	}
	return nil
}

// CSV writes one table of the maturity report ("" is scopes).
func (r *MaturityReport) CSV(w io.Writer, table string) error {
	cw := csv.NewWriter(w)
	period := r.Period.String()
	var rows [][]string
	switch table {
	case "", "scopes":
		measures := r.measureNames()
		head := append([]string{"period", "as_of", "scope", "title", "level", "level_name", "previous_level"}, maturity.Dimensions...)
		head = append(append(head, measures...), "missing_for_next_level")
		rows = append(rows, head)
		for _, s := range r.Scopes {
			prev := ""
			if s.Previous != nil {
				prev = count(*s.Previous)
			}
			row := []string{period, r.AsOf, text(s.Scope), text(s.Title), count(s.Level), maturity.Levels[s.Level], prev}
			for _, d := range maturity.Dimensions {
				row = append(row, count(s.Dimensions[d]))
			}
			vals := map[string]string{}
			for _, res := range s.Results {
				if res.Known {
					vals[res.Measure] = num(res.Value)
				}
			}
			for _, m := range measures {
				row = append(row, vals[m])
			}
			var missing []string
			for _, m := range s.Missing {
				missing = append(missing, fmt.Sprintf("L%d %s %s %s", m.Level, m.Measure, m.Op, num(m.Threshold)))
			}
			rows = append(rows, append(row, strings.Join(missing, "; ")))
		}
	case "criteria":
		rows = append(rows, []string{"period", "as_of", "scope", "level", "dimension", "measure", "op", "threshold", "value", "known", "met"})
		for _, s := range r.Scopes {
			for _, c := range s.Results {
				v := ""
				if c.Known {
					v = num(c.Value)
				}
				rows = append(rows, []string{period, r.AsOf, text(s.Scope), count(c.Level), c.Dimension, c.Measure, c.Op, num(c.Threshold), v,
					strconv.FormatBool(c.Known), strconv.FormatBool(c.Met)})
			}
		}
	case "days":
		rows = append(rows, append([]string{"day", "scope", "level"}, r.TrendMeasures...))
		for _, d := range r.Days {
			scopes := make([]string, 0, len(d.Levels))
			for s := range d.Levels {
				scopes = append(scopes, s)
			}
			sort.Slice(scopes, func(i, j int) bool {
				return rank(scopes[i]) < rank(scopes[j]) || rank(scopes[i]) == rank(scopes[j]) && scopes[i] < scopes[j]
			})
			for _, s := range scopes {
				row := []string{d.Day, text(s), count(d.Levels[s])}
				for _, m := range r.TrendMeasures {
					v, ok := d.Measures[m]
					if s != "estate" || !ok {
						row = append(row, "")
						continue
					}
					row = append(row, num(v))
				}
				rows = append(rows, row)
			}
		}
	default:
		return badTable(table, MaturityTables)
	}
	if err := cw.WriteAll(rows); err != nil {
		return fmt.Errorf("write CSV: %w", err)
	}
	return nil
}
