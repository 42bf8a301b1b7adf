package veeam

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// EncodeJSON turns a request body into bytes: nil stays nil, []byte and
// json.RawMessage are sent as they are, anything else is marshalled.
func EncodeJSON(body any) ([]byte, error) {
	switch b := body.(type) {
	case nil:
		return nil, nil
	case []byte:
		return b, nil
	case json.RawMessage:
		return b, nil
	case string:
		return []byte(b), nil
	}
	out, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("encode request body: %w", err)
	}
	return out, nil
}

// DecodeJSON decodes a JSON value with json.Number for numbers, so no
// precision is lost. An empty body decodes to nil.
func DecodeJSON(b []byte) (any, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil, nil
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, fmt.Errorf("decode response: %w", err)
	}
	return v, nil
}

// DecodeDoc decodes a JSON object; an empty body or a non-object yields nil.
func DecodeDoc(b []byte) (Doc, error) {
	v, err := DecodeJSON(b)
	if err != nil {
		return nil, err
	}
	d, _ := v.(map[string]any)
	return d, nil
}

// Lookup walks keys into nested objects and returns the value found.
func Lookup(d Doc, keys ...string) (any, bool) {
	var v any = d
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		v, ok = m[k]
		if !ok {
			return nil, false
		}
	}
	return v, true
}

// String returns the string at keys; numbers and booleans are formatted.
func String(d Doc, keys ...string) string {
	v, _ := Lookup(d, keys...)
	switch t := v.(type) {
	case string:
		return t
	case json.Number:
		return t.String()
	case bool:
		return strconv.FormatBool(t)
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case int:
		return strconv.Itoa(t)
	}
	return ""
}

// Int returns the integer at keys (json.Number, a number or a numeric
// string, as EM XML gives), and whether one was found.
func Int(d Doc, keys ...string) (int64, bool) {
	v, _ := Lookup(d, keys...)
	switch t := v.(type) {
	case json.Number:
		if n, err := t.Int64(); err == nil {
			return n, true
		}
		if f, err := t.Float64(); err == nil {
			return int64(f), true
		}
	case float64:
		return int64(t), true
	case int:
		return int64(t), true
	case int64:
		return t, true
	case string:
		if n, err := strconv.ParseInt(strings.TrimSpace(t), 10, 64); err == nil {
			return n, true
		}
	}
	return 0, false
}

// Bool returns the boolean at keys; the strings "true" and "false" (EM XML
// attributes, some VBR examples) count, case-insensitively.
func Bool(d Doc, keys ...string) (value, ok bool) {
	v, _ := Lookup(d, keys...)
	switch t := v.(type) {
	case bool:
		return t, true
	case string:
		b, err := strconv.ParseBool(strings.ToLower(strings.TrimSpace(t)))
		return b, err == nil
	}
	return false, false
}

// Items returns the objects of the array at keys.
func Items(d Doc, keys ...string) []Doc {
	v, _ := Lookup(d, keys...)
	return docs(v)
}

func docs(v any) []Doc {
	arr, ok := v.([]any)
	if !ok {
		if m, ok := v.(map[string]any); ok {
			return []Doc{m}
		}
		return nil
	}
	out := make([]Doc, 0, len(arr))
	for _, x := range arr {
		if m, ok := x.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}
