package alerting

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// view builds what a notification shows of an incident, reading its
// error samples when they are due.
func (m *Manager) view(in *Incident) IncidentView {
	v := m.viewOf(in)
	v.TopErrors = m.samples(in)
	return v
}

// viewOf is view without the error samples.
func (m *Manager) viewOf(in *Incident) IncidentView {
	v := IncidentView{ID: in.ID, Integration: in.Integration, Title: in.Integration, Team: in.Team, Severity: in.Severity,
		State: in.State, Silenced: in.Silenced(m.now()), OpenedAt: in.OpenedAt, ResolvedAt: in.ResolvedAt, AckedBy: in.AckedBy,
		ResolvedBy: in.ResolvedBy, SilencedBy: in.SilencedBy, SilenceEnds: in.SilenceEnds,
		URL: m.Config.baseURL() + "/integrations/" + in.Integration}
	switch in.Integration {
	case "":
		v.Title, v.URL = "Shadow and unowned integrations", m.Config.baseURL()+"/catalog"
	case IngestSubject:
		v.Title, v.URL = "intops ingest: no spans from the estate", m.Config.baseURL()+"/alerts"
	}
	cat := m.Catalog()
	if ig := cat.Integration(in.Integration); ig != nil {
		v.Title, v.Tier, v.Technical, v.Business, v.Runbook = title(ig), ig.Tier, ig.TechnicalOwner, ig.BusinessOwner, ig.RunbookURL
		v.Source = cat.SystemTitle(ig.Source)
		for _, t := range ig.Targets {
			v.Targets = append(v.Targets, cat.SystemTitle(t))
		}
	}
	for _, pass := range []bool{true, false} {
		for _, a := range in.Alerts {
			if (a.State != "resolved") == pass {
				v.Alerts = append(v.Alerts, *a)
			}
		}
	}
	if ct := causeTitle(cat, in, m.Config.location()); ct != "" {
		v.Title, v.Cause, v.URL = ct, cat.SystemTitle(in.Cause), m.Config.baseURL()+"/alerts"
		v.Source, v.Targets, v.Technical, v.Business, v.Runbook = v.Cause, nil, "", "", ""
		for _, id := range in.Members {
			af := AffectedView{Integration: id, Title: id}
			if ig := cat.Integration(id); ig != nil {
				af.Title, af.Team = title(ig), ig.Owner
				if ig.Tier > 0 && ig.Tier < v.Tier {
					v.Tier = ig.Tier
				}
			}
			for _, a := range in.Alerts {
				if a.Integration == id && a.State != "resolved" {
					af.Firing = append(af.Firing, a.Summary)
				}
			}
			v.Affected = append(v.Affected, af)
		}
	}
	v.Advice = m.advice(cat, in)
	if _, p, ok := m.policy(in); ok {
		v.Told = m.told(cat, in, p)
	}
	return v
}

// samples reads the top error messages of the incident's failed
// executions (redacted, truncated). A read failure leaves them out: the
// alert matters more than its samples.
//
// They are read at most once a minute per open incident (and once for a
// resolved one): views are built for every page and API request.
func (m *Manager) samples(in *Incident) []ErrorSample {
	if m.Store == nil {
		return nil
	}
	if c, ok := m.sampled[in.ID]; ok && (c.final || m.now().Sub(c.at) < time.Minute) {
		return c.samples
	}
	out := m.readSamples(in)
	if m.sampled == nil {
		m.sampled = map[string]sampled{}
	}
	m.sampled[in.ID] = sampled{at: m.now(), final: !in.Open(), samples: out}
	return out
}

// sampled is an incident's error samples as last read.
type sampled struct {
	at      time.Time
	final   bool // read after the incident was resolved
	samples []ErrorSample
}

func (m *Manager) readSamples(in *Incident) []ErrorSample {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	to := m.now()
	if !in.ResolvedAt.IsZero() {
		to = in.ResolvedAt
	}
	ss, err := m.Store.ErrorSamples(ctx, in.Integration, in.OpenedAt.Add(-30*time.Minute), to.Add(time.Minute), 5)
	if err != nil {
		m.logger().Warn("alerting: no error samples", "integration", in.Integration, "err", err)
		return nil
	}
	var out []ErrorSample
	for _, s := range ss {
		out = append(out, ErrorSample{Class: s.Class, Message: Redact(s.Message, 200), Count: int(s.Count)})
	}
	return out
}

