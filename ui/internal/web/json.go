package web

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
)

// WriteJSON writes v as indented JSON with the status code.
func WriteJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// ReadJSON decodes a JSON request body; only application/json is taken,
// which a cross-site form cannot send. An optional body may be empty. On
// failure it has answered the request and returns false.
func ReadJSON(w http.ResponseWriter, r *http.Request, v any, optional bool) bool {
	if r.ContentLength == 0 && optional {
		return true
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/json" {
		WriteJSON(w, http.StatusUnsupportedMediaType, map[string]string{"error": "send Content-Type: application/json"})
		return false
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil && !(optional && errors.Is(err, io.EOF)) {
		WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "body: " + err.Error()})
		return false
	}
	return true
}

// ActionBody is the optional JSON body of an API action: merge names the
// incident to merge in (from), split the integration to move out.
type ActionBody struct {
	Actor       string `json:"actor"`
	From        string `json:"from"`
	Integration string `json:"integration"`
}

// ReadAction reads an API action's optional body; false when it has
// answered instead: a 404 when alerting is not running, a 400 for a bad
// body.
func ReadAction(w http.ResponseWriter, r *http.Request, alerting bool) (ActionBody, bool) {
	var b ActionBody
	if !alerting {
		WriteJSON(w, http.StatusNotFound, map[string]string{"error": "alerting is not running"})
		return b, false
	}
	return b, ReadJSON(w, r, &b, true)
}
