package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/intops/intops/alerting"
	"github.com/intops/intops/analyzer/anomaly"
	"github.com/intops/intops/analyzer/estate"
	"github.com/intops/intops/analyzer/slo"
	"github.com/intops/intops/analyzer/watchdog"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/clickhouse"
	"github.com/intops/intops/ingest"
	"github.com/intops/intops/internal/cron"
	promapi "github.com/intops/intops/prometheus"
	"github.com/intops/intops/simulate"
	"github.com/intops/intops/ui"
)

const defaultDSN = "clickhouse://127.0.0.1:9000/intops"

func runCollector(ctx context.Context, args []string) error {
	fs := newFlags("collector")
	config := fs.String("config", "deploy/collector.yaml", "collector configuration `file`")
	if err := parse(fs, args); err != nil {
		return err
	}
	return ingest.Run(ctx, *config)
}

func runMigrate(ctx context.Context, logger *slog.Logger, args []string) error {
	fs := newFlags("migrate")
	dsn := clickhouseFlags(fs, "ClickHouse `dsn`")
	if err := parse(fs, args); err != nil {
		return err
	}
	db, err := clickhouse.Open(ctx, dsn())
	if err != nil {
		return err
	}
	defer db.Close()
	applied, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	logger.Info("migrations applied", "versions", applied, "database", db.Database(), "server", db.ServerVersion())
	return nil
}

type serverFlags struct {
	listen, dsn, catalog, timezone string
	icoeChannel, baseURL           string
	advertiseURL                   string
	leaseTTL                       time.Duration
	alertRoutes                    string
	trustedProxies, groupRoles     string
	spanDays, rollupDays           int
	sloInterval, anomalyInterval   time.Duration
	alertInterval                  time.Duration
	zombieAfter                    time.Duration
	maturityThresholds             string
	digestSchedule, digestChannel  string
	digestPeriod                   string
	alertGroupWait                 time.Duration
	correlationWindow              time.Duration
	inhibitGrace                   time.Duration
	platformChannel                string
	prometheusURL                  string
}

