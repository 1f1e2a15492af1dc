package otlpguard

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"unicode/utf8"
)

// kind is a message of the OTLP trace request schema that the scan
// follows; every other field is skipped over.
type kind uint8

const (
	kUnknown kind = iota
	kRequest
	kResourceSpans
	kResource
	kScopeSpans
	kScope
	kSpan
	kEvent
	kLink
	kKeyValue
	kAnyValue
	kArray
	kKvList
)

// protoChild is the kind of message field f of a message of kind k holds
// (opentelemetry/proto/trace/v1 and common/v1 field numbers).
func protoChild(k kind, f uint64) kind {
	switch k {
	case kRequest:
		if f == 1 {
			return kResourceSpans
		}
	case kResourceSpans:
		switch f {
		case 1:
			return kResource
		case 2:
			return kScopeSpans
		}
	case kResource:
		if f == 1 {
			return kKeyValue
		}
	case kScopeSpans:
		switch f {
		case 1:
			return kScope
		case 2:
			return kSpan
		}
	case kScope:
		if f == 3 {
			return kKeyValue
		}
	case kSpan:
		switch f {
		case 9:
			return kKeyValue
		case 11:
			return kEvent
		case 13:
			return kLink
		}
	case kEvent:
		if f == 3 {
			return kKeyValue
		}
	case kLink:
		if f == 4 {
			return kKeyValue
		}
	case kKeyValue:
		if f == 2 {
			return kAnyValue
		}
	case kAnyValue:
		switch f {
		case 5:
			return kArray
		case 6:
			return kKvList
		}
	case kArray:
		if f == 1 {
			return kAnyValue
		}
	case kKvList:
		if f == 1 {
			return kKeyValue
		}
	}
	return kUnknown
}

// jsonChild is protoChild for the OTLP JSON encoding, whose keys are the
// fields' lowerCamelCase names (or, as protobuf JSON allows, their
// original snake_case names); key is lower case without underscores.
func jsonChild(k kind, key string) kind {
	switch k {
	case kRequest:
		if key == "resourcespans" {
			return kResourceSpans
		}
	case kResourceSpans:
		switch key {
		case "resource":
			return kResource
		case "scopespans":
			return kScopeSpans
		}
	case kResource, kScope, kSpan, kEvent, kLink:
		switch {
		case key == "attributes":
			return kKeyValue
		case k == kSpan && key == "events":
			return kEvent
		case k == kSpan && key == "links":
			return kLink
		}
	case kScopeSpans:
		switch key {
		case "scope":
			return kScope
		case "spans":
			return kSpan
		}
	case kKeyValue:
		if key == "value" {
			return kAnyValue
		}
	case kAnyValue:
		switch key {
		case "arrayvalue":
			return kArray
		case "kvlistvalue":
			return kKvList
		}
	case kArray:
		if key == "values" {
			return kAnyValue
		}
	case kKvList:
		if key == "values" {
			return kKeyValue
		}
	}
	return kUnknown
}

// counter applies the limits as the scan enters messages.
type counter struct {
	l     Limits
	spans int
	items int
}

// frame is one message being scanned.
type frame struct {
	kind   kind
	end    int // protobuf: offset where the message ends
	depth  int // of an attribute value: AnyValue nesting level
	attrs  int
	events int
	links  int
}

