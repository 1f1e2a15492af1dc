package ingesttest

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"strings"
)

// Hostile OTLP trace requests, written byte by byte (an SDK would refuse
// to build them, or recurse over them), for the tests of the receiver's
// limits.

// DeepValueRequest is an ExportTraceServiceRequest of one valid span
// whose attribute "deep" is an array nested depth levels deep: about ten
// bytes a level, so a million levels are under the 16 MiB limit.
func DeepValueRequest(depth int) []byte {
	// Sizes from the inside out: the innermost value is {string_value:"x"}.
	anySize := make([]int, depth+1)
	arrSize := make([]int, depth+1)
	anySize[0] = 3
	for i := 1; i <= depth; i++ {
		arrSize[i] = 1 + uvarintLen(anySize[i-1]) + anySize[i-1]
		anySize[i] = 1 + uvarintLen(arrSize[i]) + arrSize[i]
	}
	value := make([]byte, 0, anySize[depth])
	for i := depth; i >= 1; i-- {
		value = append(value, 0x2a) // AnyValue.array_value
		value = binary.AppendUvarint(value, uint64(arrSize[i]))
		value = append(value, 0x0a) // ArrayValue.values
		value = binary.AppendUvarint(value, uint64(anySize[i-1]))
	}
	value = append(value, 0x0a, 0x01, 'x')
	kv := field(1, []byte("deep"))
	kv = append(kv, field(2, value)...)
	return request(validSpan(field(9, kv)))
}

// EmptySpansRequest is a request of n spans of two bytes each (no ids, no
// times, nothing): the smallest amplification a request can carry.
func EmptySpansRequest(n int) []byte {
	spans := bytes.Repeat([]byte{0x12, 0x00}, n) // ScopeSpans.spans, length 0
	ss := spans
	rs := field(2, ss)
	return field(1, rs)
}

// DeepValueJSON is DeepValueRequest in the OTLP/JSON encoding.
func DeepValueJSON(depth int) []byte {
	var b strings.Builder
	b.WriteString(`{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331","name":"deep","startTimeUnixNano":"1","endTimeUnixNano":"2","attributes":[{"key":"deep","value":`)
	for i := 0; i < depth; i++ {
		b.WriteString(`{"arrayValue":{"values":[`)
	}
	b.WriteString(`{"stringValue":"x"}`)
	for i := 0; i < depth; i++ {
		b.WriteString(`]}}`)
	}
	b.WriteString(`}]}]}]}]}`)
	return []byte(b.String())
}

// Gzip compresses b.
func Gzip(b []byte) []byte {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// validSpan is a ScopeSpans.spans entry with ids and a name but no times,
// plus the given fields.
func validSpan(extra []byte) []byte {
	s := field(1, []byte{0x0a, 0xf7, 0x65, 0x19, 0x16, 0xcd, 0x43, 0xdd, 0x84, 0x48, 0xeb, 0x21, 0x1c, 0x80, 0x31, 0x9c})
	s = append(s, field(2, []byte{0xb7, 0xad, 0x6b, 0x71, 0x69, 0x20, 0x33, 0x31})...)
	s = append(s, field(5, []byte("deep"))...)
	s = append(s, extra...)
	return s
}

func request(span []byte) []byte {
	return field(1, field(2, field(2, span)))
}

// field is a length-delimited protobuf field.
func field(num int, b []byte) []byte {
	out := binary.AppendUvarint(nil, uint64(num)<<3|2)
	out = binary.AppendUvarint(out, uint64(len(b)))
	return append(out, b...)
}

func uvarintLen(n int) int {
	return len(binary.AppendUvarint(nil, uint64(n)))
}
