package schema

import "github.com/vplay-dev/vplay/steps"

// Catalog returns the catalogue the embedded schema and `vplay validate`
// are built from: steps.Builtin.
func Catalog() *steps.Catalog { return steps.Builtin() }
