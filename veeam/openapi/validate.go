package openapi

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// Sentinel errors of the Validator. They are wrapped, so test with errors.Is.
var (
	// ErrNotFound means no documented path matches the request path.
	ErrNotFound = errors.New("veeam/openapi: no documented operation for this path")
	// ErrMethodNotAllowed means the path is documented but not for the
	// request method.
	ErrMethodNotAllowed = errors.New("veeam/openapi: method not documented for this path")
	// ErrUndocumentedStatus means a response status is not documented for
	// the operation (and the operation has no default response).
	ErrUndocumentedStatus = errors.New("veeam/openapi: response status not documented")
)

const uuidPattern = `^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`

// Validator checks requests and responses against one revision's document.
// It is safe for concurrent use.
//
// Authentication is not checked: the security requirements are accepted as
// met whatever the request carries, since tokens and roles are the
// simulator's business, not the contract's.
type Validator struct {
	rev    string
	doc    *openapi3.T
	router routers.Router
	opts   *openapi3filter.Options
}

// NewValidator returns a Validator for a revision ("1.3-rev0" or
// "1.3-rev2").
func NewValidator(rev string) (*Validator, error) {
	doc, err := Doc(rev)
	if err != nil {
		return nil, err
	}
	return newValidator(rev, doc)
}

func newValidator(rev string, doc *openapi3.T) (*Validator, error) {
	// The vendor examples are data for the simulator, not part of the
	// contract (several do not match their own schema), so the router does
	// not check them.
	// The legacy router matches paths only (the trimmed documents have no
	// servers), static segments before parameters, without regexps.
	router, err := legacy.NewRouter(doc, openapi3.DisableExamplesValidation())
	if err != nil {
		return nil, fmt.Errorf("build router for %s: %w", rev, err)
	}
	return &Validator{
		rev:    rev,
		doc:    doc,
		router: router,
		opts: &openapi3filter.Options{
			AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
			MultiError:            true,
			IncludeResponseStatus: true,
			SkipSettingDefaults:   true,
			SchemaValidationOptions: []openapi3.SchemaValidationOption{
				openapi3.DisableSchemaErrorDetails(),
				// kin checks date-time out of the box but not uuid, which
				// every VBR id uses. Any hex 8-4-4-4-12 string is accepted:
				// the vendor does not promise RFC versions. This option is
				// per validation, not kin's global format table.
				openapi3.WithStringFormatValidator("uuid", openapi3.NewRegexpFormatValidator(uuidPattern)),
			},
		},
	}, nil
}

// Rev returns the revision the Validator checks against.
func (v *Validator) Rev() string { return v.rev }

// Route returns the documented path template the request matches, such as
// "/api/v1/backupInfrastructure/repositories/{id}". ok is false when no
// documented operation matches the path and method.
func (v *Validator) Route(r *http.Request) (template string, ok bool) {
	route, _, err := v.router.FindRoute(r)
	if err != nil {
		return "", false
	}
	return route.Path, true
}

// find routes r, telling an unknown path from an undocumented method.
func (v *Validator) find(r *http.Request) (*routers.Route, map[string]string, error) {
	route, params, err := v.router.FindRoute(r)
	if err == nil {
		return route, params, nil
	}
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete} {
		if m == r.Method {
			continue
		}
		probe := r.WithContext(r.Context())
		probe.Method = m
		if _, _, err := v.router.FindRoute(probe); err == nil {
			return nil, nil, fmt.Errorf("%s %s: %w", r.Method, r.URL.Path, ErrMethodNotAllowed)
		}
	}
	return nil, nil, fmt.Errorf("%s %s: %w", r.Method, r.URL.Path, ErrNotFound)
}

// ValidateRequest checks r (whose body has been read into body) against the
// documented operation: path and query parameters, headers (including the
// required x-api-version), content type and body. It returns nil when the
// request matches, or an error naming each mismatch, e.g.
// `request body: property "name" is missing`. r is not modified.
func (v *Validator) ValidateRequest(r *http.Request, body []byte) error {
	route, params, err := v.find(r)
	if err != nil {
		return err
	}
	req := r.WithContext(r.Context())
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.ContentLength = int64(len(body))
	in := &openapi3filter.RequestValidationInput{
		Request:    req,
		PathParams: params,
		Route:      route,
		Options:    v.opts,
	}
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		return fmt.Errorf("%s %s: %w", r.Method, route.Path, describe(err))
	}
	return nil
}

// ValidateResponse checks a response to r against the documented operation:
// the status must be documented, and the content type and body must match
// its content. It returns nil when the response matches.
func (v *Validator) ValidateResponse(r *http.Request, status int, header http.Header, body []byte) error {
	route, params, err := v.find(r)
	if err != nil {
		return err
	}
	if header == nil {
		header = http.Header{}
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request:    r,
			PathParams: params,
			Route:      route,
			Options:    v.opts,
		},
		Status:  status,
		Header:  header,
		Body:    io.NopCloser(bytes.NewReader(body)),
		Options: v.opts,
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		var re *openapi3filter.ResponseError
		if errors.As(err, &re) && re.Reason == "status is not supported" {
			return fmt.Errorf("%s %s: response status %d: %w", r.Method, route.Path, status, ErrUndocumentedStatus)
		}
		return fmt.Errorf("%s %s: response %d: %w", r.Method, route.Path, status, describe(err))
	}
	return nil
}

// ValidationError is a request or response that does not match the
// document. Problems lists each mismatch as a sentence naming its place
// ("request body: /repository/maxTaskCount: value must be an integer").
type ValidationError struct {
	Problems []string
	err      error
}

