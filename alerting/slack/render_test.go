package slack

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	slackapi "github.com/slack-go/slack"

	"github.com/intops/intops/alerting"
)

// rendered is a message as Slack receives it, decoded generically.
type rendered struct {
	text   string
	blocks []map[string]any
	json   string // without HTML escaping, to search
	mrkdwn string // every mrkdwn text, joined by newlines
}

func render(t *testing.T, n alerting.Notification) rendered {
	t.Helper()
	text, blocks := Render(n)
	b, err := json.Marshal(blocks)
	if err != nil {
		t.Fatal(err)
	}
	var out rendered
	if err := json.Unmarshal(b, &out.blocks); err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	enc := json.NewEncoder(&sb)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(out.blocks)
	out.text, out.json = text, sb.String()
	var walk func(any)
	walk = func(o any) {
		switch o := o.(type) {
		case map[string]any:
			if o["type"] == "mrkdwn" {
				out.mrkdwn += o["text"].(string) + "\n"
			}
			for _, v := range o {
				walk(v)
			}
		case []any:
			for _, v := range o {
				walk(v)
			}
		}
	}
	for _, b := range out.blocks {
		walk(b)
	}
	checkLimits(t, out)
	// Slack-go can read its own blocks back.
	var back slackapi.Blocks
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("blocks do not decode: %v", err)
	}
	return out
}

// checkLimits asserts Slack's Block Kit limits.
func checkLimits(t *testing.T, r rendered) {
	t.Helper()
	if n := len(r.blocks); n == 0 || n > 50 {
		t.Errorf("%d blocks", n)
	}
	if n := utf8.RuneCountInString(r.text); n == 0 || n > 3000 {
		t.Errorf("text of %d characters", n)
	}
	textOf := func(o any) string {
		m, _ := o.(map[string]any)
		s, _ := m["text"].(string)
		return s
	}
	for i, b := range r.blocks {
		switch b["type"] {
		case "header":
			if n := utf8.RuneCountInString(textOf(b["text"])); n == 0 || n > 150 {
				t.Errorf("block %d: header of %d characters", i, n)
			}
		case "section":
			if n := utf8.RuneCountInString(textOf(b["text"])); n == 0 || n > 3000 {
				t.Errorf("block %d: section of %d characters", i, n)
			}
		case "context":
			els, _ := b["elements"].([]any)
			if len(els) == 0 || len(els) > 10 {
				t.Errorf("block %d: context of %d elements", i, len(els))
			}
			for _, e := range els {
				if n := utf8.RuneCountInString(textOf(e)); n == 0 || n > 2000 {
					t.Errorf("block %d: context text of %d characters", i, n)
				}
			}
		case "actions":
			els, _ := b["elements"].([]any)
			if len(els) == 0 || len(els) > 25 {
				t.Errorf("block %d: %d actions", i, len(els))
			}
			seen := map[string]bool{}
			for _, e := range els {
				m := e.(map[string]any)
				id, _ := m["action_id"].(string)
				if id == "" || seen[id] {
					t.Errorf("block %d: action_id %q missing or repeated", i, id)
				}
				seen[id] = true
				if n := utf8.RuneCountInString(textOf(m["text"])); n == 0 || n > 75 {
					t.Errorf("block %d: button text of %d characters", i, n)
				}
				if v, _ := m["value"].(string); len(v) > 2000 {
					t.Errorf("block %d: button value of %d", i, len(v))
				}
				if u, _ := m["url"].(string); len(u) > 3000 {
					t.Errorf("block %d: button url of %d", i, len(u))
				}
			}
		default:
			t.Errorf("block %d: unexpected type %v", i, b["type"])
		}
	}
}

// actionIDs returns action_id → value of every button.
func (r rendered) actionIDs() map[string]string {
	out := map[string]string{}
	for _, b := range r.blocks {
		if b["type"] != "actions" {
			continue
		}
		for _, e := range b["elements"].([]any) {
			m := e.(map[string]any)
			v, _ := m["value"].(string)
			out[m["action_id"].(string)] = v
		}
	}
	return out
}

func (r rendered) header() string {
	for _, b := range r.blocks {
		if b["type"] == "header" {
			return b["text"].(map[string]any)["text"].(string)
		}
	}
	return ""
}

