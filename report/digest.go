package report

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/a-h/templ"

	"github.com/intops/intops"
	"github.com/intops/intops/internal/cron"
	"github.com/intops/intops/internal/loop"
)

// Digest is a period's headline numbers, for a leaders' channel.
type Digest struct {
	Period Period
	Title  string
	Lines  []DigestLine
	// URL is the report in the UI ("" without a base URL).
	URL string
	// Text says it all in one paragraph (the notification and fallback).
	Text string
}

// DigestLine is one headline figure and its trend.
type DigestLine struct {
	Label, Value, Trend string
}

// Posted is where a digest's message is.
type Posted struct{ Channel, TS string }

// Publisher posts digests (alerting/slack does, to Slack).
type Publisher interface {
	// PostDigest posts the digest's message to channel.
	PostDigest(ctx context.Context, channel string, d Digest) (Posted, error)
	// AttachFile uploads a file into the thread of a posted message.
	AttachFile(ctx context.Context, at Posted, name, title string, data []byte) error
}

// DigestLog records how far each period's digest got (ClickHouse).
type DigestLog interface {
	LatestDigest(ctx context.Context, period, channel string) (intops.DigestRecord, bool, error)
	AppendDigest(ctx context.Context, r intops.DigestRecord) error
}

// Printer prints HTML to PDF (Chromium does).
type Printer interface {
	PDF(ctx context.Context, html []byte) ([]byte, error)
}

// Digester posts the leaders' digest when its schedule fires: the last
// complete period's headline numbers with their trend, and the SLO and
// maturity reports as one PDF in the message's thread. Each period's
// digest goes to the channel once, also across restarts: each step is
// recorded, a message already posted is not posted again, and a failure
// (Slack down, ClickHouse down) is retried with backoff until the digest
// is out or MaxLate has passed since the schedule fired.
type Digester struct {
	Reports   *Service
	Schedule  *cron.Schedule
	Kind      string // Month (default) or Quarter
	Channel   string
	Publisher Publisher
	Log       DigestLog
	Printer   Printer
	// BaseURL of the UI, for the link to the report ("": none).
	BaseURL  string
	Now      func() time.Time
	Interval time.Duration // how often to check (default a minute)
	MaxLate  time.Duration // default a week
	Logger   *slog.Logger

	mu       sync.Mutex
	retryAt  time.Time
	failures int
	given    time.Time // the firing given up on (logged once)
}

func (d *Digester) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d *Digester) logger() *slog.Logger {
	if d.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return d.Logger
}

// Run checks the schedule until ctx ends.
func (d *Digester) Run(ctx context.Context) {
	iv := d.Interval
	if iv <= 0 {
		iv = time.Minute
	}
	loop.Every(ctx, iv, d.Tick, func(err error) { d.logger().Warn("report digest not posted; will retry", "err", err) })
}

// Tick posts the digest of the latest firing if it is due and not yet
// out; it returns the failure of a try (which is retried later).
func (d *Digester) Tick(ctx context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.now()
	fire := d.Schedule.Prev(now)
	if fire.IsZero() || now.Before(d.retryAt) {
		return nil
	}
	maxLate := d.MaxLate
	if maxLate <= 0 {
		maxLate = 7 * 24 * time.Hour
	}
	kind := d.Kind
	if kind == "" {
		kind = Month
	}
	p := LastComplete(kind, fire, d.Reports.Loc())
	if now.Sub(fire) > maxLate {
		if !d.given.Equal(fire) {
			d.given = fire
			if rec, ok, err := d.Log.LatestDigest(ctx, p.String(), d.Channel); err == nil && (!ok || rec.Status != "sent") {
				d.logger().Warn("report digest given up: more than MaxLate after its time", "period", p.String(), "due", fire, "max_late", maxLate)
			}
		}
		return nil
	}
	err := d.post(ctx, p, now)
	if err != nil {
		d.failures++
		d.retryAt = now.Add(min(time.Minute<<min(d.failures-1, 5), 30*time.Minute))
		return err
	}
	d.failures, d.retryAt = 0, time.Time{}
	return nil
}

