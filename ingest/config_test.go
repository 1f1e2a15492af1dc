package ingest_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/intops/intops/ingest"
)

// The shipped collector configurations (one machine or docker compose,
// and Kubernetes) are valid for this distribution.
func TestShippedConfigIsValid(t *testing.T) {
	t.Setenv("INTOPS_CATALOG", "../examples/estate")
	for _, path := range []string{"deploy/collector.yaml", "deploy/kubernetes/config/collector.yaml"} {
		col, err := ingest.NewCollector("../" + path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if err := col.DryRun(context.Background()); err != nil {
			t.Errorf("%s: %v", path, err)
		}
	}
}

func TestBadConfigSaysWhat(t *testing.T) {
	for name, tc := range map[string]struct{ yaml, want string }{
		"unknown key": {`
processors:
  intops_flow:
    catalgo: x
`, "catalgo"},
		"limits too small": {`
processors:
  intops_flow:
    limits: {max_attributes: 2}
`, "limits.max_attributes is 2: want at least 16"},
		"bad dsn": {`
exporters:
  intops_clickhouse:
    dsn: "postgres://u:hunter2@h/db"
`, "want clickhouse://"},
		"bad cluster": {`
exporters:
  intops_clickhouse:
    dsn: "clickhouse://u:hunter2@h:9000/intops"
    cluster: "prod; DROP"
`, `cluster name "prod; DROP": want letters, digits and '_'`},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			base := `
receivers:
  otlp:
    protocols: {grpc: {endpoint: "127.0.0.1:0"}}
exporters:
  nop:
service:
  telemetry: {metrics: {level: none}}
  pipelines:
    traces: {receivers: [otlp], processors: [intops_flow], exporters: [nop]}
`
			if strings.Contains(tc.yaml, "intops_clickhouse") {
				base = strings.Replace(base, "exporters: [nop]", "exporters: [intops_clickhouse]", 1)
				base = strings.Replace(base, "processors: [intops_flow], ", "", 1)
			}
			os.WriteFile(filepath.Join(dir, "a.yaml"), []byte(base), 0o600)
			os.WriteFile(filepath.Join(dir, "b.yaml"), []byte(tc.yaml), 0o600)
			col, err := ingest.NewCollector(filepath.Join(dir, "a.yaml"), filepath.Join(dir, "b.yaml"))
			if err == nil {
				err = col.DryRun(context.Background())
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error leaks the password: %v", err)
			}
		})
	}
}
