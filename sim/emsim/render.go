package emsim

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"strconv"
	"time"
)

// namespace is the XML namespace of every Enterprise Manager document.
const namespace = "http://www.veeam.com/ent/v1.0"

// node is one element of an Enterprise Manager document. The same tree is
// rendered as XML (the vendor default) or as JSON (when Accept asks for it):
// attributes become properties, child elements become properties named like
// the element, and lists become arrays.
type node struct {
	name  string
	attrs []prop
	kids  []*node
	// leaf elements carry a value (string, bool, int, time.Time) and no kids.
	leaf bool
	val  any
	// array renders kids as a JSON array under name; in XML it is a wrapper
	// element holding the kids (Links, AgentBackupJobs).
	array bool
	// inline renders kids directly inside the parent in XML (no wrapper) and
	// as a JSON array under this key (EntityReferences' Ref entries -> "Refs").
	inline string
}

// prop is one attribute, kept in vendor order.
type prop struct {
	k string
	v any
}

// elem starts an element with attributes given as name, value pairs.
func elem(name string, attrs ...any) *node {
	n := &node{name: name}
	for i := 0; i+1 < len(attrs); i += 2 {
		k, _ := attrs[i].(string)
		if attrs[i+1] == nil {
			continue
		}
		n.attrs = append(n.attrs, prop{k, attrs[i+1]})
	}
	return n
}

// add appends children and returns n.
func (n *node) add(kids ...*node) *node {
	for _, k := range kids {
		if k != nil {
			n.kids = append(n.kids, k)
		}
	}
	return n
}

// text appends a leaf child; a nil value (or nil *time.Time) is omitted.
func (n *node) text(name string, v any) *node {
	if v == nil {
		return n
	}
	if t, ok := v.(*time.Time); ok {
		if t == nil {
			return n
		}
		v = *t
	}
	n.kids = append(n.kids, &node{name: name, leaf: true, val: v})
	return n
}

// list makes a wrapper element whose kids render as a JSON array.
func list(name string, kids ...*node) *node {
	n := &node{name: name, array: true}
	return n.add(kids...)
}

// inlineList holds kids rendered without wrapper in XML and as a JSON array
// under key.
func inlineList(key string, kids ...*node) *node {
	n := &node{inline: key}
	return n.add(kids...)
}

// link is a vendor Link element.
func link(rel, typ, href, name string) *node {
	var t, nm any
	if typ != "" {
		t = typ
	}
	if name != "" {
		nm = name
	}
	return elem("Link", "Rel", rel, "Type", t, "Href", href, "Name", nm)
}

// scalar formats a value the way the vendor writes it in XML.
func scalar(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	default:
		return fmt.Sprint(x)
	}
}

// jsonScalar is the JSON value of a leaf or attribute.
func jsonScalar(v any) any {
	if t, ok := v.(time.Time); ok {
		return t.UTC().Format(time.RFC3339)
	}
	return v
}

// renderXML writes the document with the vendor namespace on the root.
func renderXML(root *node) []byte {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	writeXML(&b, root, true)
	b.WriteByte('\n')
	return b.Bytes()
}

func writeXML(b *bytes.Buffer, n *node, root bool) {
	if n.inline != "" {
		for _, k := range n.kids {
			writeXML(b, k, false)
		}
		return
	}
	b.WriteByte('<')
	b.WriteString(n.name)
	if root {
		b.WriteString(` xmlns="` + namespace + `"`)
	}
	for _, a := range n.attrs {
		b.WriteByte(' ')
		b.WriteString(a.k)
		b.WriteString(`="`)
		xml.EscapeText(b, []byte(scalar(a.v))) //nolint:errcheck // bytes.Buffer never fails
		b.WriteByte('"')
	}
	if n.leaf {
		b.WriteByte('>')
		xml.EscapeText(b, []byte(scalar(n.val))) //nolint:errcheck // bytes.Buffer never fails
		b.WriteString("</" + n.name + ">")
		return
	}
	if len(n.kids) == 0 {
		b.WriteString(" />")
		return
	}
	b.WriteByte('>')
	for _, k := range n.kids {
		writeXML(b, k, false)
	}
	b.WriteString("</" + n.name + ">")
}

// orderedObject is a JSON object that keeps its key order.
type orderedObject []prop

// MarshalJSON writes the keys in order.
func (o orderedObject) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, p := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		if err := marshalTo(&b, p.k); err != nil {
			return nil, err
		}
		b.WriteByte(':')
		if err := marshalTo(&b, p.v); err != nil {
			return nil, err
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// marshalTo appends v as JSON without HTML escaping (hrefs keep their &).
func marshalTo(b *bytes.Buffer, v any) error {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	b.Truncate(b.Len() - 1) // Encode's newline
	return nil
}

// jsonValue converts an element to its JSON form.
func jsonValue(n *node) any {
	if n.leaf {
		return jsonScalar(n.val)
	}
	if n.array {
		arr := make([]any, 0, len(n.kids))
		for _, k := range n.kids {
			arr = append(arr, jsonValue(k))
		}
		return arr
	}
	obj := orderedObject{}
	for _, a := range n.attrs {
		obj = append(obj, prop{a.k, jsonScalar(a.v)})
	}
	for _, k := range n.kids {
		if k.inline != "" {
			arr := make([]any, 0, len(k.kids))
			for _, kk := range k.kids {
				arr = append(arr, jsonValue(kk))
			}
			obj = append(obj, prop{k.inline, arr})
			continue
		}
		obj = append(obj, prop{k.name, jsonValue(k)})
	}
	return obj
}

// renderJSON writes the document as JSON: PascalCase names, attributes as
// properties (the vendor's JSON convention; shape of lists inferred).
func renderJSON(root *node) ([]byte, error) {
	var b bytes.Buffer
	if err := marshalTo(&b, jsonValue(root)); err != nil {
		return nil, fmt.Errorf("render %s as json: %w", root.name, err)
	}
	return b.Bytes(), nil
}
