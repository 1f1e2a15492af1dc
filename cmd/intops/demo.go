package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/intops/intops/clickhouse"
	"github.com/intops/intops/ingest"
	"github.com/intops/intops/simulate"
)

// defaultHistoryDays of demo history cover the last complete month and
// the three before it on any day: the reports' trend.
const defaultHistoryDays = 155

// runDemo runs the whole platform on this machine: a managed
// clickhouse-server under --dir (unless INTOPS_CLICKHOUSE_DSN names one),
// the collector, the server and the simulator with backfilled history.
func runDemo(ctx context.Context, logger *slog.Logger, args []string) error {
	fs := newFlags("demo")
	var srv serverFlags
	srv.register(fs)
	dir := fs.String("dir", "var", "`dir` for ClickHouse data, the collector queue and logs")
	days := fs.Int("backfill-days", 7, "`days` of per-minute history to backfill")
	historyDays := fs.Int("history-days", defaultHistoryDays, "`days` of history for reports and trends: hourly before the per-minute days, with past incidents and daily maturity snapshots")
	chPort := fs.Int("clickhouse-port", 19000, "native `port` of the managed ClickHouse")
	grpcPort := fs.Int("otlp-grpc-port", 4317, "OTLP gRPC `port`")
	httpPort := fs.Int("otlp-http-port", 4318, "OTLP HTTP `port`")
	incidents := fs.Bool("incidents", true, "simulate the demo's incidents: past outages in the history, a live credential expiry and a volume drop (false: a quiet estate)")
	outage := fs.Duration("collector-outage", 0, "stop the demo's collector once for this `long`, to watch intops see that it is blind and recover (0: never)")
	outageAfter := fs.Duration("collector-outage-after", 5*time.Minute, "how `long` after the collector starts the --collector-outage begins")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := srv.Validate(); err != nil {
		return usageError{err}
	}
	if *outage < 0 || *outageAfter < 0 {
		return usageError{fmt.Errorf("--collector-outage %s, --collector-outage-after %s: want durations of 0 or more", *outage, *outageAfter)}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	srv.dsn = os.Getenv("INTOPS_CLICKHOUSE_DSN")
	if srv.dsn == "" {
		chDir := filepath.Join(*dir, "clickhouse")
		if err := os.MkdirAll(filepath.Join(chDir, "log"), 0o750); err != nil {
			return err
		}
		out, err := os.OpenFile(filepath.Join(chDir, "log", "console.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
		if err != nil {
			return err
		}
		defer out.Close()
		local := &clickhouse.Local{Dir: chDir, TCPPort: *chPort, HTTPPort: *chPort + 1, Stdout: out}
		logger.Info("starting a local ClickHouse", "dir", chDir, "port", *chPort)
		if err := local.Start(ctx); err != nil {
			if errors.Is(err, clickhouse.ErrNoServer) {
				return fmt.Errorf("%w\n  as root: apt-get install clickhouse-server (make demo does this)\n  or point intops at a ClickHouse server: INTOPS_CLICKHOUSE_DSN=clickhouse://host:9000/intops", err)
			}
			return err
		}
		defer func() {
			logger.Info("stopping ClickHouse")
			_ = local.Stop()
		}()
		srv.dsn = local.DSN("intops")
	}
	db, err := openWithRetry(ctx, logger, srv.dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	applied, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	logger.Info("schema ready", "applied", applied)

	// History first, so that the first look at the UI and the first SLO
	// evaluation see a week of it, and the reports months.
	sim := simulateFlags{catalog: srv.catalog, endpoint: fmt.Sprintf("127.0.0.1:%d", *grpcPort), protocol: "grpc",
		dsn: srv.dsn, backfillDays: *days, seed: uint64(time.Now().UnixNano()), incidents: *incidents}
	simStart := time.Now().UTC().Truncate(time.Minute)
	gen, cat, err := estateGenerator(sim, simStart)
	if err != nil {
		return err
	}
	hist := simulate.History{Catalog: cat, From: simStart.AddDate(0, 0, -max(*historyDays, *days)).Truncate(24 * time.Hour), To: simStart}
	// Incidents of the hourly history (the per-minute days have the
	// demo's own); a fixed seed, as the simulated estate's is its own.
	var past []simulate.PastIncident
	if *incidents {
		past = hist.PastIncidents(gen.Profiles, simStart.AddDate(0, 0, -*days), 1)
	}
	if err := demoHistory(ctx, logger, db, sim, srv, gen, hist, past, simStart); err != nil {
		return err
	}
	// The minutes the history took to write are history too: written
	// now, so that live traffic starts where they end and intops never
	// sees a gap (or a backlog) at start.
	liveStart := time.Now().UTC().Truncate(time.Minute)
	if _, err := backfill(ctx, logger, db, sim, gen, liveStart); err != nil {
		return err
	}

	colCfg := ingest.LocalConfig{
		Dir: filepath.Join(*dir, "collector"), DSN: srv.dsn, Catalog: srv.catalog,
		GRPCPort: *grpcPort, HTTPPort: *httpPort, FSync: true,
	}
	if err := os.MkdirAll(colCfg.Dir, 0o750); err != nil {
		return err
	}
	colPath, err := colCfg.Write()
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	errc := make(chan error, 3)
	run := func(name string, f func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(); err != nil && ctx.Err() == nil {
				errc <- fmt.Errorf("%s: %w", name, err)
			}
		}()
	}
	run("collector", func() error { return demoCollector(ctx, logger, colPath, *outageAfter, *outage) })
	ready := make(chan string, 1)
	run("server", func() error { return serve(ctx, logger, srv, ready) })
	select {
	case addr := <-ready:
		fmt.Fprintf(os.Stderr, "\n  intops demo is running: http://%s  (API: http://%s/api/v1/integrations)\n  OTLP: grpc 127.0.0.1:%d, http 127.0.0.1:%d. Ctrl-C stops everything.\n\n", addr, addr, *grpcPort, *httpPort)
	case err := <-errc:
		cancel()
		wg.Wait()
		return err
	case <-ctx.Done():
	}
	// Let the collector's receivers come up before the simulator sends.
	time.Sleep(time.Second)
	run("simulate", func() error { return live(ctx, logger, sim, gen, liveStart) })
	var runErr error
	select {
	case runErr = <-errc:
		logger.Error("demo component failed; stopping", "err", runErr)
	case <-ctx.Done():
		logger.Info("stopping")
	}
	cancel()
	wg.Wait()
	return runErr
}

// demoCollector runs the collector; with an outage, it stops it after
// the given time for that long (the simulator keeps what it could not
// send and sends it when the collector is back), then runs it again.
func demoCollector(ctx context.Context, logger *slog.Logger, config string, after, outage time.Duration) error {
	if outage <= 0 {
		return ingest.Run(ctx, config)
	}
	first, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- ingest.Run(first, config) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return <-done
	case <-time.After(after):
	}
	stop()
	if err := <-done; err != nil {
		return err
	}
	logger.Warn("collector stopped for the demo's outage", "for", outage, "until", time.Now().Add(outage).Format(time.TimeOnly))
	select {
	case <-ctx.Done():
		return nil
	case <-time.After(outage):
	}
	logger.Warn("collector started again after the demo's outage")
	return ingest.Run(ctx, config)
}
