package slos_test

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/intops/intops/ui/internal/uitest"
)

func TestSLOsPage(t *testing.T) {
	srv, _, cat := uitest.AlertsServer(t)
	resp, body := uitest.Get(t, srv, "/slos")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	rows := uitest.SLORowRE.FindAllStringSubmatch(body, -1)
	if len(rows) != len(cat.SLOs) {
		t.Fatalf("%d rows, want %d", len(rows), len(cat.SLOs))
	}
	var statuses []string
	for _, r := range rows {
		statuses = append(statuses, r[2])
	}
	rank := map[string]int{"page": 0, "ticket": 1, "no_data": 2, "ok": 3}
	if !slices.IsSortedFunc(statuses, func(a, b string) int { return rank[a] - rank[b] }) {
		t.Errorf("not worst first: %v", statuses)
	}
	if statuses[0] != "page" || statuses[1] != "ticket" || statuses[2] != "ticket" || statuses[3] != "no_data" {
		t.Errorf("order starts %v, want page, ticket, ticket, no_data", statuses[:4])
	}
	// Of the two tickets, the one with less budget (30%) comes first.
	if i := strings.Index(body, "30.0%"); i < 0 || i > strings.Index(body, "50.0%") {
		t.Error("tickets are not sorted by budget left")
	}
	for _, want := range []string{`href="/integrations/shop-to-erp-orders"`, "budget runs out", "Budget per day"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}

	for _, tc := range []struct {
		name, query string
		want        func(id, status string) bool
	}{
		{"status", "?status=ticket", func(_, st string) bool { return st == "ticket" }},
		{"team", "?team=customer-systems", func(id, _ string) bool {
			return cat.Integration(uitest.SLOOf(cat, id).Integration).Owner == "customer-systems"
		}},
		{"integration", "?integration=shop-to-erp-orders", func(id, _ string) bool { return uitest.SLOOf(cat, id).Integration == "shop-to-erp-orders" }},
		{"status and team", "?status=no_data&team=customer-systems", func(_, st string) bool { return st == "no_data" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, body := uitest.Get(t, srv, "/slos"+tc.query)
			got := uitest.SLORowRE.FindAllStringSubmatch(body, -1)
			if len(got) == 0 || len(got) == len(cat.SLOs) {
				t.Fatalf("%d rows", len(got))
			}
			for _, r := range got {
				if !tc.want(r[1], r[2]) {
					t.Errorf("%s (%s) should be filtered out", r[1], r[2])
				}
			}
			// the filter is reflected in the form
			q, _ := url.ParseQuery(strings.TrimPrefix(tc.query, "?"))
			for k := range q {
				if !regexp.MustCompile(`name="` + k + `"[^>]*>(?s:.*?)<option value="` + regexp.QuoteMeta(q.Get(k)) + `" selected`).MatchString(body) {
					t.Errorf("the %s select does not show %s", k, q.Get(k))
				}
			}
		})
	}
	if _, body := uitest.Get(t, srv, "/slos?status=page&team=customer-systems"); !strings.Contains(body, `data-testid="slo-empty"`) {
		t.Error("no empty message")
	}
}
