package web

import (
	"net/http"
	"net/url"
	"strings"
)

// flashes are the results the form endpoints report back (?done=…&id=…):
// fixed sentences, so the URL cannot put words on the page.
var flashes = map[string]string{
	"ack":     "Acknowledged %s.",
	"resolve": "Resolved %s.",
	"silence": "Silenced %s.",
	"merge":   "Merged into %s.",
	"split":   "Split an integration out of %s.",
	"expire":  "Expired silence %s.",
	"create":  "Created silence %s.",
	"mark":    "Marked an anomaly of %s.",
}

// FlashOf is the sentence a page shows for the result of a form action
// in its query (?done=…&id=…), or "".
func FlashOf(q url.Values) string {
	f, ok := flashes[q.Get("done")]
	if !ok {
		return ""
	}
	return strings.Replace(f, "%s", q.Get("id"), 1)
}

// BackTo is where a form action redirects: the page the form was on when
// the Referer is a path of this site, else def; /alerts and /silences get
// the result to show.
func BackTo(r *http.Request, def, done, id string) string {
	target := def
	if ref, err := url.Parse(r.Referer()); err == nil && ref.Path != "" && strings.HasPrefix(ref.Path, "/") &&
		!strings.HasPrefix(ref.Path, "//") && (ref.Host == "" || ref.Host == r.Host) && (ref.Scheme == "" || ref.Scheme == "http" || ref.Scheme == "https") {
		q := ref.Query()
		q.Del("done")
		q.Del("id")
		target = ref.Path
		if len(q) > 0 {
			target += "?" + q.Encode()
		}
	}
	path, _, _ := strings.Cut(target, "?")
	if path != "/alerts" && path != "/silences" {
		return target
	}
	sep := "?"
	if strings.Contains(target, "?") {
		sep = "&"
	}
	return target + sep + url.Values{"done": {done}, "id": {id}}.Encode()
}
