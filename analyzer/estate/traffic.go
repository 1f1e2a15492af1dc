package estate

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/catalog"
)

// usage is the traffic of one flow, summed over its rows.
type usage struct {
	Spans, ErrorSpans, Executions, Failed, Records uint64
	First, Last                                    time.Time // hour starts
}

func (u *usage) add(r intops.Traffic) {
	u.Spans += r.Spans
	u.ErrorSpans += r.ErrorSpans
	u.Executions += r.Executions
	u.Failed += r.Failed
	u.Records += r.Records
	if !r.FirstSeen.IsZero() && (u.First.IsZero() || r.FirstSeen.Before(u.First)) {
		u.First = r.FirstSeen
	}
	if r.LastSeen.After(u.Last) {
		u.Last = r.LastSeen
	}
}

// volume is what a finding reports as its volume: executions, or spans
// when none of the spans stood for an execution.
func (u *usage) volume() (uint64, string) {
	if u == nil {
		return 0, "executions"
	}
	if u.Executions == 0 && u.Spans > 0 {
		return u.Spans, "spans"
	}
	return u.Executions, "executions"
}

// executedSince reports whether the flow had executions and its last hour
// of traffic ends after t.
func (u *usage) executedSince(t time.Time) bool {
	return u != nil && u.Executions > 0 && u.Last.Add(time.Hour).After(t)
}

func (u *usage) seenRange() (first, last *time.Time) {
	if u == nil || (u.Spans == 0 && u.Executions == 0) {
		return nil, nil
	}
	return timePtr(u.First), timePtr(u.Last)
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

// byIntegration sums the attributed rows per integration id.
func byIntegration(rows []intops.Traffic) map[string]*usage {
	out := map[string]*usage{}
	for _, r := range rows {
		if r.IntegrationID == "" {
			continue
		}
		u := out[r.IntegrationID]
		if u == nil {
			u = &usage{}
			out[r.IntegrationID] = u
		}
		u.add(r)
	}
	return out
}

// flowKey is an unattributed flow: a service calling a peer.
type flowKey struct{ Service, Peer string }

// unattributed sums the unattributed rows per service and peer.
func unattributed(rows []intops.Traffic) map[flowKey]*usage {
	out := map[flowKey]*usage{}
	for _, r := range rows {
		if r.IntegrationID != "" {
			continue
		}
		k := flowKey{r.ServiceName, r.PeerService}
		u := out[k]
		if u == nil {
			u = &usage{}
			out[k] = u
		}
		u.add(r)
	}
	return out
}

// resolver maps the names traffic carries (service.name, peer.service)
// to catalogued systems.
type resolver struct {
	byName map[string]string
	ids    []string // longest first, for prefixes
}

func newResolver(cat *catalog.Catalog) *resolver {
	r := &resolver{byName: map[string]string{}}
	for id, s := range cat.Systems {
		r.ids = append(r.ids, id)
		if t := slug(s.Title); t != "" {
			if _, taken := r.byName[t]; !taken {
				r.byName[t] = id
			}
		}
	}
	for _, id := range r.ids { // ids win over titles
		r.byName[id] = id
	}
	sort.Slice(r.ids, func(i, j int) bool {
		if len(r.ids[i]) != len(r.ids[j]) {
			return len(r.ids[i]) > len(r.ids[j])
		}
		return r.ids[i] < r.ids[j]
	})
	return r
}

// system returns the catalogued system a service or peer name stands
// for, or "": the system whose id or slugged title it is, else the
// system whose id it starts with followed by '-', '.', '_' or ':'
// (sap-erp-db, salesforce-crm.example.com).
func (r *resolver) system(name string) string {
	n := strings.ToLower(strings.TrimSpace(name))
	if n == "" {
		return ""
	}
	if id, ok := r.byName[n]; ok {
		return id
	}
	if id, ok := r.byName[slug(n)]; ok {
		return id
	}
	for _, id := range r.ids {
		if len(n) > len(id) && strings.HasPrefix(n, id) && strings.ContainsRune("-._:", rune(n[len(id)])) {
			return id
		}
	}
	return ""
}

// slug lowercases s and turns every run of characters other than letters
// and digits into one '-'.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(s) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(c)
			dash = false
			continue
		}
		dash = true
	}
	return b.String()
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		if k != "" {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func plural(n uint64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return formatCount(n) + " " + many
}

// formatCount writes n with thousands separators.
func formatCount(n uint64) string {
	s := strings.Builder{}
	d := strconv.FormatUint(n, 10)
	for i := 0; i < len(d); i++ {
		if i > 0 && (len(d)-i)%3 == 0 {
			s.WriteByte(',')
		}
		s.WriteByte(d[i])
	}
	return s.String()
}

func day(t time.Time) string { return t.UTC().Format(time.DateOnly) }

func hourText(t time.Time) string { return t.UTC().Format("2006-01-02 15:00 UTC") }
