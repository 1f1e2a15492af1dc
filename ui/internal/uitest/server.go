package uitest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/intops/intops/clickhouse"
)

// Get serves a GET request and returns the response and its body.
func Get(t testing.TB, srv http.Handler, path string) (*http.Response, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	body, _ := io.ReadAll(rec.Result().Body)
	return rec.Result(), string(body)
}

// DownStore is a ClickHouse that does not answer.
type DownStore struct{}

// IntegrationCounts fails.
func (DownStore) IntegrationCounts(context.Context, time.Time, time.Time) (map[string]clickhouse.Counts, error) {
	return nil, errors.New("dial tcp 127.0.0.1:9000: connection refused")
}

// Minutes fails.
func (DownStore) Minutes(context.Context, []string, time.Time, time.Time) (map[string][]clickhouse.MinuteCounts, error) {
	return nil, errors.New("connection refused")
}

// Hours fails.
func (DownStore) Hours(context.Context, []string, time.Time, time.Time) (map[string][]clickhouse.MinuteCounts, error) {
	return nil, errors.New("connection refused")
}

// Ping fails.
func (DownStore) Ping(context.Context) error { return errors.New("connection refused") }

// SlowCounts is an EstateStore whose counts take a while and are counted.
type SlowCounts struct {
	EstateStore
	Reads atomic.Int32
}

// IntegrationCounts counts the read and answers after 50 ms.
func (s *SlowCounts) IntegrationCounts(ctx context.Context, from, to time.Time) (map[string]clickhouse.Counts, error) {
	s.Reads.Add(1)
	time.Sleep(50 * time.Millisecond)
	return s.EstateStore.IntegrationCounts(ctx, from, to)
}
