// Package proc stops the child processes that intops and its tests run.
package proc

import (
	"os"
	"time"
)

// Stop sends sig to p and waits for done (the result of its Wait); after
// grace it kills p and waits again.
func Stop(p *os.Process, sig os.Signal, done <-chan error, grace time.Duration) {
	_ = p.Signal(sig)
	select {
	case <-done:
	case <-time.After(grace):
		_ = p.Kill()
		<-done
	}
}
