// Package importer turns a Backstage catalog or a CMDB/spreadsheet CSV
// export into intops catalog YAML, and Sloth or Pyrra SLOs into OpenSLO.
package importer

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/catalog"
)

// Result is an import: the YAML written, what it holds, and what could
// not be mapped (each with its file and line).
type Result struct {
	YAML                         []byte
	Teams, Systems, Integrations int
	// Services, SLOs and AlertPolicies are the OpenSLO documents of an
	// import of Prometheus SLOs (Sloth, Pyrra).
	Services, SLOs, AlertPolicies int
	Problems                      []string
}

// Backstage reads Backstage documents (Group, User, System, Component,
// API) from a file or directory and writes the intops catalog they map to.
func Backstage(src string) (*Result, error) {
	cat, err := catalog.Load(src)
	if err != nil {
		return nil, err
	}
	var teams []*intops.Team
	for _, t := range cat.Teams {
		teams = append(teams, t)
	}
	var systems []*intops.System
	for _, s := range cat.Systems {
		systems = append(systems, s)
	}
	data, err := catalog.MarshalYAML(teams, systems, cat.Integrations)
	if err != nil {
		return nil, err
	}
	res := &Result{YAML: data, Teams: len(teams), Systems: len(systems), Integrations: len(cat.Integrations)}
	for _, ig := range cat.Ignored {
		if ig.Kind == "API" || ig.Kind == "User" {
			continue // read for targets and memberships
		}
		res.Problems = append(res.Problems, fmt.Sprintf("%s: %s %q not mapped: %s", ig.At, ig.Kind, ig.Name, ig.Why))
	}
	return res, nil
}

// CSVColumns is the documented header of a CSV import (docs/catalog.md).
// Lists (targets, data_domains) are separated by ';'. id, source, targets
// and owner_team are required.
var CSVColumns = []string{
	"id", "title", "description", "source", "targets", "pattern", "mechanism", "data_domains",
	"owner_team", "technical_owner", "business_owner", "data_steward", "lifecycle",
	"go_live", "retirement", "tier", "runbook", "contract_test", "service_name", "peer_service",
}

var requiredCSV = []string{"id", "source", "targets", "owner_team"}

// CSV reads a CMDB or spreadsheet export with the documented header
// (columns in any order; unknown columns are an error) and writes one
// Integration per row. Rows that cannot be mapped are reported with their
// line and left out.
func CSV(path string) (*Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s:1: cannot read the header: %v", path, err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		known := false
		for _, c := range CSVColumns {
			known = known || c == h
		}
		if !known {
			return nil, fmt.Errorf("%s:1: unknown column %q (columns: %s)", path, h, strings.Join(CSVColumns, ", "))
		}
		col[h] = i
	}
	for _, req := range requiredCSV {
		if _, ok := col[req]; !ok {
			return nil, fmt.Errorf("%s:1: missing required column %q", path, req)
		}
	}
	res := &Result{}
	var integrations []*intops.Integration
	seen := map[string]int{}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			res.Problems = append(res.Problems, fmt.Sprintf("%s:%d: %v", path, line, err))
			continue
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		in, problem := csvIntegration(get)
		if problem == "" {
			if first, dup := seen[in.ID]; dup {
				problem = fmt.Sprintf("id %q already on line %d", in.ID, first)
			}
		}
		if problem != "" {
			res.Problems = append(res.Problems, fmt.Sprintf("%s:%d: %s", path, line, problem))
			continue
		}
		seen[in.ID] = line
		integrations = append(integrations, in)
	}
	res.Integrations = len(integrations)
	if res.YAML, err = catalog.MarshalYAML(nil, nil, integrations); err != nil {
		return nil, err
	}
	return res, nil
}

func csvIntegration(get func(string) string) (*intops.Integration, string) {
	in := &intops.Integration{
		ID: strings.ToLower(get("id")), Title: get("title"), Description: get("description"),
		Source: get("source"), Targets: list(get("targets")), Pattern: get("pattern"),
		Mechanism: strings.ToLower(get("mechanism")), DataDomains: list(get("data_domains")),
		Owner: get("owner_team"), TechnicalOwner: get("technical_owner"), BusinessOwner: get("business_owner"),
		DataSteward: get("data_steward"), Lifecycle: intops.Lifecycle(strings.ToLower(get("lifecycle"))),
		RunbookURL: get("runbook"), ContractTest: strings.ToLower(get("contract_test")),
	}
	for _, req := range []struct{ name, v string }{{"id", in.ID}, {"source", in.Source}, {"owner_team", in.Owner}} {
		if req.v == "" {
			return nil, req.name + " is empty"
		}
	}
	if len(in.Targets) == 0 {
		return nil, "targets is empty"
	}
	if in.Lifecycle == "" {
		in.Lifecycle = intops.LifecycleProduction
	}
	for _, d := range []struct {
		name string
		out  *time.Time
	}{{"go_live", &in.GoLive}, {"retirement", &in.Retirement}} {
		if v := get(d.name); v != "" {
			t, err := time.Parse(time.DateOnly, v)
			if err != nil {
				return nil, fmt.Sprintf("%s %q: want YYYY-MM-DD", d.name, v)
			}
			*d.out = t
		}
	}
	if t := get("tier"); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil {
			return nil, fmt.Sprintf("tier %q: want 1, 2 or 3", t)
		}
		in.Tier = n
	}
	var conds []intops.Condition
	if v := get("peer_service"); v != "" {
		conds = append(conds, intops.Condition{Key: intops.AttrPeerService, Value: v})
	}
	if v := get("service_name"); v != "" {
		conds = append(conds, intops.Condition{Key: intops.AttrServiceName, Value: v})
	}
	if len(conds) > 0 {
		in.Match = []intops.MatchRule{{Conditions: conds}}
	}
	if err := in.Validate(); err != nil {
		return nil, strings.ReplaceAll(err.Error(), "\n", "; ")
	}
	return in, ""
}

func list(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ";") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
