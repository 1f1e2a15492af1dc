package alerting

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/internal/lease"
	"github.com/intops/intops/internal/loop"
)

// Replicas. With a Leader set, several managers (one per server replica)
// share the log: the leader is its only writer and the only one that
// sends to Slack; the others rebuild their state from the log when it is
// read (at most every refreshEvery) and hand their actions (acknowledge,
// resolve, silence, expire) to the leader as commands in the log, waiting
// for its result. Each entry carries the writer's lease term; entries of a
// deposed leader that land after its successor's first are ignored.

// Streams of the replicas' commands and the leader's results.
const (
	streamCommand = "command"
	streamResult  = "result"
)

const (
	refreshEvery  = 2 * time.Second
	commandPoll   = 250 * time.Millisecond
	commandWait   = 20 * time.Second // a follower waits this long for a result
	commandExpiry = time.Minute      // older unapplied commands are refused
)

// command is an action a follower asks the leader to take.
type command struct {
	ID     string `json:"id"`
	Op     string `json:"op"` // ack, resolve, silence, expire, merge, split
	Target string `json:"target,omitempty"`
	// From (merge) and Integration (split) name what moves.
	From        string          `json:"from,omitempty"`
	Integration string          `json:"integration,omitempty"`
	Actor       string          `json:"actor,omitempty"`
	Silence     *SilenceRequest `json:"silence,omitempty"`
	At          time.Time       `json:"at"`
}

// result is what became of a command.
type result struct {
	Error    string   `json:"error,omitempty"`
	NotFound bool     `json:"not_found,omitempty"`
	Silence  *Silence `json:"silence,omitempty"`
}

// leading reports whether this manager may write the log and send, and
// its term.
func (m *Manager) leading() (uint64, bool) {
	if m.Leader == nil {
		return 0, true
	}
	return m.Leader()
}

// append writes entries as the leader, with its term.
func (m *Manager) append(ctx context.Context, es []intops.LogEntry) error {
	term, ok := m.leading()
	if !ok {
		return lease.ErrNotLeader
	}
	for i := range es {
		es[i].Term = term
	}
	return m.Store.AppendLog(ctx, es)
}

// fence returns whether an entry counts: no newer term wrote at or
// before its seq.
func fence(terms map[uint64]uint64) func(intops.LogEntry) bool {
	return func(e intops.LogEntry) bool {
		for term, first := range terms {
			if term > e.Term && first <= e.Seq {
				return false
			}
		}
		return true
	}
}

// readStream reads a stream's entries that count.
func (m *Manager) readStream(ctx context.Context, stream string, valid func(intops.LogEntry) bool) ([]intops.LogEntry, error) {
	es, err := m.Store.ReadLog(ctx, stream, 0)
	if err != nil {
		return nil, err
	}
	k := 0
	for _, e := range es {
		if valid(e) {
			es[k] = e
			k++
		}
	}
	return es[:k], nil
}

// stale reports whether the state must be read again from the log: a
// follower's state ages, the leader's is kept current by its writes.
func (m *Manager) stale() bool {
	if m.st == nil {
		return true
	}
	if term, ok := m.leading(); ok {
		return !m.owned || term != m.ownedTerm
	}
	return m.now().Sub(m.loadedAt) >= refreshEvery || m.now().Before(m.loadedAt)
}

// submit hands an action to the leader and waits for its result.
func (m *Manager) submit(ctx context.Context, c command) (result, error) {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	c.ID, c.At = "cmd-"+hex.EncodeToString(b), m.now()
	body, _ := json.Marshal(c)
	if err := m.Store.AppendLog(ctx, []intops.LogEntry{{At: c.At, Stream: streamCommand, Key: c.ID, Body: string(body)}}); err != nil {
		return result{}, fmt.Errorf("hand %s to the leader: %w", c.Op, err)
	}
	wctx, cancel := context.WithTimeout(ctx, commandWait)
	defer cancel()
	for {
		es, err := m.Store.QueryLog(wctx, intops.LogFilter{Stream: streamResult, Key: c.ID})
		if err == nil && len(es) > 0 {
			var r result
			if err := json.Unmarshal([]byte(es[0].Body), &r); err != nil {
				return result{}, fmt.Errorf("the leader's result of %s: %w", c.Op, err)
			}
			m.mu.Lock()
			m.loadedAt = time.Time{} // read the leader's writes now
			m.mu.Unlock()
			switch {
			case r.NotFound:
				return r, fmt.Errorf("%w: %s", ErrNotFound, r.Error)
			case r.Error != "":
				return r, errors.New(r.Error)
			}
			return r, nil
		}
		select {
		case <-wctx.Done():
			if ctx.Err() != nil {
				return result{}, ctx.Err()
			}
			return result{}, fmt.Errorf("%s handed to the leader (%s) but no result within %v: it is applied if the leader takes it within %v", c.Op, c.ID, commandWait, commandExpiry)
		case <-time.After(commandPoll):
		}
	}
}

