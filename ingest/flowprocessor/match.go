package flowprocessor

import (
	"github.com/intops/intops"
)

// matcher attributes spans to integrations by the catalog's match rules.
// Rules are indexed by their first condition so that a span is only tested
// against rules that can match; the most specific matching rule (most
// conditions) wins, ties going to catalog order.
type matcher struct {
	keys  []string                    // every attribute key a first condition tests
	exact map[string]map[string][]int // key → value → rule indexes
	scan  []int                       // rules whose first condition is a prefix
	rules []rule
}

type rule struct {
	integration string
	conds       []intops.Condition
}

func newMatcher(integrations []*intops.Integration) *matcher {
	m := &matcher{exact: map[string]map[string][]int{}}
	seen := map[string]bool{}
	for _, in := range integrations {
		for _, r := range in.Match {
			if len(r.Conditions) == 0 {
				continue
			}
			idx := len(m.rules)
			m.rules = append(m.rules, rule{integration: in.ID, conds: r.Conditions})
			first := r.Conditions[0]
			if first.Value[len(first.Value)-1] == '*' {
				m.scan = append(m.scan, idx)
				continue
			}
			if !seen[first.Key] {
				seen[first.Key] = true
				m.keys = append(m.keys, first.Key)
				m.exact[first.Key] = map[string][]int{}
			}
			m.exact[first.Key][first.Value] = append(m.exact[first.Key][first.Value], idx)
		}
	}
	return m
}

// match returns the integration the attributes belong to, or "".
func (m *matcher) match(get func(key string) (string, bool)) string {
	best, bestN := -1, 0
	try := func(idx int) {
		r := &m.rules[idx]
		if len(r.conds) < bestN || (len(r.conds) == bestN && idx > best) {
			return
		}
		for _, c := range r.conds {
			v, ok := get(c.Key)
			if !ok || !c.Matches(v) {
				return
			}
		}
		best, bestN = idx, len(r.conds)
	}
	for _, k := range m.keys {
		v, ok := get(k)
		if !ok {
			continue
		}
		for _, idx := range m.exact[k][v] {
			try(idx)
		}
	}
	for _, idx := range m.scan {
		try(idx)
	}
	if best < 0 {
		return ""
	}
	return m.rules[best].integration
}
