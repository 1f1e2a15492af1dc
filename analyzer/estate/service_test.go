package estate_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/intops/intops/analyzer/estate"
	"github.com/intops/intops/catalog"
	"github.com/intops/intops/clickhouse"
)

type fakeStore struct {
	rows     []clickhouse.TrafficRow
	err      error
	calls    int
	from, to time.Time
}

func (s *fakeStore) Traffic(_ context.Context, from, to time.Time) ([]clickhouse.TrafficRow, error) {
	s.calls++
	s.from, s.to = from, to
	return s.rows, s.err
}

func TestServiceReadsThirtyDaysAndCachesAMinute(t *testing.T) {
	cat := parse(t, lifecycles)
	store := &fakeStore{rows: lifecycleTraffic}
	clock := now
	svc := &estate.Service{Store: store, Catalog: func() *catalog.Catalog { return cat }, Now: func() time.Time { return clock }}
	ctx := context.Background()
	fs, err := svc.Findings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(estate.Filter(fs, estate.KindZombie)) != 4 || len(estate.Filter(fs, estate.KindComplexity)) != 1 {
		t.Errorf("findings %v", ids(fs))
	}
	if store.calls != 1 || store.to.Sub(store.from) != 30*24*time.Hour || !store.to.After(now) || store.to.Sub(now) > time.Hour {
		t.Errorf("%d reads of [%v, %v)", store.calls, store.from, store.to)
	}
	clock = now.Add(59 * time.Second)
	if _, err := svc.Impact(ctx, "sap-erp"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Findings(ctx); err != nil || store.calls != 1 {
		t.Errorf("within the minute: %d reads, %v", store.calls, err)
	}
	clock = now.Add(61 * time.Second)
	if _, err := svc.Findings(ctx); err != nil || store.calls != 2 {
		t.Errorf("after the minute: %d reads, %v", store.calls, err)
	}

	// An unknown system is known without reading traffic.
	if _, err := svc.Impact(ctx, "nowhere"); !errors.Is(err, estate.ErrUnknownSystem) || store.calls != 2 {
		t.Errorf("unknown system: %v after %d reads", err, store.calls)
	}

	// Failures are returned, not cached.
	store.err = errors.New("connection refused")
	clock = now.Add(5 * time.Minute)
	if _, err := svc.Findings(ctx); err == nil {
		t.Error("want the store's error")
	}
	store.err = nil
	if _, err := svc.Findings(ctx); err != nil || store.calls != 4 {
		t.Errorf("after a failure: %d reads, %v", store.calls, err)
	}

	// A longer zombie threshold reads further back.
	long := &estate.Service{Store: store, Catalog: func() *catalog.Catalog { return cat }, Now: func() time.Time { return now }, ZombieAfter: 45 * 24 * time.Hour}
	if _, err := long.Findings(ctx); err != nil || store.to.Sub(store.from) != 45*24*time.Hour {
		t.Errorf("read [%v, %v), %v", store.from, store.to, err)
	}
}

func TestServiceWithoutCatalog(t *testing.T) {
	svc := &estate.Service{Store: &fakeStore{}, Catalog: func() *catalog.Catalog { return nil }}
	if _, err := svc.Findings(context.Background()); err == nil {
		t.Error("want an error without a catalog")
	}
}
