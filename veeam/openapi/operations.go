package openapi

import (
	"bufio"
	"bytes"
	"embed"
	"fmt"
	"slices"
	"strings"
	"sync"
)

//go:embed ops_*.txt
var opsEmbedded embed.FS

// operations holds the operation index of each revision, read once.
var operations = func() map[string]func() (map[string]bool, error) {
	m := map[string]func() (map[string]bool, error){}
	for _, rev := range Revisions {
		m[rev] = sync.OnceValues(func() (map[string]bool, error) {
			b, err := opsEmbedded.ReadFile("ops_" + rev + ".txt")
			if err != nil {
				return nil, fmt.Errorf("read embedded operation index of %s: %w", rev, err)
			}
			ops := map[string]bool{}
			sc := bufio.NewScanner(bytes.NewReader(b))
			for sc.Scan() {
				if line := strings.TrimSpace(sc.Text()); line != "" {
					ops[line] = true
				}
			}
			return ops, sc.Err()
		})
	}
	return m
}()

// Operations returns every operation the vendor document of a revision
// defines, as "METHOD /path" keys ("POST /api/v1/jobs/{id}/start"): all of
// them, not only the paths of the trimmed document. The map is shared and
// must not be modified.
func Operations(rev string) (map[string]bool, error) {
	f, ok := operations[rev]
	if !ok || !slices.Contains(Revisions, rev) {
		return nil, fmt.Errorf("unknown vbr api revision %q (known: %s)", rev, strings.Join(Revisions, ", "))
	}
	return f()
}
