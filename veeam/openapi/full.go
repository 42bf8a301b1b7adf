package openapi

import (
	"bytes"
	"compress/gzip"
	"embed"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/vplay-dev/vplay/veeam/openapi/internal/trim"
)

//go:embed full/vbr_*.json.gz
var fullEmbedded embed.FS

// RawFull returns the full model of a revision as JSON bytes: every vendor
// path, operation and referenced component, without prose but with the
// vendor examples (see trim.Full). The simulator serves every vendor path
// from it.
func RawFull(rev string) ([]byte, error) {
	if !slices.Contains(Revisions, rev) {
		return nil, fmt.Errorf("unknown vbr api revision %q (known: %s)", rev, strings.Join(Revisions, ", "))
	}
	gz, err := fullEmbedded.ReadFile("full/vbr_" + rev + ".json.gz")
	if err != nil {
		return nil, fmt.Errorf("read embedded full model of %s: %w", rev, err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("decompress full model of %s: %w", rev, err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("decompress full model of %s: %w", rev, err)
	}
	return b, nil
}

// fullDocs holds one lazily loaded full model per revision.
var fullDocs = func() map[string]func() (*openapi3.T, error) {
	m := map[string]func() (*openapi3.T, error){}
	for _, rev := range Revisions {
		m[rev] = sync.OnceValues(func() (*openapi3.T, error) {
			b, err := RawFull(rev)
			if err != nil {
				return nil, err
			}
			// Not validated on every load (it is large and the simulator
			// loads it at start): TestFullDoc validates each revision.
			doc, err := openapi3.NewLoader().LoadFromData(b)
			if err != nil {
				return nil, fmt.Errorf("load full vbr openapi model %s: %w", rev, err)
			}
			return doc, nil
		})
	}
	return m
}()

// FullDoc returns the loaded full model of a revision (one of Revisions),
// loaded once and shared: callers must treat it as read-only.
func FullDoc(rev string) (*openapi3.T, error) {
	if f, ok := fullDocs[rev]; ok {
		return f()
	}
	_, err := RawFull(rev)
	return nil, err
}

// NewFullValidator is NewValidator over the full model of the revision, so
// every vendor path is checked, not only those vplay's clients use.
func NewFullValidator(rev string) (*Validator, error) {
	doc, err := FullDoc(rev)
	if err != nil {
		return nil, err
	}
	return newValidator(rev, doc)
}

// RolesExtension names the operation extension listing the built-in roles
// an operation is available to ("Backup Administrator", ..., or "*" for
// anyone), taken from the vendor's description. It is empty in 1.1-rev0,
// whose descriptions do not list roles.
const RolesExtension = trim.RolesExtension
