package intops

import (
	"errors"
	"fmt"
	"time"
)

// Verdict is on-call's judgement of an anomaly episode.
type Verdict string

// The verdicts an anomaly episode can be marked with.
const (
	// VerdictExpected: the change was real but planned (a release, a
	// holiday, a migration); its period is left out of learning.
	VerdictExpected Verdict = "expected"
	// VerdictNotAnomaly: a false alarm of the detectors.
	VerdictNotAnomaly Verdict = "not_anomaly"
)

// MaxFeedbackNote is the longest note a mark may carry, in bytes.
const MaxFeedbackNote = 2000

// AnomalyFeedback is a mark on one anomaly episode: the episode is an
// integration's signal (e.g. executions/low) from Start to End (zero
// while it is open). A later mark of the same episode replaces the
// earlier.
type AnomalyFeedback struct {
	Integration string
	Signal      string
	Start       time.Time
	End         time.Time // zero: still open
	Verdict     Verdict
	Note        string
	User        string
	At          time.Time // when it was marked
}

// Validate says what is wrong with a mark, every problem joined.
func (f AnomalyFeedback) Validate() error {
	var errs []error
	if f.Integration == "" {
		errs = append(errs, errors.New("integration is required"))
	}
	if f.Signal == "" {
		errs = append(errs, errors.New("signal is required"))
	}
	if f.Verdict != VerdictExpected && f.Verdict != VerdictNotAnomaly {
		errs = append(errs, fmt.Errorf("verdict %q is unknown (want %s or %s)", f.Verdict, VerdictExpected, VerdictNotAnomaly))
	}
	if f.Start.IsZero() {
		errs = append(errs, errors.New("start is required"))
	}
	if !f.End.IsZero() && f.End.Before(f.Start) {
		errs = append(errs, errors.New("end is before start"))
	}
	if len(f.Note) > MaxFeedbackNote {
		errs = append(errs, fmt.Errorf("note is %d bytes, at most %d", len(f.Note), MaxFeedbackNote))
	}
	return errors.Join(errs...)
}

// Until is when the marked period ends: End, or now while the episode is
// still open.
func (f AnomalyFeedback) Until(now time.Time) time.Time {
	if f.End.IsZero() {
		return now
	}
	return f.End
}

// FeedbackQuery selects marks on anomaly episodes.
type FeedbackQuery struct {
	Integration string    // all when empty
	Since       time.Time // episodes that end (or are open) at or after this, when set
}
