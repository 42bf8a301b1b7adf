package vbr

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/vplay-dev/vplay/veeam"
)

// Revision is one x-api-version value vplay speaks.
type Revision struct {
	// Name is the x-api-version value, e.g. "1.3-rev1".
	Name string
	// Document is the revision whose vendor OpenAPI document describes
	// Name: Name itself, or the nearest older revision with a document
	// (1.1-rev1, 1.1-rev2 and 1.2-rev0 have none).
	Document string
	// Build is the VBR build that introduced the revision, from the
	// "REST API Revisions" table of the vendor documents.
	Build string
}

// revisions are the revisions vplay accepts, oldest first (the vendor's
// table, 1.0 revisions excluded: they are unsupported).
var revisions = []Revision{
	{"1.1-rev0", "1.1-rev0", "12.0.0.1420"},
	{"1.1-rev1", "1.1-rev0", "12.1.0.2131"},
	{"1.1-rev2", "1.1-rev0", "12.2.0.334"},
	{"1.2-rev0", "1.1-rev0", "12.3.0.310"},
	{"1.2-rev1", "1.2-rev1", "12.3.1.1139"},
	{"1.3-rev0", "1.3-rev0", "13.0.0.4967"},
	{"1.3-rev1", "1.3-rev1", "13.0.1.180"},
	{"1.3-rev2", "1.3-rev2", "13.1.0.411"},
}

// Revisions returns every x-api-version vplay accepts, oldest first.
func Revisions() []Revision { return slices.Clone(revisions) }

// RevisionNames returns the names of Revisions, oldest first.
func RevisionNames() []string {
	out := make([]string, len(revisions))
	for i, r := range revisions {
		out[i] = r.Name
	}
	return out
}

// LookupRevision returns the revision called name.
func LookupRevision(name string) (Revision, bool) {
	i := slices.IndexFunc(revisions, func(r Revision) bool { return r.Name == name })
	if i < 0 {
		return Revision{}, false
	}
	return revisions[i], true
}

// ErrUnknownRevision is returned for an x-api-version vplay does not know.
var ErrUnknownRevision = errors.New("vbr: unknown api revision")

// DocumentOf returns the revision whose vendor document describes rev.
func DocumentOf(rev string) (string, error) {
	r, ok := LookupRevision(rev)
	if !ok {
		return "", fmt.Errorf("%w %q (known: %s)", ErrUnknownRevision, rev, strings.Join(RevisionNames(), ", "))
	}
	return r.Document, nil
}

// IsVersionError reports whether err is the vendor's answer to an
// x-api-version the server does not serve: 400 with errorCode
// NotImplemented.
func IsVersionError(err error) bool {
	var e *veeam.APIError
	return errors.As(err, &e) && e.Status == http.StatusBadRequest && e.Code == "NotImplemented"
}

// Negotiated says how the revision of a connection was chosen.
type Negotiated struct {
	// Revision is the x-api-version the client sends.
	Revision string
	// Refused lists the newer revisions the server answered with the
	// version error, newest first.
	Refused []string
	// Build is the server's buildVersion from /api/v1/serverInfo; "" when
	// the server did not answer it.
	Build string
}

// Negotiate connects to a server whose revision the playbook does not pin
// and returns a client speaking the newest revision vplay knows that the
// server serves. It logs in with each known revision, newest first, until
// the server stops answering with the version error (400 NotImplemented,
// the documented answer to an unsupported x-api-version), then reads the
// server's build from /api/v1/serverInfo for the record. Token requests
// are safe to repeat; at most len(Revisions()) are sent. Any other error
// (bad password, TLS, network) ends the negotiation.
func Negotiate(ctx context.Context, cfg veeam.Config) (*Client, Negotiated, error) {
	var n Negotiated
	for i := len(revisions) - 1; i >= 0; i-- {
		rev := revisions[i].Name
		cfg.APIVersion = rev
		c, err := New(cfg)
		if err != nil {
			return nil, n, err
		}
		if _, err := c.auth.Token(ctx); err != nil {
			if IsVersionError(err) {
				n.Refused = append(n.Refused, rev)
				continue
			}
			return nil, n, fmt.Errorf("negotiate api revision: %w", err)
		}
		n.Revision = rev
		if info, err := c.Get(ctx, "/api/v1/serverInfo", nil); err == nil {
			n.Build = veeam.String(info, "buildVersion")
		}
		c.negotiated = &n
		return c, n, nil
	}
	return nil, n, fmt.Errorf("negotiate api revision: the server refused every revision vplay knows (%s); it may be older than VBR 12 or newer than vplay: set api_version",
		strings.Join(n.Refused, ", "))
}

// Negotiation returns how the client's revision was chosen; false when it
// was given (Config.APIVersion) rather than negotiated.
func (c *Client) Negotiation() (Negotiated, bool) {
	if c.negotiated == nil {
		return Negotiated{}, false
	}
	return *c.negotiated, true
}