// Error joins the problems with "; ".
func (e *ValidationError) Error() string { return strings.Join(e.Problems, "; ") }

// Unwrap returns kin-openapi's error.
func (e *ValidationError) Unwrap() error { return e.err }

// describe turns kin-openapi's error tree into a ValidationError whose
// problems name the offending field.
func describe(err error) error {
	var problems []string
	seen := map[string]bool{}
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			problems = append(problems, s)
		}
	}
	for _, e := range flatten(err) {
		switch e := e.(type) {
		case *openapi3filter.RequestError:
			where := "request"
			switch {
			case e.Parameter != nil:
				where = fmt.Sprintf("%s parameter %q", e.Parameter.In, e.Parameter.Name)
			case e.RequestBody != nil:
				where = "request body"
			}
			for _, p := range explain(e.Err, e.Reason) {
				add(where + ": " + p)
			}
		case *openapi3filter.ResponseError:
			where := "response body"
			if e.Err == nil {
				add("response: " + e.Reason)
				continue
			}
			for _, p := range explain(e.Err, e.Reason) {
				add(where + ": " + p)
			}
		default:
			add(e.Error())
		}
	}
	return &ValidationError{Problems: problems, err: err}
}

// flatten expands kin's multi-errors into their members.
func flatten(err error) []error {
	if me, ok := err.(openapi3.MultiError); ok {
		var out []error
		for _, e := range me {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}

// explain renders the leaves of a schema error tree as "pointer: reason",
// falling back to reason (then the error text) when there is no schema
// error inside.
func explain(err error, reason string) []string {
	leaves := schemaLeaves(err, nil)
	if len(leaves) == 0 {
		switch {
		case err == nil:
			return []string{reason}
		case reason == "" || strings.Contains(reason, err.Error()):
			return []string{cmp.Or(reason, err.Error())}
		case strings.Contains(err.Error(), reason):
			return []string{err.Error()}
		}
		return []string{reason + ": " + err.Error()}
	}
	out := make([]string, 0, len(leaves))
	for _, l := range leaves {
		out = append(out, leafMessage(l))
	}
	return out
}

// leafMessage renders one schema error as "pointer: reason". Values are
// never printed (they may be passwords), except a discriminator value,
// which names a type.
func leafMessage(l *openapi3.SchemaError) string {
	path := l.JSONPointer()
	msg := l.Reason
	switch l.SchemaField {
	case "required":
		// kin points at the missing property itself; name it once.
		if len(path) > 0 {
			path = path[:len(path)-1]
		}
	case "type":
		msg += ", got " + jsonType(l.Value)
	case "format":
		if l.Schema != nil {
			msg = fmt.Sprintf("value must be a %q string", l.Schema.Format)
		}
	case "discriminator":
		if l.Schema == nil {
			break
		}
		if d := l.Schema.Discriminator; d != nil && len(d.Mapping) > 0 {
			keys := make([]string, 0, len(d.Mapping))
			for k := range d.Mapping {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			if s, ok := l.Value.(string); ok {
				msg += fmt.Sprintf(" %q", s)
			}
			msg += " (expected one of: " + strings.Join(keys, ", ") + ")"
		}
	}
	if msg == "" {
		msg = fmt.Sprintf("does not match %q", l.SchemaField)
	}
	if len(path) > 0 {
		msg = "/" + strings.Join(path, "/") + ": " + msg
	}
	return msg
}

// jsonType names the JSON type of a decoded value.
func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case float64, json.Number, int, int64:
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// schemaLeaves collects the innermost schema errors: oneOf, anyOf and allOf
// failures are replaced by the errors of their branches.
func schemaLeaves(err error, acc []*openapi3.SchemaError) []*openapi3.SchemaError {
	switch e := err.(type) {
	case nil:
		return acc
	case *openapi3.SchemaError:
		n := len(acc)
		if e.Origin != nil {
			acc = schemaLeaves(e.Origin, acc)
		}
		if len(acc) == n {
			acc = append(acc, e)
		}
		return acc
	case openapi3.MultiError:
		for _, m := range e {
			acc = schemaLeaves(m, acc)
		}
		return acc
	case interface{ Unwrap() []error }:
		for _, m := range e.Unwrap() {
			acc = schemaLeaves(m, acc)
		}
		return acc
	case interface{ Unwrap() error }:
		return schemaLeaves(e.Unwrap(), acc)
	}
	return acc
}

// Access says who may call an operation, as the vendor document states it.
type Access struct {
	// Roles are the built-in roles from the operation's "Available to"
	// list, spelled as rev2 does ("Backup Administrator", "Backup
	// Viewer"...); ["*"] means any authenticated user, empty means the
	// document does not say.
	Roles []string
	// Claims are the x-veeam-authorize claims ("CreateRepositories").
	Claims []string
}

// Access returns who may call the operation at a documented path template
// ("/api/v1/backupInfrastructure/repositories/{id}") and method. ok is false
// when the operation is not documented.
func (v *Validator) Access(method, template string) (a Access, ok bool) {
	item := v.doc.Paths.Value(template)
	if item == nil {
		return Access{}, false
	}
	op := item.GetOperation(strings.ToUpper(method))
	if op == nil {
		return Access{}, false
	}
	a.Roles = stringList(op.Extensions[rolesExtension])
	if auth, ok := op.Extensions["x-veeam-authorize"].(map[string]any); ok {
		a.Claims = stringList(auth["claims"])
	}
	return a, true
}

// rolesExtension is the operation extension the generator fills from the
// "Available to" prose (see internal/trim.RolesExtension).
const rolesExtension = "x-vplay-roles"

// stringList converts a decoded JSON list of strings.
func stringList(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, e := range list {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
