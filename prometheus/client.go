package prometheus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// MaxPoints is the most points one range query asks for: Prometheus
// refuses more than 11,000 per series; longer ranges are read in parts.
const MaxPoints = 10000

// Sample is one value of a range query's series.
type Sample struct {
	At    time.Time
	Value float64
}

// Client queries Prometheus-compatible HTTP APIs. The zero value works.
type Client struct {
	// HTTP is the client to use; nil means one with Timeout.
	HTTP *http.Client
	// Timeout bounds each request; default 30s.
	Timeout time.Duration
}

// Error is an answer of the API that is not a result: a non-200 status
// or a Prometheus error. Retry says whether asking again may help.
type Error struct {
	Status int    // HTTP status, 0 when the request failed
	Type   string // Prometheus errorType (bad_data, timeout, …)
	Msg    string
	Retry  bool
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("prometheus")
	if e.Status != 0 {
		fmt.Fprintf(&b, ": HTTP %d", e.Status)
	}
	if e.Type != "" {
		b.WriteString(": " + e.Type)
	}
	if e.Msg != "" {
		b.WriteString(": " + e.Msg)
	}
	return b.String()
}

// QueryRange evaluates query at start, start+step, … up to end against
// the API at base (e.g. http://prometheus:9090) and returns the one series
// of its result, oldest first; no samples when the result is empty. A
// result of several series is an error: wrap the query in sum().
func (c *Client) QueryRange(ctx context.Context, base, query string, start, end time.Time, step time.Duration) ([]Sample, error) {
	if base == "" {
		return nil, errors.New("prometheus: no URL")
	}
	if step < time.Second {
		return nil, errors.New("prometheus: step under a second")
	}
	var out []Sample
	for from := start; !from.After(end); {
		to := from.Add(step * (MaxPoints - 1))
		if to.After(end) {
			to = end
		}
		got, err := c.queryRange(ctx, base, query, from, to, step)
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
		from = to.Add(step)
	}
	return out, nil
}

func (c *Client) queryRange(ctx context.Context, base, query string, start, end time.Time, step time.Duration) ([]Sample, error) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	form := url.Values{
		"query":   {query},
		"start":   {formatTime(start)},
		"end":     {formatTime(end)},
		"step":    {strconv.FormatFloat(step.Seconds(), 'f', -1, 64)},
		"timeout": {strconv.FormatFloat(timeout.Seconds(), 'f', -1, 64) + "s"},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(base, "/")+"/api/v1/query_range", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, &Error{Msg: redact(err.Error())}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: timeout}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, &Error{Msg: redact(err.Error()), Retry: true}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, &Error{Status: resp.StatusCode, Msg: "read answer: " + err.Error(), Retry: true}
	}
	var ans struct {
		Status    string `json:"status"`
		ErrorType string `json:"errorType"`
		Error     string `json:"error"`
		Data      struct {
			ResultType string `json:"resultType"`
			Result     []struct {
				Metric map[string]string `json:"metric"`
				Values [][2]any          `json:"values"`
			} `json:"result"`
		} `json:"data"`
	}
	jsonErr := json.Unmarshal(body, &ans)
	if resp.StatusCode != http.StatusOK || jsonErr != nil || ans.Status != "success" {
		e := &Error{Status: resp.StatusCode, Type: ans.ErrorType, Msg: ans.Error,
			Retry: resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests || ans.ErrorType == "timeout"}
		if e.Msg == "" && jsonErr != nil {
			e.Msg = "answer is not Prometheus JSON: " + snippet(body)
		}
		if resp.StatusCode == http.StatusOK && jsonErr == nil && ans.Status != "success" && e.Msg == "" {
			e.Msg = "status " + strconv.Quote(ans.Status)
		}
		return nil, e
	}
	if ans.Data.ResultType != "matrix" {
		return nil, &Error{Status: resp.StatusCode, Msg: "result type " + strconv.Quote(ans.Data.ResultType) + ", want matrix"}
	}
	switch len(ans.Data.Result) {
	case 0:
		return nil, nil
	case 1:
	default:
		return nil, &Error{Status: resp.StatusCode, Msg: fmt.Sprintf("the query returns %d series, want one: aggregate it (sum)", len(ans.Data.Result))}
	}
	vals := ans.Data.Result[0].Values
	out := make([]Sample, 0, len(vals))
	for _, v := range vals {
		ts, ok := v[0].(float64)
		sv, ok2 := v[1].(string)
		if !ok || !ok2 {
			return nil, &Error{Status: resp.StatusCode, Msg: "malformed sample"}
		}
		f, err := strconv.ParseFloat(sv, 64)
		if err != nil {
			return nil, &Error{Status: resp.StatusCode, Msg: "malformed sample value " + strconv.Quote(sv)}
		}
		sec, frac := math.Modf(ts)
		out = append(out, Sample{At: time.Unix(int64(sec), int64(math.Round(frac*1e9))).UTC(), Value: f})
	}
	return out, nil
}

func formatTime(t time.Time) string {
	return strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', -1, 64)
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return strconv.Quote(s)
}

// redact drops the user information of URLs in an error text, so that a
// password in --prometheus-url is never logged.
func redact(s string) string {
	for _, scheme := range []string{"http://", "https://"} {
		for i := 0; ; {
			j := strings.Index(s[i:], scheme)
			if j < 0 {
				break
			}
			j += i + len(scheme)
			end := strings.IndexAny(s[j:], "/ \"")
			if end < 0 {
				end = len(s) - j
			}
			if at := strings.LastIndexByte(s[j:j+end], '@'); at >= 0 {
				s = s[:j] + "xxx@" + s[j+at+1:]
			}
			i = j
		}
	}
	return s
}
