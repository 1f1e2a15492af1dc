package alerting

import (
	"fmt"
	"strings"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/catalog"
)

// ClassPolicy is how incidents whose alerts agree on one error class are
// handled (intops.ClassPolicy).
type ClassPolicy = intops.ClassPolicy

// DefaultPolicies are the error classes' handling (docs/alerting.md).
var DefaultPolicies = map[intops.ErrorClass]ClassPolicy{
	intops.ErrorTransient: {
		Advice: "Transient failures (connection resets, brief network errors) that the runtime should retry; intops alerts on them when they burn the error budget."},
	intops.ErrorTimeout: {Notify: []string{"technical_owner"},
		Advice: "Calls to {system} time out: check its response times and the integration's timeouts and batch sizes."},
	intops.ErrorRateLimit: {Notify: []string{"technical_owner"},
		Advice: "{system} is rate limiting the integration: spread the load or raise the quota; the integration page shows throughput against the limit."},
	intops.ErrorAuth: {Escalate: "now", Notify: []string{"technical_owner", "system_owner"},
		Advice: "{system} rejects the integration's credentials: renew or rotate the credential (token, certificate, password) it uses for {system}. Retries will not help."},
	intops.ErrorValidation: {Notify: []string{"data_steward", "business_owner"},
		Advice: "{system} rejects records as invalid: see the sample errors, fix the data or the mapping; retries will not help."},
	intops.ErrorUnavailable: {Notify: []string{"system_owner"},
		Advice: "{system} is unavailable (5xx, refused connections): its owner is told; the runtime should hold and retry until it is back."},
	intops.ErrorUnknown: {Advice: "Failures intops cannot classify: see the sample errors."},
}

// policy is the handling of an incident's error class, if it has one.
func (m *Manager) policy(in *Incident) (intops.ErrorClass, ClassPolicy, bool) {
	kind, class, _ := strings.Cut(in.Signature, ":")
	if kind != "errors" {
		return "", ClassPolicy{}, false
	}
	c := intops.ErrorClass(class)
	if p, ok := m.Catalog().ClassPolicies[c]; ok {
		return c, *p, true
	}
	if p, ok := m.Config.Policies[c]; ok {
		return c, p, true
	}
	p, ok := DefaultPolicies[c]
	return c, p, ok
}

// failingSystem is the system an incident's failures are about: the
// shared system of several integrations, else the integration's first
// target (the system it calls), else its source.
func failingSystem(cat *catalog.Catalog, in *Incident) string {
	if in.Cause != "" {
		return in.Cause
	}
	ig := cat.Integration(in.Integration)
	if ig == nil {
		return ""
	}
	if len(ig.Targets) > 0 {
		return ig.Targets[0]
	}
	return ig.Source
}

// advice is the class's advice for an incident, with its system named.
func (m *Manager) advice(cat *catalog.Catalog, in *Incident) string {
	_, p, ok := m.policy(in)
	if !ok || p.Advice == "" {
		return ""
	}
	sys := failingSystem(cat, in)
	name := "the target system"
	if sys != "" {
		name = cat.SystemTitle(sys)
	}
	return strings.ReplaceAll(p.Advice, "{system}", name)
}

// told are the people and teams a class policy names for an incident,
// as handles for the message: the technical owner, the system owner's
// on-call (or team), the data steward, the business owner.
func (m *Manager) told(cat *catalog.Catalog, in *Incident, p ClassPolicy) []string {
	ig := cat.Integration(in.Integration)
	var out []string
	add := func(s string) {
		if s = strings.TrimSpace(s); s != "" && !contains(out, s) {
			out = append(out, s)
		}
	}
	for _, who := range p.Notify {
		switch who {
		case "technical_owner":
			if ig != nil {
				add(handle(ig.TechnicalOwner))
			}
		case "business_owner":
			if ig != nil {
				add(handle(ig.BusinessOwner))
			}
		case "data_steward":
			if ig != nil {
				add(handle(ig.DataSteward))
			}
		case "system_owner":
			if s := cat.Systems[failingSystem(cat, in)]; s != nil && s.Owner != "" {
				if t := cat.Teams[s.Owner]; t != nil && t.OnCall != "" {
					add(t.OnCall)
				} else {
					add(handle(s.Owner))
				}
			}
		}
	}
	return out
}

// handle makes a catalog name a mention handle ("ana" → "@ana"); an
// e-mail address stays as it is.
func handle(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || strings.HasPrefix(s, "@") || strings.Contains(s, "@") {
		return s
	}
	return "@" + strings.Join(strings.Fields(s), ".")
}

// escalateNow escalates a new incident whose class says so (auth): at
// once, to the escalation channel, naming the technical owner and the
// system's owner, with the advice.
func (m *Manager) escalateNow(t *tx, cat *catalog.Catalog, in *Incident, now time.Time) {
	class, p, ok := m.policy(in)
	if !ok || p.Escalate != "now" || in.Silenced(now) {
		return
	}
	ch, oncall := m.escalation(cat, in.Team)
	who := m.told(cat, in, p)
	if oncall != "" && !contains(who, oncall) {
		who = append(who, oncall)
	}
	sys := cat.SystemTitle(failingSystem(cat, in))
	note := fmt.Sprintf("%s failures: %s", class, m.advice(cat, in))
	t.event(event{Kind: evEscalated, At: now, Incident: in.ID, Channel: ch,
		Text: fmt.Sprintf("escalated at once to %s %s: %s failures against %s", ch, strings.Join(who, " "), class, sys)})
	m.queue(t, in, Notification{Kind: KindPost, Channel: ch, Escalation: true, AtOnce: true, OnCall: strings.Join(who, " "), Note: note}, false)
	m.queue(t, in, Notification{Kind: KindReply, Note: fmt.Sprintf("Escalated at once to %s %s: %s", ch, strings.Join(who, " "), note)}, false)
}
