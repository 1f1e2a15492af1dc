package web

import (
	"context"
	"sync"
	"time"
)

// SharedPages keeps pages that every user sees alike (the estate
// overview: no form, nothing about the user) for a moment, so that many
// users loading them at once cost one render: keyed by the URL's query,
// at most MaxAge old (wall time: the server's clock can be fixed),
// dropped whenever this server has handled a change (any POST, PUT,
// PATCH or DELETE). Renders of one key asked at once are done once, and
// while a page is rendered again the others get the one before: a page
// is at most MaxAge and one render old.
type SharedPages struct {
	MaxAge time.Duration

	mu      sync.Mutex
	gen     uint64 // bumped by every change
	pages   map[string]*sharedPage
	flights map[string]*pageRender
}

type sharedPage struct {
	body []byte
	at   time.Time
}

type pageRender struct {
	done chan struct{}
	body []byte
	err  error
}

// DefaultPageMaxAge is how long the server keeps a shared page.
const DefaultPageMaxAge = 2 * time.Second

// sharedPagesMax is how many distinct queries are kept.
const sharedPagesMax = 64

// NewSharedPages keeps pages for at most maxAge (0: not at all).
func NewSharedPages(maxAge time.Duration) *SharedPages {
	return &SharedPages{MaxAge: maxAge, pages: map[string]*sharedPage{}, flights: map[string]*pageRender{}}
}

// get returns the page of key, rendering it when it is missing or too old.
func (p *SharedPages) get(ctx context.Context, key string, render func(context.Context) ([]byte, error)) ([]byte, error) {
	p.mu.Lock()
	e := p.pages[key]
	if e != nil && time.Since(e.at) < p.MaxAge {
		p.mu.Unlock()
		return e.body, nil
	}
	if f := p.flights[key]; f != nil {
		p.mu.Unlock()
		if e != nil {
			return e.body, nil // the page being rendered again is the one after it
		}
		select {
		case <-f.done:
			return f.body, f.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	f := &pageRender{done: make(chan struct{})}
	p.flights[key] = f
	gen := p.gen
	p.mu.Unlock()

	start := time.Now()
	// The render is shared: one caller going away must not fail it for
	// the others.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	f.body, f.err = render(rctx)
	cancel()
	p.mu.Lock()
	delete(p.flights, key)
	if f.err == nil && gen == p.gen {
		if len(p.pages) >= sharedPagesMax {
			for k, e := range p.pages {
				if time.Since(e.at) >= p.MaxAge {
					delete(p.pages, k)
				}
			}
			if len(p.pages) >= sharedPagesMax {
				clear(p.pages)
			}
		}
		p.pages[key] = &sharedPage{body: f.body, at: start}
	}
	p.mu.Unlock()
	close(f.done)
	return f.body, f.err
}

// Changed drops every page: something they show may have changed.
func (p *SharedPages) Changed() {
	p.mu.Lock()
	p.gen++
	clear(p.pages)
	p.mu.Unlock()
}
