// Package analyzer holds the analyses intops runs over rollups: SLOs and
// error budgets (slo), rate anomalies, estate findings and maturity.
package analyzer
