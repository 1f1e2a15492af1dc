package web

import (
	"cmp"
	"context"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"

	"github.com/intops/intops/catalog"
)

// Pct is a ratio as a percentage with one decimal: "99.5%".
func Pct(x float64) string {
	return strconv.FormatFloat(Finite(x)*100, 'f', 1, 64) + "%"
}

// Count is a count in digits.
func Count(n uint64) string { return strconv.FormatUint(n, 10) }

// Itoa is n in digits.
func Itoa(n int) string { return strconv.Itoa(n) }

// Ago says how long before now t was: "just now", "12 min ago", "5 h
// ago", "3 days ago" ("" for the zero time).
func Ago(now, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	d := now.Sub(t).Round(time.Minute)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return strconv.Itoa(int(d.Minutes())) + " min ago"
	case d < 48*time.Hour:
		return strconv.Itoa(int(d.Hours())) + " h ago"
	}
	return strconv.Itoa(int(d.Hours()/24)) + " days ago"
}

// Stamp is a time to the minute in UTC: "2026-11-22 10:30 UTC" ("" for
// the zero time).
func Stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// RFC3339 is a time in RFC 3339 in UTC ("" for the zero time).
func RFC3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// First returns a, or b when a is empty.
func First(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Finite is x rounded to 6 decimals, and 0 for NaN and infinities (which
// JSON cannot carry).
func Finite(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0
	}
	return math.Round(x*1e6) / 1e6
}

// InWords says a duration in words: "3 days 2 h", "5 h 10 min", "12 min".
func InWords(d time.Duration) string {
	d = d.Round(time.Minute)
	days, h, m := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	var parts []string
	if days > 0 {
		parts = append(parts, strconv.Itoa(days)+" d")
	}
	if h > 0 {
		parts = append(parts, strconv.Itoa(h)+" h")
	}
	if m > 0 && days == 0 || len(parts) == 0 {
		parts = append(parts, strconv.Itoa(m)+" min")
	}
	return strings.Join(parts, " ")
}

// BoolText is "true" or "false", for data attributes.
func BoolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// StatusBadge is <span class="badge badge-STATUS">LABEL</span>, written
// directly rather than by templ's class handling: the overview has one
// or two per row.
func StatusBadge(status, label string) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		_, err := io.WriteString(w, `<span class="badge badge-`+templ.EscapeString(status)+`">`+templ.EscapeString(label)+`</span>`)
		return err
	})
}

// Option is a choice of a form's select.
type Option struct{ Value, Label string }

// TeamOptions are the teams named, by their catalog title, as choices.
func TeamOptions(cat *catalog.Catalog, names map[string]bool) []Option {
	var out []Option
	for t := range names {
		if t == "" {
			continue
		}
		label := t
		if tm := cat.Teams[t]; tm != nil && tm.Title != "" {
			label = tm.Title
		}
		out = append(out, Option{t, label})
	}
	slices.SortFunc(out, func(a, b Option) int { return cmp.Or(cmp.Compare(a.Label, b.Label), cmp.Compare(a.Value, b.Value)) })
	return out
}
