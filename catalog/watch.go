package catalog

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"
)

// Status is what the last load of a watched catalog gave.
type Status struct {
	Version  string    // hash of the files of the catalog serving now
	LoadedAt time.Time // when that catalog was loaded
	// Errors of the newest edit, when it could not be loaded; the last
	// good catalog keeps serving meanwhile.
	Errors      []error
	FailedAt    time.Time
	FailedFiles string // version of the files that failed
}

// Watcher keeps a catalog directory loaded, reloading it when its files
// change. An edit that does not load leaves the last good catalog in place
// and its errors in Status.
type Watcher struct {
	Dir      string
	Interval time.Duration // how often files are checked; default 1s
	Logger   *slog.Logger
	// OnLoad, when set, is called with each newly loaded catalog (for
	// snapshots); it runs on the watcher's goroutine.
	OnLoad func(ctx context.Context, c *Catalog, version string)

	mu      sync.RWMutex
	current *Catalog
	status  Status
}

// Load reads the catalog once; it fails when the first load fails.
func (w *Watcher) Load(ctx context.Context) error {
	version, err := filesVersion(w.Dir)
	if err != nil {
		return err
	}
	c, err := Load(w.Dir)
	if err != nil {
		return err
	}
	w.mu.Lock()
	w.current, w.status = c, Status{Version: version, LoadedAt: time.Now()}
	w.mu.Unlock()
	if w.OnLoad != nil {
		w.OnLoad(ctx, c, version)
	}
	return nil
}

// Current returns the catalog serving now.
func (w *Watcher) Current() *Catalog {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.current
}

// Status returns the state of the last load.
func (w *Watcher) Status() Status {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.status
}

// Run checks the files every Interval until ctx ends.
func (w *Watcher) Run(ctx context.Context) {
	iv := w.Interval
	if iv <= 0 {
		iv = time.Second
	}
	logger := w.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	t := time.NewTicker(iv)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		version, err := filesVersion(w.Dir)
		if err != nil {
			w.fail(version, err, logger)
			continue
		}
		st := w.Status()
		if version == st.Version || version == st.FailedFiles {
			continue
		}
		c, err := Load(w.Dir)
		if err != nil {
			w.fail(version, err, logger)
			continue
		}
		w.mu.Lock()
		w.current, w.status = c, Status{Version: version, LoadedAt: time.Now()}
		w.mu.Unlock()
		logger.Info("catalog reloaded", "dir", w.Dir, "integrations", len(c.Integrations), "version", version[:12])
		if w.OnLoad != nil {
			w.OnLoad(ctx, c, version)
		}
	}
}

func (w *Watcher) fail(version string, err error, logger *slog.Logger) {
	w.mu.Lock()
	w.status.Errors = unjoin(err)
	w.status.FailedAt = time.Now()
	w.status.FailedFiles = version
	w.mu.Unlock()
	logger.Warn("catalog edit not loaded; the last good catalog keeps serving", "dir", w.Dir, "errors", len(unjoin(err)), "first", unjoin(err)[0])
}

// filesVersion hashes the names and contents of the catalog's files and
// its lint configuration.
func filesVersion(dir string) (string, error) {
	files, err := Files(dir)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, f := range append(files, dir+"/"+LintConfigFile) {
		fh, err := os.Open(f)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\x00", f)
		_, err = io.Copy(h, fh)
		fh.Close()
		if err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Fixed returns a watcher that always serves c (tests, tools).
func Fixed(c *Catalog) *Watcher {
	return &Watcher{current: c, status: Status{Version: "fixed", LoadedAt: time.Now()}}
}
