package openapi

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Operation is what the full model of a revision says about one vendor
// operation, read without loading the whole document into kin-openapi: the
// request and answer models by component name.
type Operation struct {
	// Request is the component schema of the JSON request body ("" when
	// the operation takes none).
	Request string
	// Response is the component schema of the first documented 2xx JSON
	// answer ("" when it has no body).
	Response string
	// Status is that answer's status code.
	Status int
	// Query lists the names of the documented query parameters.
	Query []string
}

// fullPart is the part of a full model FullJSONSchema and FullOperation
// read: component schemas and operations.
type fullPart struct {
	ops map[string]Operation // by "METHOD /path"
}

var fullParts = func() map[string]func() (*fullPart, error) {
	m := map[string]func() (*fullPart, error){}
	for _, rev := range Revisions {
		m[rev] = sync.OnceValues(func() (*fullPart, error) {
			b, err := RawFull(rev)
			if err != nil {
				return nil, err
			}
			return decodeFullPart(b)
		})
	}
	return m
}()

// fullSchemas holds the component schemas of each full model, decoded on
// first use (apart from the operations: most callers need only those).
var fullSchemas = func() map[string]func() (*componentTable, error) {
	m := map[string]func() (*componentTable, error){}
	for _, rev := range Revisions {
		m[rev] = sync.OnceValues(func() (*componentTable, error) {
			b, err := RawFull(rev)
			if err != nil {
				return nil, err
			}
			return components(b)
		})
	}
	return m
}()

func decodeFullPart(b []byte) (*fullPart, error) {
	type content map[string]struct {
		Schema map[string]any `json:"schema"`
	}
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("decode full vbr openapi model: %w", err)
	}
	p := &fullPart{ops: map[string]Operation{}}
	for path, item := range doc.Paths {
		for method, raw := range item {
			switch method {
			case "get", "put", "post", "delete", "patch":
			default:
				continue
			}
			var op struct {
				Parameters []struct {
					Name string `json:"name"`
					In   string `json:"in"`
				} `json:"parameters"`
				RequestBody *struct {
					Content content `json:"content"`
				} `json:"requestBody"`
				Responses map[string]struct {
					Content content `json:"content"`
				} `json:"responses"`
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				return nil, fmt.Errorf("decode %s %s: %w", method, path, err)
			}
			var o Operation
			for _, q := range op.Parameters {
				if q.In == "query" {
					o.Query = append(o.Query, q.Name)
				}
			}
			if op.RequestBody != nil {
				o.Request = refOf(op.RequestBody.Content["application/json"].Schema)
			}
			codes := make([]string, 0, len(op.Responses))
			for code := range op.Responses {
				if strings.HasPrefix(code, "2") {
					codes = append(codes, code)
				}
			}
			slices.Sort(codes)
			for _, code := range codes {
				st, _ := strconv.Atoi(code)
				ref := refOf(op.Responses[code].Content["application/json"].Schema)
				if o.Status == 0 || (o.Response == "" && ref != "") {
					o.Status, o.Response = st, ref
				}
			}
			p.ops[strings.ToUpper(method)+" "+path] = o
		}
	}
	return p, nil
}

func refOf(s map[string]any) string {
	ref, _ := s["$ref"].(string)
	return strings.TrimPrefix(ref, schemaRefPrefix)
}

func fullPartOf(rev string) (*fullPart, error) {
	f, ok := fullParts[rev]
	if !ok {
		return nil, fmt.Errorf("unknown vbr api revision %q (known: %s)", rev, strings.Join(Revisions, ", "))
	}
	return f()
}

// FullJSONSchema is JSONSchema over the full model of a revision, for the
// vendor models the trimmed documents leave out (credentials, jobs,
// settings, ...).
func FullJSONSchema(rev, name string) (map[string]any, error) {
	f, ok := fullSchemas[rev]
	if !ok {
		return nil, fmt.Errorf("unknown vbr api revision %q (known: %s)", rev, strings.Join(Revisions, ", "))
	}
	schemas, err := f()
	if err != nil {
		return nil, err
	}
	return jsonSchemaOf(schemas.get, rev, name)
}

// FullOperation returns what the full model of a revision documents for
// the operation "METHOD /path" (the path as templated in the document);
// false when the revision does not define it.
func FullOperation(rev, op string) (Operation, bool, error) {
	p, err := fullPartOf(rev)
	if err != nil {
		return Operation{}, false, err
	}
	o, ok := p.ops[op]
	return o, ok, nil
}