func TestRenderOpen(t *testing.T) {
	r := render(t, sampleNotification("n-1", alerting.KindPost))
	if h := r.header(); h != "🔴 Order sync CRM → ERP" {
		t.Errorf("header = %q", h)
	}
	ids := r.actionIDs()
	for _, id := range []string{ActionAck, ActionSilence1h, ActionSilence4h, ActionSilence24h, ActionResolve} {
		if v, ok := ids[id]; !ok || v != "inc-42" {
			t.Errorf("button %s = %q, %v; want value inc-42", id, v, ok)
		}
	}
	for _, want := range []string{
		"`inc-42` · Salesforce → SAP S/4HANA, WMS · tier 1 · order-platform", // context line
		"order-platform (team) · jdoe (technical) · asmith (business)",
		fmt.Sprintf("*Page* · open since <!date^%d^", opened.Unix()),
		"*auth* ×312 `401 Unauthorized: token expired for 'sap-api'`", // backticks stripped
		"*timeout* ×12 `context deadline exceeded`",
		`"url":"https://intops.example.com/integrations/crm-to-erp-order-sync"`,
		`"url":"https://wiki.example.com/runbooks/order-sync"`,
	} {
		if !strings.Contains(r.json, want) {
			t.Errorf("blocks lack %s", want)
		}
	}
	// Firing first.
	firing := strings.Index(r.json, "Success 91.2%")
	resolved := strings.Index(r.json, "p95 latency")
	if firing < 0 || resolved < 0 || firing > resolved {
		t.Errorf("firing alert at %d, resolved at %d", firing, resolved)
	}
	if !strings.Contains(r.text, "Order sync CRM → ERP: success 91.2%") {
		t.Errorf("text = %q", r.text)
	}
}

func TestRenderStates(t *testing.T) {
	for _, tc := range []struct {
		name    string
		edit    func(*alerting.IncidentView)
		header  string
		buttons []string // action buttons present (links aside)
		want    []string
	}{
		{"ticket", func(v *alerting.IncidentView) { v.Severity = "ticket" }, "🟠 Order sync CRM → ERP",
			[]string{ActionAck, ActionSilence1h, ActionSilence4h, ActionSilence24h, ActionResolve}, nil},
		{"warning", func(v *alerting.IncidentView) { v.Severity = "warning" }, "🟡 Order sync CRM → ERP",
			[]string{ActionAck, ActionSilence1h, ActionSilence4h, ActionSilence24h, ActionResolve}, nil},
		{"acknowledged", func(v *alerting.IncidentView) { v.State, v.AckedBy = alerting.StateAcknowledged, "@jdoe" }, "👀 Order sync CRM → ERP",
			[]string{ActionSilence1h, ActionSilence4h, ActionSilence24h, ActionResolve}, []string{"👀 Acknowledged by @jdoe"}},
		{"silenced", func(v *alerting.IncidentView) {
			v.Silenced, v.SilencedBy, v.SilenceEnds = true, "@asmith", opened.Add(4*time.Hour)
		}, "🔕 Order sync CRM → ERP",
			[]string{ActionAck, ActionSilence1h, ActionSilence4h, ActionSilence24h, ActionResolve},
			[]string{fmt.Sprintf("🔕 Silenced by @asmith until <!date^%d^", opened.Add(4*time.Hour).Unix())}},
		{"resolved", func(v *alerting.IncidentView) {
			v.State, v.ResolvedBy, v.ResolvedAt = alerting.StateResolved, "@jdoe", opened.Add(90*time.Minute)
		}, "✅ Order sync CRM → ERP — resolved after 1h 30m", nil, []string{"✅ Resolved by @jdoe", "*Page* · resolved <!date^"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := sampleNotification("n-1", alerting.KindUpdate)
			tc.edit(&n.View)
			r := render(t, n)
			if h := r.header(); h != tc.header {
				t.Errorf("header = %q, want %q", h, tc.header)
			}
			var got []string
			for id := range r.actionIDs() {
				if !strings.HasPrefix(id, actionLinkPrefix) {
					got = append(got, id)
				}
			}
			if len(got) != len(tc.buttons) {
				t.Errorf("buttons %v, want %v", got, tc.buttons)
			}
			for _, id := range tc.buttons {
				if _, ok := r.actionIDs()[id]; !ok {
					t.Errorf("no %s button", id)
				}
			}
			if _, ok := r.actionIDs()["link_incident"]; !ok {
				t.Error("no link to intops")
			}
			for _, w := range tc.want {
				if !strings.Contains(r.json, w) {
					t.Errorf("blocks lack %q", w)
				}
			}
		})
	}
}

