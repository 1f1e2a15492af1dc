package simulate

import (
	"math"
	"slices"
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

// SystemIncident gives every profile of an integration that touches
// system (as its source or a target) the incident, as when the system is
// down, slow, or a credential its integrations share expires; it returns
// the integrations.
func SystemIncident(profiles []*Profile, system string, in Incident) []string {
	var out []string
	for _, p := range profiles {
		ig := p.Integration
		if ig.Source == system || slices.Contains(ig.Targets, system) {
			p.Incidents = append(p.Incidents, in)
			out = append(out, ig.ID)
		}
	}
	return out
}

// targetIncident gives the incident to the integrations that write to
// system (those that use its credential).
func targetIncident(profiles []*Profile, system string, in Incident) {
	for _, p := range profiles {
		if slices.Contains(p.Integration.Targets, system) {
			p.Incidents = append(p.Incidents, in)
		}
	}
}

// DemoIncidents gives the demo estate something to show, as estates fail:
// by system. In its history: SAP ERP down for 6 minutes two days ago at
// 14:00 UTC (every integration that touches it fails with unavailable),
// and the logistics partner gateway eight times slower for 20 minutes
// yesterday at 10:00. Live: the credential of the integrations that write
// to Salesforce CRM expires ten minutes from now for twenty (auth), and
// incident creation has silently dropped 15% since an hour and a half
// ago: long enough for the hour window to see it at the quietest hour of
// a weekend night, as the detectors need (a 15% drop of a flow of 100 a
// minute is within the noise of a quarter of an hour). The ingest outage
// of its history is DemoGaps.
func DemoIncidents(profiles []*Profile, now time.Time) {
	day := now.Truncate(24 * time.Hour)
	erp := day.Add(-2*24*time.Hour + 14*time.Hour)
	SystemIncident(profiles, "sap-erp", Incident{Name: "SAP ERP unavailable", From: erp, To: erp.Add(6 * time.Minute), ErrorRate: 1, Class: intops.ErrorUnavailable})
	gw := day.Add(-24*time.Hour + 10*time.Hour)
	SystemIncident(profiles, "logistics-partner-gateway", Incident{Name: "partner gateway slow", From: gw, To: gw.Add(20 * time.Minute), Latency: 8})
	targetIncident(profiles, "salesforce-crm", Incident{Name: "Salesforce integration credential expired", From: now.Add(10 * time.Minute), To: now.Add(30 * time.Minute), ErrorRate: 1, Class: intops.ErrorAuth})
	for _, p := range profiles {
		if p.Integration.ID == "monitoring-to-itsm-incidents" {
			p.Incidents = append(p.Incidents, Incident{Name: "15% fewer incidents created", From: now.Add(-90 * time.Minute), To: now.Add(6 * time.Hour), RateFactor: 0.85})
		}
	}
}

// DemoGaps is the demo history's ingest outage: the collector stopped for
// ten minutes five hours ago (on a whole minute).
func DemoGaps(now time.Time) []Gap {
	at := now.Add(-5 * time.Hour).Truncate(time.Minute)
	return []Gap{{Name: "collector stopped", From: at, To: at.Add(10 * time.Minute)}}
}
