package alerting_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/intops/intops/alerting"
)

// Route files: a valid one gives each team's overrides; bad ones are
// refused saying which file, team and field.
func TestLoadRoutes(t *testing.T) {
	got, err := alerting.LoadRoutes(filepath.Join("testdata", "routes", "valid.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := alerting.TeamRoute{Channel: "#orders", PageChannel: "#orders-pages", EscalationChannel: "#orders-esc", EscalateAfter: 30 * time.Minute}
	if got["orders"] != want || got["intops-platform"].Channel != "#platform" || len(got) != 2 {
		t.Errorf("routes %+v", got)
	}
	for file, wantErr := range map[string]string{
		"unknown-field.json":     `unknown field "chanel"`,
		"bad-duration.json":      `team "orders": escalate_after "half an hour": want a duration such as 30m`,
		"negative-duration.json": `team "orders": escalate_after "-5m"`,
		"not-an-object.json":     "cannot unmarshal array",
		"truncated.json":         "unexpected EOF",
		"missing.json":           "no such file",
	} {
		path := filepath.Join("testdata", "routes", file)
		_, err := alerting.LoadRoutes(path)
		if err == nil || !strings.Contains(err.Error(), wantErr) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: %v, want an error naming the file and saying %q", file, err, wantErr)
		}
	}
}
