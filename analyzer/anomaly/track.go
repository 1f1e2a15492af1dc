package anomaly

import "time"

// Episode is one anomaly from the evaluation it was first found to the one
// after which it was gone for Hold.
type Episode struct {
	Key     string
	Anomaly Anomaly // the latest evidence
	Opened  time.Time
	Seen    time.Time // last found
	Closed  time.Time // zero while open
}

// Tracker turns each evaluation's anomalies into episodes: an anomaly
// opens when found, stays open while found again within Hold, and closes
// after Hold without it, so that a flapping signal is one episode. A drop
// or spike that lasts LevelAfter becomes a level shift.
type Tracker struct {
	Hold       time.Duration // default 10 min
	LevelAfter time.Duration // default 3 h
	open       map[string]*Episode
}

// Open returns the open episodes.
func (t *Tracker) Open() []Episode {
	out := make([]Episode, 0, len(t.open))
	for _, e := range t.open {
		out = append(out, *e)
	}
	return out
}

// Restore reopens an episode (after a restart, from the event log).
func (t *Tracker) Restore(e Episode) {
	if t.open == nil {
		t.open = map[string]*Episode{}
	}
	t.open[e.Key] = &e
}

// Update records one evaluation at now and returns the episodes it opened
// and closed.
func (t *Tracker) Update(now time.Time, found []Anomaly) (opened, closed []Episode) {
	hold, level := t.Hold, t.LevelAfter
	if hold <= 0 {
		hold = 10 * time.Minute
	}
	if level <= 0 {
		level = 3 * time.Hour
	}
	if t.open == nil {
		t.open = map[string]*Episode{}
	}
	for _, a := range found {
		k := a.Key()
		e := t.open[k]
		if e == nil {
			e = &Episode{Key: k, Opened: now}
			t.open[k] = e
			opened = append(opened, *e)
		}
		since := e.Anomaly.Since
		e.Anomaly, e.Seen = a, now
		if !since.IsZero() && since.Before(a.Since) {
			e.Anomaly.Since = since
		}
		if (a.Kind == KindDrop || a.Kind == KindSpike || a.Kind == KindDrift) && now.Sub(e.Opened) >= level {
			e.Anomaly.Kind = KindLevelShift
		}
		opened = fill(opened, e)
	}
	for k, e := range t.open {
		if now.Sub(e.Seen) >= hold {
			e.Closed = now
			closed = append(closed, *e)
			delete(t.open, k)
		}
	}
	return opened, closed
}

// fill updates the copy of e in opened (if it was opened this round) with
// its evidence.
func fill(opened []Episode, e *Episode) []Episode {
	for i := range opened {
		if opened[i].Key == e.Key {
			opened[i] = *e
		}
	}
	return opened
}
