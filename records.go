package intops

import "time"

// MaturitySnapshot is one scope's maturity on one day.
type MaturitySnapshot struct {
	Day     time.Time // the day's date, at 00:00 UTC
	Scope   string    // "estate" or a team
	TakenAt time.Time
	Level   int
	// Dimensions are each dimension's level; Evidence the measured values
	// the levels were scored from, by measure.
	Dimensions map[string]int
	Evidence   map[string]float64
}

// DigestRecord is one step of posting a report digest.
type DigestRecord struct {
	At      time.Time
	Period  string // 2026-10, 2026-Q3
	Channel string // as configured
	// Status: posted (the message is up, its file not yet attached), sent
	// (done) or failed (to be retried).
	Status string
	// RefChannel and RefTS are where the posted message is.
	RefChannel, RefTS string
	Error             string
}
