package openapi

import (
	"context"
	_ "embed"
	"fmt"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

// Revisions lists the VBR API revisions whose documents are embedded,
// oldest first.
var Revisions = []string{"1.3-rev0", "1.3-rev2"}

var (
	//go:embed vbr_1.3-rev0.json
	rev0JSON []byte
	//go:embed vbr_1.3-rev2.json
	rev2JSON []byte
)

// Raw returns the embedded trimmed document of a revision as JSON bytes. The
// caller must not modify them.
func Raw(rev string) ([]byte, error) {
	switch rev {
	case "1.3-rev0":
		return rev0JSON, nil
	case "1.3-rev2":
		return rev2JSON, nil
	}
	return nil, fmt.Errorf("unknown vbr api revision %q (known: 1.3-rev0, 1.3-rev2)", rev)
}

var (
	rev0Doc = sync.OnceValues(func() (*openapi3.T, error) { return load(rev0JSON) })
	rev2Doc = sync.OnceValues(func() (*openapi3.T, error) { return load(rev2JSON) })
)

// Doc returns the loaded and validated document of a revision ("1.3-rev0" or
// "1.3-rev2"). It is loaded once and shared: callers must treat it as
// read-only.
func Doc(rev string) (*openapi3.T, error) {
	switch rev {
	case "1.3-rev0":
		return rev0Doc()
	case "1.3-rev2":
		return rev2Doc()
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