var secretPatterns = []*regexp.Regexp{
	regexp.MustCompile(`(?i)\b(bearer|basic|token)\s+[A-Za-z0-9._~+/=-]{8,}`),
	regexp.MustCompile(`(?i)\b(password|passwd|pwd|secret|client_secret|access_token|refresh_token|api[_-]?key|apikey|authorization|token|sig|signature)\b(\s*[=:]\s*|"\s*:\s*")[^\s"&,;]+`),
	regexp.MustCompile(`://[^/\s:@]+:[^/\s@]+@`),
	regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]+`), // JWT
	regexp.MustCompile(`\b[A-Za-z0-9+/_-]{40,}={0,2}`),                                // long keys
}

// personalPatterns are record values that name or identify people or
// pay: sample records of validation failures go to data stewards and
// business owners without them.
var personalPatterns = []*regexp.Regexp{
	regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`),                 // e-mail addresses
	regexp.MustCompile(`\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,3})?\b`), // IBANs
	regexp.MustCompile(`\b(?:[0-9][ -]?){12,18}[0-9]\b`),                                 // card and account numbers
}

// Redact removes credentials and personal data (e-mail addresses, IBANs,
// card and account numbers) from an error message and truncates it to
// max characters.
func Redact(s string, max int) string {
	s = secretPatterns[0].ReplaceAllString(s, "$1 [redacted]")
	s = secretPatterns[1].ReplaceAllString(s, "$1$2[redacted]")
	s = secretPatterns[2].ReplaceAllString(s, "://[redacted]@")
	s = secretPatterns[3].ReplaceAllString(s, "[redacted-jwt]")
	s = secretPatterns[4].ReplaceAllString(s, "[redacted]")
	s = personalPatterns[0].ReplaceAllString(s, "[email]")
	s = personalPatterns[1].ReplaceAllString(s, "[iban]")
	s = personalPatterns[2].ReplaceAllString(s, "[number]")
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > max {
		r := []rune(s)
		s = string(r[:max-1]) + "…"
	}
	return s
}

// plainText is a notification's text fallback.
func plainText(v IncidentView, note string) string {
	state := v.State
	if v.Silenced {
		state += ", silenced"
	}
	s := fmt.Sprintf("[%s] %s (%s): %s", v.Severity, v.Title, state, firstSummary(v))
	if note != "" {
		s = note + " — " + s
	}
	return s
}

func firstSummary(v IncidentView) string {
	if len(v.Alerts) == 0 {
		return ""
	}
	return v.Alerts[0].Summary
}

// human writes a duration the way an on-call engineer reads it.
func human(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%.0f days", d.Hours()/24)
	case d >= time.Hour:
		h := int(d / time.Hour)
		if m := int((d % time.Hour) / time.Minute); m > 0 {
			return fmt.Sprintf("%d h %d min", h, m)
		}
		return fmt.Sprintf("%d h", h)
	case d >= time.Minute:
		return fmt.Sprintf("%d min", int(d/time.Minute))
	}
	return fmt.Sprintf("%d s", int(d/time.Second))
}

func sortSilences(ss []Silence, now time.Time) {
	slices.SortFunc(ss, func(a, b Silence) int {
		aa, ba := now.Before(a.Ends), now.Before(b.Ends)
		if aa != ba {
			if aa {
				return -1
			}
			return 1
		}
		return b.Starts.Compare(a.Starts)
	})
}

// IncidentStatus is an incident as the API shows it.
type IncidentStatus struct {
	Incident
	View     IncidentView
	Delivery string // inbox, pending, sent, failed: <code>
}

