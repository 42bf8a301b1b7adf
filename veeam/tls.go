package veeam

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

// FingerprintError is a server certificate that does not match the pinned
// fingerprint. Its message says what was expected, what was presented and
// how to pin the presented certificate.
type FingerprintError struct {
	Expected  string // "sha256:<hex>" as configured (normalised)
	Presented string // "sha256:<hex>" of the leaf the server sent
}

// Error says expected, presented and the fix.
func (e *FingerprintError) Error() string {
	return fmt.Sprintf("server certificate fingerprint mismatch: expected %s, presented %s; if you trust this server, set tls.fingerprint: %q on the target",
		e.Expected, e.Presented, e.Presented)
}

// Fingerprint returns "sha256:<lowercase hex>" of a DER certificate, the
// form tls.fingerprint accepts.
func Fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// ParseFingerprint normalises a pin: "sha256:" prefix optional and
// case-insensitive, hex in any case, colons or spaces between bytes
// tolerated. It returns "sha256:<lowercase hex>".
func ParseFingerprint(s string) (string, error) {
	v := strings.TrimSpace(s)
	if i := strings.Index(v, ":"); i >= 0 && strings.EqualFold(v[:i], "sha256") {
		v = v[i+1:]
	}
	v = strings.NewReplacer(":", "", " ", "", "-", "").Replace(v)
	v = strings.ToLower(v)
	b, err := hex.DecodeString(v)
	if err != nil || len(b) != sha256.Size {
		return "", fmt.Errorf("tls fingerprint %q: want \"sha256:\" and 64 hex digits", s)
	}
	return "sha256:" + v, nil
}

// tlsConfig builds the client TLS configuration for t.
func tlsConfig(t TLS, warnf func(string, ...any), target string) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("read tls ca file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("tls ca file %s: no PEM certificates", t.CAFile)
		}
		cfg.RootCAs = pool
	}
	switch {
	case t.Fingerprint != "":
		want, err := ParseFingerprint(t.Fingerprint)
		if err != nil {
			return nil, err
		}
		// The pin replaces chain verification (Veeam servers use self-signed
		// certificates), so the chain is not verified by crypto/tls, but
		// VerifyConnection always checks the leaf against the pin: the
		// handshake fails on a mismatch.
		cfg.InsecureSkipVerify = true
		cfg.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return &FingerprintError{Expected: want, Presented: "(no certificate)"}
			}
			got := Fingerprint(cs.PeerCertificates[0].Raw)
			if got != want {
				return &FingerprintError{Expected: want, Presented: got}
			}
			return nil
		}
	case t.Insecure:
		if warnf != nil {
			warnf("tls.insecure is set for %s: the server certificate is not verified; pin it with tls.fingerprint instead", target)
		}
		cfg.InsecureSkipVerify = true
	}
	return cfg, nil
}

// DefaultConns is how many connections to one target are kept open for
// reuse when Config.Conns is not set: more than any usual parallelism, so
// a parallel apply does not close and re-handshake connections between
// bursts.
const DefaultConns = 64

// newHTTPClient builds the one http.Client of a target. conns sizes the
// idle pool: the requests a target may have in flight at once (the
// parallelism). HTTP/2 is used where the server offers it, and multiplexes
// them on one connection.
func newHTTPClient(t TLS, warnf func(string, ...any), target string, conns int) (*http.Client, error) {
	tc, err := tlsConfig(t, warnf, target)
	if err != nil {
		return nil, err
	}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:       tc,
		TLSHandshakeTimeout:   15 * time.Second,
		MaxIdleConns:          conns,
		MaxIdleConnsPerHost:   conns,
		IdleConnTimeout:       90 * time.Second,
		ExpectContinueTimeout: time.Second,
		ForceAttemptHTTP2:     true,
	}
	return &http.Client{
		Transport: tr,
		// Redirects are not part of these APIs; never forward credentials.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}, nil
}

// isCertError reports whether err is a certificate problem, which no retry
// can fix.
func isCertError(err error) bool {
	var fe *FingerprintError
	var ve *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var ci x509.CertificateInvalidError
	var rh tls.RecordHeaderError
	var ae tls.AlertError
	return errors.As(err, &fe) || errors.As(err, &ve) || errors.As(err, &ua) || errors.As(err, &hn) ||
		errors.As(err, &ci) || errors.As(err, &rh) || errors.As(err, &ae)
}
