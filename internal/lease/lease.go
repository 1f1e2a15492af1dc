// Package lease elects one leader among the server replicas that share a
// ClickHouse database, with a lease kept in a ClickHouse table.
//
// The table is append-only. A replica that finds the current term expired
// (by the server's clock) claims the next term; the holder of a term's
// earliest claim (ties: the lowest holder name) wins it. A claim counts
// only once it is Settle old, so that every claim of the same second is
// visible to all who decide. The leader renews its term every TTL/3 and
// considers itself leader only until TTL minus a margin after the start of
// its last successful renewal, which ends before the server-side expiry
// that lets another replica claim the next term. The term is the fencing
// token: writers put it on what they write, and readers ignore an older
// term's writes that come after a newer term's first.
package lease

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// Claim is one row of a lease: a claim of a term or its renewal.
type Claim struct {
	Term    uint64
	Holder  string
	URL     string // where the holder serves (followers forward to it)
	At      time.Time
	Expires time.Time
}

// ErrNotLeader is returned by work that only the leader may do.
var ErrNotLeader = errors.New("not the leader")

// Store keeps the lease.
type Store interface {
	ClaimLease(ctx context.Context, name string, term uint64, holder, url string, ttl time.Duration) error
	LeaseClaims(ctx context.Context, name string) (time.Time, []Claim, error)
}

// Elector takes part in the election of one lease.
type Elector struct {
	Store  Store
	Name   string        // the lease, e.g. "analyzer"
	Holder string        // this replica, unique among them
	URL    string        // where this replica serves
	TTL    time.Duration // default 15s
	Settle time.Duration // default 3s
	Logger *slog.Logger
	// OnChange, when set, is called (outside the lock) when this replica
	// becomes leader or stops being it.
	OnChange func(leading bool, term uint64)

	mu       sync.Mutex
	term     uint64
	deadline time.Time // leading until (local clock); zero: not leading
	leader   Claim
	known    bool // leader is known
	ready    chan struct{}
	once     sync.Once
}

// Ready is closed once the first election step is over, whatever its
// outcome: work that should start as leader when it can waits for it.
func (e *Elector) Ready() <-chan struct{} {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.ready == nil {
		e.ready = make(chan struct{})
	}
	return e.ready
}

func (e *Elector) ttl() time.Duration {
	if e.TTL > 0 {
		return e.TTL
	}
	return 15 * time.Second
}

func (e *Elector) settle() time.Duration {
	if e.Settle > 0 {
		return e.Settle
	}
	return 3 * time.Second
}

// margin is how long before the server-side expiry a leader stops: the
// server's now() has whole seconds, and the leader must stop first.
const margin = 2 * time.Second

func (e *Elector) logger() *slog.Logger {
	if e.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return e.Logger
}

// Leading reports whether this replica leads now, and its term.
func (e *Elector) Leading() (uint64, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.deadline.IsZero() || !time.Now().Before(e.deadline) {
		return 0, false
	}
	return e.term, true
}

// IsLeading reports whether this replica leads now.
func (e *Elector) IsLeading() bool {
	_, ok := e.Leading()
	return ok
}

// Leader returns the current leader as last seen (ok false before the
// first election is seen).
func (e *Elector) Leader() (Claim, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.leader, e.known
}

// Run takes part in the election until ctx ends, then gives the lease up
// when it holds it, so that another replica takes over at once.
func (e *Elector) Run(ctx context.Context) {
	every := e.ttl() / 3
	for {
		wait := every
		if err := e.Step(ctx); err != nil && ctx.Err() == nil {
			e.logger().Warn("lease: election step failed; will retry", "lease", e.Name, "err", err)
			wait = time.Second
		}
		e.Ready()
		e.once.Do(func() { close(e.ready) })
		select {
		case <-ctx.Done():
			e.release()
			return
		case <-time.After(wait):
		}
	}
}

// release ends this replica's term now (best effort, on shutdown).
func (e *Elector) release() {
	e.mu.Lock()
	term, leading := e.term, !e.deadline.IsZero()
	e.mu.Unlock()
	if !leading {
		return
	}
	e.set(0, time.Time{}, e.leader, true)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// A renewal that expires now: the term ends at once.
	if err := e.Store.ClaimLease(ctx, e.Name, term, e.Holder, e.URL, 0); err != nil {
		e.logger().Warn("lease: not released; another replica takes over when it expires", "lease", e.Name, "err", err)
	}
}

