package web

import (
	"context"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/alerting"
	"github.com/intops/intops/analyzer/anomaly"
	"github.com/intops/intops/analyzer/estate"
	"github.com/intops/intops/analyzer/slo"
	"github.com/intops/intops/catalog"
)

// Store is what the server reads from ClickHouse.
type Store interface {
	IntegrationCounts(ctx context.Context, from, to time.Time) (map[string]intops.Traffic, error)
	// Minutes and Hours read the per-minute and hourly rollups (the
	// integration page's chart).
	Minutes(ctx context.Context, integrations []string, from, to time.Time) (map[string][]intops.Bucket, error)
	Hours(ctx context.Context, integrations []string, from, to time.Time) (map[string][]intops.Bucket, error)
	Ping(ctx context.Context) error
}

// CatalogSource is the catalog the server serves and how its last load went.
type CatalogSource interface {
	Current() *catalog.Catalog
	Status() catalog.Status
}

// SLOSource is the SLO evaluator as the API reads it.
type SLOSource interface {
	Results() []slo.Status
	History(ctx context.Context, name string, from, to time.Time) ([]slo.Point, error)
}

// AnomalySource is the anomaly evaluator as the API reads it.
type AnomalySource interface {
	Open() []anomaly.Status
	Recent() []anomaly.Status
}

// FindingsSource is the estate analysis as the API reads it.
type FindingsSource interface {
	Findings(ctx context.Context) ([]estate.Finding, error)
	Impact(ctx context.Context, systemID string) (*estate.SystemImpact, error)
}

var _ FindingsSource = (*estate.Service)(nil)

// AlertsSource is the alerting manager as the API reads and drives it.
type AlertsSource interface {
	Incidents(ctx context.Context, since time.Time) (open, recent []alerting.IncidentStatus, err error)
	Acknowledge(ctx context.Context, id, actor string) error
	Resolve(ctx context.Context, id, actor string) error
	Silence(ctx context.Context, r alerting.SilenceRequest) (alerting.Silence, error)
	Silences(ctx context.Context) ([]alerting.Silence, error)
	Windows(ctx context.Context, within time.Duration) ([]alerting.Window, error)
	Expire(ctx context.Context, id, actor string) error
	Merge(ctx context.Context, into, from, actor string) error
	Split(ctx context.Context, id, integration, actor string) error
	Stats(ctx context.Context, since time.Time) ([]alerting.TeamStats, error)
}

var _ AlertsSource = (*alerting.Manager)(nil)
