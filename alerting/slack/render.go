package slack

import (
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	slackapi "github.com/slack-go/slack"

	"github.com/intops/intops/alerting"
)

// Action IDs of the buttons on incident messages; each button's value is
// the incident ID. Link buttons (link_*) open a URL and do nothing else.
const (
	ActionAck        = "ack"
	ActionSilence1h  = "silence_1h"
	ActionSilence4h  = "silence_4h"
	ActionSilence24h = "silence_24h"
	ActionResolve    = "resolve"
	// ActionExpected and ActionNotAnomaly mark the incident's anomaly
	// episodes expected or not an anomaly (anomaly alerts only).
	ActionExpected   = "anomaly_expected"
	ActionNotAnomaly = "anomaly_not_anomaly"
	actionLinkPrefix = "link_"
)

// Slack's limits (https://docs.slack.dev/reference/block-kit): lengths
// are counted here in bytes, which is never less than Slack's count.
const (
	maxBlocks      = 50
	maxHeader      = 150
	maxSection     = 3000
	maxContext     = 2000
	maxText        = 3000 // the top-level text: Slack takes more, phones show less
	maxButtonText  = 75
	maxURL         = 3000
	maxLine        = 1000 // one alert summary
	maxErrorText   = 200  // one error message, before escaping
	maxAlertsShown = 10
	maxErrorsShown = 5
)

// Render turns a notification into the fallback text (push notifications,
// screen readers) and the Block Kit blocks of its Slack message: the
// incident's root message (post, update), a thread reply, or an
// escalation post. Every text is escaped for mrkdwn and kept within
// Slack's limits.
func Render(n alerting.Notification) (text string, blocks []slackapi.Block) {
	r := renderer{n: n, v: n.View}
	switch {
	case n.Escalation:
		// In an escalation post link_names is on: no @ in incident text
		// may become a mention, only OnCall.
		r.noMentions = true
		text, blocks = r.escalation()
	case n.Kind == alerting.KindReply:
		text, blocks = r.reply()
	default:
		text, blocks = r.root()
	}
	return fit(text, maxText), capBlocks(blocks)
}

type renderer struct {
	n          alerting.Notification
	v          alerting.IncidentView
	noMentions bool
}

func (r renderer) root() (string, []slackapi.Block) {
	v := r.v
	head := emoji(v) + " " + r.title()
	if v.State == alerting.StateResolved {
		head = "✅ " + r.title()
		if d := v.ResolvedAt.Sub(v.OpenedAt); !v.OpenedAt.IsZero() && !v.ResolvedAt.IsZero() && d >= 0 {
			suffix := " — resolved after " + duration(d)
			head = "✅ " + plain(r.title(), maxHeader-len("✅ ")-len(suffix)) + suffix
		}
	}
	blocks := []slackapi.Block{
		slackapi.NewHeaderBlock(plainText(plain(head, maxHeader))),
		contextBlock(r.where()),
	}
	if note := oneLine(r.n.Note); note != "" {
		// A root message with a note: an undeliverable one in the
		// fallback channel says why.
		blocks = append(blocks, section(fit(r.esc(note), maxSection)))
	}
	blocks = append(blocks, section(r.status()+"\n"+r.owners()))
	if v.Advice != "" {
		line := "*Handling:* " + fit(r.esc(oneLine(v.Advice)), 1500)
		if len(v.Told) > 0 {
			line += "\n*For:* " + fit(r.esc(strings.Join(v.Told, ", ")), 500)
		}
		blocks = append(blocks, section(line))
	}
	blocks = append(blocks, r.affected(maxAlertsShown)...)
	blocks = append(blocks, r.alerts(maxAlertsShown)...)
	blocks = append(blocks, r.errors()...)
	if who := r.who(); who != "" {
		blocks = append(blocks, contextBlock(who))
	}
	blocks = append(blocks, r.buttons()...)
	text := r.n.Text
	if text == "" {
		text = emoji(v) + " " + r.title()
		if len(v.Alerts) > 0 && v.State != alerting.StateResolved {
			text += ": " + v.Alerts[0].Summary
		} else if v.State == alerting.StateResolved {
			text += ": resolved"
		}
	}
	return r.esc(text), blocks
}