// commandLoop applies the followers' commands while leading.
func (m *Manager) commandLoop(ctx context.Context) {
	loop.Every(ctx, commandPoll, m.ApplyCommands, func(err error) { m.logger().Warn("alerting: replicas' commands", "err", err) })
}

// ApplyCommands applies the followers' commands not yet applied.
func (m *Manager) ApplyCommands(ctx context.Context) error {
	now := m.now()
	cmds, err := m.Store.QueryLog(ctx, intops.LogFilter{Stream: streamCommand, Since: now.Add(-2 * commandExpiry)})
	if err != nil || len(cmds) == 0 {
		return err
	}
	results, err := m.Store.QueryLog(ctx, intops.LogFilter{Stream: streamResult, Since: now.Add(-2 * commandExpiry)})
	if err != nil {
		return err
	}
	done := map[string]bool{}
	for _, r := range results {
		done[r.Key] = true
	}
	for _, e := range cmds {
		if done[e.Key] {
			continue
		}
		var c command
		if err := json.Unmarshal([]byte(e.Body), &c); err != nil || c.ID != e.Key {
			if err := m.answer(ctx, e.Key, result{Error: "unreadable command"}); err != nil {
				return err
			}
			continue
		}
		if now.Sub(c.At) > commandExpiry {
			if err := m.answer(ctx, c.ID, result{Error: "the command waited too long for a leader and was not applied"}); err != nil {
				return err
			}
			continue
		}
		r, err := m.apply(ctx, c)
		if errors.Is(err, errUnapplied) {
			return err // ClickHouse or the lease: try again
		}
		if err != nil {
			r = result{Error: err.Error(), NotFound: errors.Is(err, ErrNotFound)}
			if err := m.answer(ctx, c.ID, r); err != nil {
				return err
			}
		}
	}
	return nil
}

// errUnapplied wraps a failure to write an action: nothing was done.
var errUnapplied = errors.New("not applied")

// apply takes a command's action; on success its result is written with it.
func (m *Manager) apply(ctx context.Context, c command) (result, error) {
	switch c.Op {
	case "ack":
		return result{}, m.acknowledge(ctx, c.Target, c.Actor, c.ID)
	case "resolve":
		return result{}, m.resolve(ctx, c.Target, c.Actor, c.ID)
	case "expire":
		return result{}, m.expire(ctx, c.Target, c.Actor, c.ID)
	case "merge":
		return result{}, m.merge(ctx, c.Target, c.From, c.Actor, c.ID)
	case "split":
		return result{}, m.split(ctx, c.Target, c.Integration, c.Actor, c.ID)
	case "silence":
		if c.Silence == nil {
			return result{}, errors.New("a silence command without its silence")
		}
		s, err := m.silence(ctx, *c.Silence, c.ID)
		return result{Silence: &s}, err
	}
	return result{}, fmt.Errorf("unknown command %q", c.Op)
}

// answer writes a command's result on its own.
func (m *Manager) answer(ctx context.Context, id string, r result) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.load(ctx); err != nil {
		return err
	}
	t := m.begin()
	t.result(id, r)
	return t.commit(ctx)
}

// result records a command's result in the transaction.
func (t *tx) result(id string, r result) {
	if id == "" {
		return
	}
	t.m.seq++
	b, _ := json.Marshal(r)
	t.entries = append(t.entries, intops.LogEntry{At: t.m.now(), Seq: t.m.seq, Stream: streamResult, Key: id, Body: string(b)})
}