func TestRenderReply(t *testing.T) {
	n := sampleNotification("n-2", alerting.KindReply)
	n.Note, n.Text = "New alert slo/order-sync-availability is firing.", ""
	r := render(t, n)
	if len(r.blocks) != 2 || !strings.Contains(r.json, "New alert slo/order-sync-availability") || !strings.Contains(r.json, "🔥 Success 91.2% vs 99.5%") {
		t.Errorf("reply = %s", r.json)
	}
	if strings.Contains(r.json, "p95 latency") {
		t.Error("reply shows an alert its note does not name")
	}
	if r.text != n.Note {
		t.Errorf("text = %q", r.text)
	}
	n.Note = "Reminder: still firing after 4h."
	if r := render(t, n); len(r.blocks) != 1 {
		t.Errorf("reminder = %s", r.json)
	}
	// The core's own "New alert: <summary>": the summary once.
	n.Note = "New alert: " + n.View.Alerts[1].Summary + " (slo/order-sync-availability)"
	if r := render(t, n); len(r.blocks) != 1 || strings.Count(r.json, "burning budget") != 1 {
		t.Errorf("new alert with its summary = %s", r.json)
	}
}

func TestRenderRootNote(t *testing.T) {
	n := sampleNotification("n-1", alerting.KindPost)
	n.Channel, n.Note = "#integration-coe", "Could not deliver to #order-alerts (channel_not_found). "
	r := render(t, n)
	if sec := r.blocks[2]["text"].(map[string]any)["text"].(string); sec != "Could not deliver to #order-alerts (channel_not_found)." {
		t.Errorf("note section = %q", sec)
	}
	n.Escalation, n.OnCall, n.Note = true, "@order-oncall", "Unacknowledged for 25 minutes."
	r = render(t, n)
	if sec := r.blocks[1]["text"].(map[string]any)["text"].(string); !strings.HasPrefix(sec, "@order-oncall *Order sync CRM → ERP* (page): Unacknowledged for 25 minutes (opened <!date^") {
		t.Errorf("escalation section = %q", sec)
	}
}

func TestRenderEscalation(t *testing.T) {
	for _, tc := range []struct{ onCall, mention string }{
		{"@order-oncall", "@order-oncall"},
		{"order-oncall", "@order-oncall"},
		{"<!subteam^S012AB3CD|order-oncall>", "<!subteam^S012AB3CD|order-oncall>"},
		{"S012AB3CD", "<!subteam^S012AB3CD>"},
		{"U012AB3CD", "<@U012AB3CD>"},
		{"@evil <!channel>", "@evilchannel"},
	} {
		t.Run(tc.onCall, func(t *testing.T) {
			n := sampleNotification("n-esc", alerting.KindPost)
			n.Escalation, n.OnCall, n.CreatedAt = true, tc.onCall, opened.Add(25*time.Minute)
			n.View.Title = "Order sync @here"
			r := render(t, n)
			if !strings.HasPrefix(r.text, tc.mention+" ") || !strings.Contains(r.text, "page unacknowledged for 25m") {
				t.Errorf("text = %q", r.text)
			}
			sec := r.blocks[1]["text"].(map[string]any)["text"].(string)
			if !strings.HasPrefix(sec, tc.mention+" *Order sync @\u2060here* (page) has been unacknowledged for 25m (opened <!date^") {
				t.Errorf("section = %q", sec)
			}
			if !strings.HasPrefix(r.header(), "🚨 Order sync @here: page unacknowledged for 25m") {
				t.Errorf("header = %q", r.header())
			}
			if _, ok := r.actionIDs()[ActionAck]; !ok {
				t.Error("no ack button on the escalation")
			}
		})
	}
}