func (r renderer) reply() (string, []slackapi.Block) {
	note := r.n.Note
	if note == "" {
		note = r.n.Text
	}
	if note == "" {
		note = "Update on " + r.title()
	}
	blocks := []slackapi.Block{section(fit(r.esc(note), maxSection))}
	// A new alert: its summary, unless the note has it already.
	shown := 0
	for _, a := range r.v.Alerts {
		if a.Key != "" && a.Summary != "" && strings.Contains(r.n.Note, a.Key) && !strings.Contains(r.n.Note, a.Summary) && shown < 3 {
			blocks = append(blocks, section(r.alertLine(a)))
			shown++
		}
	}
	text := r.n.Text
	if text == "" {
		text = note
	}
	return r.esc(text), blocks
}

func (r renderer) escalation() (string, []slackapi.Block) {
	v := r.v
	mention := onCallMention(r.n.OnCall)
	if r.n.AtOnce {
		// The policy's list of handles (technical owner, the system's
		// owner, on-call), each on its own; never a broadcast.
		var mentions []string
		for _, h := range strings.Fields(r.n.OnCall) {
			if m := onCallMention(h); m != "" && !broadcast[strings.ToLower(strings.TrimPrefix(m, "@"))] {
				mentions = append(mentions, m)
			}
		}
		mention = strings.Join(mentions, " ")
	}
	unacked := ""
	if !v.OpenedAt.IsZero() && !r.n.CreatedAt.IsZero() && r.n.CreatedAt.After(v.OpenedAt) {
		unacked = " for " + duration(r.n.CreatedAt.Sub(v.OpenedAt))
	}
	head := "🚨 " + plain(r.title(), maxHeader-60) + ": page unacknowledged" + unacked
	if r.n.AtOnce {
		head = "🚨 " + plain(r.title(), maxHeader-30) + ": needs you now"
	}
	say := fmt.Sprintf("*%s* (%s) has been unacknowledged%s", fit(r.esc(r.title()), 500), sevWord(v.Severity), unacked)
	if note := strings.TrimRight(oneLine(r.n.Note), ". "); note != "" {
		// The core's words ("Unacknowledged for 25 minutes", or why the
		// escalation channel refused it).
		say = fmt.Sprintf("*%s* (%s): %s", fit(r.esc(r.title()), 500), sevWord(v.Severity), fit(r.esc(note), 2000))
	}
	if !v.OpenedAt.IsZero() {
		say += " (opened " + date(v.OpenedAt) + ")"
	}
	if mention != "" {
		say = mention + " " + say
	}
	blocks := []slackapi.Block{
		slackapi.NewHeaderBlock(plainText(plain(head, maxHeader))),
		section(say + ".\n" + r.owners()),
		contextBlock(r.where()),
	}
	blocks = append(blocks, r.alerts(3)...)
	blocks = append(blocks, r.buttons()...)
	text := mention
	if text != "" {
		text += " "
	}
	if r.n.AtOnce {
		text += r.esc(r.title()) + ": " + fit(r.esc(oneLine(r.n.Note)), 1000)
	} else {
		text += r.esc(r.title()) + ": page unacknowledged" + unacked
	}
	return text, blocks
}

// title is the incident's name in messages.
func (r renderer) title() string {
	for _, s := range []string{r.v.Title, r.v.Integration, r.n.Incident} {
		if s = oneLine(s); s != "" {
			return s
		}
	}
	return "Incident"
}

// where is "`inc-1` · CRM → ERP, WMS · tier 1 · order-platform".
func (r renderer) where() string {
	v := r.v
	parts := []string{}
	if id := v.ID; id != "" || r.n.Incident != "" {
		if id == "" {
			id = r.n.Incident
		}
		parts = append(parts, code(id, 100))
	}
	if v.Source != "" || len(v.Targets) > 0 {
		src := orDash(v.Source)
		tgt := orDash(strings.Join(v.Targets, ", "))
		parts = append(parts, fit(r.esc(src+" → "+tgt), 500))
	}
	if v.Tier > 0 {
		parts = append(parts, fmt.Sprintf("tier %d", v.Tier))
	}
	if v.Team != "" {
		parts = append(parts, fit(r.esc(v.Team), 200))
	}
	if len(parts) == 0 {
		return "intops"
	}
	return strings.Join(parts, " · ")
}

// status is "*Page* · open since <date>".
func (r renderer) status() string {
	v := r.v
	s := "*" + capitalize(sevWord(v.Severity)) + "*"
	state := v.State
	if state == "" {
		state = alerting.StateOpen
	}
	switch {
	case state == alerting.StateResolved && !v.ResolvedAt.IsZero():
		s += " · resolved " + date(v.ResolvedAt)
	case !v.OpenedAt.IsZero():
		s += " · " + fit(r.esc(state), 50) + " since " + date(v.OpenedAt)
	default:
		s += " · " + fit(r.esc(state), 50)
	}
	if v.Silenced && state != alerting.StateResolved {
		s += " · silenced"
	}
	return s
}

