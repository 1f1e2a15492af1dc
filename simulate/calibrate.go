package simulate

import (
	"math"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/catalog"
)

// Calibrate adjusts profiles so that, in normal operation, every
// integration meets its SLOs with room to spare: error rates well inside
// the budget, latencies well under thresholds, batch runs well within
// freshness limits, volumes above throughput floors at the quietest hour.
// Only incidents then burn budgets, as in a healthy estate.
func Calibrate(profiles []*Profile, cat *catalog.Catalog) {
	byID := map[string]*Profile{}
	for _, p := range profiles {
		byID[p.Integration.ID] = p
	}
	for _, s := range cat.SLOs {
		p := byID[s.Integration]
		if p == nil || s.NotEvaluated != "" || !(s.Objective > 0 && s.Objective < 1) {
			continue
		}
		sli := s.Indicator
		if sli.Kind == "" {
			if ref := cat.SLIs[sli.Name]; ref != nil {
				sli = *ref
			}
		}
		switch sli.Kind {
		case intops.SLISuccessRatio:
			p.ErrorRate = math.Min(p.ErrorRate, (1-s.Objective)/5)
		case intops.SLILatency:
			if max := sli.Threshold / 6; p.MedianLatency > max {
				p.MedianLatency = max
			}
			p.ErrorRate = math.Min(p.ErrorRate, (1-s.Objective)/10) // timeouts are slow too
		case intops.SLIFreshness:
			if p.Every == 0 || p.Every > sli.Threshold/2 {
				p.Every = sli.Threshold / 2
			}
			if p.MedianLatency > sli.Threshold/8 {
				p.MedianLatency = sli.Threshold / 8
			}
			p.ErrorRate = math.Min(p.ErrorRate, (1-s.Objective)/5)
		case intops.SLIThroughput:
			const quietest = 0.15 * 0.35 // a weekend night's share of the peak
			if p.Every > 30*time.Minute {
				p.Every = 30 * time.Minute
			}
			perHour := 60 * p.PeakPerMinute * quietest
			if p.Every > 0 {
				perHour = float64(time.Hour) / float64(p.Every)
			}
			if perHour > 0 {
				p.Records = math.Max(p.Records, 1.5*sli.Floor/perHour/(1-p.ErrorRate))
			}
		}
	}
}

// DemoIncidents gives the demo estate something to show: a 6-minute ERP
// outage two days ago (resolved, about half of a week's 99.9% budget), a credential expiry that starts ten minutes
// from now and lasts twenty, and a silent 15% drop of incident creation
// that began half an hour ago.
func DemoIncidents(profiles []*Profile, now time.Time) {
	for _, p := range profiles {
		switch p.Integration.ID {
		case "shop-to-erp-orders":
			at := now.Truncate(24 * time.Hour).Add(-2*24*time.Hour + 14*time.Hour)
			p.Incidents = append(p.Incidents, Incident{Name: "ERP unavailable", From: at, To: at.Add(6 * time.Minute), ErrorRate: 1, Class: intops.ErrorUnavailable})
		case "crm-to-erp-customers":
			p.Incidents = append(p.Incidents, Incident{Name: "expired OAuth token", From: now.Add(10 * time.Minute), To: now.Add(30 * time.Minute), ErrorRate: 0.3, Class: intops.ErrorAuth})
		case "monitoring-to-itsm-incidents":
			p.Incidents = append(p.Incidents, Incident{Name: "15% fewer incidents created", From: now.Add(-30 * time.Minute), To: now.Add(6 * time.Hour), RateFactor: 0.85})
		}
	}
}
