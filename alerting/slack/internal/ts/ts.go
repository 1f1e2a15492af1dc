// Package ts reads and writes Slack message timestamps ("1712345678.000123"),
// for the notifier and its test server.
package ts

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Format formats t as a Slack message timestamp.
func Format(t time.Time) string {
	if t.Unix() < 0 {
		return "0"
	}
	return fmt.Sprintf("%d.%06d", t.Unix(), t.Nanosecond()/1000)
}

// Parse reads a Slack message timestamp (ok false when malformed).
func Parse(ts string) (time.Time, bool) {
	sec, frac, _ := strings.Cut(ts, ".")
	s, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	var us int64
	if frac != "" {
		frac = (frac + "000000")[:6]
		if us, err = strconv.ParseInt(frac, 10, 64); err != nil {
			return time.Time{}, false
		}
	}
	return time.Unix(s, us*1000), true
}

// Before reports whether ts is before t; an empty or malformed ts is
// before everything.
func Before(ts string, t time.Time) bool {
	at, ok := Parse(ts)
	return !ok || at.Before(t)
}
