// Package openapi holds trimmed copies of the vendor's VBR REST OpenAPI
// documents (revisions 1.1-rev0, 1.2-rev1, 1.3-rev0, 1.3-rev1 and 1.3-rev2)
// as embedded data and the checks built on them: request and response validation for the simulator
// (Validator) and standalone JSON Schemas of vendor models for playbook spec
// validation (JSONSchema).
//
// It only describes the contract; it neither serves (sim does) nor calls
// (veeam/vbr does) the API. The documents are generated from
// third_party/veeam-openapi by go generate and must not be edited by hand.
package openapi

//go:generate go run ./gen
