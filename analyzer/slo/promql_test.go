package slo_test

import (
	"strings"
	"testing"
	"time"

	"github.com/intops/intops/analyzer/slo"
)

func TestCountQuery(t *testing.T) {
	for _, tc := range []struct{ name, query, want, err string }{
		{"counter selector", `http_requests_total{code=~"5.."}`, `sum(increase(http_requests_total{code=~"5.."}[1m]))`, ""},
		{"aggregated counter (OpenSLO examples)", `sum(localhost_server_requests{code=~"2xx|3xx"})`, `sum(sum(increase(localhost_server_requests{code=~"2xx|3xx"}[1m])))`, ""},
		{"rate over its own range", `sum(rate(http_requests_total{job="crm"}[5m]))`, `sum(sum(increase(http_requests_total{job="crm"}[1m])))`, ""},
		{"Sloth's window template", `sum(rate(x_count{code=~"(5..|429)"}[{{.window}}]))`, `sum(sum(increase(x_count{code=~"(5..|429)"}[1m])))`, ""},
		{"arithmetic", `sum(a) - sum(b)`, `sum(sum(increase(a[1m])) - sum(increase(b[1m])))`, ""},
		{"offset kept", `a offset 5m`, `sum(increase(a[1m] offset 5m))`, ""},
		{"irate refused", `irate(a[5m])`, "", "irate() does not count events"},
		{"over_time refused", `sum_over_time(a[5m])`, "", "sum_over_time() does not count events"},
		{"subquery refused", `rate(a[5m:1m])`, "", "subquery"},
		{"not PromQL", `sum(`, "", "unclosed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := slo.CountQuery(tc.query, "increase", time.Minute)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("got %q, %v; want an error with %q", got, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	if got, _ := slo.CountQuery(`a`, "rate", 6*time.Hour); got != `sum(rate(a[6h]))` {
		t.Errorf("rate over 6h: %q", got)
	}
}