func (r renderer) owners() string {
	v := r.v
	var parts []string
	for _, o := range []struct{ name, role string }{{v.Team, "team"}, {v.Technical, "technical"}, {v.Business, "business"}} {
		if o.name != "" {
			parts = append(parts, fit(r.esc(oneLine(o.name)), 200)+" ("+o.role+")")
		}
	}
	if len(parts) == 0 {
		return "*Owners:* none in the catalog"
	}
	return "*Owners:* " + strings.Join(parts, " · ")
}

// alerts lists up to max alerts, firing first, in sections.
func (r renderer) alerts(max int) []slackapi.Block {
	as := append([]alerting.AlertView(nil), r.v.Alerts...)
	sort.SliceStable(as, func(i, j int) bool { return as[i].State == "firing" && as[j].State != "firing" })
	if len(as) == 0 {
		return nil
	}
	var lines []string
	for i, a := range as {
		if i == max {
			lines = append(lines, fmt.Sprintf("_…and %d more, see intops_", len(as)-max))
			break
		}
		lines = append(lines, r.alertLine(a))
	}
	title := "*Alerts*"
	if len(as) == 1 {
		title = "*Alert*"
	}
	return sections(title, lines)
}

// affected lists the integrations of an incident with a common cause.
func (r renderer) affected(max int) []slackapi.Block {
	if len(r.v.Affected) == 0 {
		return nil
	}
	var lines []string
	for i, a := range r.v.Affected {
		if i == max {
			lines = append(lines, fmt.Sprintf("_…and %d more, see intops_", len(r.v.Affected)-max))
			break
		}
		line := "• " + r.esc(a.Title)
		if a.Team != "" {
			line += " (" + r.esc(a.Team) + ")"
		}
		if len(a.Firing) > 0 {
			line += ": " + r.esc(a.Firing[0])
		} else {
			line += ": recovered"
		}
		lines = append(lines, line)
	}
	return sections(fmt.Sprintf("*Affected integrations (%d)*", len(r.v.Affected)), lines)
}

func (r renderer) alertLine(a alerting.AlertView) string {
	icon := "🔥"
	switch a.State {
	case "resolved":
		icon = "✔️"
	case "no_data":
		icon = "❔"
	}
	s := oneLine(a.Summary)
	if s == "" {
		s = a.Key
	}
	if a.State != "" && a.State != "firing" {
		s = "(" + strings.ReplaceAll(a.State, "_", " ") + ") " + s
	}
	return icon + " " + fit(r.esc(s), maxLine)
}

// errors lists the top error messages, code formatted.
func (r renderer) errors() []slackapi.Block {
	if len(r.v.TopErrors) == 0 {
		return nil
	}
	var lines []string
	for i, e := range r.v.TopErrors {
		if i == maxErrorsShown {
			break
		}
		class := e.Class
		if class == "" {
			class = "unknown"
		}
		class = strings.NewReplacer("`", "", "*", "").Replace(oneLine(class))
		line := "• *" + fit(r.esc(class), 50) + "*"
		if e.Count > 0 {
			line += fmt.Sprintf(" ×%d", e.Count)
		}
		if m := code(e.Message, maxErrorText); m != "" {
			line += " " + m
		}
		lines = append(lines, line)
	}
	return sections("*Top errors*", lines)
}

