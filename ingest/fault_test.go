package ingest_test

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/intops/intops/clickhouse/chtest"
	"github.com/intops/intops/ingest/ingesttest"
)

// A ClickHouse outage delays spans and loses none: the server is stopped
// for 30 s during a steady stream and started again.
func TestClickHouseOutageLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("takes a minute; run without -short")
	}
	srv := chtest.Shared(t)
	db := srv.Open(t)
	col := ingesttest.Start(t, ingesttest.Options{DSN: srv.DSN(db.Database())})

	s := &stream{acked: map[string]bool{}}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		s.run(t, col.GRPCEndpoint, 100, 200, 50*time.Millisecond, stop)
		close(done)
	}()
	time.Sleep(5 * time.Second)
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	t.Log("ClickHouse stopped")
	time.Sleep(30 * time.Second)
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Log("ClickHouse started again")
	time.Sleep(5 * time.Second)
	close(stop)
	<-done
	checkAcked(t, db, s, true)
}

// A collector killed with SIGKILL mid-stream and restarted on the same
// storage directory stores every span it had acknowledged.
func TestCollectorCrashLosesNothing(t *testing.T) {
	srv := chtest.Shared(t)
	db := srv.Open(t)
	opts := ingesttest.Options{Dir: t.TempDir(), DSN: srv.DSN(db.Database()), FSync: true}
	cfg, err := ingesttest.WriteConfig(&opts)
	if err != nil {
		t.Fatal(err)
	}
	startChild := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "INTOPS_TEST_COLLECTOR="+cfg)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		if err := ingesttest.WaitPort(opts.GRPCEndpointAddr(), exited, 30*time.Second); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	child := startChild()
	s := &stream{acked: map[string]bool{}}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		s.run(t, opts.GRPCEndpointAddr, 200, 500, 20*time.Millisecond, stop)
		close(done)
	}()
	time.Sleep(4 * time.Second)
	if err := child.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	t.Log("collector killed")
	time.Sleep(500 * time.Millisecond)
	child = startChild()
	t.Log("collector restarted on the same storage")
	time.Sleep(3 * time.Second)
	close(stop)
	<-done
	// At least once: a batch being inserted at the moment of the kill is
	// sent again after the restart (see docs/conventions.md, delivery).
	checkAcked(t, db, s, false)
	_ = child.Process.Signal(os.Interrupt)
	_, _ = child.Process.Wait()
}
