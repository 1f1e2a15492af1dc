package slo

import (
	"time"

	"github.com/intops/intops"
)

// Severity of a burn-rate alert (intops.Severity).
type Severity = intops.Severity

// The burn-rate alerts' severities.
const (
	Page   = intops.SeverityPage
	Ticket = intops.SeverityTicket
)

// AlertWindow is one multiwindow burn-rate condition: it fires when the
// burn rate over both the long and the short window is at least Factor.
type AlertWindow struct {
	Severity Severity
	Factor   float64       // burn rate threshold, × the sustainable rate
	Long     time.Duration // lookback window
	Short    time.Duration // confirms the burn is still going on
}

// SREWorkbook are the SRE Workbook's defaults for a 30-day SLO window.
var SREWorkbook = []AlertWindow{
	{Page, 14.4, time.Hour, 5 * time.Minute},   // 2% of the budget in an hour
	{Page, 6, 6 * time.Hour, 30 * time.Minute}, // 5% of the budget in six hours
	{Ticket, 3, 24 * time.Hour, 2 * time.Hour}, // 10% of the budget in a day
	{Ticket, 1, 72 * time.Hour, 6 * time.Hour}, // 10% of the budget in three days
}

const thirtyDays = 30 * 24 * time.Hour

// Windows scales the SRE Workbook windows to an SLO period: a 7-day SLO
// looks back over proportionally shorter windows with the same factors,
// so each row still means the same share of the budget. Windows are
// rounded to whole minutes, the rollups' resolution.
func Windows(period time.Duration) []AlertWindow {
	out := make([]AlertWindow, len(SREWorkbook))
	for i, w := range SREWorkbook {
		out[i] = w
		if period > 0 && period != thirtyDays {
			scale := float64(period) / float64(thirtyDays)
			out[i].Long = max(time.Minute, time.Duration(float64(w.Long)*scale).Round(time.Minute))
			out[i].Short = max(time.Minute, time.Duration(float64(w.Short)*scale).Round(time.Minute))
		}
	}
	return out
}