func (f *serverFlags) register(fs interface {
	StringVar(*string, string, string, string)
	IntVar(*int, string, int, string)
	DurationVar(*time.Duration, string, time.Duration, string)
}) {
	fs.DurationVar(&f.sloInterval, "slo-interval", 30*time.Second, "how often SLOs are evaluated")
	fs.DurationVar(&f.anomalyInterval, "anomaly-interval", time.Minute, "how often the anomaly detectors run")
	fs.DurationVar(&f.alertInterval, "alert-interval", 10*time.Second, "how often new alerts become incidents and notifications")
	fs.DurationVar(&f.alertGroupWait, "alert-group-wait", 30*time.Second, "how long an alert that would open an incident waits for others of the same cause, so that they open as one")
	fs.DurationVar(&f.correlationWindow, "alert-correlation-window", 10*time.Minute, "alerts of integrations sharing a system and a signature that begin within this of an incident's first alert join it")
	fs.DurationVar(&f.inhibitGrace, "inhibit-grace", 20*time.Minute, "how long after an ingest gap ends its alerts of missing traffic stay held: those still firing then are judged as new alerts, those that resolved (the late spans arrived) are dropped")
	fs.StringVar(&f.platformChannel, "platform-channel", envOr("INTOPS_PLATFORM_CHANNEL", "#intops-platform"), "Slack `channel` of the platform team: ingest incidents (no spans from the estate)")
	fs.DurationVar(&f.zombieAfter, "zombie-after", 7*24*time.Hour, "a production integration without executions this long is a zombie")
	fs.StringVar(&f.icoeChannel, "slack-icoe-channel", envOr("INTOPS_SLACK_ICOE_CHANNEL", "#integration-coe"), "Slack `channel` for unowned integrations and undeliverable alerts")
	fs.StringVar(&f.alertRoutes, "alert-routes", envOr("INTOPS_ALERT_ROUTES", ""), "JSON `file` of per-team alert routing overrides (channel, page_channel, escalation_channel, escalate_after)")
	fs.StringVar(&f.trustedProxies, "trusted-proxies", envOr("INTOPS_TRUSTED_PROXIES", ""), "comma-separated `addresses` (IPs, CIDRs) of the auth proxy whose X-Forwarded-User/-Groups headers are believed")
	fs.StringVar(&f.groupRoles, "group-roles", envOr("INTOPS_GROUP_ROLES", ""), "proxy group to role `map`: sre=operator,icoe=icoe,admins=admin (others are viewers)")
	fs.StringVar(&f.advertiseURL, "advertise-url", envOr("INTOPS_ADVERTISE_URL", ""), "this replica's `url` as the other server replicas reach it (default: the listen address)")
	fs.DurationVar(&f.leaseTTL, "lease-ttl", 15*time.Second, "how long the leader's lease lasts without renewal: the hand-over time after a crash")
	fs.StringVar(&f.baseURL, "base-url", envOr("INTOPS_BASE_URL", ""), "the UI's external `url`, for links in alerts (default: the listen address)")
	fs.StringVar(&f.timezone, "timezone", envOr("INTOPS_TIMEZONE", "UTC"), "the estate's time `zone` (IANA name), for traffic seasonality (env INTOPS_TIMEZONE)")
	fs.StringVar(&f.listen, "listen", envOr("INTOPS_LISTEN", "127.0.0.1:8080"), "`address` to serve on (env INTOPS_LISTEN)")
	fs.StringVar(&f.prometheusURL, "prometheus-url", envOr("INTOPS_PROMETHEUS_URL", ""), "`url` of the Prometheus-compatible API that SLOs with a Prometheus metric source are read from when their DataSource gives none (env INTOPS_PROMETHEUS_URL; unset: only those with a DataSource URL are evaluated)")
	fs.StringVar(&f.catalog, "catalog", envOr("INTOPS_CATALOG", "examples/estate"), "estate catalog `dir` (env INTOPS_CATALOG)")
	fs.StringVar(&f.maturityThresholds, "maturity-thresholds", envOr("INTOPS_MATURITY_THRESHOLDS", ""), "maturity model `file` replacing the built-in thresholds (same shape as analyzer/maturity/thresholds.yaml)")
	fs.StringVar(&f.digestSchedule, "digest-schedule", envOr("INTOPS_DIGEST_SCHEDULE", ""), "when to post the leaders' digest to Slack: a 5-field cron `expression` in --timezone, e.g. \"0 8 1 * *\" (unset: no digest)")
	fs.StringVar(&f.digestChannel, "digest-channel", envOr("INTOPS_DIGEST_CHANNEL", "#integration-leaders"), "Slack `channel` of the leaders' digest")
	fs.StringVar(&f.digestPeriod, "digest-period", envOr("INTOPS_DIGEST_PERIOD", "month"), "what the digest reports: the last complete `month` or quarter")
	fs.IntVar(&f.spanDays, "retention-span-days", clickhouse.DefaultRetention.SpanDays, "days of raw spans to keep")
	fs.IntVar(&f.rollupDays, "retention-rollup-days", clickhouse.DefaultRetention.RollupDays, "days of per-minute rollups to keep")
}

func runServer(ctx context.Context, logger *slog.Logger, args []string) error {
	fs := newFlags("server")
	var f serverFlags
	f.register(fs)
	dsn := clickhouseFlags(fs, "ClickHouse `dsn`")
	if err := parse(fs, args); err != nil {
		return err
	}
	f.dsn = dsn()
	if err := f.Validate(); err != nil {
		return usageError{err}
	}
	return serve(ctx, logger, f, nil)
}

