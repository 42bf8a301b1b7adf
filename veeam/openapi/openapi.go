package openapi

import (
	"context"
	"embed"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

// Revisions lists the VBR API revisions whose documents are embedded,
// oldest first.
var Revisions = []string{"1.1-rev0", "1.2-rev1", "1.3-rev0", "1.3-rev1", "1.3-rev2"}

//go:embed vbr_*.json
var embedded embed.FS

// Raw returns the embedded trimmed document of a revision as JSON bytes. The
// caller must not modify them.
func Raw(rev string) ([]byte, error) {
	if !slices.Contains(Revisions, rev) {
		return nil, fmt.Errorf("unknown vbr api revision %q (known: %s)", rev, strings.Join(Revisions, ", "))
	}
	b, err := embedded.ReadFile("vbr_" + rev + ".json")
	if err != nil {
		return nil, fmt.Errorf("read embedded document of %s: %w", rev, err)
	}
	return b, nil
}

// docs holds one lazily loaded document per revision.
var docs = func() map[string]func() (*openapi3.T, error) {
	m := map[string]func() (*openapi3.T, error){}
	for _, rev := range Revisions {
		m[rev] = sync.OnceValues(func() (*openapi3.T, error) {
			b, err := Raw(rev)
			if err != nil {
				return nil, err
			}
			return load(b)
		})
	}
	return m
}()

// Doc returns the loaded and validated document of a revision (one of
// Revisions). It is loaded once and shared: callers must treat it as
// read-only.
func Doc(rev string) (*openapi3.T, error) {
	if f, ok := docs[rev]; ok {
		return f()
	}
	_, err := Raw(rev)
	return nil, err
}

func load(b []byte) (*openapi3.T, error) {
	l := openapi3.NewLoader()
	doc, err := l.LoadFromData(b)
	if err != nil {
		return nil, fmt.Errorf("load vbr openapi document: %w", err)
	}
	// Stricter than the defaults: unknown formats and defaults that do not
	// match their schema are errors, so a bad generator fix-up shows here.
	if err := doc.Validate(context.Background(),
		openapi3.EnableSchemaFormatValidation(),
		openapi3.EnableSchemaDefaultsValidation(),
		openapi3.EnableSchemaPatternValidation(),
	); err != nil {
		return nil, fmt.Errorf("validate vbr openapi document %s: %w", doc.Info.Version, err)
	}
	return doc, nil
}
