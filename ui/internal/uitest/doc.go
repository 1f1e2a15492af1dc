// Package uitest holds the fixtures of the server's tests: fakes of the
// sources the pages read (traffic, SLO results, anomalies, incidents and
// silences, estate findings, reports), servers built on the example
// estate, a browser without JavaScript that keeps its session, and a
// headless Chromium that collects what the pages log as errors.
package uitest

import (
	"path/filepath"
	"runtime"
)

// Examples is the example estate's catalog (examples/estate), wherever
// the test runs.
var Examples = func() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "examples", "estate")
}()
