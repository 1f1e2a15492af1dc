package report

import (
	"context"
	"errors"
	"math"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/alerting"
	"github.com/intops/intops/analyzer/maturity"
	"github.com/intops/intops/catalog"
)

// Store is what reports read from ClickHouse (ClickHouse).
type Store interface {
	RollupReader
	// EarliestHour is where the hourly history begins.
	EarliestHour(ctx context.Context) (time.Time, error)
	MaturitySnapshots(ctx context.Context, from, to time.Time) ([]intops.MaturitySnapshot, error)
}

// IncidentSource lists the incidents opened in a period
// (alerting.Manager does).
type IncidentSource interface {
	Opened(ctx context.Context, from, to time.Time) ([]alerting.Incident, error)
}

var _ IncidentSource = (*alerting.Manager)(nil)

// DefaultTrend is how many periods before the report's a trend shows.
const DefaultTrend = 3

// Service builds the reports from the platform's data.
type Service struct {
	Store     Store
	Catalog   func() *catalog.Catalog
	Incidents IncidentSource // nil: no incidents
	Model     maturity.Model // zero: maturity.Default()
	Location  *time.Location // the estate's time zone; nil: UTC
	Now       func() time.Time
	Trend     int // periods before the report's in the trend; 0: DefaultTrend
}

// Errors a caller shows as a bad request.
var (
	// ErrNotStarted: the period has not begun yet.
	ErrNotStarted = errors.New("period has not started")
	// ErrNoSnapshots: no maturity snapshot was taken in the period.
	ErrNoSnapshots = errors.New("no maturity snapshot")
)

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Loc is the estate's time zone, in which periods are read.
func (s *Service) Loc() *time.Location {
	if s.Location == nil {
		return time.UTC
	}
	return s.Location
}

func (s *Service) trend() int {
	if s.Trend > 0 {
		return s.Trend
	}
	return DefaultTrend
}

func (s *Service) model() maturity.Model {
	if len(s.Model.Criteria) == 0 {
		return maturity.Default()
	}
	return s.Model
}

// Default is the period a report shows when none is asked for: the last
// complete month.
func (s *Service) Default() Period { return LastComplete(Month, s.now(), s.Loc()) }

// Parse reads a period in the estate's time zone ("" is Default()).
func (s *Service) Parse(period string) (Period, error) {
	if period == "" {
		return s.Default(), nil
	}
	return ParsePeriod(period, s.Loc())
}

// round keeps six significant decimals and turns NaN and infinities into
// zeros, so that JSON can carry every figure.
func round(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0
	}
	return math.Round(x*1e6) / 1e6
}

func ptr(x float64) *float64 {
	x = round(x)
	return &x
}

func minutes(d time.Duration) float64 { return round(d.Minutes()) }