// who says who acknowledged, silenced, resolved.
func (r renderer) who() string {
	v := r.v
	var parts []string
	if v.AckedBy != "" {
		parts = append(parts, "👀 Acknowledged by "+fit(r.esc(oneLine(v.AckedBy)), 200))
	}
	if v.Silenced || v.SilencedBy != "" {
		s := "🔕 Silenced"
		if v.SilencedBy != "" {
			s += " by " + fit(r.esc(oneLine(v.SilencedBy)), 200)
		}
		if !v.SilenceEnds.IsZero() {
			s += " until " + date(v.SilenceEnds)
		}
		parts = append(parts, s)
	}
	if v.State == alerting.StateResolved {
		s := "✅ Resolved"
		if v.ResolvedBy != "" {
			s += " by " + fit(r.esc(oneLine(v.ResolvedBy)), 200)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " · ")
}

// buttons: the actions (not once resolved) and the links.
func (r renderer) buttons() []slackapi.Block {
	var blocks []slackapi.Block
	id := r.v.ID
	if id == "" {
		id = r.n.Incident
	}
	if r.v.State != alerting.StateResolved && id != "" {
		var els []slackapi.BlockElement
		if r.v.State != alerting.StateAcknowledged {
			els = append(els, button(ActionAck, id, "👀 Acknowledge").WithStyle(slackapi.StylePrimary))
		}
		s1, s4, s24 := button(ActionSilence1h, id, "🔕 1h"), button(ActionSilence4h, id, "🔕 4h"), button(ActionSilence24h, id, "🔕 24h")
		s1.AccessibilityLabel, s4.AccessibilityLabel, s24.AccessibilityLabel = "Silence for 1 hour", "Silence for 4 hours", "Silence for 24 hours"
		els = append(els, s1, s4, s24,
			button(ActionResolve, id, "✅ Resolve").WithConfirm(slackapi.NewConfirmationBlockObject(
				plainText("Resolve the incident?"),
				plainText(plain("Mark "+r.title()+" as resolved?", 300)),
				plainText("Resolve"), plainText("Cancel"))),
		)
		if hasAnomaly(r.v) {
			els = append(els, button(ActionExpected, id, "🗓 Expected"), button(ActionNotAnomaly, id, "🙅 Not an anomaly"))
		}
		blocks = append(blocks, slackapi.NewActionBlock("", els...))
	}
	var links []slackapi.BlockElement
	var notes []string
	if u, ok := webURL(r.v.URL); ok {
		links = append(links, button(actionLinkPrefix+"incident", "", "Open in intops").WithURL(u))
	}
	if r.v.Runbook != "" {
		if u, ok := webURL(r.v.Runbook); ok {
			links = append(links, button(actionLinkPrefix+"runbook", "", "📖 Runbook").WithURL(u))
		} else {
			notes = append(notes, "📖 Runbook: "+fit(r.esc(oneLine(r.v.Runbook)), 500))
		}
	}
	if len(links) > 0 {
		blocks = append(blocks, slackapi.NewActionBlock("", links...))
	}
	if len(notes) > 0 {
		blocks = append(blocks, contextBlock(strings.Join(notes, " · ")))
	}
	return blocks
}

func button(actionID, value, label string) *slackapi.ButtonBlockElement {
	return slackapi.NewButtonBlockElement(actionID, value, plainText(plain(label, maxButtonText)))
}

// webURL accepts absolute http(s) URLs Slack takes as a button URL; any
// other (relative, javascript:, too long) would fail the whole message.
func webURL(s string) (string, bool) {
	s = strings.TrimSpace(s)
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(s) > maxURL {
		return "", false
	}
	return s, true
}

// onCallMention renders the on-call to mention: a Slack mention as is
// (<!subteam^S…>, <@U…>), a bare user group or user ID as a mention, a
// handle ("@order-oncall", linked by link_names) as text.
// broadcast are the mentions that would notify a whole channel.
var broadcast = map[string]bool{"channel": true, "here": true, "everyone": true}

func onCallMention(s string) string {
	s = oneLine(s)
	switch {
	case s == "":
		return ""
	case mentionPattern.MatchString(s):
		return s
	case groupIDPattern.MatchString(s):
		return "<!subteam^" + s + ">"
	case userIDPattern.MatchString(s):
		return "<@" + s + ">"
	}
	h := strings.TrimPrefix(s, "@")
	h = handlePattern.ReplaceAllString(h, "")
	if h == "" {
		return ""
	}
	return "@" + fit(h, 80)
}

var (
	mentionPattern = regexp.MustCompile(`^<(!subteam\^[A-Z0-9]+(\|[^<>]*)?|@[UW][A-Z0-9]+(\|[^<>]*)?)>$`)
	groupIDPattern = regexp.MustCompile(`^S[A-Z0-9]{6,}$`)
	userIDPattern  = regexp.MustCompile(`^[UW][A-Z0-9]{6,}$`)
	handlePattern  = regexp.MustCompile(`[^a-zA-Z0-9._-]`)
	broadcasts     = regexp.MustCompile(`(?i)@(here|channel|everyone)`)
)

// esc escapes text for mrkdwn (&, <, > and so links and mentions), and
// breaks @here/@channel/@everyone (every @ when link_names is on) with a
// word joiner so that no text from the incident pings anyone.
func (r renderer) esc(s string) string {
	s = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
	if r.noMentions {
		return strings.ReplaceAll(s, "@", "@\u2060")
	}
	return broadcasts.ReplaceAllString(s, "@\u2060$1")
}

// code is s as inline code: one line, no backticks, at most max bytes.
func code(s string, max int) string {
	s = oneLine(strings.ReplaceAll(s, "`", "'"))
	if s == "" {
		return ""
	}
	s = plain(s, max)
	return "`" + renderer{}.esc(s) + "`"
}

// sections puts a title and lines into as few sections as fit.
func sections(title string, lines []string) []slackapi.Block {
	var blocks []slackapi.Block
	cur := title
	for _, l := range lines {
		l = fit(l, maxSection-len(title)-1)
		if len(cur)+1+len(l) > maxSection {
			blocks = append(blocks, section(cur))
			cur = l
			continue
		}
		cur += "\n" + l
	}
	return append(blocks, section(cur))
}

func section(mrkdwn string) *slackapi.SectionBlock {
	return slackapi.NewSectionBlock(slackapi.NewTextBlockObject(slackapi.MarkdownType, fit(mrkdwn, maxSection), false, false), nil, nil)
}

func contextBlock(mrkdwn string) *slackapi.ContextBlock {
	return slackapi.NewContextBlock("", slackapi.NewTextBlockObject(slackapi.MarkdownType, fit(mrkdwn, maxContext), false, false))
}

func plainText(s string) *slackapi.TextBlockObject {
	return slackapi.NewTextBlockObject(slackapi.PlainTextType, s, true, false)
}

// capBlocks keeps a message within Slack's 50 blocks.
func capBlocks(b []slackapi.Block) []slackapi.Block {
	if len(b) <= maxBlocks {
		return b
	}
	return append(b[:maxBlocks-1], contextBlock("_…truncated, see intops_"))
}

// plain cuts s to at most max bytes at a rune boundary, with an ellipsis.
func plain(s string, max int) string {
	if len(s) <= max {
		return s
	}
	const ell = "…"
	if max < len(ell) {
		return ""
	}
	cut := max - len(ell)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ell
}

// fit cuts escaped mrkdwn to at most max bytes without splitting an
// entity (&amp;) or a <…> token (dates, mentions).
func fit(s string, max int) string {
	if len(s) <= max {
		return s
	}
	out := plain(s, max)
	body := strings.TrimSuffix(out, "…")
	if i := strings.LastIndexByte(body, '&'); i >= 0 && !strings.Contains(body[i:], ";") {
		body = body[:i]
	}
	if i := strings.LastIndexByte(body, '<'); i >= 0 && !strings.Contains(body[i:], ">") {
		body = body[:i]
	}
	// An unclosed * or _ or ` only loses its formatting; Slack accepts it.
	return body + "…"
}

// oneLine collapses whitespace (newlines included) to single spaces.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// date renders t in the reader's time zone (UTC as a fallback).
func date(t time.Time) string {
	return fmt.Sprintf("<!date^%d^{date_short_pretty} {time}|%s>", t.Unix(), t.UTC().Format("2006-01-02 15:04 UTC"))
}

// duration is a short human duration: 45s, 12m, 1h 5m, 2d 3h.
func duration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 24*time.Hour:
		h := int(d.Hours())
		if m := int(d.Minutes()) % 60; m > 0 {
			return fmt.Sprintf("%dh %dm", h, m)
		}
		return fmt.Sprintf("%dh", h)
	default:
		days := int(d.Hours()) / 24
		if h := int(d.Hours()) % 24; h > 0 {
			return fmt.Sprintf("%dd %dh", days, h)
		}
		return fmt.Sprintf("%dd", days)
	}
}

// emoji is the header's: state first, then severity.
func emoji(v alerting.IncidentView) string {
	switch {
	case v.State == alerting.StateResolved:
		return "✅"
	case v.Silenced:
		return "🔕"
	case v.State == alerting.StateAcknowledged:
		return "👀"
	}
	switch v.Severity {
	case "page":
		return "🔴"
	case "ticket":
		return "🟠"
	case "warning":
		return "🟡"
	}
	return "⚪"
}

func sevWord(s string) string {
	if s = oneLine(s); s == "" {
		return "alert"
	}
	return fit(renderer{}.esc(s), 30)
}

func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return strings.ToUpper(string(r)) + s[n:]
}

func orDash(s string) string {
	if s == "" {
		return "?"
	}
	return s
}

// hasAnomaly says whether an incident holds an anomaly alert.
func hasAnomaly(v alerting.IncidentView) bool {
	for _, a := range v.Alerts {
		if a.Source == "anomaly" {
			return true
		}
	}
	return false
}