// Validate reports every bad setting at once, before the server opens
// anything.
func (f serverFlags) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if _, _, err := net.SplitHostPort(f.listen); err != nil {
		bad("--listen %q: want host:port (%v)", f.listen, err)
	}
	if _, err := time.LoadLocation(f.timezone); err != nil {
		bad("--timezone %q: %v", f.timezone, err)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
		zero bool // zero allowed
	}{{"--slo-interval", f.sloInterval, false}, {"--anomaly-interval", f.anomalyInterval, false}, {"--alert-interval", f.alertInterval, false},
		{"--alert-group-wait", f.alertGroupWait, true}, {"--alert-correlation-window", f.correlationWindow, false},
		{"--inhibit-grace", f.inhibitGrace, false},
		{"--zombie-after", f.zombieAfter, false}, {"--lease-ttl", f.leaseTTL, false}} {
		if d.v < 0 || d.v == 0 && !d.zero {
			bad("%s %s: want a positive duration", d.name, d.v)
		}
	}
	if f.spanDays < 0 || f.rollupDays < 0 {
		bad("--retention-span-days %d, --retention-rollup-days %d: want 0 (keep forever) or more", f.spanDays, f.rollupDays)
	}
	for name, u := range map[string]string{"--base-url": f.baseURL, "--advertise-url": f.advertiseURL} {
		if u == "" {
			continue
		}
		if p, err := url.Parse(u); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			bad("%s %q: want an http(s) URL", name, u)
		}
	}
	if st, err := os.Stat(f.catalog); err != nil || !st.IsDir() {
		bad("--catalog %q: not a directory", f.catalog)
	}
	if f.alertRoutes != "" {
		if _, err := alerting.LoadRoutes(f.alertRoutes); err != nil {
			bad("--alert-routes: %v", err)
		}
	}
	if f.maturityThresholds != "" {
		if _, err := loadMaturityModel(f.maturityThresholds); err != nil {
			bad("--maturity-thresholds: %v", err)
		}
	}
	if _, err := authConfig(f.trustedProxies, f.groupRoles, os.Getenv("INTOPS_API_TOKENS")); err != nil {
		bad("%v", err)
	}
	if f.digestSchedule != "" {
		if _, err := cron.ParseSchedule(f.digestSchedule, time.UTC); err != nil {
			bad("--digest-schedule %q: %v", f.digestSchedule, err)
		}
	}
	if err := checkPrometheusURL(f.prometheusURL); err != nil {
		bad("%v", err)
	}
	if f.digestPeriod != "month" && f.digestPeriod != "quarter" {
		bad("--digest-period %q: want month or quarter", f.digestPeriod)
	}
	return errors.Join(errs...)
}