func (d *Digester) post(ctx context.Context, p Period, now time.Time) error {
	rec, ok, err := d.Log.LatestDigest(ctx, p.String(), d.Channel)
	if err != nil {
		return err
	}
	if ok && rec.Status == "sent" {
		return nil
	}
	record := func(status string, at Posted, failure error) error {
		r := intops.DigestRecord{At: d.now(), Period: p.String(), Channel: d.Channel, Status: status, RefChannel: at.Channel, RefTS: at.TS}
		if failure != nil {
			r.Error = failure.Error()
		}
		if err := d.Log.AppendDigest(ctx, r); err != nil {
			return errors.Join(failure, fmt.Errorf("record digest %s: %w", status, err))
		}
		return failure
	}
	posted := Posted{Channel: rec.RefChannel, TS: rec.RefTS}
	digest, pdf, err := d.Build(ctx, p)
	if err != nil {
		return record("failed", posted, err)
	}
	if posted.TS == "" {
		if posted, err = d.Publisher.PostDigest(ctx, d.Channel, digest); err != nil {
			return record("failed", Posted{}, fmt.Errorf("post digest of %s to %s: %w", p, d.Channel, err))
		}
		if err := record("posted", posted, nil); err != nil {
			return err
		}
	}
	name := "intops-report-" + p.String() + ".pdf"
	if err := d.Publisher.AttachFile(ctx, posted, name, digest.Title, pdf); err != nil {
		return record("failed", posted, fmt.Errorf("attach %s: %w", name, err))
	}
	d.logger().Info("report digest posted", "period", p.String(), "channel", d.Channel, "pdf_bytes", len(pdf))
	return record("sent", posted, nil)
}

// Build computes a period's digest and prints its reports to one PDF.
func (d *Digester) Build(ctx context.Context, p Period) (Digest, []byte, error) {
	slo, err := d.Reports.SLOReport(ctx, p)
	if err != nil {
		return Digest{}, nil, err
	}
	mat, err := d.Reports.MaturityReport(ctx, p)
	if err != nil && !errors.Is(err, ErrNoSnapshots) {
		return Digest{}, nil, err
	}
	dg := NewDigest(slo, mat, d.BaseURL)
	bodies := []templ.Component{SLOBody(slo)}
	if mat != nil {
		bodies = append(bodies, MaturityBody(mat))
	}
	page, err := HTML(ctx, dg.Title, bodies...)
	if err != nil {
		return Digest{}, nil, err
	}
	pdf, err := d.Printer.PDF(ctx, page)
	if err != nil {
		return Digest{}, nil, err
	}
	return dg, pdf, nil
}

// NewDigest sums a period's reports up (mat may be nil: no snapshot).
func NewDigest(slo *SLOReport, mat *MaturityReport, baseURL string) Digest {
	p := slo.Period
	dg := Digest{Period: p, Title: "Integration report, " + p.Title()}
	if baseURL != "" {
		dg.URL = strings.TrimRight(baseURL, "/") + "/reports?period=" + p.String()
	}
	e, prev, before := slo.Estate, slo.previous(), slo.previousTitle()
	trend := func(f func(Figures) string) string {
		if prev == nil {
			return ""
		}
		return before + ": " + f(*prev)
	}
	metTrend := ""
	if prev != nil {
		metTrend = Points(e.MetShare, prev.MetShare) + " vs " + before
	}
	dg.Lines = []DigestLine{
		{"SLOs met", fmt.Sprintf("%d of %d (%s)", e.Met, e.Met+e.Missed, Share(e.MetShare)), metTrend},
		{"SLOs missed", count(e.Missed), trend(func(f Figures) string { return count(f.Missed) })},
		{"Incidents", fmt.Sprintf("%d (%s)", e.Incidents, plural(e.Pages, "page", "pages")), trend(func(f Figures) string { return count(f.Incidents) })},
		{"MTTR", Minutes(e.MTTRMinutes), trend(func(f Figures) string { return Minutes(f.MTTRMinutes) })},
	}
	maturityText := "no snapshot in the period"
	if mat != nil {
		if es := mat.estate(); es != nil {
			maturityText = "level " + levelText(es.Level)
			dg.Lines = append(dg.Lines, DigestLine{"Estate maturity", maturityText, change(es.Level, es.Previous) + " (" + mat.previousTitle() + ")"})
		}
	}
	if len(slo.Worst) > 0 {
		w := slo.Worst[0]
		dg.Lines = append(dg.Lines, DigestLine{"Worst integration", w.Title, fmt.Sprintf("%s of its budget, %s", Budget(&w.BudgetConsumed), plural(w.Incidents, "incident", "incidents"))})
	}
	dg.Text = fmt.Sprintf("%s: %d of %d SLOs met (%s), %d missed; %d incidents, MTTR %s; estate maturity %s.",
		dg.Title, e.Met, e.Met+e.Missed, Share(e.MetShare), e.Missed, e.Incidents, Minutes(e.MTTRMinutes), maturityText)
	return dg
}