// enter checks and counts a child message of kind c in parent p and
// returns the child's value depth.
func (c *counter) enter(p *frame, ch kind) (int, error) {
	depth := 0
	switch ch {
	case kSpan:
		c.spans++
		if c.spans > c.l.MaxSpans {
			return 0, &LimitError{"spans in the request", c.l.MaxSpans, "max_spans_per_request"}
		}
	case kEvent:
		p.events++
		if p.events > c.l.MaxEvents {
			return 0, &LimitError{"events in a span", c.l.MaxEvents, "max_events_per_span"}
		}
	case kLink:
		p.links++
		if p.links > c.l.MaxLinks {
			return 0, &LimitError{"links in a span", c.l.MaxLinks, "max_links_per_span"}
		}
	case kKeyValue:
		p.attrs++
		if p.attrs > c.l.MaxAttributes {
			return 0, &LimitError{"attributes in one resource, scope, span, event, link or value list", c.l.MaxAttributes, "max_attributes"}
		}
		if p.kind == kKvList {
			depth = p.depth
		}
	case kAnyValue:
		depth = p.depth + 1
		if depth > c.l.MaxValueDepth {
			return 0, &LimitError{"levels of nesting in an attribute value", c.l.MaxValueDepth, "max_value_depth"}
		}
	case kArray, kKvList:
		depth = p.depth
	}
	switch ch {
	case kSpan, kEvent, kLink, kKeyValue, kAnyValue:
		c.items++
		if c.items > c.l.MaxItems {
			return 0, &LimitError{"spans, events, links, attributes and values in the request", c.l.MaxItems, "max_items_per_request"}
		}
	}
	return depth, nil
}

// ScanProto checks an OTLP/protobuf ExportTraceServiceRequest against the
// limits without decoding it, in one pass and constant stack: it follows
// the schema's nested messages with an explicit stack and skips every
// other field. It returns a *LimitError or a *MalformedError.
func ScanProto(b []byte, l Limits) error {
	c := counter{l: l}
	stack := []frame{{kind: kRequest, end: len(b)}}
	pos := 0
	for {
		top := &stack[len(stack)-1]
		if pos == top.end {
			if len(stack) == 1 {
				return nil
			}
			stack = stack[:len(stack)-1]
			continue
		}
		tag, n := uvarint(b[pos:top.end])
		if n <= 0 {
			return &MalformedError{pos, "bad field tag"}
		}
		field, wire := tag>>3, tag&7
		if field == 0 {
			return &MalformedError{pos, "field number 0"}
		}
		at := pos
		pos += n
		switch wire {
		case 0: // varint
			_, n := uvarint(b[pos:top.end])
			if n <= 0 {
				return &MalformedError{pos, "bad varint"}
			}
			pos += n
		case 1: // fixed64
			if top.end-pos < 8 {
				return &MalformedError{pos, "truncated fixed64"}
			}
			pos += 8
		case 5: // fixed32
			if top.end-pos < 4 {
				return &MalformedError{pos, "truncated fixed32"}
			}
			pos += 4
		case 2: // length-delimited
			size, n := uvarint(b[pos:top.end])
			if n <= 0 {
				return &MalformedError{pos, "bad length"}
			}
			pos += n
			if size > uint64(top.end-pos) {
				return &MalformedError{at, "length beyond the end of its message"}
			}
			end := pos + int(size)
			ch := protoChild(top.kind, field)
			if ch == kUnknown {
				pos = end
				continue
			}
			depth, err := c.enter(top, ch)
			if err != nil {
				return err
			}
			stack = append(stack, frame{kind: ch, end: end, depth: depth})
		case 3: // a group (deprecated, but valid): skipped as unknown
			end, err := skipGroup(b[:top.end], pos)
			if err != nil {
				return err
			}
			pos = end
		default:
			return &MalformedError{at, "unsupported wire type"}
		}
	}
}

// skipGroup skips the fields of a group that starts at pos, up to and
// including its end tag, iteratively.
func skipGroup(b []byte, pos int) (int, error) {
	depth := 1
	for pos < len(b) {
		tag, n := uvarint(b[pos:])
		if n <= 0 {
			return 0, &MalformedError{pos, "bad field tag"}
		}
		pos += n
		switch tag & 7 {
		case 0:
			_, n := uvarint(b[pos:])
			if n <= 0 {
				return 0, &MalformedError{pos, "bad varint"}
			}
			pos += n
		case 1:
			pos += 8
		case 5:
			pos += 4
		case 2:
			size, n := uvarint(b[pos:])
			if n <= 0 || size > uint64(len(b)-pos-n) {
				return 0, &MalformedError{pos, "bad length"}
			}
			pos += n + int(size)
		case 3:
			depth++
		case 4:
			depth--
			if depth == 0 {
				return pos, nil
			}
		default:
			return 0, &MalformedError{pos, "unsupported wire type"}
		}
		if pos > len(b) {
			return 0, &MalformedError{len(b), "truncated group"}
		}
	}
	return 0, &MalformedError{len(b), "group without its end"}
}

