package accuracy

import (
	"strings"
	"testing"
)

func TestVolumeClassOfAMeanRate(t *testing.T) {
	for _, c := range []struct {
		perSecond float64
		want      string
	}{
		{0, "under 1/min"},
		{3.0 / 3600, "under 1/min"}, // a few runs an hour
		{1.0 / 60, "1/min to 1/s"},
		{0.5, "1/min to 1/s"},
		{1, "above 1/s"},
		{300, "above 1/s"},
	} {
		if got := VolumeClasses[classOf(c.perSecond)].Name; got != c.want {
			t.Errorf("%.4f/s: %s, want %s", c.perSecond, got, c.want)
		}
	}
}

func TestReportPrintsFalseAlarmsByVolume(t *testing.T) {
	r := Report{Seeds: []uint64{1}, Integrations: 3, Realistic: true, Classes: []ClassResult{
		{Class: "under 1/min", Integrations: 1, Days: 200, FalseAlarms: 1, Examples: []string{"nightly-export: executions low"}},
		{Class: "above 1/s", Integrations: 2, Days: 400},
	}}
	var b strings.Builder
	r.Print(&b)
	for _, want := range []string{"realistic simulated traffic", "under 1/min", "0.50", "nightly-export: executions low"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, b.String())
		}
	}
}
