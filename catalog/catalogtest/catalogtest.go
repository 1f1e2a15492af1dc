// Package catalogtest builds small estate catalogs for tests, as the
// YAML documents the catalog loader reads, so that tests say what their
// estate has instead of copying one.
package catalogtest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/intops/intops/catalog"
)

// Estate is a catalog being built.
type Estate struct{ docs []string }

// New starts an empty estate.
func New() *Estate { return &Estate{} }

// Orders is the estate most alerting tests use: the team orders
// (#orders-alerts, @orders-oncall), the systems shop (Webshop) and erp
// (SAP ERP), and shop-to-erp-orders between them, owned by orders with
// the technical owner ana, at tier.
func Orders(tier int) *Estate {
	return New().
		Team("orders", `slackChannel: "#orders-alerts", onCall: "@orders-oncall"`).
		System("shop", "Webshop", "").
		System("erp", "SAP ERP", "").
		Integration("shop-to-erp-orders", "Webshop orders to ERP",
			fmt.Sprintf(`source: shop, targets: [erp], owner: orders, technicalOwner: ana, tier: %d, runbook: "https://wiki.example.com/runbooks/orders"`, tier))
}

// Team adds a team; spec is its spec in YAML flow style, without braces.
func (e *Estate) Team(name, spec string) *Estate {
	return e.doc("Team", name, "", spec)
}

// System adds a system.
func (e *Estate) System(name, title, spec string) *Estate {
	return e.doc("System", name, title, spec)
}

// Integration adds an integration.
func (e *Estate) Integration(name, title, spec string) *Estate {
	return e.doc("Integration", name, title, spec)
}

// Doc adds a document as written (an SLO, a policy).
func (e *Estate) Doc(yaml string) *Estate {
	e.docs = append(e.docs, strings.TrimSpace(yaml))
	return e
}

func (e *Estate) doc(kind, name, title, spec string) *Estate {
	md := "{name: " + name
	if title != "" {
		md += ", title: " + title
	}
	md += "}"
	d := "apiVersion: intops.dev/v1alpha1\nkind: " + kind + "\nmetadata: " + md
	if spec != "" {
		d += "\nspec: {" + spec + "}"
	}
	e.docs = append(e.docs, d)
	return e
}

// YAML is the estate as one multi-document file.
func (e *Estate) YAML() string { return strings.Join(e.docs, "\n---\n") + "\n" }

// Build parses the estate; a test whose estate does not load fails.
func (e *Estate) Build(t testing.TB) *catalog.Catalog {
	t.Helper()
	cat, err := catalog.Parse("estate.yaml", []byte(e.YAML()))
	if err != nil {
		t.Fatalf("test estate: %v\n%s", err, e.YAML())
	}
	return cat
}
