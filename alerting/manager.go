package alerting

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/internal/cron"
	"github.com/intops/intops/internal/loop"
)

// Store is the ClickHouse side of alerting.
type Store interface {
	AlertEventsAfter(ctx context.Context, afterNS uint64, limit int) ([]intops.AlertEvent, error)
	AppendLog(ctx context.Context, es []intops.LogEntry) error
	ReadLog(ctx context.Context, stream string, after uint64) ([]intops.LogEntry, error)
	QueryLog(ctx context.Context, f intops.LogFilter) ([]intops.LogEntry, error)
	LogTerms(ctx context.Context) (map[uint64]uint64, error)
	MaxLogSeq(ctx context.Context) (uint64, error)
	ErrorSamples(ctx context.Context, integration string, from, to time.Time, limit int) ([]intops.ErrorSample, error)
}

// Streams of the alerting log.
const (
	streamIncident = "incident"
	streamOutbox   = "outbox"
	streamDelivery = "delivery"
	streamSilence  = "silence"
)

// TeamRoute overrides where a team's alerts go.
type TeamRoute struct {
	Channel           string        `json:"channel,omitempty"`            // instead of the team's slackChannel
	PageChannel       string        `json:"page_channel,omitempty"`       // pages only
	EscalationChannel string        `json:"escalation_channel,omitempty"` // instead of the team's escalationChannel
	EscalateAfter     time.Duration `json:"escalate_after,omitempty"`
}

// Config tunes alerting; the zero value is the default.
type Config struct {
	// GroupWindow: an alert within this of an integration's last incident
	// being resolved reopens it instead of opening another (default 30m).
	GroupWindow time.Duration
	// RepeatEvery reminds about unacknowledged incidents (default 4h).
	RepeatEvery time.Duration
	// EscalateAfter escalates unacknowledged pages (default 15m).
	EscalateAfter time.Duration
	// ICoEChannel gets unowned integrations' alerts and what cannot be
	// delivered elsewhere (default #integration-coe).
	ICoEChannel string
	// BaseURL of the UI, for links (default http://127.0.0.1:8080).
	BaseURL string
	// GroupWait holds an alert that would open an incident until the
	// alerts that arrive within this of it are there too, so that a group
	// failing for one cause opens as one incident routed to the cause's
	// owner (default 0: alerts of the same evaluation only).
	GroupWait time.Duration
	// CorrelationWindow: an alert joins an open incident of another
	// integration (same signature, a shared system) when it began within
	// this of the incident's first alert (default 10m; correlate.go).
	CorrelationWindow time.Duration
	// Location names times in incident titles (default UTC).
	Location *time.Location
	// PlatformChannel gets the ingest incidents: intops itself blind
	// (default #intops-platform; inhibit.go).
	PlatformChannel string
	// InhibitGrace: alerts of missing traffic that began in an ingest gap
	// are held this long after it ends, then judged again (default 20m).
	InhibitGrace time.Duration
	// Policies override DefaultPolicies per error class.
	Policies  map[intops.ErrorClass]ClassPolicy
	Overrides map[string]TeamRoute // by team
}

func (c Config) groupWindow() time.Duration { return or(c.GroupWindow, 30*time.Minute) }
func (c Config) correlationWindow() time.Duration {
	return or(c.CorrelationWindow, 10*time.Minute)
}
func (c Config) location() *time.Location {
	if c.Location != nil {
		return c.Location
	}
	return time.UTC
}
func (c Config) repeatEvery() time.Duration { return or(c.RepeatEvery, 4*time.Hour) }
func (c Config) escalateAfter(team string) time.Duration {
	if o, ok := c.Overrides[team]; ok && o.EscalateAfter > 0 {
		return o.EscalateAfter
	}
	return or(c.EscalateAfter, 15*time.Minute)
}
func (c Config) icoe() string {
	if c.ICoEChannel != "" {
		return c.ICoEChannel
	}
	return "#integration-coe"
}
func (c Config) baseURL() string {
	if c.BaseURL != "" {
		return strings.TrimRight(c.BaseURL, "/")
	}
	return "http://127.0.0.1:8080"
}

