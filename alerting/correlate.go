package alerting

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/catalog"
)

// Correlation: an estate fails in groups. When a system is down, every
// integration that touches it fails together; one incident per cause, not
// one per integration. An alert of an integration that has no open
// incident joins an open incident when
//
//   - the incident is of catalogued, owned integrations (no shadow or
//     unowned findings),
//   - they agree in signature: what fails and how (errors of one class,
//     volume low or high, latency high), from the alert's own evidence or
//     the integration's recent error samples,
//   - the integration shares a system (source or target) with every
//     integration already in the incident, and
//   - its alert began within the correlation window (default 10 minutes)
//     of the incident's first alert.
//
// An incident with several integrations is named for the system they
// share (the probable cause) and, when the group is there as it opens
// (alerts within the group wait of each other), routed to that system's
// owner; each affected integration's team is told once in its thread.

// signature says what an alert is about, in the terms correlation
// compares: "errors:<class>", "volume:low", "volume:high",
// "latency:high", or "" when it does not correlate (shadow findings,
// unowned integrations).
func (m *Manager) signature(ctx context.Context, cat *catalog.Catalog, ev intops.AlertEvent, classes map[string]string) string {
	ig := cat.Integration(ev.Integration)
	if ig == nil || ig.Owner == "" {
		return ""
	}
	return m.kindOf(ctx, cat, ev, classes)
}

// kindOf is an alert's signature, of any integration.
func (m *Manager) kindOf(ctx context.Context, cat *catalog.Catalog, ev intops.AlertEvent, classes map[string]string) string {
	if string(ev.State) == "no_data" {
		return "volume:low"
	}
	switch ev.Source {
	case "anomaly":
		var x struct {
			Signal    string `json:"signal"`
			Class     string `json:"class"`
			Direction string `json:"direction"`
		}
		_ = json.Unmarshal([]byte(ev.Evidence), &x)
		switch x.Signal {
		case "executions", "records":
			return "volume:" + or2(x.Direction, "low")
		case "latency_p95":
			return "latency:high"
		case "error_class":
			if x.Class != "" {
				return "errors:" + x.Class
			}
			return "errors:" + m.dominantClass(ctx, ev, classes)
		case "error_rate":
			return "errors:" + m.dominantClass(ctx, ev, classes)
		}
		return "" // a signal correlation does not know
	case "slo":
		s := sloByKey(cat, ev.Key)
		if s == nil {
			return ""
		}
		switch s.Indicator.Kind {
		case intops.SLILatency:
			return "latency:high"
		case intops.SLIThroughput, intops.SLIFreshness:
			return "volume:low"
		}
		return "errors:" + m.dominantClass(ctx, ev, classes)
	}
	return ""
}

func or2(s, def string) string {
	if s != "" {
		return s
	}
	return def
}