// Step reads the lease once and claims, renews or follows.
func (e *Elector) Step(ctx context.Context) error {
	start := time.Now()
	now, claims, err := e.Store.LeaseClaims(ctx, e.Name)
	if err != nil {
		e.lose()
		return err
	}
	w, expires := Winner(claims)
	switch {
	case len(claims) == 0 || !now.Before(expires):
		// Vacant or expired: claim the next term, let the claims of the
		// same moment arrive, and read again.
		e.lose()
		if err := e.Store.ClaimLease(ctx, e.Name, w.Term+1, e.Holder, e.URL, e.ttl()); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(e.settle()):
		}
		return e.Step(ctx)
	case w.Holder != e.Holder && now.Before(w.At.Add(e.settle())):
		// Another's claim, too young to be sure of: a claim of the same
		// moment may still arrive and win. Follow without naming a leader
		// yet, and read again once it has settled.
		e.lose()
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(e.settle()):
		}
		return e.Step(ctx)
	case w.Holder != e.Holder:
		e.set(0, time.Time{}, w, true)
		return nil
	case now.Before(w.At.Add(e.settle())):
		// Our claim is too young to be sure of: wait for it.
		e.set(0, time.Time{}, w, true)
		return nil
	}
	if err := e.Store.ClaimLease(ctx, e.Name, w.Term, e.Holder, e.URL, e.ttl()); err != nil {
		e.lose()
		return err
	}
	e.set(w.Term, start.Add(e.ttl()-margin), w, true)
	return nil
}

// Winner returns the holder of the earliest claim of the highest term
// (ties: the lowest holder) and when its term expires: the expiry of its
// latest row (a release expires at once), or the zero time when there are
// no claims.
func Winner(claims []Claim) (Claim, time.Time) {
	var w Claim
	for i, c := range claims {
		if i == 0 || c.Term > w.Term || (c.Term == w.Term && (c.At.Before(w.At) || (c.At.Equal(w.At) && c.Holder < w.Holder))) {
			w = c
		}
	}
	var last Claim
	for _, c := range claims {
		if c.Term != w.Term || c.Holder != w.Holder {
			continue
		}
		if c.At.After(last.At) || (c.At.Equal(last.At) && (last.Expires.IsZero() || c.Expires.Before(last.Expires))) {
			last = c
		}
	}
	return w, last.Expires
}

func (e *Elector) lose() {
	e.mu.Lock()
	leader, known := e.leader, e.known
	e.mu.Unlock()
	e.set(0, time.Time{}, leader, known)
}

func (e *Elector) set(term uint64, deadline time.Time, leader Claim, known bool) {
	e.mu.Lock()
	was, wasTerm := !e.deadline.IsZero(), e.term
	if !deadline.IsZero() {
		e.term = term
	}
	e.deadline, e.leader, e.known = deadline, leader, known
	is := !deadline.IsZero()
	e.mu.Unlock()
	if was == is && (!is || wasTerm == term) {
		return
	}
	if is {
		e.logger().Info("lease: leading", "lease", e.Name, "term", term, "holder", e.Holder)
	} else {
		e.logger().Info("lease: following", "lease", e.Name, "leader", leader.Holder, "leader_url", leader.URL, "term", leader.Term)
	}
	if e.OnChange != nil {
		e.OnChange(is, term)
	}
}

// WhileLeading runs job with a context that ends when this replica stops
// leading (or ctx ends), and again each time it leads anew, until ctx
// ends. Leadership is checked every poll.
func (e *Elector) WhileLeading(ctx context.Context, poll time.Duration, job func(ctx context.Context)) {
	for ctx.Err() == nil {
		if term, ok := e.Leading(); ok {
			e.lead(ctx, term, poll, job)
		}
		select {
		case <-ctx.Done():
		case <-time.After(poll):
		}
	}
}

// lead runs job until it returns or the term ends.
func (e *Elector) lead(ctx context.Context, term uint64, poll time.Duration, job func(ctx context.Context)) {
	jctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	go func() { defer close(done); job(jctx) }()
	for {
		select {
		case <-done:
			return
		case <-time.After(poll):
			if t, ok := e.Leading(); ok && t == term {
				continue
			}
		case <-ctx.Done():
		}
		cancel()
		<-done
		return
	}
}
