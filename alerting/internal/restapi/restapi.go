// Package restapi calls the JSON APIs of the receivers (Jira,
// ServiceNow, PagerDuty) the same way: basic auth in the header only,
// bounded answers, and the alerting errors their status codes mean.
package restapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/intops/intops/alerting"
)

// Call is one request.
type Call struct {
	Name           string // the API, in errors and codes: jira, servicenow
	Method, URL    string // URL is the site; Path is added to it
	Path           string
	Query          url.Values
	User, Password string
	In, Out        any // JSON bodies; nil for none
	Client         *http.Client
	// Message reads an error answer's message ("" when it has none).
	Message func(body []byte) string
}

// Do sends the call: 429 is a *RetryAfterError, another 4xx a
// *PermanentError with code <name>_<status>, 5xx and network errors may
// work later. Credentials travel in the Authorization header only, and
// errors name the method and path, never the query.
func Do(ctx context.Context, c Call) error {
	var body io.Reader
	if c.In != nil {
		b, err := json.Marshal(c.In)
		if err != nil {
			return &alerting.PermanentError{Code: "encode", Err: err}
		}
		body = bytes.NewReader(b)
	}
	u := strings.TrimRight(c.URL, "/") + c.Path
	if len(c.Query) > 0 {
		u += "?" + c.Query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, c.Method, u, body)
	if err != nil {
		return &alerting.PermanentError{Code: "request", Err: fmt.Errorf("%s: %w", c.Name, err)}
	}
	req.SetBasicAuth(c.User, c.Password)
	req.Header.Set("Accept", "application/json")
	if c.In != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	client := c.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // said again below without the query
		}
		return fmt.Errorf("%s: %s %s: %w", c.Name, c.Method, c.Path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if c.Out != nil && len(b) > 0 {
			if err := json.Unmarshal(b, c.Out); err != nil {
				return fmt.Errorf("%s: %s %s: unreadable answer: %w", c.Name, c.Method, c.Path, err)
			}
		}
		return nil
	}
	msg := ""
	if c.Message != nil {
		msg = c.Message(b)
	}
	if msg == "" {
		msg = http.StatusText(resp.StatusCode)
	}
	return StatusError(c.Name, resp.StatusCode, resp.Header, fmt.Errorf("%s: %s %s: %d %s", c.Name, c.Method, c.Path, resp.StatusCode, msg))
}

// StatusError is what a refused answer means to alerting: 429 a
// *RetryAfterError (Retry-After seconds, else 30 s), another 4xx a
// *PermanentError with code <name>_<status>, anything else err itself.
func StatusError(name string, status int, h http.Header, err error) error {
	switch {
	case status == http.StatusTooManyRequests:
		after := 30 * time.Second
		if s, perr := strconv.Atoi(h.Get("Retry-After")); perr == nil && s > 0 {
			after = time.Duration(s) * time.Second
		}
		return &alerting.RetryAfterError{After: after, Err: err}
	case status >= 400 && status < 500:
		return &alerting.PermanentError{Code: fmt.Sprintf("%s_%d", name, status), Err: err}
	}
	return err
}