func sloByKey(cat *catalog.Catalog, key string) *intops.SLO {
	name := strings.TrimPrefix(key, "slo/")
	for _, s := range cat.SLOs {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// dominantClass is the error class of most of an integration's failures
// in the quarter hour before the alert (cached per tick in classes).
func (m *Manager) dominantClass(ctx context.Context, ev intops.AlertEvent, classes map[string]string) string {
	if c, ok := classes[ev.Integration]; ok {
		return c
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	ss, err := m.Store.ErrorSamples(ctx, ev.Integration, ev.At.Add(-15*time.Minute), ev.At.Add(time.Minute), 20)
	if err != nil {
		m.logger().Warn("alerting: no error samples for correlation", "integration", ev.Integration, "err", err)
	}
	counts := map[string]uint64{}
	for _, s := range ss {
		counts[s.Class] += s.Count
	}
	best, n := string(intops.ErrorUnknown), uint64(0)
	for c, k := range counts {
		if k > n || (k == n && c < best) {
			best, n = c, k
		}
	}
	classes[ev.Integration] = best
	return best
}

// systemsOf are the systems an integration touches.
func systemsOf(cat *catalog.Catalog, integration string) []string {
	ig := cat.Integration(integration)
	if ig == nil {
		return nil
	}
	out := []string{}
	if ig.Source != "" {
		out = append(out, ig.Source)
	}
	for _, t := range ig.Targets {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// shared are the systems every one of the integrations touches.
func shared(cat *catalog.Catalog, integrations []string) []string {
	if len(integrations) == 0 {
		return nil
	}
	common := systemsOf(cat, integrations[0])
	for _, ig := range integrations[1:] {
		sys := systemsOf(cat, ig)
		common = slices.DeleteFunc(common, func(s string) bool { return !slices.Contains(sys, s) })
	}
	return common
}

// probableCause picks, of the systems the integrations share, the one
// most of them call (a target more often than a source), then the one
// more integrations of the estate touch, then by name.
func probableCause(cat *catalog.Catalog, integrations []string) string {
	common := shared(cat, integrations)
	if len(common) == 0 {
		return ""
	}
	targets := map[string]int{}
	for _, id := range integrations {
		if ig := cat.Integration(id); ig != nil {
			for _, t := range ig.Targets {
				targets[t]++
			}
		}
	}
	degree := map[string]int{}
	for _, ig := range cat.Integrations {
		for _, s := range systemsOf(cat, ig.ID) {
			degree[s]++
		}
	}
	sort.SliceStable(common, func(i, j int) bool {
		a, b := common[i], common[j]
		if targets[a] != targets[b] {
			return targets[a] > targets[b]
		}
		if degree[a] != degree[b] {
			return degree[a] > degree[b]
		}
		return a < b
	})
	return common[0]
}

// correlated finds the open incident an alert of an integration without
// an open incident of its own joins, or nil.
func (m *Manager) correlated(cat *catalog.Catalog, integration, sig string, since time.Time) *Incident {
	if sig == "" {
		return nil
	}
	var best *Incident
	for _, id := range m.st.order {
		in := m.st.incidents[id]
		if !in.Open() || in.Signature != sig || in.member(integration) || in.Integration == "" {
			continue
		}
		start := in.firstSince()
		if d := since.Sub(start); d > m.Config.correlationWindow() || d < -m.Config.correlationWindow() {
			continue
		}
		if len(shared(cat, append(slices.Clone(in.Members), integration))) == 0 {
			continue
		}
		if best == nil || len(in.Members) > len(best.Members) {
			best = in
		}
	}
	return best
}

// firstSince is when the incident's earliest alert began.
func (in *Incident) firstSince() time.Time {
	t := in.OpenedAt
	for _, a := range in.Alerts {
		if !a.Since.IsZero() && a.Since.Before(t) {
			t = a.Since
		}
	}
	return t
}

// group is the integrations whose pending alerts (due within the group
// wait of ev) would join an incident ev opens, ev's first.
func (m *Manager) group(ctx context.Context, cat *catalog.Catalog, ev intops.AlertEvent, sig string, pending []intops.AlertEvent, classes map[string]string) []string {
	members := []string{ev.Integration}
	if sig == "" {
		return members
	}
	for _, p := range pending {
		if p.At.Sub(ev.At) > m.Config.GroupWait || slices.Contains(members, p.Integration) ||
			(p.State != "firing" && p.State != "no_data") || m.st.open[p.Integration] != "" {
			continue
		}
		if sinceOf(p).Sub(sinceOf(ev)) > m.Config.correlationWindow() {
			continue
		}
		if m.signature(ctx, cat, p, classes) != sig {
			continue
		}
		if len(shared(cat, append(slices.Clone(members), p.Integration))) == 0 {
			continue
		}
		members = append(members, p.Integration)
	}
	return members
}

// causeTitle names an incident of several integrations by its probable
// cause: "SAP ERP unavailable: 14 integrations failing with unavailable
// since 14:02".
func causeTitle(cat *catalog.Catalog, in *Incident, loc *time.Location) string {
	if len(in.Members) < 2 || in.Cause == "" {
		return ""
	}
	sys := cat.SystemTitle(in.Cause)
	n := len(in.Members)
	at := in.firstSince().In(loc).Format("15:04")
	kind, class, _ := strings.Cut(in.Signature, ":")
	switch kind {
	case "errors":
		what := map[string]string{
			"unavailable": "unavailable", "auth": "rejecting credentials", "timeout": "timing out",
			"rate_limit": "rate limiting", "validation": "rejecting data", "transient": "unstable",
		}[class]
		if what == "" {
			what = "failing"
		}
		return fmt.Sprintf("%s %s: %d integrations failing with %s since %s", sys, what, n, class, at)
	case "volume":
		if class == "high" {
			return fmt.Sprintf("%s: %d integrations moving more than normal since %s", sys, n, at)
		}
		return fmt.Sprintf("%s: %d integrations moving less than normal since %s", sys, n, at)
	case "latency":
		return fmt.Sprintf("%s slow: %d integrations slower than normal since %s", sys, n, at)
	}
	return fmt.Sprintf("%s: %d integrations alerting since %s", sys, n, at)
}

// systemRoute is the team and channel of a system's owner, or "" when the
// system has no owner with a channel.
func (m *Manager) systemRoute(cat *catalog.Catalog, system, severity string) (team, channel string) {
	s := cat.Systems[system]
	if s == nil || s.Owner == "" || cat.Teams[s.Owner] == nil {
		return "", ""
	}
	team = s.Owner
	channel = cat.Teams[team].SlackChannel
	if o, ok := m.Config.Overrides[team]; ok {
		if o.Channel != "" {
			channel = o.Channel
		}
		if severity == "page" && o.PageChannel != "" {
			channel = o.PageChannel
		}
	}
	if channel == "" {
		return "", ""
	}
	return team, channel
}

// affectedNote tells an affected integration's team, in the incident's
// thread, that their integration is part of it.
func affectedNote(cat *catalog.Catalog, in *Incident, integration, summary string) string {
	ig := cat.Integration(integration)
	if ig == nil {
		return "Also affected: " + integration + ": " + summary
	}
	who := ig.Owner
	if t := cat.Teams[ig.Owner]; t != nil {
		switch {
		case t.OnCall != "":
			who = fmt.Sprintf("%s (%s)", ig.Owner, t.OnCall)
		case t.SlackChannel != "" && t.SlackChannel != in.Channel:
			who = fmt.Sprintf("%s (%s)", ig.Owner, t.SlackChannel)
		}
	}
	return fmt.Sprintf("Also affected: %s, owned by %s: %s", title(ig), who, summary)
}

// Merge moves incident from's integrations and alerts into incident into
// (a person saw one cause where intops saw two); from resolves, saying
// where it went. Both must be open.
func (m *Manager) Merge(ctx context.Context, into, from, actor string) error {
	if _, ok := m.leading(); !ok {
		_, err := m.submit(ctx, command{Op: "merge", Target: into, From: from, Actor: actor})
		return err
	}
	return m.merge(ctx, into, from, actor, "")
}

func (m *Manager) merge(ctx context.Context, into, from, actor, cmd string) error {
	if into == from {
		return fmt.Errorf("%w: an incident cannot be merged into itself", ErrInvalid)
	}
	return m.act(ctx, into, cmd, func(t *tx, in *Incident, now time.Time) error {
		src := m.st.incidents[from]
		if src == nil {
			return fmt.Errorf("%w: no incident %q", ErrNotFound, from)
		}
		if !in.Open() || !src.Open() {
			return fmt.Errorf("%w: only open incidents are merged", ErrInvalid)
		}
		cat := m.Catalog()
		after := *in
		after.Members = slices.Clone(in.Members)
		for _, ig := range src.Members {
			if !slices.Contains(after.Members, ig) {
				after.Members = append(after.Members, ig)
			}
		}
		after.Alerts = slices.Clone(in.Alerts)
		for _, a := range src.Alerts {
			if in.alert(a.Key) == nil {
				after.Alerts = append(after.Alerts, a)
			}
		}
		after.Cause = probableCause(cat, after.Members)
		after.Severity = after.worst()
		t.event(event{Kind: evMerged, At: now, Incident: into, From: from, Cause: after.Cause, Actor: actor,
			Text: fmt.Sprintf("merged %s (%s) in, by %s", from, strings.Join(src.Members, ", "), actor)})
		t.event(event{Kind: evResolved, At: now, Incident: from, Actor: actor, Text: "merged into " + into + " by " + actor})
		m.queue(t, &after, Notification{Kind: KindReply, Note: fmt.Sprintf("%s merged %s in: %s", actor, from, strings.Join(src.Members, ", "))}, true)
		gone := *src
		gone.State, gone.ResolvedAt, gone.ResolvedBy = StateResolved, now, actor
		m.queue(t, &gone, Notification{Kind: KindReply, Note: fmt.Sprintf("Merged into %s by %s: follow it there", into, actor)}, true)
		return nil
	})
}

// Split moves one integration and its alerts out of an incident into a
// new one of its own (a person saw two causes where intops saw one),
// routed to the integration's team.
func (m *Manager) Split(ctx context.Context, id, integration, actor string) error {
	if _, ok := m.leading(); !ok {
		_, err := m.submit(ctx, command{Op: "split", Target: id, Integration: integration, Actor: actor})
		return err
	}
	return m.split(ctx, id, integration, actor, "")
}

func (m *Manager) split(ctx context.Context, id, integration, actor, cmd string) error {
	return m.act(ctx, id, cmd, func(t *tx, in *Incident, now time.Time) error {
		if !in.Open() {
			return fmt.Errorf("%w: only open incidents are split", ErrInvalid)
		}
		if !in.member(integration) || len(in.Members) < 2 {
			return fmt.Errorf("%w: %s is not one of several integrations of %s", ErrInvalid, integration, id)
		}
		cat := m.Catalog()
		newID := fmt.Sprintf("inc-%s-%d", integration, now.Unix())
		out := &Incident{ID: newID, Integration: integration, Members: []string{integration}, Signature: in.Signature,
			State: StateOpen, OpenedAt: now}
		rest := *in
		rest.Members = slices.DeleteFunc(slices.Clone(in.Members), func(ig string) bool { return ig == integration })
		rest.Alerts = nil
		for _, a := range in.Alerts {
			if a.Integration == integration {
				out.Alerts = append(out.Alerts, a)
			} else {
				rest.Alerts = append(rest.Alerts, a)
			}
		}
		out.Severity = out.worst()
		out.Team, out.Channel = m.route(cat, integration, out.Severity)
		if len(rest.Members) < 2 {
			rest.Cause = ""
		}
		rest.Integration = rest.Members[0]
		rest.Severity = rest.worst()
		t.event(event{Kind: evSplit, At: now, Incident: id, Integration: integration, NewID: newID, Team: out.Team, Channel: out.Channel,
			Actor: actor, Text: fmt.Sprintf("split %s out into %s, by %s", integration, newID, actor)})
		m.queue(t, &rest, Notification{Kind: KindReply, Note: fmt.Sprintf("%s split %s out into %s", actor, integration, newID)}, true)
		m.queue(t, out, Notification{Kind: KindPost, Note: fmt.Sprintf("Split from %s by %s", id, actor)}, false)
		return nil
	})
}