// uvarint decodes a base-128 varint; n <= 0 when b does not hold one.
func uvarint(b []byte) (uint64, int) {
	var x uint64
	for i := 0; i < len(b) && i < 10; i++ {
		c := b[i]
		if i == 9 && c > 1 {
			return 0, -1
		}
		x |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			return x, i + 1
		}
	}
	return 0, 0
}

// maxJSONNesting bounds the nesting of a JSON request: the schema's own
// levels down to an attribute value, four more for each value level
// (value object, kvlistValue object, values array, key-value object),
// and a little room.
func maxJSONNesting(l Limits) int { return 12 + 4*l.MaxValueDepth }

// jsonFrame is an object or array being scanned.
type jsonFrame struct {
	frame      // of an object: the message it is
	array bool // an array, whose elements are counted in the object around it
	elem  kind // of an array: its elements' kind
	key   kind // of an object: the kind of the value after the last key
}

// ScanJSON is ScanProto for the OTLP/JSON encoding: it checks that the
// body is valid UTF-8 and JSON and within the limits, iteratively.
func ScanJSON(b []byte, l Limits) error {
	if !utf8.Valid(b) {
		i := 0
		for i < len(b) {
			r, n := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			i += n
		}
		return &MalformedError{i, "not valid UTF-8, so not JSON"}
	}
	c := counter{l: l}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var stack []jsonFrame
	maxNesting := maxJSONNesting(l)
	// next is the kind of the value the decoder reads next.
	next := func() kind {
		if len(stack) == 0 {
			return kRequest
		}
		top := &stack[len(stack)-1]
		if top.array {
			return top.elem
		}
		return top.key
	}
	// owner is the message an array's elements are counted in.
	owner := func() *frame {
		for i := len(stack) - 1; i >= 0; i-- {
			if !stack[i].array {
				return &stack[i].frame
			}
		}
		return &frame{}
	}
	afterKey := false // an object's key was read; its value comes next
	for {
		off := int(dec.InputOffset())
		tok, err := dec.Token()
		if err == io.EOF {
			if len(stack) != 0 {
				return &MalformedError{off, "unexpected end of JSON"}
			}
			return nil
		}
		if err != nil {
			var se *json.SyntaxError
			if errors.As(err, &se) {
				return &MalformedError{int(se.Offset), "not JSON: " + se.Error()}
			}
			return &MalformedError{off, "not JSON: " + err.Error()}
		}
		inObject := len(stack) > 0 && !stack[len(stack)-1].array
		if inObject && !afterKey {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
				afterKey = false
				continue
			}
			key, _ := tok.(string)
			top := &stack[len(stack)-1]
			top.key = jsonChild(top.kind, strings.ReplaceAll(strings.ToLower(key), "_", ""))
			afterKey = true
			continue
		}
		afterKey = false
		d, ok := tok.(json.Delim)
		if !ok {
			continue // a scalar value
		}
		switch d {
		case ']':
			stack = stack[:len(stack)-1]
			continue
		case '}':
			return &MalformedError{off, "unexpected }"}
		}
		if len(stack) >= maxNesting {
			return &LimitError{"levels of nesting in an attribute value", l.MaxValueDepth, "max_value_depth"}
		}
		k := next()
		if d == '[' {
			stack = append(stack, jsonFrame{array: true, elem: k})
			continue
		}
		// an object: a message of kind k
		f := jsonFrame{frame: frame{kind: k}}
		if k != kUnknown && k != kRequest {
			depth, err := c.enter(owner(), k)
			if err != nil {
				return err
			}
			f.depth = depth
		}
		stack = append(stack, f)
	}
}
