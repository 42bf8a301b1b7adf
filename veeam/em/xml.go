package em

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/vplay-dev/vplay/veeam"
)

// maxDepth bounds XML nesting.
const maxDepth = 64

// decodeXML turns an Enterprise Manager XML body into the Doc shape its
// JSON form has: the root element's attributes and children become
// properties named as in XML (PascalCase, namespaces dropped); an element
// with only text becomes a string; a repeated child becomes an array; a
// list container such as <Links><Link/>...</Links> (no attributes, every
// child of one name) becomes an array under the container's name, which is
// how EM's JSON spells Links. Attribute values stay strings ("true", "12").
func decodeXML(b []byte) (veeam.Doc, error) {
	dec := xml.NewDecoder(bytes.NewReader(b))
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("decode xml: %w", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			v, err := decodeElement(dec, se, 0)
			if err != nil {
				return nil, err
			}
			if d, ok := v.(map[string]any); ok {
				return d, nil
			}
			return veeam.Doc{se.Name.Local: v}, nil
		}
	}
}

type child struct {
	name  string
	value any
}

func decodeElement(dec *xml.Decoder, se xml.StartElement, depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("decode xml: nesting deeper than %d", maxDepth)
	}
	attrs := map[string]any{}
	for _, a := range se.Attr {
		if a.Name.Space == "xmlns" || a.Name.Local == "xmlns" || a.Name.Space == "http://www.w3.org/2001/XMLSchema-instance" {
			continue
		}
		attrs[a.Name.Local] = a.Value
	}
	var children []child
	var text strings.Builder
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("decode xml <%s>: %w", se.Name.Local, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			v, err := decodeElement(dec, t, depth+1)
			if err != nil {
				return nil, err
			}
			children = append(children, child{t.Name.Local, v})
		case xml.CharData:
			text.Write(t)
		case xml.EndElement:
			return assemble(se.Name.Local, attrs, children, strings.TrimSpace(text.String())), nil
		}
	}
}

func assemble(name string, attrs map[string]any, children []child, text string) any {
	if len(children) == 0 {
		if len(attrs) == 0 {
			return text
		}
		if text != "" {
			attrs["Value"] = text
		}
		return attrs
	}
	if len(attrs) == 0 && isList(name, children) {
		arr := make([]any, len(children))
		for i, c := range children {
			arr[i] = c.value
		}
		return arr
	}
	counts := map[string]int{}
	for _, c := range children {
		counts[c.name]++
	}
	for _, c := range children {
		if counts[c.name] > 1 {
			arr, _ := attrs[c.name].([]any)
			attrs[c.name] = append(arr, c.value)
			continue
		}
		attrs[c.name] = c.value
	}
	return attrs
}

// isList reports whether an element is a list container: every child has
// the same name and the container is that name's plural (Links/Link,
// Refs/Ref, SupportedVersions/SupportedVersion, Entities/Entity).
func isList(name string, children []child) bool {
	first := children[0].name
	for _, c := range children[1:] {
		if c.name != first {
			return false
		}
	}
	return name == first+"s" || name == first+"es" ||
		(strings.HasSuffix(first, "y") && name == strings.TrimSuffix(first, "y")+"ies")
}
