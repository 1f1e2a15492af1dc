package ui

import (
	"github.com/intops/intops/ui/internal/web"
	"github.com/intops/intops/ui/reports"
)

// Store is what the server reads from ClickHouse.
type Store = web.Store

// CatalogSource is the catalog the server serves and how its last load went.
type CatalogSource = web.CatalogSource

// SLOSource is the SLO evaluator as the API reads it.
type SLOSource = web.SLOSource

// AnomalySource is the anomaly evaluator as the API reads it.
type AnomalySource = web.AnomalySource

// FindingsSource is the estate analysis as the API reads it.
type FindingsSource = web.FindingsSource

// AlertsSource is the alerting manager as the API reads and drives it.
type AlertsSource = web.AlertsSource

// MaturitySource scores the estate and its teams.
type MaturitySource = reports.MaturitySource

// ReportSource builds the leaders' reports (report.Service does).
type ReportSource = reports.ReportSource
