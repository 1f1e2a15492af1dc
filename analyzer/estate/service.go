package estate

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/catalog"
)

// TrafficStore reads the traffic summary (ClickHouse implements it).
type TrafficStore interface {
	Traffic(ctx context.Context, from, to time.Time) ([]intops.Traffic, error)
}

const (
	// TrafficWindow is how much traffic the Service reads: the volumes and
	// first/last seen of its findings cover it.
	TrafficWindow = 30 * 24 * time.Hour
	// TrafficCacheTTL is how long the Service reuses the traffic it read.
	TrafficCacheTTL = 60 * time.Second
)

// Service runs the analyses over the current catalog and the traffic of
// the last 30 days (or ZombieAfter, when longer), reading the traffic at
// most once a minute.
type Service struct {
	Store   TrafficStore
	Catalog func() *catalog.Catalog
	Now     func() time.Time // nil: time.Now
	// ZombieAfter is Config.ZombieAfter (zero: 7 days).
	ZombieAfter time.Duration

	mu       sync.Mutex
	traffic  []intops.Traffic
	readAt   time.Time
	hasCache bool
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) current() (*catalog.Catalog, error) {
	if s.Catalog == nil {
		return nil, errors.New("estate: no catalog")
	}
	c := s.Catalog()
	if c == nil {
		return nil, errors.New("estate: no catalog loaded")
	}
	return c, nil
}

// Findings returns every finding, most severe first.
func (s *Service) Findings(ctx context.Context) ([]Finding, error) {
	cat, err := s.current()
	if err != nil {
		return nil, err
	}
	now := s.now()
	traffic, err := s.read(ctx, now)
	if err != nil {
		return nil, err
	}
	return Analyze(cat, traffic, now, Config{ZombieAfter: s.ZombieAfter}), nil
}

// Impact returns the system's blast radius; an unknown system is an
// ErrUnknownSystem.
func (s *Service) Impact(ctx context.Context, systemID string) (*SystemImpact, error) {
	cat, err := s.current()
	if err != nil {
		return nil, err
	}
	if _, err := Impact(cat, systemID, nil); err != nil {
		return nil, err // unknown: no need to read traffic
	}
	traffic, err := s.read(ctx, s.now())
	if err != nil {
		return nil, err
	}
	return Impact(cat, systemID, traffic)
}

// read returns the traffic of the window ending with the current hour,
// reusing what was read less than TrafficCacheTTL ago.
func (s *Service) read(ctx context.Context, now time.Time) ([]intops.Traffic, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hasCache && now.Sub(s.readAt) < TrafficCacheTTL && !now.Before(s.readAt) {
		return s.traffic, nil
	}
	window := TrafficWindow
	if s.ZombieAfter > window {
		window = s.ZombieAfter
	}
	to := now.UTC().Truncate(time.Hour).Add(time.Hour)
	rows, err := s.Store.Traffic(ctx, to.Add(-window), to)
	if err != nil {
		return nil, err
	}
	s.traffic, s.readAt, s.hasCache = rows, now, true
	return rows, nil
}
