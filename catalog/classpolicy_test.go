package catalog_test

import (
	"strings"
	"testing"

	"github.com/intops/intops"
	"github.com/intops/intops/catalog"
)

// An estate's own handling of an error class: read from the catalog, and
// refused with its position when it names what is not there.
func TestErrorClassPolicy(t *testing.T) {
	cat, err := catalog.Parse("policies.yaml", []byte(`
apiVersion: intops.dev/v1alpha1
kind: ErrorClassPolicy
metadata: {name: validation}
spec:
  escalate: now
  notify: [data_steward, business_owner, technical_owner]
  advice: "{system} rejects records: the data stewards fix them in the MDM hub."
`))
	if err != nil {
		t.Fatal(err)
	}
	p := cat.ClassPolicies[intops.ErrorValidation]
	if p == nil || p.Escalate != "now" || len(p.Notify) != 3 || !strings.Contains(p.Advice, "MDM hub") {
		t.Fatalf("policy %+v", p)
	}
	for doc, want := range map[string]string{
		"metadata: {name: flaky}\nspec: {advice: x}":      `policies.yaml:1:1: ErrorClassPolicy "flaky": metadata.name must be an error class`,
		"metadata: {name: auth}\nspec: {escalate: later}": `escalate "later": want now`,
		"metadata: {name: auth}\nspec: {notify: [ceo]}":   `notify "ceo": want technical_owner, business_owner, data_steward, system_owner`,
		"metadata: {name: auth}\nspec: {advise: typo}":    `advise`,
	} {
		_, err := catalog.Parse("policies.yaml", []byte("apiVersion: intops.dev/v1alpha1\nkind: ErrorClassPolicy\n"+doc+"\n"))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want an error saying %q", doc, err, want)
		}
	}
}