// serve runs the HTTP server and the retention loop until ctx ends. ready,
// when not nil, receives the listening address.
func serve(ctx context.Context, logger *slog.Logger, f serverFlags, ready chan<- string) error {
	db, err := openWithRetry(ctx, logger, f.dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	// On the way out: stop the background work, let it finish (the lease
	// is given up), then close the connection.
	var bg sync.WaitGroup
	defer bg.Wait()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	lintCfg, err := catalog.LoadLintConfig(f.catalog)
	if err != nil {
		return err
	}
	watcher := &catalog.Watcher{Dir: f.catalog, Logger: logger.With("component", "catalog"),
		OnLoad: func(ctx context.Context, c *catalog.Catalog, version string) {
			if err := snapshotCatalog(ctx, db, c, version, lintCfg); err != nil {
				logger.Warn("catalog snapshot not stored", "err", err)
			}
		}}
	if err := watcher.Load(ctx); err != nil {
		return err
	}
	bg.Go(func() { watcher.Run(ctx) })
	cat := watcher.Current()
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	loc, err := time.LoadLocation(f.timezone)
	if err != nil {
		return usageError{fmt.Errorf("--timezone %q: %v", f.timezone, err)}
	}
	model, err := loadMaturityModel(f.maturityThresholds)
	if err != nil {
		return err
	}
	evaluator := &slo.Evaluator{Store: db, Catalog: watcher.Current, Interval: f.sloInterval, Logger: logger.With("component", "slo"), Registerer: reg,
		Prometheus: &promapi.Client{}, PrometheusURL: f.prometheusURL}
	anomalies := &anomaly.Evaluator{Store: db, Catalog: watcher.Current, Interval: f.anomalyInterval, Location: loc, Logger: logger.With("component", "anomaly"),
		Settle: time.Minute, Arrived: func(ctx context.Context) (time.Time, error) { return latestArrival(ctx, db) },
		Blind: func(ctx context.Context) (time.Time, time.Time, error) { return watchdog.LatestGap(ctx, db) },
		Expected: func(ctx context.Context, from, to time.Time) (map[string][]anomaly.Period, error) {
			return expectedPeriods(ctx, db, from, to)
		}}
	findings := &estate.Service{Store: db, Catalog: watcher.Current, ZombieAfter: f.zombieAfter}
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	alerts, extra, err := newAlerting(db, watcher.Current, f, "http://"+ln.Addr().String(), logger)
	if err != nil {
		ln.Close()
		return err
	}
	// Every replica evaluates (for its pages); the lease's holder records
	// the alert transitions and runs the writers and senders.
	el := newElector(db, f, "http://"+ln.Addr().String(), logger, reg)
	evaluator.Emit, anomalies.Emit, alerts.Leader = el.IsLeading, el.IsLeading, el.Leading
	auth, err := authConfig(f.trustedProxies, f.groupRoles, os.Getenv("INTOPS_API_TOKENS"))
	if err != nil {
		ln.Close()
		return usageError{err}
	}
	if auth == nil {
		if ap, err := netip.ParseAddrPort(ln.Addr().String()); err == nil && !ap.Addr().IsLoopback() {
			logger.Warn("no authentication is configured and the server listens beyond this machine: everyone who reaches it is admin; set --trusted-proxies or INTOPS_API_TOKENS", "listen", ln.Addr().String())
		}
	}
	secret, origins, err := webDefense(os.Getenv("INTOPS_SESSION_SECRET"), f.baseURL)
	if err != nil {
		ln.Close()
		return usageError{err}
	}
	if secret == nil {
		logger.Info("INTOPS_SESSION_SECRET is not set: the browsers' sessions (their CSRF tokens) are keyed by a random secret and end with this process; replicas behind one address must share a secret")
	}
	scores := newMaturity(db, watcher.Current, lintCfg, evaluator, alerts, model)
	reports, printer, reportJobs, err := newReports(db, watcher.Current, lintCfg, alerts, model, loc, f, "http://"+ln.Addr().String(), logger)
	if err != nil {
		ln.Close()
		return err
	}
	bg.Go(func() { el.Run(ctx) }) // gives the lease up on the way out
	bg.Go(func() {
		leaderJobs(ctx, el, append([]func(context.Context){alerts.Run,
			(&watchdog.Watchdog{Store: db, Logger: logger.With("component", "watchdog"), Registerer: reg}).Run,
			func(ctx context.Context) {
				findings.RunAlerts(ctx, db, 10*time.Minute, logger.With("component", "findings"))
			},
			func(ctx context.Context) {
				db.RunRetention(ctx, clickhouse.Retention{SpanDays: f.spanDays, RollupDays: f.rollupDays}, logger)
			}}, reportJobs...)...)
	})
	bg.Go(func() {
		// The first evaluation emits when this replica is the only one.
		select {
		case <-el.Ready():
		case <-ctx.Done():
			return
		}
		var evals sync.WaitGroup
		evals.Go(func() { evaluator.Run(ctx) })
		evals.Go(func() { anomalies.Run(ctx) })
		evals.Wait()
	})
	srv := ui.New(ui.Options{Auth: auth, SessionSecret: secret, TrustedOrigins: origins, Maturity: scores, Reports: reports, Printer: printer, Store: db, Catalog: watcher, LintConfig: lintCfg,
		SLOs: evaluator, Anomalies: anomalies, Feedback: db, Findings: findings, Alerts: alerts, Extra: extra, Logger: logger, Registry: reg, Location: loc})
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second}
	errc := make(chan error, 1)
	bg.Go(func() { errc <- hs.Serve(ln) })
	logger.Info("serving", "url", "http://"+ln.Addr().String(), "integrations", len(cat.Integrations))
	if ready != nil {
		ready <- ln.Addr().String()
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return hs.Shutdown(sctx)
}

// openWithRetry connects to ClickHouse, waiting for it up to a minute.
func openWithRetry(ctx context.Context, logger *slog.Logger, dsn string) (*clickhouse.DB, error) {
	deadline := time.Now().Add(time.Minute)
	for {
		db, err := clickhouse.Open(ctx, dsn)
		if err == nil {
			return db, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return nil, err
		}
		logger.Warn("waiting for ClickHouse", "err", err)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
}

type simulateFlags struct {
	catalog, endpoint, protocol, dsn string
	backfillDays                     int
	seed                             uint64
	incidents                        bool
}

func runSimulate(ctx context.Context, logger *slog.Logger, args []string) error {
	fs := newFlags("simulate")
	var f simulateFlags
	fs.StringVar(&f.catalog, "catalog", envOr("INTOPS_CATALOG", "examples/estate"), "estate catalog `dir`")
	fs.StringVar(&f.endpoint, "endpoint", "127.0.0.1:4317", "collector OTLP `host:port`")
	fs.StringVar(&f.protocol, "protocol", "grpc", "OTLP protocol: grpc or http")
	fs.IntVar(&f.backfillDays, "backfill-days", 0, "first write this many `days` of history as per-minute rollups (needs --clickhouse)")
	dsn := clickhouseFlags(fs, "ClickHouse `dsn` for the backfill")
	fs.Uint64Var(&f.seed, "seed", 1, "random seed")
	fs.BoolVar(&f.incidents, "incidents", false, "add the demo's incidents (a past outage, a live credential expiry, a silent volume drop)")
	if err := parse(fs, args); err != nil {
		return err
	}
	f.dsn = dsn()
	if f.protocol == "http" && f.endpoint == "127.0.0.1:4317" {
		f.endpoint = "127.0.0.1:4318"
	}
	return simulateEstate(ctx, logger, f)
}

// estateGenerator builds the simulator of a catalog's estate.
func estateGenerator(f simulateFlags, now time.Time) (*simulate.Generator, *catalog.Catalog, error) {
	cat, err := catalog.Load(f.catalog)
	if err != nil {
		return nil, nil, err
	}
	profiles := simulate.Profiles(cat.Integrations)
	simulate.Calibrate(profiles, cat)
	if f.incidents {
		simulate.DemoIncidents(profiles, now)
	}
	gen := simulate.NewGenerator(append(profiles, simulate.Shadow()), f.seed)
	if f.incidents {
		gen.Gaps = simulate.DemoGaps(now)
	}
	return gen, cat, nil
}

// backfill writes the per-minute history that is missing, from
// --backfill-days ago (at a whole hour) up to now, and returns where it
// began (now when nothing was missing).
func backfill(ctx context.Context, logger *slog.Logger, db *clickhouse.DB, f simulateFlags, gen *simulate.Generator, now time.Time) (time.Time, error) {
	// Backfill only what is missing, so that a restarted demo does not
	// count its history twice.
	from := now.AddDate(0, 0, -f.backfillDays).Truncate(time.Hour)
	if latest, err := db.LatestMinute(ctx); err == nil && latest.Add(time.Minute).After(from) {
		from = latest.Add(time.Minute)
	}
	if !from.Before(now) {
		return now, nil
	}
	start := time.Now()
	n, err := simulate.Backfill(ctx, gen, db, from, now)
	if err != nil {
		return now, fmt.Errorf("backfill: %w", err)
	}
	logger.Info("history backfilled", "from", from.Format(time.RFC3339), "executions", n, "took", time.Since(start).Round(time.Millisecond))
	return from, nil
}

func simulateEstate(ctx context.Context, logger *slog.Logger, f simulateFlags) error {
	now := time.Now().UTC().Truncate(time.Minute)
	gen, _, err := estateGenerator(f, now)
	if err != nil {
		return err
	}
	if f.backfillDays > 0 {
		db, err := openWithRetry(ctx, logger, f.dsn)
		if err != nil {
			return err
		}
		_, err = db.Migrate(ctx)
		if err == nil {
			_, err = backfill(ctx, logger, db, f, gen, now)
		}
		db.Close()
		if err != nil {
			return err
		}
	}
	return live(ctx, logger, f, gen, now)
}

// live sends the estate's traffic from start on, until ctx ends.
func live(ctx context.Context, logger *slog.Logger, f simulateFlags, gen *simulate.Generator, start time.Time) error {
	exp, err := simulate.NewExporter(ctx, f.protocol, f.endpoint)
	if err != nil {
		return err
	}
	defer exp.Shutdown(context.Background())
	logger.Info("simulating live traffic", "integrations", len(gen.Profiles)-1, "shadow_flows", 1, "endpoint", f.endpoint)
	st, err := simulate.Live(ctx, gen, simulate.NewSpanBuilder(f.seed), simulate.LiveOptions{
		Exporter: exp, Logger: logger.With("component", "simulate"), Start: start,
	})
	logger.Info("simulation stopped", "spans_sent", st.Sent, "refused_requests", st.Refused, "given_up", st.GivenUp)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// snapshotCatalog stores a catalog load in ClickHouse unless the newest
// snapshot already has this version.
func snapshotCatalog(ctx context.Context, db *clickhouse.DB, c *catalog.Catalog, version string, cfg catalog.LintConfig) error {
	latest, err := db.LatestCatalogVersion(ctx)
	if err != nil || latest == version {
		return err
	}
	model, err := json.Marshal(ui.CatalogJSON(c))
	if err != nil {
		return err
	}
	var errs, warns uint32
	for _, f := range catalog.Lint(c, cfg, time.Now()) {
		switch f.Severity {
		case catalog.SeverityError:
			errs++
		case catalog.SeverityWarning:
			warns++
		}
	}
	return db.InsertCatalogSnapshot(ctx, clickhouse.CatalogSnapshot{
		TakenAt: time.Now(), Version: version, Teams: uint32(len(c.Teams)), Systems: uint32(len(c.Systems)),
		Integrations: uint32(len(c.Integrations)), SLOs: uint32(len(c.SLOs)), LintErrors: errs, LintWarnings: warns,
		Model: string(model),
	})
}

// latestArrival is the start of the latest minute with spans from the
// estate in the last hour (zero when none).
func latestArrival(ctx context.Context, db *clickhouse.DB) (time.Time, error) {
	now := time.Now().UTC().Truncate(time.Minute)
	ms, err := db.EstateMinutes(ctx, now.Add(-time.Hour), now.Add(time.Minute))
	if err != nil {
		return time.Time{}, err
	}
	var last time.Time
	for m, x := range ms {
		if x.Spans > 0 && m.After(last) {
			last = m
		}
	}
	return last, nil
}

// expectedPeriods are the periods on-call marked expected, as the anomaly
// evaluator leaves them out of learning.
func expectedPeriods(ctx context.Context, db *clickhouse.DB, from, to time.Time) (map[string][]anomaly.Period, error) {
	got, err := db.ExpectedPeriods(ctx, from, to)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]anomaly.Period, len(got))
	for id, ps := range got {
		for _, p := range ps {
			out[id] = append(out[id], anomaly.Period{From: p[0], To: p[1]})
		}
	}
	return out, nil
}