func TestRenderEscapes(t *testing.T) {
	n := sampleNotification("n-1", alerting.KindPost)
	n.Text = ""
	n.View.Title = "A&B <!channel> sync"
	n.View.Alerts[1].Summary = "ping @channel and <@U123> & <https://evil|click>"
	n.View.TopErrors[0].Message = "```drop``` <!here>\nsecond line"
	n.View.URL = "javascript:alert(1)"
	n.View.Runbook = "see wiki page ORDER-7"
	r := render(t, n)
	for _, bad := range []string{"<!channel>", "<!here>", "<@U123>", "<https://evil", " @channel", "javascript:", "```"} {
		if strings.Contains(r.mrkdwn, bad) || strings.Contains(r.text, bad) {
			t.Errorf("rendered %q", bad)
		}
	}
	for _, want := range []string{"A&amp;B &lt;!channel&gt; sync", "ping @\u2060channel", "`'''drop''' &lt;!here&gt; second line`", "📖 Runbook: see wiki page ORDER-7"} {
		if !strings.Contains(r.json, want) && !strings.Contains(r.text, want) {
			t.Errorf("rendered without %q", want)
		}
	}
	if _, ok := r.actionIDs()["link_incident"]; ok {
		t.Error("a javascript: URL became a button")
	}
}

func TestRenderHugeViewWithinLimits(t *testing.T) {
	long := strings.Repeat("Ünïcode & <tags> `ticks` 🔥 ", 400) // ~11 KB
	v := sampleView()
	v.Title = long
	v.Source, v.Team, v.Technical, v.Business = long, long, long, long
	v.Targets = []string{long, long, long}
	v.AckedBy, v.SilencedBy, v.Silenced = long, long, true
	v.URL = "https://intops.example.com/" + strings.Repeat("x", 5000)
	v.Runbook = long
	v.Alerts = nil
	for i := range 300 {
		v.Alerts = append(v.Alerts, alerting.AlertView{Key: fmt.Sprintf("slo/%d", i), State: "firing", Summary: long})
	}
	v.TopErrors = nil
	for range 100 {
		v.TopErrors = append(v.TopErrors, alerting.ErrorSample{Class: long, Message: long, Count: 1 << 40})
	}
	for _, n := range []alerting.Notification{
		{ID: "n", Incident: v.ID, Kind: alerting.KindPost, Text: long + long, View: v},
		{ID: "n", Incident: v.ID, Kind: alerting.KindReply, Note: long + long, View: v},
		{ID: "n", Incident: v.ID, Kind: alerting.KindPost, Escalation: true, OnCall: long, View: v},
	} {
		r := render(t, n) // checks the limits
		if !strings.Contains(r.json, "more, see intops") && n.Kind == alerting.KindPost && !n.Escalation {
			t.Error("no note of the alerts left out")
		}
		if _, ok := r.actionIDs()["link_incident"]; ok {
			t.Error("a URL over 3000 bytes became a button")
		}
	}
	// Each error message: one code span, at most ~200 characters.
	r := render(t, alerting.Notification{Kind: alerting.KindPost, View: v})
	var found int
	for _, line := range strings.Split(r.mrkdwn, "\n") {
		if !strings.HasPrefix(line, "• *") {
			continue
		}
		found++
		if c := strings.Count(line, "`"); c != 2 {
			t.Errorf("error line with %d backticks: %.80s", c, line)
		}
		span := line[strings.Index(line, "`")+1 : strings.LastIndex(line, "`")]
		if n := len(span); n > 4*maxErrorText { // 200 bytes, then escaped
			t.Errorf("error message of %d bytes", n)
		}
	}
	if found != maxErrorsShown {
		t.Errorf("%d error lines, want %d", found, maxErrorsShown)
	}
}

func TestCapBlocks(t *testing.T) {
	var many []slackapi.Block
	for range 80 {
		many = append(many, section("x"))
	}
	if got := capBlocks(many); len(got) != 50 {
		t.Errorf("%d blocks", len(got))
	}
}

func TestFit(t *testing.T) {
	for _, tc := range []struct {
		in   string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{"abc &amp; def", 8, "abc …"},
		{"see <!date^1^{time}|x> later", 12, "see …"},
		{"ééééé", 6, "é…"}, // 3 bytes for …, 2 per é: no split rune
	} {
		if got := fit(tc.in, tc.max); got != tc.want {
			t.Errorf("fit(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
		}
	}
}

func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		30 * time.Second: "30s", 25 * time.Minute: "25m", time.Hour: "1h", 90 * time.Minute: "1h 30m",
		49 * time.Hour: "2d 1h", 72 * time.Hour: "3d",
	} {
		if got := duration(d); got != want {
			t.Errorf("duration(%s) = %s, want %s", d, got, want)
		}
	}
}
