package catalog_test

import (
	"strings"
	"testing"

	"github.com/intops/intops/catalog"
)

func TestDemoEstateLoads(t *testing.T) {
	cat, err := catalog.Load("../examples/estate")
	if err != nil {
		t.Fatal(err)
	}
	if len(cat.Integrations) < 120 || len(cat.Systems) < 40 || len(cat.Teams) != 10 || len(cat.SLOs) < 60 {
		t.Errorf("demo estate has %d integrations, %d systems, %d teams, %d SLOs", len(cat.Integrations), len(cat.Systems), len(cat.Teams), len(cat.SLOs))
	}
	if in := cat.Integration("monitoring-to-itsm-incidents"); in == nil || len(in.Match) == 0 {
		t.Errorf("monitoring-to-itsm-incidents missing or without match rules: %+v", in)
	}
}

func TestBadCatalogSaysWhatAndWhere(t *testing.T) {
	_, err := catalog.Load("testdata/bad")
	if err == nil {
		t.Fatal("want errors")
	}
	for _, want := range []string{
		`testdata/bad/estate.yaml:6:3: spec.slackChanel: unknown field "slackChanel"`,
		`testdata/bad/estate.yaml:16:3: integration "a-to-b": spec.tier 7: want 1, 2 or 3`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}
