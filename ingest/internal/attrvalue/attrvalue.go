// Package attrvalue turns OTLP attribute values into bounded strings
// without recursing over client data.
package attrvalue

import (
	"encoding/base64"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// directItems bounds the values that go through pdata's own (recursive)
// AsString: with their depth bounded too, its stack and work are bounded
// and its output stays what it always was.
const directItems = 4096

// Shape walks a value iteratively and returns how deep it nests (a
// scalar is 1) and how many values it holds, stopping once either passes
// its bound.
func Shape(v pcommon.Value, maxDepth, maxItems int) (depth, items int) {
	type item struct {
		v     pcommon.Value
		depth int
	}
	stack := []item{{v, 1}}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		items++
		if it.depth > depth {
			depth = it.depth
		}
		if depth > maxDepth || items > maxItems {
			return depth, items
		}
		switch it.v.Type() {
		case pcommon.ValueTypeSlice:
			s := it.v.Slice()
			for i := 0; i < s.Len(); i++ {
				stack = append(stack, item{s.At(i), it.depth + 1})
			}
		case pcommon.ValueTypeMap:
			it.v.Map().Range(func(_ string, c pcommon.Value) bool {
				stack = append(stack, item{c, it.depth + 1})
				return true
			})
		}
	}
	return depth, items
}

// String is v as text, as pcommon.Value.AsString writes it (JSON for maps
// and slices), cut to at most maxBytes on a UTF-8 boundary; truncated says
// whether anything was cut. Maps and slices nested deeper than maxDepth
// or holding many values are written iteratively, the writing stops at
// maxBytes, and they count as truncated: the cost is bounded by maxBytes
// and maxDepth, not by the value.
func String(v pcommon.Value, maxBytes, maxDepth int) (s string, truncated bool) {
	switch v.Type() {
	case pcommon.ValueTypeMap, pcommon.ValueTypeSlice:
		if d, n := Shape(v, maxDepth, directItems); d <= maxDepth && n <= directItems {
			return Cut(v.AsString(), maxBytes)
		}
		return writeJSON(v, maxBytes), true
	}
	return Cut(v.AsString(), maxBytes)
}

// Cut cuts s to at most n bytes on a UTF-8 boundary.
func Cut(s string, n int) (string, bool) {
	if len(s) <= n {
		return s, false
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n], true
}

// writeJSON writes v as JSON with an explicit stack until maxBytes.
func writeJSON(v pcommon.Value, maxBytes int) string {
	var b strings.Builder
	// Each step is a value to write or a literal to append.
	type step struct {
		v   pcommon.Value
		lit string
		isV bool
	}
	stack := []step{{v: v, isV: true}}
	push := func(s step) { stack = append(stack, s) }
	for len(stack) > 0 && b.Len() < maxBytes {
		st := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if !st.isV {
			b.WriteString(st.lit)
			continue
		}
		switch st.v.Type() {
		case pcommon.ValueTypeSlice:
			s := st.v.Slice()
			b.WriteByte('[')
			push(step{lit: "]"})
			for i := s.Len() - 1; i >= 0; i-- {
				push(step{v: s.At(i), isV: true})
				if i > 0 {
					push(step{lit: ","})
				}
			}
		case pcommon.ValueTypeMap:
			m := st.v.Map()
			b.WriteByte('{')
			push(step{lit: "}"})
			var keys []string
			var vals []pcommon.Value
			m.Range(func(k string, c pcommon.Value) bool {
				keys, vals = append(keys, k), append(vals, c)
				return true
			})
			for i := len(keys) - 1; i >= 0; i-- {
				push(step{v: vals[i], isV: true})
				push(step{lit: strconv.Quote(keys[i]) + ":"})
				if i > 0 {
					push(step{lit: ","})
				}
			}
		case pcommon.ValueTypeStr:
			b.WriteString(strconv.Quote(st.v.Str()))
		case pcommon.ValueTypeBytes:
			b.WriteString(strconv.Quote(base64.StdEncoding.EncodeToString(st.v.Bytes().AsRaw())))
		case pcommon.ValueTypeEmpty:
			b.WriteString("null")
		default:
			b.WriteString(st.v.AsString())
		}
	}
	s, _ := Cut(b.String(), maxBytes)
	return s
}
