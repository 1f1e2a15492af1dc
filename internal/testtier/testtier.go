// Package testtier splits the tests in two tiers: `go test -short ./...`
// (make test-unit) runs the pure logic in seconds; `make test` runs
// everything, each test with the real servers and browser it needs.
package testtier

import "testing"

// NeedsServer skips the test in the fast tier: it needs what (a
// ClickHouse server, Chromium, Prometheus, a collector process). Without
// -short it returns and the test runs; its helper then fails loudly when
// the part is missing.
func NeedsServer(t testing.TB, what string) {
	t.Helper()
	if testing.Short() {
		t.Skipf("needs %s: runs in make test, not in the fast tier (-short)", what)
	}
}
