package report

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// ErrNoChromium says that PDFs cannot be made here.
var ErrNoChromium = errors.New("PDF needs a headless Chromium: install it (Debian: apt-get install chromium) or set INTOPS_CHROMIUM to its path")

// FindChromium returns the Chromium to print with: INTOPS_CHROMIUM, else
// chromium, chromium-browser, google-chrome or google-chrome-stable on
// the PATH.
func FindChromium() (string, error) {
	if p := os.Getenv("INTOPS_CHROMIUM"); p != "" {
		path, err := exec.LookPath(p)
		if err != nil {
			return "", fmt.Errorf("INTOPS_CHROMIUM=%s: %v: %w", p, err, ErrNoChromium)
		}
		return path, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if path, err := exec.LookPath(name); err == nil {
			return path, nil
		}
	}
	return "", ErrNoChromium
}

// Chromium prints HTML pages to PDF with a headless Chromium, one at a
// time (each takes a few hundred megabytes for a second or two).
type Chromium struct {
	Path    string        // "": FindChromium at each call
	Timeout time.Duration // default a minute

	mu sync.Mutex
}

// PDF prints a self-contained HTML page (A4, the page's print styles,
// no header or footer) and returns the PDF.
func (c *Chromium) PDF(ctx context.Context, html []byte) ([]byte, error) {
	path := c.Path
	if path == "" {
		var err error
		if path, err = FindChromium(); err != nil {
			return nil, err
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	dir, err := os.MkdirTemp("", "intops-pdf-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	in, out := filepath.Join(dir, "report.html"), filepath.Join(dir, "report.pdf")
	if err := os.WriteFile(in, html, 0o600); err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, path, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
		"--hide-scrollbars", "--no-pdf-header-footer", "--user-data-dir="+filepath.Join(dir, "profile"),
		"--print-to-pdf="+out, "file://"+in)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	cmd.WaitDelay = 5 * time.Second
	runErr := cmd.Run()
	pdf, err := os.ReadFile(out)
	if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		why := runErr
		if ctx.Err() != nil {
			why = fmt.Errorf("no PDF after %v", timeout)
		}
		return nil, fmt.Errorf("print PDF with %s: %v: %s", path, why, lastLines(stderr.String(), 5))
	}
	return pdf, nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
