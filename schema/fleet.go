package schema

import (
	_ "embed"
	"slices"
	"sync"
)

//go:embed fleet.schema.json
var fleetSchema []byte

// FleetJSON returns the JSON Schema of fleet files (vplay plan --fleet).
func FleetJSON() []byte { return slices.Clone(fleetSchema) }

var fleetValidator = sync.OnceValues(func() (*Validator, error) { return NewValidator(fleetSchema) })

// ValidateFleet checks a fleet file's plain value against FleetJSON.
func ValidateFleet(v any) []Violation {
	val, err := fleetValidator()
	if err != nil {
		return []Violation{{Keyword: "schema", Message: err.Error()}}
	}
	return val.Validate(v)
}
