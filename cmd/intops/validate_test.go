package main

import (
	"strings"
	"testing"
)

// A server with several bad settings says what is wrong with each, at
// once, before it opens anything.
func TestServerFlagsValidate(t *testing.T) {
	fs := newFlags("server")
	var f serverFlags
	f.register(fs)
	if err := parse(fs, []string{"--catalog", "../../examples/estate"}); err != nil {
		t.Fatal(err)
	}
	if err := f.Validate(); err != nil {
		t.Fatalf("the defaults: %v", err)
	}
	if err := parse(fs, []string{"--listen", "8080", "--timezone", "Mars/Olympus", "--slo-interval", "0s",
		"--alert-correlation-window", "-1m", "--base-url", "ftp://x", "--catalog", "/nonexistent",
		"--alert-routes", "../../alerting/testdata/routes/unknown-field.json", "--digest-schedule", "61 * * * *",
		"--digest-period", "week", "--retention-span-days", "-1"}); err != nil {
		t.Fatal(err)
	}
	err := f.Validate()
	if err == nil {
		t.Fatal("bad settings passed")
	}
	for _, want := range []string{`--listen "8080"`, `--timezone "Mars/Olympus"`, "--slo-interval 0s", "--alert-correlation-window -1m0s",
		`--base-url "ftp://x"`, `--catalog "/nonexistent"`, `--alert-routes`, `unknown field "chanel"`, `--digest-schedule "61 * * * *"`,
		`--digest-period "week"`, "--retention-span-days -1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q:\n%v", want, err)
		}
	}
}
