package prometheus_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/intops/intops/prometheus"
)

var t0 = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)

// matrix answers a query_range with one series of value i at each step.
func matrix(w http.ResponseWriter, r *http.Request) {
	start, _ := strconv.ParseFloat(r.FormValue("start"), 64)
	end, _ := strconv.ParseFloat(r.FormValue("end"), 64)
	step, _ := strconv.ParseFloat(r.FormValue("step"), 64)
	var vals []string
	for ts := start; ts <= end; ts += step {
		vals = append(vals, fmt.Sprintf(`[%g,"%g"]`, ts, (ts-float64(t0.Unix()))/step))
	}
	fmt.Fprintf(w, `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[%s]}]}}`, strings.Join(vals, ","))
}

func TestQueryRange(t *testing.T) {
	var mu sync.Mutex
	var calls int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		mu.Unlock()
		if r.URL.Path != "/api/v1/query_range" || r.FormValue("query") != "sum(up)" {
			http.Error(w, "unexpected "+r.URL.Path, http.StatusNotFound)
			return
		}
		matrix(w, r)
	}))
	defer srv.Close()
	c := &prometheus.Client{}
	// 30 days at a minute: more than one request may ask for.
	end := t0.Add(30 * 24 * time.Hour)
	got, err := c.QueryRange(context.Background(), srv.URL+"/", "sum(up)", t0, end, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 30*24*60+1 || !got[0].At.Equal(t0) || !got[len(got)-1].At.Equal(end) || got[100].Value != 100 {
		t.Fatalf("%d samples, first %+v, last %+v", len(got), got[0], got[len(got)-1])
	}
	for i := 1; i < len(got); i++ {
		if got[i].At.Sub(got[i-1].At) != time.Minute {
			t.Fatalf("gap at %d: %v then %v", i, got[i-1].At, got[i].At)
		}
	}
	if want := (len(got) + prometheus.MaxPoints - 1) / prometheus.MaxPoints; calls != want {
		t.Errorf("%d requests, want %d", calls, want)
	}
}

// TestQueryRangeErrors: every answer that is not a result is an *Error
// that says whether retrying helps; none panics or returns samples.
func TestQueryRangeErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		retry   bool
		msg     string
	}{
		{"unavailable", func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "down", http.StatusServiceUnavailable) }, true, "HTTP 503"},
		{"bad query", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"status":"error","errorType":"bad_data","error":"parse error at char 4"}`)
		}, false, "bad_data: parse error"},
		{"query timeout", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, `{"status":"error","errorType":"timeout","error":"query timed out"}`)
		}, true, "timeout"},
		{"not JSON", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "<html>proxy login</html>") }, false, "not Prometheus JSON"},
		{"several series", func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprint(w, `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"a":"1"},"values":[]},{"metric":{"a":"2"},"values":[]}]}}`)
		}, false, "2 series"},
		{"vector", func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprint(w, `{"status":"success","data":{"resultType":"vector","result":[]}}`)
		}, false, "result type"},
		{"slow", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-time.After(time.Second):
			case <-r.Context().Done():
			}
		}, true, "deadline exceeded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			c := &prometheus.Client{Timeout: 200 * time.Millisecond}
			got, err := c.QueryRange(context.Background(), srv.URL, "sum(up)", t0, t0.Add(time.Hour), time.Minute)
			var pe *prometheus.Error
			if !errors.As(err, &pe) || got != nil {
				t.Fatalf("got %v, %v", got, err)
			}
			if pe.Retry != tc.retry || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q (retry %v), want %q (retry %v)", err, pe.Retry, tc.msg, tc.retry)
			}
		})
	}
}

func TestEmptyResultHasNoSamples(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, `{"status":"success","data":{"resultType":"matrix","result":[]}}`)
	}))
	defer srv.Close()
	got, err := (&prometheus.Client{}).QueryRange(context.Background(), srv.URL, "sum(x)", t0, t0.Add(time.Hour), time.Minute)
	if err != nil || len(got) != 0 {
		t.Fatalf("%v %v", got, err)
	}
}

// TestPasswordNotInErrors: a URL's password never shows in an error.
func TestPasswordNotInErrors(t *testing.T) {
	_, err := (&prometheus.Client{Timeout: time.Second}).QueryRange(context.Background(), "http://user:s3cret@127.0.0.1:1", "sum(x)", t0, t0.Add(time.Hour), time.Minute)
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("error %v", err)
	}
}
