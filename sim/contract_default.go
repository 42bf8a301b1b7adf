package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/vplay-dev/vplay/sim/vbrsim"
	"github.com/vplay-dev/vplay/veeam/openapi"
)

// defaultContract is the vendor contract used unless WithContract replaces
// it: package veeam/openapi's Validator for the revision.
var defaultContract ContractFunc = openapiContract

// openapiContract checks the operations vplay's clients use against the
// trimmed document (quick to load); every other vendor operation is
// checked by vbrsim against the revision's full model.
func openapiContract(rev string) (Contract, error) {
	v, err := openapi.NewValidator(rev)
	if err != nil {
		return nil, err
	}
	return vendorContract{v: v, rev: rev,
		lower: rev == "1.1-rev0" || rev == "1.2-rev1" || rev == "1.3-rev0",
		flat:  rev == "1.1-rev0" || rev == "1.2-rev1"}, nil
}

// vendorContract adapts the strict vendor document to what the real server
// is known to accept and answer:
//
//   - requests: enum values that changed casing between revisions
//     (mountServerSettingsType, day names) are accepted in either casing, and
//     the flat mountServer object of the rev0 examples is accepted beside the
//     documented nested one (API reference 1.7 and 1.10);
//   - responses: the documents list only some error statuses per operation
//     (DELETE repository documents no 400, yet a repository that is a
//     scale-out extent cannot be removed); an undocumented 4xx status is
//     accepted when its body is a well-formed vendor Error;
//   - 204 No Content: rev0 documents a JSON EmptySuccessResponse body for
//     the 204 of every DELETE (repositories, scale-out repositories, recovery
//     tokens, ...), yet a 204 carries no body nor Content-Type (RFC 9110
//     15.3.5) and rev2 documents none; an empty 204 is checked as the empty
//     object the document describes.
type vendorContract struct {
	v     *openapi.Validator
	rev   string
	lower bool // the revision spells day and mount-server enums in lower case
	flat  bool // the revision documents only the flat mount server (1.1, 1.2)
}

// trimmed reports whether the trimmed document routes the request to the
// operation the full document does (the trimmed one lacks literal paths
// such as backups/moveCopySessions, which it would take for backups/{id}).
func (c vendorContract) trimmed(r *http.Request) bool {
	tmpl, ok := c.v.Route(r)
	if !ok {
		return false
	}
	doc, _ := vbrsim.Operation(c.rev, r.Method, r.URL.Path)
	return doc == tmpl
}

// Route names the documented template from the simulator's model of the
// revision (quick), so no request waits for the full validator to load.
func (c vendorContract) Route(r *http.Request) (string, bool) {
	return vbrsim.Operation(c.rev, r.Method, r.URL.Path)
}

// ValidateRequest checks the operations vplay's clients use against the
// trimmed document; vbrsim checks the bodies of every other operation
// against the revision's schemas itself.
func (c vendorContract) ValidateRequest(r *http.Request, body []byte) error {
	if !c.trimmed(r) {
		return nil
	}
	return c.v.ValidateRequest(r, lenientBody(body, c.lower, c.flat))
}

// ValidateResponse checks against the trimmed document where it applies,
// else with vbrsim's quick checker against the full model (the kin-openapi
// load of a full model takes seconds; the contract walk test checks the
// generic answers with it instead).
func (c vendorContract) ValidateResponse(r *http.Request, status int, header http.Header, body []byte) error {
	if !c.trimmed(r) {
		err := vbrsim.CheckResponse(c.rev, r.Method, r.URL.Path, status, body)
		if errors.Is(err, vbrsim.ErrUndocumentedStatus) && status >= 400 && status < 500 && isVendorError(body) {
			return nil
		}
		return err
	}
	err := c.v.ValidateResponse(r, status, header, body)
	if err != nil && status == http.StatusNoContent && len(bytes.TrimSpace(body)) == 0 {
		h := header.Clone()
		if h == nil {
			h = http.Header{}
		}
		h.Set("Content-Type", "application/json")
		err = c.v.ValidateResponse(r, status, h, []byte("{}"))
	}
	if errors.Is(err, openapi.ErrUndocumentedStatus) && status >= 400 && status < 500 && isVendorError(body) {
		return nil
	}
	return err
}

// isVendorError reports whether body is a VBR Error: errorCode from the
// enum and a message.
func isVendorError(body []byte) bool {
	var e struct {
		ErrorCode *string `json:"errorCode"`
		Message   *string `json:"message"`
	}
	if json.Unmarshal(body, &e) != nil || e.ErrorCode == nil || e.Message == nil {
		return false
	}
	switch *e.ErrorCode {
	case "AccessDenied", "ExpiredToken", "InvalidToken", "InvalidURI", "MethodNotAllowed", "NotFound",
		"NotImplemented", "ServiceUnavailable", "UnexpectedContent", "UnknownError":
		return true
	}
	return false
}

// lenientBody rewrites a JSON request body into the revision's documented
// spelling before validation. Anything that is not JSON is returned as is.
func lenientBody(body []byte, lower, flat bool) []byte {
	if len(bytes.TrimSpace(body)) == 0 {
		return body
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return body
	}
	m, ok := v.(map[string]any)
	if !ok {
		return body
	}
	if ms, ok := m["mountServer"].(map[string]any); ok && !flat {
		if _, isFlat := ms["mountServerId"]; isFlat {
			m["mountServer"] = map[string]any{"mountServerSettingsType": "Windows", "windows": ms}
		}
	}
	out, err := json.Marshal(recaseEnums(m, "", lower))
	if err != nil {
		return body
	}
	return out
}

var (
	mountTypes = []string{"Windows", "Linux", "Both"}
	dayNames   = []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}
	dayKeys    = map[string]bool{"day": true, "days": true, "dayOfWeek": true}
)

func recaseEnums(v any, key string, lower bool) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = recaseEnums(e, k, lower)
		}
	case []any:
		for i, e := range x {
			x[i] = recaseEnums(e, key, lower)
		}
	case string:
		var set []string
		switch {
		case key == "mountServerSettingsType":
			set = mountTypes
		case dayKeys[key]:
			set = dayNames
		}
		for _, s := range set {
			if strings.EqualFold(s, x) {
				if lower {
					return strings.ToLower(s)
				}
				return s
			}
		}
	}
	return v
}