// Incidents returns the open incidents (worst first) and those resolved
// since `since` (latest first).
func (m *Manager) Incidents(ctx context.Context, since time.Time) (open, recent []IncidentStatus, err error) {
	m.mu.Lock()
	if err := m.load(ctx); err != nil {
		m.mu.Unlock()
		return nil, nil, err
	}
	// The error samples that are due are read without the lock (a slow
	// database must not hold up the alerting), then kept.
	var due []Incident
	for i := len(m.st.order) - 1; i >= 0; i-- {
		in := m.st.incidents[m.st.order[i]]
		if !in.Open() && in.ResolvedAt.Before(since) {
			continue
		}
		if c, ok := m.sampled[in.ID]; !ok || !c.final && m.now().Sub(c.at) >= time.Minute {
			due = append(due, *in)
		}
	}
	m.mu.Unlock()
	read := map[string]sampled{}
	for i := range due {
		if m.Store != nil {
			read[due[i].ID] = sampled{at: m.now(), final: !due[i].Open(), samples: m.readSamples(&due[i])}
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.sampled == nil {
		m.sampled = map[string]sampled{}
	}
	for id, c := range read {
		m.sampled[id] = c
	}
	for i := len(m.st.order) - 1; i >= 0; i-- {
		in := m.st.incidents[m.st.order[i]]
		if !in.Open() && in.ResolvedAt.Before(since) {
			continue
		}
		c := *in
		c.Alerts = nil
		for _, a := range in.Alerts {
			c.Alerts = append(c.Alerts, &AlertView{Key: a.Key, Integration: a.Integration, Source: a.Source, Severity: a.Severity, State: a.State, Summary: a.Summary, Since: a.Since})
		}
		c.Timeline = slices.Clone(in.Timeline)
		c.Members = slices.Clone(in.Members)
		v := m.viewOf(in)
		v.TopErrors = m.sampled[in.ID].samples
		st := IncidentStatus{Incident: c, View: v, Delivery: m.deliveryState(in.ID)}
		if in.Open() {
			open = append(open, st)
		} else {
			recent = append(recent, st)
		}
	}
	slices.SortStableFunc(open, func(a, b IncidentStatus) int {
		if d := severityRank[b.Severity] - severityRank[a.Severity]; d != 0 {
			return d
		}
		return a.OpenedAt.Compare(b.OpenedAt)
	})
	return open, recent, nil
}

// TeamStats are a team's (or another group's) response times over a period.
type TeamStats struct {
	Team         string        `json:"team"`
	Incidents    int           `json:"incidents"`
	Acknowledged int           `json:"acknowledged"`
	Resolved     int           `json:"resolved"`
	MTTA         time.Duration `json:"-"`
	MTTR         time.Duration `json:"-"`
}

// Stats computes MTTA (open to acknowledgement) and MTTR (open to
// resolution) per team over the incidents opened since `since`.
func (m *Manager) Stats(ctx context.Context, since time.Time) ([]TeamStats, error) {
	ins, err := m.Opened(ctx, since, time.Time{})
	if err != nil {
		return nil, err
	}
	return StatsBy(ins, func(in *Incident) string {
		if in.Team == "" {
			return "(unowned)"
		}
		return in.Team
	}), nil
}

// Opened returns the incidents opened in [from, to) (to zero: up to now),
// oldest first: copies, with their alerts and timeline, as the log
// folds them (no view, so no error samples are read). Reports read past
// periods with it.
func (m *Manager) Opened(ctx context.Context, from, to time.Time) ([]Incident, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.load(ctx); err != nil {
		return nil, err
	}
	var out []Incident
	for _, id := range m.st.order {
		in := m.st.incidents[id]
		if in.OpenedAt.Before(from) || (!to.IsZero() && !in.OpenedAt.Before(to)) {
			continue
		}
		c := *in
		c.Alerts = nil
		for _, a := range in.Alerts {
			c.Alerts = append(c.Alerts, &AlertView{Key: a.Key, Integration: a.Integration, Source: a.Source, Severity: a.Severity, State: a.State, Summary: a.Summary, Since: a.Since})
		}
		c.Timeline = slices.Clone(in.Timeline)
		c.Members = slices.Clone(in.Members)
		out = append(out, c)
	}
	return out, nil
}

// StatsBy groups incidents by key (a team, a tier…; TeamStats.Team holds
// it) and computes each group's MTTA, over the acknowledged ones, and
// MTTR, over the resolved ones; groups are sorted by key.
func StatsBy(ins []Incident, key func(*Incident) string) []TeamStats {
	by := map[string]*TeamStats{}
	var ack, res = map[string]time.Duration{}, map[string]time.Duration{}
	for i := range ins {
		in := &ins[i]
		k := key(in)
		s := by[k]
		if s == nil {
			s = &TeamStats{Team: k}
			by[k] = s
		}
		s.Incidents++
		if !in.FirstAck.IsZero() {
			s.Acknowledged++
			ack[k] += in.FirstAck.Sub(in.OpenedAt)
		}
		if !in.ResolvedAt.IsZero() {
			s.Resolved++
			res[k] += in.ResolvedAt.Sub(in.OpenedAt)
		}
	}
	out := make([]TeamStats, 0, len(by))
	for k, s := range by {
		if s.Acknowledged > 0 {
			s.MTTA = ack[k] / time.Duration(s.Acknowledged)
		}
		if s.Resolved > 0 {
			s.MTTR = res[k] / time.Duration(s.Resolved)
		}
		out = append(out, *s)
	}
	slices.SortFunc(out, func(a, b TeamStats) int { return strings.Compare(a.Team, b.Team) })
	return out
}
