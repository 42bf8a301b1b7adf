package veeam

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// redacted replaces every secret in the debug trace.
const redacted = "(redacted)"

// sensitiveKeys are JSON keys, form fields and XML names whose values never
// appear in a trace (compared case-insensitively).
var sensitiveKeys = []string{
	"password", "access_token", "refresh_token", "mfa_token", "mfa_code", "encrypted_code",
	"recoverytoken", "x-restsvcsessionid", "sessionid", "token", "secret", "apikey", "api_key",
	"encryptionpassword", "passwordhint", "vbr_token", "public_key",
}

// sensitiveHeaders are request and response headers never traced verbatim.
var sensitiveHeaders = []string{"Authorization", "X-Restsvcsessionid", "Cookie", "Set-Cookie", "Proxy-Authorization"}

// redactor masks secrets in headers and bodies.
type redactor struct{ keys []string }

func newRedactor(extra []string) *redactor {
	keys := slices.Clone(sensitiveKeys)
	for _, k := range extra {
		keys = append(keys, strings.ToLower(k))
	}
	return &redactor{keys: keys}
}

func (r *redactor) sensitive(key string) bool {
	k := strings.ToLower(key)
	if slices.Contains(r.keys, k) {
		return true
	}
	return strings.Contains(k, "password") || strings.HasSuffix(k, "token") || strings.HasSuffix(k, "secret")
}

// header returns a copy of h with sensitive values masked.
func (r *redactor) header(h http.Header) http.Header {
	out := h.Clone()
	for _, k := range sensitiveHeaders {
		if _, ok := out[k]; ok {
			out[k] = []string{redacted}
		}
	}
	return out
}

var (
	xmlElemRe = regexp.MustCompile(`(?is)<((?:[a-z_][\w.-]*:)?[a-z_][\w.-]*)(\s[^>]*)?>([^<]*)</(?:[a-z_][\w.-]*:)?[a-z_][\w.-]*>`)
	xmlAttrRe = regexp.MustCompile(`(?i)([a-z_][\w.:-]*)\s*=\s*("[^"]*"|'[^']*')`)
)

// body returns a printable, redacted form of a body of the given content
// type, cut to max bytes.
func (r *redactor) body(contentType string, b []byte, max int) string {
	if len(b) == 0 {
		return ""
	}
	ct := strings.ToLower(contentType)
	var out string
	switch {
	case strings.Contains(ct, "x-www-form-urlencoded"):
		v, err := url.ParseQuery(string(b))
		if err != nil {
			return "(unparsable form body)"
		}
		for k := range v {
			if r.sensitive(k) {
				v[k] = []string{redacted}
			}
		}
		out = v.Encode()
	case strings.Contains(ct, "xml") || bytes.HasPrefix(bytes.TrimSpace(b), []byte("<")):
		out = r.xml(string(b))
	default:
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		var v any
		if err := d.Decode(&v); err != nil {
			return "(non-JSON body, " + strconv.Itoa(len(b)) + " bytes)"
		}
		enc, err := json.Marshal(r.value(v))
		if err != nil {
			return "(unprintable body)"
		}
		out = string(enc)
	}
	if max > 0 && len(out) > max {
		out = out[:max] + "...(truncated)"
	}
	return out
}

func (r *redactor) value(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			if r.sensitive(k) {
				m[k] = redacted
				continue
			}
			m[k] = r.value(x)
		}
		return m
	case []any:
		s := make([]any, len(t))
		for i, x := range t {
			s[i] = r.value(x)
		}
		return s
	}
	return v
}

func (r *redactor) xml(s string) string {
	s = xmlElemRe.ReplaceAllStringFunc(s, func(m string) string {
		sub := xmlElemRe.FindStringSubmatch(m)
		name := sub[1]
		if i := strings.LastIndex(name, ":"); i >= 0 {
			name = name[i+1:]
		}
		if !r.sensitive(name) {
			return m
		}
		return strings.Replace(m, ">"+sub[3]+"<", ">"+redacted+"<", 1)
	})
	return xmlAttrRe.ReplaceAllStringFunc(s, func(m string) string {
		sub := xmlAttrRe.FindStringSubmatch(m)
		if !r.sensitive(sub[1]) {
			return m
		}
		return sub[1] + `="` + redacted + `"`
	})
}

// secretHints are the words whose presence makes a body worth scanning for
// sensitive fields (lower case).
var secretHints = []string{"password", "token", "secret", "sessionid", "key"}

// collect returns the values of sensitive fields in a form, JSON or XML
// body (access_token, refresh_token, recoveryToken, password, ...), so they
// can be masked wherever they show up later. Identifiers of secrets
// (passwordId, encryptionPasswordIds) are not secrets and are skipped.
func (r *redactor) collect(contentType string, b []byte) []string {
	if len(b) == 0 || len(b) > maxTraceBody*4 {
		return nil
	}
	lower := bytes.ToLower(b)
	hinted := false
	for _, h := range secretHints {
		if bytes.Contains(lower, []byte(h)) {
			hinted = true
			break
		}
	}
	if !hinted {
		return nil
	}
	var out []string
	keep := func(key, v string) {
		k := strings.ToLower(key)
		if v != "" && r.sensitive(key) && !strings.HasSuffix(k, "id") && !strings.HasSuffix(k, "ids") {
			out = append(out, v)
		}
	}
	ct := strings.ToLower(contentType)
	switch {
	case strings.Contains(ct, "x-www-form-urlencoded"):
		v, err := url.ParseQuery(string(b))
		if err != nil {
			return nil
		}
		for k, vs := range v {
			for _, x := range vs {
				keep(k, x)
			}
		}
	case strings.Contains(ct, "xml") || bytes.HasPrefix(bytes.TrimSpace(b), []byte("<")):
		for _, m := range xmlElemRe.FindAllStringSubmatch(string(b), -1) {
			name := m[1]
			if i := strings.LastIndex(name, ":"); i >= 0 {
				name = name[i+1:]
			}
			keep(name, strings.TrimSpace(m[3]))
		}
	default:
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		var v any
		if d.Decode(&v) != nil {
			return nil
		}
		var walk func(key string, v any)
		walk = func(key string, v any) {
			switch t := v.(type) {
			case map[string]any:
				for k, x := range t {
					walk(k, x)
				}
			case []any:
				for _, x := range t {
					walk(key, x)
				}
			case string:
				keep(key, t)
			}
		}
		walk("", v)
	}
	return out
}

// headerSecrets returns the credentials in the authorization and session
// headers: the whole value and, for "Bearer X" or "Basic X", X alone.
func headerSecrets(h http.Header) []string {
	var out []string
	for _, k := range []string{"Authorization", "Proxy-Authorization", "X-Restsvcsessionid"} {
		for _, v := range h.Values(k) {
			out = append(out, v)
			if scheme, cred, ok := strings.Cut(v, " "); ok && (strings.EqualFold(scheme, "Bearer") || strings.EqualFold(scheme, "Basic")) {
				out = append(out, strings.TrimSpace(cred))
			}
		}
	}
	return out
}
