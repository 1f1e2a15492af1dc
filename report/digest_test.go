package report

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/intops/intops/catalog"
	"github.com/intops/intops/clickhouse"
	"github.com/intops/intops/clickhouse/chtest"
	"github.com/intops/intops/internal/cron"
)

// fakeSlack records posts and attachments; failPost and failAttach make
// the next calls fail.
type fakePublisher struct {
	mu                   sync.Mutex
	posts                []Digest
	files                map[string][]byte // by message ts
	failPost, failAttach int
}

func (f *fakePublisher) PostDigest(_ context.Context, channel string, d Digest) (Posted, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failPost > 0 {
		f.failPost--
		return Posted{}, errors.New("slack: 503 service unavailable")
	}
	f.posts = append(f.posts, d)
	return Posted{Channel: "C0LEADERS", TS: d.Period.String()}, nil
}

func (f *fakePublisher) AttachFile(_ context.Context, at Posted, name, title string, data []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failAttach > 0 {
		f.failAttach--
		return errors.New("slack: 500 upload failed")
	}
	if f.files == nil {
		f.files = map[string][]byte{}
	}
	f.files[at.TS] = data
	return nil
}

type fakePrinter struct{ n int }

func (p *fakePrinter) PDF(_ context.Context, html []byte) ([]byte, error) {
	p.n++
	if !bytes.Contains(html, []byte("SLO attainment")) {
		return nil, errors.New("not a report")
	}
	return append([]byte("%PDF-1.4 fake\n"), html[:100]...), nil
}

// TestDigestIsPostedOnScheduleOnce drives the digest with a fake clock:
// nothing before 08:00 on the 1st, the October digest with its PDF at
// 08:00, never again (also after a restart); a Slack outage delays the
// November digest until Slack is back, and a failed upload is retried
// without posting the message twice.
func TestDigestIsPostedOnScheduleOnce(t *testing.T) {
	db := chtest.Shared(t).Open(t)
	storeTestHistory(t, db)
	cat := loadTestCatalog(t)
	berlin, _ := time.LoadLocation("Europe/Berlin")
	var now time.Time
	clock := func() time.Time { return now }
	svc := &Service{Store: db, Catalog: func() *catalog.Catalog { return cat }, Incidents: testIncidents(), Location: berlin, Now: clock}
	sched, err := cron.ParseSchedule("0 8 1 * *", berlin)
	if err != nil {
		t.Fatal(err)
	}
	pub, printer := &fakePublisher{}, &fakePrinter{}
	newDigester := func() *Digester {
		return &Digester{Reports: svc, Schedule: sched, Channel: "#leaders", Publisher: pub, Log: db, Printer: printer,
			BaseURL: "https://intops.example.com", Now: clock}
	}
	d := newDigester()
	ctx := context.Background()
	tick := func(at string) error {
		t.Helper()
		var err error
		if now, err = time.ParseInLocation("2006-01-02 15:04", at, berlin); err != nil {
			t.Fatal(err)
		}
		return d.Tick(ctx)
	}
	// October's digest would have been due on 1 October: long ago.
	if err := tick("2026-10-31 23:00"); err != nil || len(pub.posts) != 0 {
		t.Fatalf("before the schedule fires: %d posts (%v)", len(pub.posts), err)
	}
	if err := tick("2026-11-01 07:59"); err != nil || len(pub.posts) != 0 {
		t.Fatalf("a minute early: %d posts (%v)", len(pub.posts), err)
	}
	if err := tick("2026-11-01 08:00"); err != nil {
		t.Fatal(err)
	}
	if len(pub.posts) != 1 || pub.posts[0].Period.String() != "2026-10" {
		t.Fatalf("at 08:00: %+v, want October's digest", pub.posts)
	}
	dg := pub.posts[0]
	if dg.Title != "Integration report, October 2026" || dg.URL != "https://intops.example.com/reports?period=2026-10" ||
		!strings.Contains(dg.Text, "3 of 3 SLOs met (100.0%), 0 missed; 2 incidents, MTTR 45 min") {
		t.Errorf("digest: %+v", dg)
	}
	lines := map[string]DigestLine{}
	for _, l := range dg.Lines {
		lines[l.Label] = l
	}
	if l := lines["SLOs met"]; l.Value != "3 of 3 (100.0%)" || l.Trend != "▲ 33.3 pts vs September 2026" {
		t.Errorf("SLOs met line: %+v", l)
	}
	if l := lines["MTTR"]; l.Value != "45 min" || l.Trend != "September 2026: 3 h" {
		t.Errorf("MTTR line: %+v", l)
	}
	if !bytes.HasPrefix(pub.files["2026-10"], []byte("%PDF-")) {
		t.Errorf("no PDF in the message's thread: %q", pub.files["2026-10"])
	}
	for _, at := range []string{"2026-11-01 08:01", "2026-11-02 09:00"} {
		if err := tick(at); err != nil || len(pub.posts) != 1 {
			t.Fatalf("at %s: %d posts (%v), want October's only", at, len(pub.posts), err)
		}
	}
	d = newDigester() // a restart
	if err := tick("2026-11-01 08:05"); err != nil || len(pub.posts) != 1 {
		t.Fatalf("after a restart: %d posts (%v)", len(pub.posts), err)
	}
	// December 1st: Slack is down for two tries, then the upload fails once.
	pub.failPost, pub.failAttach = 2, 1
	if err := tick("2026-12-01 08:00"); err == nil {
		t.Fatal("a failed post must be reported")
	}
	if err := tick("2026-12-01 08:00"); err != nil || len(pub.posts) != 1 {
		t.Fatalf("within the backoff: %d posts (%v), want no try", len(pub.posts), err)
	}
	for _, at := range []string{"2026-12-01 08:01", "2026-12-01 08:03", "2026-12-01 08:07", "2026-12-01 08:15"} {
		_ = tick(at)
	}
	if len(pub.posts) != 2 || pub.posts[1].Period.String() != "2026-11" || !bytes.HasPrefix(pub.files["2026-11"], []byte("%PDF-")) {
		t.Fatalf("after the outage: %d posts, files %v; want November's once, with its PDF", len(pub.posts), len(pub.files))
	}
	if rec, ok, err := db.LatestDigest(ctx, "2026-11", "#leaders"); err != nil || !ok || rec.Status != "sent" || rec.RefTS != "2026-11" {
		t.Errorf("November's record: %+v %v %v", rec, ok, err)
	}
	// A digest more than a week late is given up.
	pub.failPost = 100
	_ = tick("2027-01-01 08:00")
	pub.failPost = 0
	if err := tick("2027-01-09 08:00"); err != nil || len(pub.posts) != 2 {
		t.Errorf("eight days late: %d posts (%v), want December's given up", len(pub.posts), err)
	}
	if _, ok, _ := db.LatestDigest(ctx, "2026-12", "#leaders"); !ok {
		t.Error("the failed tries of December are recorded")
	}
}

var _ DigestLog = (*clickhouse.DB)(nil)
