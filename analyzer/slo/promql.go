package slo

import (
	"fmt"
	"regexp"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"
)

// windowTemplate is Sloth's placeholder for the range of a query
// ({{.window}}), which OpenSLO documents converted from Sloth carry.
var windowTemplate = regexp.MustCompile(`\{\{\s*\.window\s*\}\}`)

// CountQuery rewrites an OpenSLO Prometheus query of events into one that
// gives the events of the window ending at each evaluation: fn is
// "increase" (how many, as the evaluator reads each minute) or "rate"
// (per second, as the recording rules compare ratios).
//
// The rule, for the queries OpenSLO and Sloth examples write:
//
//   - a counter selector (http_requests_total{code=~"5.."}), bare or
//     inside aggregations and arithmetic (sum by (code) (…)), becomes
//     fn(selector[window]);
//   - rate(selector[r]) and increase(selector[r]), and Sloth's
//     [{{.window}}], are read over window instead of r;
//   - other range functions (irate, delta, *_over_time) and subqueries do
//     not count events: the query is refused.
//
// The result is summed into one series.
func CountQuery(query, fn string, window time.Duration) (string, error) {
	w := model.Duration(window).String()
	expr, err := parser.ParseExpr(windowTemplate.ReplaceAllString(query, w))
	if err != nil {
		return "", fmt.Errorf("query %q: %w", query, err)
	}
	out, err := countExpr(expr, fn, window)
	if err != nil {
		return "", fmt.Errorf("query %q: %w", query, err)
	}
	return (&parser.AggregateExpr{Op: parser.SUM, Expr: out}).String(), nil
}

func countExpr(e parser.Expr, fn string, window time.Duration) (parser.Expr, error) {
	call := func(vs parser.Expr) parser.Expr {
		return &parser.Call{Func: parser.Functions[fn], Args: parser.Expressions{&parser.MatrixSelector{VectorSelector: vs, Range: window}}}
	}
	var err error
	switch n := e.(type) {
	case *parser.VectorSelector:
		return call(n), nil
	case *parser.MatrixSelector:
		return nil, fmt.Errorf("a range selector outside rate() or increase(): write the counter, or rate(counter[5m])")
	case *parser.SubqueryExpr:
		return nil, fmt.Errorf("a subquery does not count events: write counter selectors, rate() or increase()")
	case *parser.Call:
		switch n.Func.Name {
		case "rate", "increase":
			if m, ok := n.Args[0].(*parser.MatrixSelector); ok {
				return call(m.VectorSelector), nil
			}
			return nil, fmt.Errorf("%s() of a subquery does not count events", n.Func.Name)
		}
		for i, a := range n.Args {
			if a.Type() == parser.ValueTypeMatrix {
				return nil, fmt.Errorf("%s() does not count events: write counter selectors, rate() or increase()", n.Func.Name)
			}
			if n.Args[i], err = countExpr(a, fn, window); err != nil {
				return nil, err
			}
		}
		return n, nil
	case *parser.AggregateExpr:
		if n.Expr, err = countExpr(n.Expr, fn, window); err != nil {
			return nil, err
		}
		return n, nil
	case *parser.BinaryExpr:
		if n.LHS, err = countExpr(n.LHS, fn, window); err != nil {
			return nil, err
		}
		if n.RHS, err = countExpr(n.RHS, fn, window); err != nil {
			return nil, err
		}
		return n, nil
	case *parser.ParenExpr:
		if n.Expr, err = countExpr(n.Expr, fn, window); err != nil {
			return nil, err
		}
		return n, nil
	case *parser.UnaryExpr:
		if n.Expr, err = countExpr(n.Expr, fn, window); err != nil {
			return nil, err
		}
		return n, nil
	case *parser.StepInvariantExpr:
		return countExpr(n.Expr, fn, window)
	}
	return e, nil // number and string literals
}

// ThresholdQuery checks a thresholdMetric's query: it is read as written,
// one value per evaluation (a gauge, a quantile), and must give one
// series (aggregate it otherwise).
func ThresholdQuery(query string) (string, error) {
	expr, err := parser.ParseExpr(windowTemplate.ReplaceAllString(query, "5m"))
	if err != nil {
		return "", fmt.Errorf("query %q: %w", query, err)
	}
	if expr.Type() != parser.ValueTypeVector && expr.Type() != parser.ValueTypeScalar {
		return "", fmt.Errorf("query %q: want an instant vector, not a %s", query, expr.Type())
	}
	return expr.String(), nil
}
