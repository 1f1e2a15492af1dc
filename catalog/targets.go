package catalog

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/intops/intops"
)

var (
	slackChannel = regexp.MustCompile(`^#[\p{L}\p{N}._-]{1,80}$`)
	slackID      = regexp.MustCompile(`^[CGD][A-Z0-9]{6,}$`)
	// a channel named in a description: "Notifies #crm-alerts"
	channelInText = regexp.MustCompile(`(?:^|\s)(#[\p{L}\p{N}._-]{1,80})`)
)

// ParseTarget reads what an AlertNotificationTarget's target (and, for a
// bare "slack", its description) names: a Slack channel (#channel,
// slack:#channel, a Slack channel URL), PagerDuty, a webhook, Jira or
// ServiceNow (the word, word:…, or a URL of theirs), or a receiver
// intops does not have.
func ParseTarget(name, target, description string) intops.NotificationTarget {
	t := intops.NotificationTarget{Name: name, Target: target}
	s := strings.TrimSpace(target)
	lower := strings.ToLower(s)
	word, rest, hasRest := strings.Cut(lower, ":")
	switch {
	case slackChannel.MatchString(s):
		t.Kind, t.Channel = intops.TargetSlack, s
	case word == "slack" && hasRest && !strings.HasPrefix(rest, "//"):
		t.Kind = intops.TargetSlack
		ch := strings.TrimSpace(s[len("slack:"):])
		switch {
		case slackID.MatchString(ch) || slackChannel.MatchString(ch):
			t.Channel = ch
		case slackChannel.MatchString("#" + ch):
			t.Channel = "#" + ch
		}
	case lower == "slack":
		t.Kind = intops.TargetSlack
		if m := channelInText.FindStringSubmatch(description); m != nil {
			t.Channel = m[1]
		}
	case word == "http" || word == "https":
		u, err := url.Parse(s)
		if err != nil || u.Host == "" {
			return t
		}
		host := strings.ToLower(u.Hostname())
		switch {
		case host == "slack.com" || strings.HasSuffix(host, ".slack.com"):
			t.Kind = intops.TargetSlack
			t.Channel = slackURLChannel(u)
		case host == "pagerduty.com" || strings.HasSuffix(host, ".pagerduty.com"):
			t.Kind = intops.TargetPagerDuty
		case strings.HasSuffix(host, ".atlassian.net"):
			t.Kind = intops.TargetJira
		case strings.HasSuffix(host, ".service-now.com"):
			t.Kind = intops.TargetServiceNow
		default:
			t.Kind = intops.TargetWebhook
		}
	default:
		for _, k := range []intops.TargetKind{intops.TargetPagerDuty, intops.TargetWebhook, intops.TargetJira, intops.TargetServiceNow} {
			if word == string(k) {
				t.Kind = k
			}
		}
	}
	return t
}

// slackURLChannel finds the channel id in a Slack channel link
// (…/archives/C0123ABCD, …/client/T0123/C0123ABCD); an incoming webhook
// (hooks.slack.com) names none intops can post to.
func slackURLChannel(u *url.URL) string {
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	for i, p := range parts {
		if (p == "archives" && i+1 < len(parts)) || (p == "client" && i+2 < len(parts)) {
			id := parts[i+1]
			if p == "client" {
				id = parts[i+2]
			}
			if slackID.MatchString(id) {
				return id
			}
		}
	}
	return ""
}

// SLOChannel returns the Slack channel an SLO's alerts go to: that of the
// first Slack target, naming a channel, of its alert policies, in their
// order; "" when none does (the owning team's channel then).
func (c *Catalog) SLOChannel(slo string) string {
	for _, s := range c.SLOs {
		if s.Name != slo {
			continue
		}
		for _, p := range s.AlertPolicies {
			ap := c.AlertPolicies[p]
			if ap == nil {
				continue
			}
			for _, name := range ap.Targets {
				if t := c.Targets[name]; t != nil && t.Kind == intops.TargetSlack && t.Channel != "" {
					return t.Channel
				}
			}
		}
		return ""
	}
	return ""
}