func or(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// Manager turns alert events into incidents and notifications. It is the
// only writer of the alerting log; state is rebuilt from the log at start.
// Among server replicas, only the leader writes and sends (replica.go).
type Manager struct {
	Store    Store
	Catalog  func() *catalog.Catalog
	Notifier Notifier // nil: no Slack, the incidents are in the inbox (API)
	// Receivers beyond Slack (PagerDuty, tickets, webhooks; receiver.go).
	Receivers []Receiver
	Config    Config
	Interval  time.Duration // default 10s
	Now       func() time.Time
	Logger    *slog.Logger
	// Leader, when set, says whether this replica leads and its lease
	// term; nil: the only replica.
	Leader func() (term uint64, ok bool)

	mu        sync.Mutex
	st        *state
	loadedAt  time.Time
	owned     bool   // st was loaded while leading, in ownedTerm
	ownedTerm uint64 //
	seq       uint64
	outbox    []Notification // not yet delivered, in seq order
	// delivery bookkeeping (deliver.go)
	roots      map[string]Ref // incident → its root message
	failures   map[string]string
	wake       chan struct{}
	sampled    map[string]sampled // incident → its error samples (view.go)
	resumeFind map[string]bool    // notifications to look for before sending again
	pages      *pageState         // page events of the receivers (receiver.go)
}

func (m *Manager) now() time.Time {
	if m.Now != nil {
		return m.Now().UTC()
	}
	return time.Now().UTC()
}

func (m *Manager) logger() *slog.Logger {
	if m.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return m.Logger
}

// load rebuilds the state from the log when it is stale: once for the
// leader, every refreshEvery for a follower.
func (m *Manager) load(ctx context.Context) error {
	if !m.stale() {
		return nil
	}
	term, leading := m.leading()
	st := newState()
	seq, err := m.Store.MaxLogSeq(ctx)
	if err != nil {
		return fmt.Errorf("%w: %w", errUnapplied, err)
	}
	terms, err := m.Store.LogTerms(ctx)
	if err != nil {
		return fmt.Errorf("%w: %w", errUnapplied, err)
	}
	valid := fence(terms)
	incs, err := m.readStream(ctx, streamIncident, valid)
	if err != nil {
		return fmt.Errorf("%w: %w", errUnapplied, err)
	}
	for _, le := range incs {
		var e event
		if json.Unmarshal([]byte(le.Body), &e) == nil {
			st.apply(e)
		}
	}
	sils, err := m.readStream(ctx, streamSilence, valid)
	if err != nil {
		return fmt.Errorf("%w: %w", errUnapplied, err)
	}
	for _, le := range sils {
		var e silenceEvent
		if json.Unmarshal([]byte(le.Body), &e) == nil {
			st.applySilence(e)
		}
	}
	if err := m.loadOutbox(ctx, valid); err != nil {
		return fmt.Errorf("%w: %w", errUnapplied, err)
	}
	if err := m.loadPages(ctx, valid); err != nil {
		return fmt.Errorf("%w: %w", errUnapplied, err)
	}
	m.st, m.seq, m.loadedAt = st, seq, m.now()
	m.owned, m.ownedTerm = leading, term
	return nil
}

// Run processes alert events and timers until ctx ends, and delivers
// notifications when a notifier is set.
func (m *Manager) Run(ctx context.Context) {
	iv := m.Interval
	if iv <= 0 {
		iv = 10 * time.Second
	}
	// A new term starts from the log as it is now.
	m.mu.Lock()
	m.st = nil
	m.mu.Unlock()
	// The loops are this run's: Run returns once they have, so that a
	// new term's run never overlaps the last one's sending.
	var wg sync.WaitGroup
	defer wg.Wait()
	if m.Notifier != nil {
		wg.Go(func() { m.deliverLoop(ctx) })
	}
	if m.Leader != nil {
		wg.Go(func() { m.commandLoop(ctx) })
	}
	for _, r := range m.Receivers {
		wg.Go(func() { m.pageLoop(ctx, r) })
	}
	loop.Every(ctx, iv, m.Tick, func(err error) { m.logger().Warn("alerting: will retry", "err", err) })
}

// Tick handles new alert events, reminders, escalations and expired
// silences.
func (m *Manager) Tick(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.load(ctx); err != nil {
		return fmt.Errorf("load alerting log: %w", err)
	}
	due := m.now().Add(-m.Config.GroupWait)
	classes := map[string]string{} // integration → its dominant error class, for this tick
	for {
		evs, err := m.Store.AlertEventsAfter(ctx, m.st.cursor, 500)
		if err != nil {
			return err
		}
		n := 0
		for i, ev := range evs {
			if ev.At.After(due) {
				break // held for the group wait
			}
			if err := m.ingest(ctx, ev, evs[i+1:], classes); err != nil {
				return err
			}
			n++
		}
		if len(evs) < 500 || n < len(evs) {
			break
		}
	}
	if err := m.release(ctx, classes); err != nil {
		return err
	}
	if err := m.timers(ctx); err != nil {
		return err
	}
	return m.reconcilePages(ctx)
}

// tx is a set of log entries applied together once written.
type tx struct {
	m       *Manager
	entries []intops.LogEntry
	events  []event
	notes   []Notification
	sils    []silenceEvent
}

func (m *Manager) begin() *tx { return &tx{m: m} }

func (t *tx) event(e event) {
	t.m.seq++
	t.entries = append(t.entries, intops.LogEntry{At: e.At, Seq: t.m.seq, Stream: streamIncident, Key: e.Incident, Body: e.body()})
	t.events = append(t.events, e)
}

func (t *tx) silence(e silenceEvent) {
	t.m.seq++
	b, _ := json.Marshal(e)
	t.entries = append(t.entries, intops.LogEntry{At: t.m.now(), Seq: t.m.seq, Stream: streamSilence, Key: e.Silence.ID, Body: string(b)})
	t.sils = append(t.sils, e)
}

// notify queues a notification (only when there is someone to deliver it).
func (t *tx) notify(n Notification) {
	if t.m.Notifier == nil {
		return
	}
	t.m.seq++
	n.Seq = t.m.seq
	n.ID = fmt.Sprintf("n%d-%s", n.Seq, n.Incident)
	b, _ := json.Marshal(n)
	t.entries = append(t.entries, intops.LogEntry{At: n.CreatedAt, Seq: n.Seq, Stream: streamOutbox, Key: n.ID, Body: string(b)})
	t.notes = append(t.notes, n)
}

// commit writes the entries, then applies them; a failed write applies
// nothing (the same work is done again on the next tick).
func (t *tx) commit(ctx context.Context) error {
	if len(t.entries) == 0 {
		return nil
	}
	first := t.entries[0].Seq - 1
	if err := t.m.append(ctx, t.entries); err != nil {
		t.m.seq = first
		return fmt.Errorf("%w: %w", errUnapplied, err)
	}
	for _, e := range t.events {
		t.m.st.apply(e)
	}
	for _, e := range t.sils {
		t.m.st.applySilence(e)
	}
	if len(t.notes) > 0 {
		t.m.outbox = append(t.m.outbox, t.notes...)
		t.m.kick()
	}
	return nil
}

// route says which team and channel an integration's alerts go to.
func (m *Manager) route(cat *catalog.Catalog, integration, severity string) (team, channel string) {
	if integration == IngestSubject {
		team, channel = platformTeam, m.Config.platformChannel()
		if o, ok := m.Config.Overrides[team]; ok && o.Channel != "" {
			channel = o.Channel
		}
		return team, channel
	}
	in := cat.Integration(integration)
	if in == nil || in.Owner == "" {
		return "", m.Config.icoe()
	}
	team = in.Owner
	t := cat.Teams[team]
	if t != nil {
		channel = t.SlackChannel
	}
	if o, ok := m.Config.Overrides[team]; ok {
		if o.Channel != "" {
			channel = o.Channel
		}
		if severity == "page" && o.PageChannel != "" {
			channel = o.PageChannel
		}
	}
	if channel == "" {
		channel = m.Config.icoe()
	}
	return team, channel
}

// sloChannel is the Slack channel an SLO alert goes to when the SLO's
// alert policies name one as a notification target (an SLO-level route:
// it comes before the team's channel and its overrides); "" otherwise.
// The incident stays the owning team's.
func sloChannel(cat *catalog.Catalog, ev intops.AlertEvent) string {
	name, ok := strings.CutPrefix(ev.Key, "slo/")
	if !ok || ev.Source != "slo" {
		return ""
	}
	return cat.SLOChannel(name)
}

// byTier adjusts a severity to the integration's tier: anomalies of a
// tier-1 integration open tickets, and tier-3 (and lower) integrations
// never page anyone (their pages become tickets).
func byTier(cat *catalog.Catalog, integration, sev string) string {
	in := cat.Integration(integration)
	if in == nil {
		return sev
	}
	switch {
	case in.Tier == 1 && sev == "warning":
		return "ticket"
	case in.Tier >= 3 && sev == "page":
		return "ticket"
	}
	return sev
}

func severityOf(ev intops.AlertEvent) string {
	switch string(ev.Severity) {
	case "page", "ticket":
		return string(ev.Severity)
	}
	return "warning"
}

// sinceOf reads when an alert's condition began from its evidence.
func sinceOf(ev intops.AlertEvent) time.Time {
	var x struct {
		Since    time.Time `json:"since"`
		OpenedAt time.Time `json:"opened_at"`
	}
	_ = json.Unmarshal([]byte(ev.Evidence), &x)
	if !x.Since.IsZero() {
		return x.Since
	}
	return ev.At
}

// ingest folds one alert event into the incidents; pending are the alert
// events after it, for grouping.
func (m *Manager) ingest(ctx context.Context, ev intops.AlertEvent, pending []intops.AlertEvent, classes map[string]string) error {
	now := m.now()
	ns := uint64(ev.At.UnixNano())
	cat := m.Catalog()
	if held, err := m.inhibit(ctx, cat, ev, classes); held || err != nil {
		return err
	}
	t := m.begin()
	firing := string(ev.State) == "firing" || string(ev.State) == "no_data"
	sev := severityOf(ev)
	if string(ev.State) == "no_data" {
		sev = "ticket"
	}
	sev = byTier(cat, ev.Integration, sev)
	in := m.st.incidents[m.st.open[ev.Integration]]
	switch {
	case in == nil && !firing:
		// A resolution for an incident already closed (by hand): note the
		// cursor only.
		if last := m.st.lastIncident(ev.Integration); last != nil {
			t.event(event{Kind: evAlert, At: now, Incident: last.ID, AlertKey: ev.Key, AlertSource: ev.Source,
				AlertState: "resolved", AlertSeverity: sev, Text: ev.Summary, AlertNS: ns})
		} else {
			m.st.cursor = max(m.st.cursor, ns)
			return nil
		}
		return t.commit(ctx)
	case in == nil:
		sig := m.signature(ctx, cat, ev, classes)
		if ev.Source == "anomaly" && sig == "errors:"+string(intops.ErrorTransient) {
			// Transient failures are the runtime's to retry: they open an
			// incident when they burn the error budget (an SLO alert), not
			// as an anomaly of their own.
			m.st.cursor = max(m.st.cursor, ns)
			return nil
		}
		if j := m.correlated(cat, ev.Integration, sig, sinceOf(ev)); j != nil {
			return m.join(ctx, t, cat, j, ev, sev, ns)
		}
		team, channel := m.route(cat, ev.Integration, sev)
		if ch := sloChannel(cat, ev); ch != "" {
			channel = ch
		}
		members := m.group(ctx, cat, ev, sig, pending, classes)
		cause := ""
		if len(members) > 1 {
			cause = probableCause(cat, members)
			if st, sc := m.systemRoute(cat, cause, sev); sc != "" {
				team, channel = st, sc
			}
		}
		last := m.st.lastIncident(ev.Integration)
		if last != nil && !last.Open() && now.Sub(last.ResolvedAt) < m.Config.groupWindow() && len(members) == 1 {
			t.event(event{Kind: evReopened, At: now, Incident: last.ID, Text: "reopened: a new alert within " + human(m.Config.groupWindow()) + " of its resolution"})
			in = last
			t.event(event{Kind: evAlert, At: now, Incident: in.ID, AlertKey: ev.Key, AlertSource: ev.Source, AlertSeverity: sev,
				AlertState: string(ev.State), AlertSince: sinceOf(ev), Text: ev.Summary, AlertNS: ns, Notify: true})
			if err := m.silenceIfMatched(t, in, now); err != nil {
				return err
			}
			m.queue(t, in, Notification{Kind: KindReply, Note: "Reopened: " + ev.Summary}, true)
			return t.commit(ctx)
		}
		subject := ev.Integration
		switch subject {
		case "":
			subject = "unowned" // findings about no catalogued integration (shadow flows)
		case IngestSubject:
			subject = "ingest"
		}
		id := fmt.Sprintf("inc-%s-%d", subject, now.Unix())
		if cause != "" {
			id = fmt.Sprintf("inc-%s-%d", cause, now.Unix())
		}
		t.event(event{Kind: evOpened, At: now, Incident: id, Integration: ev.Integration, Team: team, Channel: channel,
			Signature: sig, Cause: cause, Text: "opened: " + ev.Summary})
		t.event(event{Kind: evAlert, At: now, Incident: id, Integration: ev.Integration, AlertKey: ev.Key, AlertSource: ev.Source, AlertSeverity: sev,
			AlertState: string(ev.State), AlertSince: sinceOf(ev), Text: ev.Summary, AlertNS: ns, Notify: true})
		// The incident exists for the silence check and the view once the
		// events are applied; apply to a scratch copy first.
		stub := &Incident{ID: id, Integration: ev.Integration, Members: []string{ev.Integration}, Signature: sig, Cause: cause,
			Team: team, Channel: channel, State: StateOpen, OpenedAt: now,
			Alerts: []*AlertView{{Key: ev.Key, Integration: ev.Integration, Source: ev.Source, Severity: sev, State: string(ev.State), Summary: ev.Summary, Since: sinceOf(ev)}}}
		stub.Severity = stub.worst()
		if err := m.silenceIfMatched(t, stub, now); err != nil {
			return err
		}
		m.queue(t, stub, Notification{Kind: KindPost}, false)
		m.escalateNow(t, cat, stub, now)
		return t.commit(ctx)
	}
	a := in.alert(ev.Key)
	if a != nil && a.State == string(ev.State) && a.Severity == sev {
		// The same alert in the same state: a duplicate, nothing to say.
		m.st.cursor = max(m.st.cursor, ns)
		return nil
	}
	note := ""
	switch {
	case !firing:
		note = "Resolved: " + ev.Summary
	case a == nil:
		note = "New alert: " + ev.Summary
	default:
		note = "Now " + sev + ": " + ev.Summary
	}
	t.event(event{Kind: evAlert, At: now, Incident: in.ID, Integration: ev.Integration, AlertKey: ev.Key, AlertSource: ev.Source, AlertSeverity: sev,
		AlertState: string(ev.State), AlertSince: sinceOf(ev), Text: ev.Summary, AlertNS: ns, Notify: firing})
	// What the incident looks like after this event.
	after := *in
	after.Alerts = append([]*AlertView(nil), in.Alerts...)
	if a == nil {
		after.Alerts = append(after.Alerts, &AlertView{Key: ev.Key, Integration: ev.Integration, Source: ev.Source, Severity: sev, State: string(ev.State), Summary: ev.Summary})
	} else {
		c := *a
		c.State, c.Severity, c.Summary = string(ev.State), sev, ev.Summary
		for i := range after.Alerts {
			if after.Alerts[i].Key == ev.Key {
				after.Alerts[i] = &c
			}
		}
	}
	after.Severity = after.worst()
	if !after.firing() {
		t.event(event{Kind: evResolved, At: now, Incident: in.ID, Actor: "intops", Text: "resolved: every alert has stopped firing"})
		after.State, after.ResolvedAt, after.ResolvedBy = StateResolved, now, "intops"
		note = fmt.Sprintf("Resolved after %s: every alert has stopped firing. Last: %s", human(now.Sub(in.OpenedAt)), ev.Summary)
	}
	m.queue(t, &after, Notification{Kind: KindReply, Note: note}, true)
	return t.commit(ctx)
}

// join adds an integration's alert to an open incident of the same cause:
// its members, cause and title change, its team is told in the thread.
func (m *Manager) join(ctx context.Context, t *tx, cat *catalog.Catalog, in *Incident, ev intops.AlertEvent, sev string, ns uint64) error {
	now := m.now()
	after := *in
	after.Members = append(slices.Clone(in.Members), ev.Integration)
	after.Cause = probableCause(cat, after.Members)
	after.Alerts = append(slices.Clone(in.Alerts), &AlertView{Key: ev.Key, Integration: ev.Integration, Source: ev.Source,
		Severity: sev, State: string(ev.State), Summary: ev.Summary, Since: sinceOf(ev)})
	after.Severity = after.worst()
	t.event(event{Kind: evJoined, At: now, Incident: in.ID, Integration: ev.Integration, Cause: after.Cause,
		Text: fmt.Sprintf("joined: %s, failing for the same cause (%s, sharing %s)", ev.Integration, in.Signature, cat.SystemTitle(after.Cause))})
	t.event(event{Kind: evAlert, At: now, Incident: in.ID, Integration: ev.Integration, AlertKey: ev.Key, AlertSource: ev.Source,
		AlertSeverity: sev, AlertState: string(ev.State), AlertSince: sinceOf(ev), Text: ev.Summary, AlertNS: ns, Notify: true})
	m.queue(t, &after, Notification{Kind: KindReply, Note: affectedNote(cat, in, ev.Integration, ev.Summary)}, true)
	return t.commit(ctx)
}

// queue adds a notification about in (and an update of its root message
// when update is set), unless a silence holds the incident.
func (m *Manager) queue(t *tx, in *Incident, n Notification, update bool) {
	now := m.now()
	if in.Silenced(now) && n.Kind != KindUpdate {
		return
	}
	view := m.view(in)
	if n.Channel == "" { // an escalation names its own channel
		n.Channel = in.Channel
	}
	n.Incident, n.View, n.CreatedAt = in.ID, view, now
	n.Text = plainText(view, n.Note)
	t.notify(n)
	if update {
		t.notify(Notification{Kind: KindUpdate, Incident: in.ID, Channel: in.Channel, View: view, CreatedAt: now, Text: plainText(view, "")})
	}
}

// silenceIfMatched records that a silence holds a new or reopened incident.
func (m *Manager) silenceIfMatched(t *tx, in *Incident, now time.Time) error {
	cat := m.Catalog()
	for _, s := range m.st.activeSilences(now, m.Config.location()) {
		if s.matches(cat, in.Integration, in.Team) {
			t.event(event{Kind: evSilenced, At: now, Incident: in.ID, Actor: s.Creator, SilenceID: s.ID, SilenceEnds: s.Ends,
				Text: fmt.Sprintf("silenced until %s by %s: %s", s.Ends.Format(time.RFC3339), s.Creator, s.Reason)})
			in.SilenceID, in.SilencedBy, in.SilenceEnds = s.ID, s.Creator, s.Ends
			return nil
		}
	}
	return nil
}

func (s *Silence) matches(cat *catalog.Catalog, integration, team string) bool {
	if s.Integration == "" && s.System == "" && s.Team == "" {
		return false
	}
	if s.Integration != "" && s.Integration != integration {
		return false
	}
	if s.Team != "" && s.Team != team {
		return false
	}
	if s.System != "" {
		in := cat.Integration(integration)
		if in == nil || (in.Source != s.System && !contains(in.Targets, s.System)) {
			return false
		}
	}
	return true
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// timers sends reminders and escalations and notes expired silences.
func (m *Manager) timers(ctx context.Context) error {
	now := m.now()
	cat := m.Catalog()
	t := m.begin()
	m.windowsBegin(t, cat, now)
	for _, id := range m.st.order {
		in := m.st.incidents[id]
		if !in.Open() || in.State == StateAcknowledged || in.Silenced(now) || !in.firing() {
			continue
		}
		if in.Severity == "page" && !in.Escalated && now.Sub(in.OpenedAt) >= m.Config.escalateAfter(in.Team) {
			ch, oncall := m.escalation(cat, in.Team)
			t.event(event{Kind: evEscalated, At: now, Incident: in.ID, Channel: ch,
				Text: fmt.Sprintf("escalated to %s %s: unacknowledged for %s", ch, oncall, human(now.Sub(in.OpenedAt)))})
			m.queue(t, in, Notification{Kind: KindPost, Channel: ch, Escalation: true, OnCall: oncall,
				Note: fmt.Sprintf("Unacknowledged for %s", human(now.Sub(in.OpenedAt)))}, false)
			m.queue(t, in, Notification{Kind: KindReply, Note: fmt.Sprintf("Escalated to %s %s: unacknowledged for %s", ch, oncall, human(now.Sub(in.OpenedAt)))}, false)
		}
		if (in.Severity == "page" || in.Severity == "ticket") && now.Sub(in.LastNotice) >= m.Config.repeatEvery() {
			t.event(event{Kind: evReminded, At: now, Incident: in.ID, Notify: true, Text: "reminder: still firing, unacknowledged"})
			m.queue(t, in, Notification{Kind: KindReply, Note: fmt.Sprintf("Still firing and unacknowledged after %s", human(now.Sub(in.OpenedAt)))}, false)
		}
	}
	return t.commit(ctx)
}

// windowsBegin silences the open incidents a silence that began since
// (a maintenance window) covers, saying so in their threads.
func (m *Manager) windowsBegin(t *tx, cat *catalog.Catalog, now time.Time) {
	active := m.st.activeSilences(now, m.Config.location())
	if len(active) == 0 {
		return
	}
	for _, id := range m.st.order {
		in := m.st.incidents[id]
		if !in.Open() || in.Silenced(now) {
			continue
		}
		for _, s := range active {
			if !s.matches(cat, in.Integration, in.Team) {
				continue
			}
			what := "silence"
			if s.Schedule != "" {
				what = "maintenance window"
			}
			t.event(event{Kind: evSilenced, At: now, Incident: id, Actor: s.Creator, SilenceID: s.ID, SilenceEnds: s.Ends,
				Text: fmt.Sprintf("silenced until %s: %s by %s began: %s", s.Ends.Format(time.RFC3339), what, s.Creator, s.Reason)})
			after := *in
			after.SilenceID, after.SilencedBy, after.SilenceEnds = s.ID, s.Creator, s.Ends
			view := m.view(&after)
			note := fmt.Sprintf("Silenced until %s: the %s of %s began: %s", s.Ends.In(m.Config.location()).Format("15:04 MST"), what, s.Creator, s.Reason)
			t.notify(Notification{Kind: KindReply, Incident: id, Channel: in.Channel, View: view, CreatedAt: now, Note: note, Text: plainText(view, "silenced")})
			t.notify(Notification{Kind: KindUpdate, Incident: id, Channel: in.Channel, View: view, CreatedAt: now, Text: plainText(view, "")})
			break
		}
	}
}

func (m *Manager) escalation(cat *catalog.Catalog, team string) (channel, oncall string) {
	if t := cat.Teams[team]; t != nil {
		channel, oncall = t.Escalation, t.OnCall
		if channel == "" {
			channel = t.SlackChannel
		}
	}
	if o, ok := m.Config.Overrides[team]; ok && o.EscalationChannel != "" {
		channel = o.EscalationChannel
	}
	if channel == "" && team == platformTeam {
		channel = m.Config.platformChannel()
	}
	if channel == "" {
		channel = m.Config.icoe()
	}
	return channel, oncall
}

// Acknowledge implements Actions.
func (m *Manager) Acknowledge(ctx context.Context, id, actor string) error {
	if _, ok := m.leading(); !ok {
		_, err := m.submit(ctx, command{Op: "ack", Target: id, Actor: actor})
		return err
	}
	return m.acknowledge(ctx, id, actor, "")
}

func (m *Manager) acknowledge(ctx context.Context, id, actor, cmd string) error {
	return m.act(ctx, id, cmd, func(t *tx, in *Incident, now time.Time) error {
		if !in.Open() {
			return fmt.Errorf("%w: %s is resolved", ErrNotFound, id)
		}
		if in.State == StateAcknowledged {
			return nil
		}
		t.event(event{Kind: evAcked, At: now, Incident: id, Actor: actor, Text: "acknowledged by " + actor})
		after := *in
		after.State, after.AckedAt, after.AckedBy = StateAcknowledged, now, actor
		m.queue(t, &after, Notification{Kind: KindReply, Note: "Acknowledged by " + actor}, true)
		return nil
	})
}

// Resolve implements Actions.
func (m *Manager) Resolve(ctx context.Context, id, actor string) error {
	if _, ok := m.leading(); !ok {
		_, err := m.submit(ctx, command{Op: "resolve", Target: id, Actor: actor})
		return err
	}
	return m.resolve(ctx, id, actor, "")
}

func (m *Manager) resolve(ctx context.Context, id, actor, cmd string) error {
	return m.act(ctx, id, cmd, func(t *tx, in *Incident, now time.Time) error {
		if !in.Open() {
			return nil
		}
		t.event(event{Kind: evResolved, At: now, Incident: id, Actor: actor, Text: "resolved by " + actor})
		after := *in
		after.State, after.ResolvedAt, after.ResolvedBy = StateResolved, now, actor
		m.queue(t, &after, Notification{Kind: KindReply, Note: fmt.Sprintf("Resolved by %s after %s", actor, human(now.Sub(in.OpenedAt)))}, true)
		return nil
	})
}

// act runs an action on one incident under the lock and commits it, with
// the result of the command it carries out, if any.
func (m *Manager) act(ctx context.Context, id, cmd string, f func(*tx, *Incident, time.Time) error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.load(ctx); err != nil {
		return err
	}
	in := m.st.incidents[id]
	if in == nil {
		return fmt.Errorf("%w: no incident %q", ErrNotFound, id)
	}
	t := m.begin()
	if err := f(t, in, m.now()); err != nil {
		return err
	}
	t.result(cmd, result{})
	if err := t.commit(ctx); err != nil {
		return err
	}
	if err := m.reconcilePages(ctx); err != nil {
		m.logger().Warn("alerting: receivers are told on the next tick", "err", err)
	}
	return nil
}

// Silence implements Actions: a silence (or maintenance window) by
// integration, system or team, or for an incident's integration.
func (m *Manager) Silence(ctx context.Context, r SilenceRequest) (Silence, error) {
	if _, ok := m.leading(); !ok {
		res, err := m.submit(ctx, command{Op: "silence", Actor: r.Creator, Silence: &r})
		if err != nil || res.Silence == nil {
			return Silence{}, err
		}
		return *res.Silence, nil
	}
	return m.silence(ctx, r, "")
}

func (m *Manager) silence(ctx context.Context, r SilenceRequest, cmd string) (Silence, error) {
	if r.Duration <= 0 || r.Duration > 30*24*time.Hour {
		return Silence{}, errors.New("a silence lasts more than 0 and at most 30 days")
	}
	now := m.now()
	starts := r.Starts.UTC()
	if starts.IsZero() || starts.Before(now) {
		starts = now
	}
	if starts.After(now.Add(366 * 24 * time.Hour)) {
		return Silence{}, errors.New("a silence starts at most a year ahead")
	}
	ends := starts.Add(r.Duration)
	if r.Schedule != "" {
		sc, err := cron.ParseSchedule(r.Schedule, m.Config.location())
		if err != nil {
			return Silence{}, fmt.Errorf("a silence's schedule: %w", err)
		}
		if r.Duration > 7*24*time.Hour {
			return Silence{}, errors.New("a silence's scheduled windows last at most 7 days each")
		}
		ends = r.Until.UTC()
		if ends.IsZero() {
			ends = starts.Add(90 * 24 * time.Hour)
		}
		if !ends.After(starts) || ends.After(starts.Add(366*24*time.Hour)) {
			return Silence{}, errors.New("a silence's schedule ends after it starts and at most a year later")
		}
		if n := sc.Next(starts.Add(-time.Minute)); n.IsZero() || !n.Before(ends) {
			return Silence{}, fmt.Errorf("a silence's schedule %q has no window between %s and %s", r.Schedule,
				starts.Format(time.RFC3339), ends.Format(time.RFC3339))
		}
	}
	if strings.TrimSpace(r.Creator) == "" {
		return Silence{}, errors.New("a silence needs its creator")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.load(ctx); err != nil {
		return Silence{}, err
	}
	cat := m.Catalog()
	if r.Incident != "" {
		in := m.st.incidents[r.Incident]
		if in == nil {
			return Silence{}, fmt.Errorf("%w: no incident %q", ErrNotFound, r.Incident)
		}
		r.Integration = in.Integration
	}
	switch {
	case r.Integration == "" && r.System == "" && r.Team == "":
		return Silence{}, errors.New("a silence needs an integration, system or team")
	case r.Integration != "" && cat.Integration(r.Integration) == nil:
		return Silence{}, fmt.Errorf("%w: no integration %q in the catalog", ErrNotFound, r.Integration)
	case r.System != "" && cat.Systems[r.System] == nil:
		return Silence{}, fmt.Errorf("%w: no system %q in the catalog", ErrNotFound, r.System)
	case r.Team != "" && cat.Teams[r.Team] == nil:
		return Silence{}, fmt.Errorf("%w: no team %q in the catalog", ErrNotFound, r.Team)
	}
	id := fmt.Sprintf("sil-%d", now.UnixNano())
	for n := 2; m.st.silences[id] != nil; n++ {
		id = fmt.Sprintf("sil-%d-%d", now.UnixNano(), n)
	}
	s := Silence{ID: id, Integration: r.Integration, System: r.System, Team: r.Team,
		Starts: starts, Ends: ends, Creator: r.Creator, Reason: r.Reason}
	if r.Schedule != "" {
		s.Schedule, s.Length = r.Schedule, r.Duration
	}
	t := m.begin()
	t.silence(silenceEvent{Kind: "created", Silence: s})
	// Open incidents it covers go quiet now, when it is in force; their
	// root message says so. Later windows begin in timers.
	_, until, ok := s.window(now, m.Config.location())
	if !ok {
		t.result(cmd, result{Silence: &s})
		if err := t.commit(ctx); err != nil {
			return Silence{}, err
		}
		return s, nil
	}
	for _, id := range m.st.order {
		in := m.st.incidents[id]
		if !in.Open() || !s.matches(cat, in.Integration, in.Team) {
			continue
		}
		t.event(event{Kind: evSilenced, At: now, Incident: id, Actor: s.Creator, SilenceID: s.ID, SilenceEnds: until,
			Text: fmt.Sprintf("silenced for %s by %s: %s", human(until.Sub(now)), s.Creator, s.Reason)})
		after := *in
		after.SilenceID, after.SilencedBy, after.SilenceEnds = s.ID, s.Creator, until
		view := m.view(&after)
		t.notify(Notification{Kind: KindReply, Incident: id, Channel: in.Channel, View: view, CreatedAt: now,
			Note: fmt.Sprintf("Silenced for %s by %s: %s", human(until.Sub(now)), s.Creator, s.Reason), Text: plainText(view, "silenced")})
		t.notify(Notification{Kind: KindUpdate, Incident: id, Channel: in.Channel, View: view, CreatedAt: now, Text: plainText(view, "")})
	}
	t.result(cmd, result{Silence: &s})
	if err := t.commit(ctx); err != nil {
		return Silence{}, err
	}
	return s, nil
}

// Expire ends a silence now.
func (m *Manager) Expire(ctx context.Context, id, actor string) error {
	if _, ok := m.leading(); !ok {
		_, err := m.submit(ctx, command{Op: "expire", Target: id, Actor: actor})
		return err
	}
	return m.expire(ctx, id, actor, "")
}

func (m *Manager) expire(ctx context.Context, id, actor, cmd string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.load(ctx); err != nil {
		return err
	}
	s := m.st.silences[id]
	if s == nil {
		return fmt.Errorf("%w: no silence %q", ErrNotFound, id)
	}
	now := m.now()
	t := m.begin()
	if now.Before(s.Ends) {
		c := *s
		c.Ends = now
		t.silence(silenceEvent{Kind: "expired", Silence: c})
	}
	t.result(cmd, result{})
	return t.commit(ctx)
}

// Silences returns the silences, active first, then the latest expired.
func (m *Manager) Silences(ctx context.Context) ([]Silence, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.load(ctx); err != nil {
		return nil, err
	}
	now := m.now()
	var out []Silence
	for _, s := range m.st.silences {
		out = append(out, *s)
	}
	sortSilences(out, now)
	return out, nil
}

// Window is one window of a silence: in force now, or the next.
type Window struct {
	Silence
	From, To time.Time
	Active   bool
}

// Windows are the silences' windows in force now or beginning within
// `within`, by start: maintenance windows ahead of time and silences in
// force.
func (m *Manager) Windows(ctx context.Context, within time.Duration) ([]Window, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.load(ctx); err != nil {
		return nil, err
	}
	now, loc := m.now(), m.Config.location()
	var out []Window
	for _, s := range m.st.silences {
		if from, to, ok := s.window(now, loc); ok {
			out = append(out, Window{Silence: *s, From: from, To: to, Active: true})
			continue
		}
		if from, to := s.Next(now, loc); !from.IsZero() && from.Before(now.Add(within)) {
			out = append(out, Window{Silence: *s, From: from, To: to})
		}
	}
	slices.SortFunc(out, func(a, b Window) int {
		if c := a.From.Compare(b.From); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// Matches reports whether the silence covers an integration (of a team).
func (s *Silence) Matches(cat *catalog.Catalog, integration, team string) bool {
	return s.matches(cat, integration, team)
}

// Status implements Actions.
func (m *Manager) Status(ctx context.Context, integration string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.load(ctx); err != nil {
		return "", err
	}
	cat := m.Catalog()
	ig := cat.Integration(integration)
	if ig == nil {
		return "", fmt.Errorf("%w: no integration %q in the catalog", ErrNotFound, integration)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s → %s), owned by %s\n", title(ig), ig.Source, strings.Join(ig.Targets, ", "), ig.Owner)
	if in := m.st.incidents[m.st.open[integration]]; in != nil {
		fmt.Fprintf(&b, "Open incident %s (%s, %s) since %s:\n", in.ID, in.Severity, in.State, in.OpenedAt.Format("2006-01-02 15:04 MST"))
		for _, a := range in.Alerts {
			fmt.Fprintf(&b, "• [%s] %s\n", a.State, a.Summary)
		}
	} else {
		b.WriteString("No open incident.\n")
	}
	for _, s := range m.st.activeSilences(m.now(), m.Config.location()) {
		if s.matches(cat, integration, ig.Owner) {
			fmt.Fprintf(&b, "Silenced until %s by %s: %s\n", s.Ends.Format("2006-01-02 15:04 MST"), s.Creator, s.Reason)
		}
	}
	return strings.TrimSpace(b.String()), nil
}

// Incident implements Actions.
func (m *Manager) Incident(ctx context.Context, idOrIntegration string) (IncidentView, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.load(ctx); err != nil {
		return IncidentView{}, err
	}
	in := m.st.incidents[idOrIntegration]
	if in == nil {
		in = m.st.incidents[m.st.open[idOrIntegration]]
	}
	if in == nil {
		return IncidentView{}, fmt.Errorf("%w: no incident or open incident of %q", ErrNotFound, idOrIntegration)
	}
	return m.view(in), nil
}

func title(ig *intops.Integration) string {
	if ig.Title != "" {
		return ig.Title
	}
	return ig.ID
}
