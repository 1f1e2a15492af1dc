// Command intops is the single intops binary: collector, server,
// simulator, migrations and the all-in-one demo.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/intops/intops/clickhouse"
)

const usage = `intops: integration observability and SLOs

Usage: intops <command> [flags]

Commands:
  demo       run everything on this machine: a managed ClickHouse, the
             collector, the server and a simulated estate
  collector  run the OpenTelemetry Collector distribution (--config FILE)
  server     serve the API, /healthz and /metrics
  simulate   send a catalog's simulated traffic over OTLP, and backfill history
  migrate    apply the ClickHouse schema migrations
  catalog    lint DIR [--format text|json|sarif]: check the estate catalog
             import backstage DIR|FILE, import csv FILE: write catalog YAML
             import sloth|pyrra FILE [--out DIR]: write OpenSLO from Sloth or Pyrra
  slo        rules --catalog DIR: Prometheus recording and alerting rules
  anomaly    score --input FILE.csv: anomaly scores of a timestamp,value series
             eval: the detectors' accuracy on the simulator's incidents
  report     slo|maturity --period 2026-10 --format html|csv|pdf --out FILE:
             the leaders' reports, from ClickHouse and the catalog
  version    print the version

Run 'intops <command> -h' for a command's flags.
`

var version = "0.1.0"

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	cmd, args := os.Args[1], os.Args[2:]
	var err error
	switch cmd {
	case "demo":
		err = runDemo(ctx, logger, args)
	case "collector":
		err = runCollector(ctx, args)
	case "server":
		err = runServer(ctx, logger, args)
	case "simulate":
		err = runSimulate(ctx, logger, args)
	case "migrate":
		err = runMigrate(ctx, logger, args)
	case "catalog":
		err = runCatalog(ctx, args, os.Stdout)
	case "slo":
		err = runSLO(args, os.Stdout)
	case "anomaly":
		err = runAnomaly(ctx, args, os.Stdout)
	case "report":
		err = runReport(ctx, args, os.Stdout)
	case "version":
		fmt.Println("intops", version)
	case "-h", "--help", "help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "intops: unknown command %q\n\n%s", cmd, usage)
		os.Exit(2)
	}
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	var le lintExit
	if errors.As(err, &le) {
		os.Exit(le.code)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "intops %s: %v\n", cmd, err)
		var ue usageError
		var un unusable
		if errors.As(err, &ue) || errors.As(err, &un) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// usageError is a bad command line: exit code 2.
type usageError struct{ error }

func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("intops "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parse parses args, printing help on -h and reporting bad flags as usage
// errors.
func parse(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(os.Stdout)
		fs.PrintDefaults()
		return err
	}
	if err != nil {
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
}

// clickhouseFlags registers --clickhouse (the DSN) and
// --clickhouse-cluster; after parsing, the returned function gives the DSN
// with the cluster in it (cluster mode of the tables, docs/operations.md).
func clickhouseFlags(fs *flag.FlagSet, usage string) func() string {
	dsn := fs.String("clickhouse", envOr("INTOPS_CLICKHOUSE_DSN", defaultDSN), usage+" (env INTOPS_CLICKHOUSE_DSN)")
	cluster := fs.String("clickhouse-cluster", os.Getenv("INTOPS_CLICKHOUSE_CLUSTER"), "the ClickHouse `cluster` (remote_servers) to spread the tables over: replicated tables sharded by integration, read and written through Distributed tables (env INTOPS_CLICKHOUSE_CLUSTER; default: one server)")
	return func() string { return clickhouse.WithCluster(*dsn, *cluster) }
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
