// Package report builds the leaders' reports — SLO attainment and
// integration maturity per month or quarter, per team and tier, with the
// trend against the previous periods — renders them as printable HTML,
// CSV and PDF, takes the daily maturity snapshots the trends read, and
// posts the scheduled digest.
package report
