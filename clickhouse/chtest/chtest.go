// Package chtest starts a throwaway clickhouse-server for tests, shared by
// every test of a package, and fails loudly when the binary is missing.
package chtest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/intops/intops/clickhouse"
	"github.com/intops/intops/internal/testtier"
)

// Server is the package's throwaway ClickHouse.
type Server struct {
	*clickhouse.Local
}

var (
	mu     sync.Mutex
	shared *Server
	dbSeq  atomic.Int64
)

// Main runs the package's tests and stops the shared server afterwards.
// Call it from TestMain: func TestMain(m *testing.M) { chtest.Main(m) }.
func Main(m *testing.M) {
	code := m.Run()
	mu.Lock()
	if shared != nil {
		_ = shared.Stop()
		_ = os.RemoveAll(shared.Dir)
	}
	mu.Unlock()
	os.Exit(code)
}

// Shared returns the package's server, starting it on first use.
func Shared(t testing.TB) *Server {
	t.Helper()
	testtier.NeedsServer(t, "a ClickHouse server")
	mu.Lock()
	defer mu.Unlock()
	if shared != nil {
		return shared
	}
	dir, err := os.MkdirTemp("", "intops-chtest-")
	if err != nil {
		t.Fatalf("chtest: %v", err)
	}
	s := &Server{Local: &clickhouse.Local{Dir: dir}}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	start := time.Now()
	if err := s.Start(ctx); err != nil {
		os.RemoveAll(dir)
		t.Fatalf("chtest: cannot start a ClickHouse server for the tests: %v", err)
	}
	t.Logf("chtest: clickhouse-server on 127.0.0.1:%d started in %v", s.TCPPort, time.Since(start).Round(time.Millisecond))
	shared = s
	return s
}

// NewDatabase returns the DSN of a database name no other test uses.
func (s *Server) NewDatabase(t testing.TB) string {
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, t.Name())
	if len(name) > 40 {
		name = name[:40]
	}
	return s.DSN(fmt.Sprintf("t%d_%s", dbSeq.Add(1), name))
}

// Open connects to a fresh database and applies the migrations.
func (s *Server) Open(t testing.TB) *clickhouse.DB {
	t.Helper()
	ctx := context.Background()
	db, err := clickhouse.Open(ctx, s.NewDatabase(t))
	if err != nil {
		t.Fatalf("chtest: open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("chtest: migrate: %v", err)
	}
	return db
}
