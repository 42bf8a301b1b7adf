package trim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Operations returns every operation of a vendor document as sorted
// "METHOD /path" lines, one per line: the index of what a revision
// defines, kept apart from the trimmed document (which holds only the
// paths vplay validates against) so that checking an entry's operations
// needs neither the full model nor a larger trimmed document.
func Operations(src []byte) ([]byte, error) {
	var in struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.NewDecoder(bytes.NewReader(src)).Decode(&in); err != nil {
		return nil, fmt.Errorf("decode vendor document: %w", err)
	}
	if in.Paths == nil {
		return nil, fmt.Errorf("vendor document has no paths")
	}
	var b bytes.Buffer
	for _, p := range sortedKeys(in.Paths) {
		for _, m := range methods {
			if _, ok := in.Paths[p][m]; ok {
				fmt.Fprintf(&b, "%s %s\n", strings.ToUpper(m), p)
			}
		}
	}
	return b.Bytes(), nil
}
