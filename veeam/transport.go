package veeam

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// MaxBody is the largest response body read; a larger one is an error
// wrapping ErrBodyTooLarge, not a truncated document.
const MaxBody = 64 << 20

// ErrBodyTooLarge is wrapped by calls whose answer is over MaxBody.
var ErrBodyTooLarge = errors.New("veeam: response body too large")

// ErrHTML is wrapped by calls answered with an HTML page where the API
// answers JSON (or XML): usually a web console or proxy at that address.
var ErrHTML = errors.New("veeam: the server answered HTML: is this the API port? (VBR 9419, Enterprise Manager 9398, VSPC 1280)")

// isHTML reports whether an answer is an HTML page.
func isHTML(h http.Header, body []byte) bool {
	if ct := strings.ToLower(h.Get("Content-Type")); strings.HasPrefix(ct, "text/html") || strings.HasPrefix(ct, "application/xhtml") {
		return true
	}
	head := bytes.ToLower(bytes.TrimSpace(body[:min(len(body), 512)]))
	return bytes.HasPrefix(head, []byte("<!doctype html")) || bytes.HasPrefix(head, []byte("<html"))
}

// maxTraceBody bounds how much of a body the debug trace prints.
const maxTraceBody = 16 << 10

// Hooks adapt the shared transport to one API's error format.
type Hooks struct {
	// ParseError extracts the server's error code and message from a
	// non-2xx answer; nil or empty results fall back to the status text.
	ParseError func(status int, header http.Header, body []byte) (code, message string)
	// RetryStatus reports whether a non-2xx answer to an idempotent
	// request may be retried, in addition to 429, 502, 503 and 504 (VSPC:
	// 520 with an error of type retryableLogical).
	RetryStatus func(status int, header http.Header, body []byte) bool
}

// Request is one call through the Transport.
type Request struct {
	Method string
	// Path is the full vendor path ("/api/v1/sessions/{id}"), without query.
	Path   string
	Query  url.Values
	Header http.Header
	// Body is sent as is with ContentType; nil sends no body.
	Body        []byte
	ContentType string
	// Safe marks a non-idempotent method as safe to repeat (login and
	// token calls). GET, HEAD, PUT, DELETE and OPTIONS are always safe.
	Safe bool
	// RequestID is reported in errors (VSPC X-Request-id).
	RequestID string
	// ReplaysOutcome marks a call whose error answer is the stored outcome
	// of earlier work (VSPC GET /asyncActions/{id}/result), not a failure
	// of this call: the RetryStatus hook is not consulted, so a replayed
	// 520 is not retried; 429, 502, 503, 504 and connection errors still are.
	ReplaysOutcome bool
}

func (r *Request) idempotent() bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return r.Safe
}

// Transport sends requests to one target: one http.Client, TLS as
// configured, retries of idempotent calls, the debug trace and the request
// log. Authentication is the API client's job.
type Transport struct {
	api     API
	base    string
	hc      *http.Client
	retry   RetryPolicy
	timeout time.Duration
	clock   Clock
	debug   io.Writer
	debugMu sync.Mutex
	log     *RequestLog
	red     *redactor
	secrets Secrets
	hooks   Hooks
	maxBody int64 // MaxBody; tests lower it
}

// NewTransport checks cfg and builds the transport of one target.
func NewTransport(api API, cfg Config, hooks Hooks) (*Transport, error) {
	base, err := BaseURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	hc := cfg.HTTPClient
	if hc == nil {
		conns := cfg.Conns
		if conns <= 0 {
			conns = DefaultConns
		}
		hc, err = newHTTPClient(cfg.TLS, cfg.Warnf, base, conns)
		if err != nil {
			return nil, fmt.Errorf("%s target %s: %w", api, base, err)
		}
	}
	t := &Transport{
		api:     api,
		base:    base,
		hc:      hc,
		retry:   cfg.Retry.withDefaults(),
		timeout: cfg.Timeout,
		clock:   cfg.Clock,
		debug:   cfg.Debug,
		log:     cfg.Log,
		red:     newRedactor(cfg.SensitiveKeys),
		secrets: cfg.Secrets,
		hooks:   hooks,
		maxBody: MaxBody,
	}
	t.learn(cfg.Password)
	if t.timeout <= 0 {
		t.timeout = 60 * time.Second
	}
	if t.clock == nil {
		t.clock = SystemClock{}
	}
	return t, nil
}

// BaseURL normalises a target URL to "scheme://host[:port]", dropping a
// trailing "/", "/api", "/api/v1" or "/api/v3".
func BaseURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", fmt.Errorf("target url: %w", err)
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return "", fmt.Errorf("target url %q: want https://host:port", raw)
	}
	if u.Host == "" {
		return "", fmt.Errorf("target url %q: no host", raw)
	}
	p := strings.TrimRight(u.Path, "/")
	for _, suffix := range []string{"/api/v1", "/api/v3", "/api"} {
		p = strings.TrimSuffix(p, suffix)
	}
	p = strings.TrimRight(p, "/")
	return u.Scheme + "://" + u.Host + p, nil
}

// API returns the API this transport talks to.
func (t *Transport) API() API { return t.api }

// Base returns the normalised base URL.
func (t *Transport) Base() string { return t.base }

// Clock returns the configured clock.
func (t *Transport) Clock() Clock { return t.clock }

// Send performs req, retrying idempotent calls on 429, 502, 503, 504 (and
// the RetryStatus hook), connection resets and timeouts, with jittered
// exponential backoff that honours Retry-After, within the RetryPolicy.
//
// A non-idempotent call (POST) is retried only when the server cannot have
// acted on it: the request was never written (dial errors), or the answer
// was 429 or 503 with a Retry-After header, which says the server refused
// the call before doing anything. A POST that may have reached the server
// (timeout or reset after it was written, 502 or 504) returns an error
// wrapping ErrUncertain and is not repeated.
//
// A non-2xx answer returns *APIError; Send never returns both a Response
// and an error.
func (t *Transport) Send(ctx context.Context, req *Request) (*Response, error) {
	start := t.clock.Now()
	idem := req.idempotent()
	for attempt := 1; ; attempt++ {
		resp, wrote, err := t.once(ctx, req)
		var wait time.Duration
		var final error
		switch {
		case err != nil:
			if cerr := ctx.Err(); cerr != nil {
				if !idem && wrote {
					return nil, fmt.Errorf("%s %s %s: %w: %w", t.api, req.Method, req.Path, cerr, ErrUncertain)
				}
				return nil, fmt.Errorf("%s %s %s: %w", t.api, req.Method, req.Path, cerr)
			}
			if isCertError(err) {
				return nil, fmt.Errorf("%s %s %s: %w", t.api, req.Method, req.Path, certHint(err))
			}
			final = fmt.Errorf("%s %s %s: %w", t.api, req.Method, req.Path, err)
			if !transient(err) {
				return nil, final
			}
			if !idem && wrote {
				return nil, fmt.Errorf("%w: %w", final, ErrUncertain)
			}
			wait = t.backoff(attempt)
		case resp.Status < 300:
			if isHTML(resp.Header, resp.Body) {
				return nil, fmt.Errorf("%s %s %s: %d %s: %w", t.api, req.Method, req.Path, resp.Status, http.StatusText(resp.Status), ErrHTML)
			}
			return resp, nil
		default:
			apiErr := t.apiError(req, resp)
			retryAfter, hasRA := t.retryAfter(resp.Header)
			retryable := resp.Status == http.StatusTooManyRequests || resp.Status == http.StatusBadGateway ||
				resp.Status == http.StatusServiceUnavailable || resp.Status == http.StatusGatewayTimeout ||
				(t.hooks.RetryStatus != nil && !req.ReplaysOutcome && t.hooks.RetryStatus(resp.Status, resp.Header, resp.Body))
			if !idem {
				refused := (resp.Status == http.StatusTooManyRequests || resp.Status == http.StatusServiceUnavailable) && hasRA
				if !refused {
					if resp.Status == http.StatusBadGateway || resp.Status == http.StatusGatewayTimeout {
						return nil, fmt.Errorf("%w: %w", apiErr, ErrUncertain)
					}
					return nil, apiErr
				}
			} else if !retryable {
				return nil, apiErr
			}
			final = apiErr
			wait = t.backoff(attempt)
			if hasRA {
				wait = retryAfter
			}
		}
		if attempt >= t.retry.MaxAttempts || t.clock.Now().Sub(start)+wait > t.retry.MaxElapsed {
			return nil, final
		}
		t.tracef("%s retry %d/%d of %s %s in %s", t.api, attempt+1, t.retry.MaxAttempts, req.Method, req.Path, wait.Round(time.Millisecond))
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%s %s %s: %w", t.api, req.Method, req.Path, ctx.Err())
		case <-t.clock.After(wait):
		}
	}
}

// once performs one attempt. wrote reports whether the request was written
// to the connection (so the server may have acted on it).
func (t *Transport) once(ctx context.Context, req *Request) (*Response, bool, error) {
	u := t.base + req.Path
	if len(req.Query) > 0 {
		u += "?" + req.Query.Encode()
	}
	actx, cancel := context.WithTimeout(ctx, t.timeout)
	defer cancel()
	var wrote atomic.Bool
	actx = httptrace.WithClientTrace(actx, &httptrace.ClientTrace{
		WroteHeaders: func() { wrote.Store(true) },
	})
	var body io.Reader
	if req.Body != nil {
		body = bytes.NewReader(req.Body)
	}
	hr, err := http.NewRequestWithContext(actx, req.Method, u, body)
	if err != nil {
		return nil, false, err
	}
	for k, v := range req.Header {
		hr.Header[k] = slices.Clone(v)
	}
	if req.Body != nil && req.ContentType != "" {
		hr.Header.Set("Content-Type", req.ContentType)
	}
	if hr.Header.Get("Accept") == "" {
		hr.Header.Set("Accept", "application/json")
	}
	t.learn(headerSecrets(hr.Header)...)
	t.learn(t.red.collect(req.ContentType, req.Body)...)
	t.log.Add(req.Method, req.Path)
	began := time.Now()
	t.traceRequest(hr, req)
	hresp, err := t.hc.Do(hr)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			err = &timeoutError{after: t.timeout, err: err}
		}
		t.tracef("%s <-- %s %s: %v (%s)", t.api, req.Method, hr.URL.Redacted(), err, time.Since(began).Round(time.Millisecond))
		return nil, wrote.Load(), err
	}
	defer hresp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(hresp.Body, t.maxBody+1))
	if err == nil && int64(len(b)) > t.maxBody {
		err = fmt.Errorf("%w: more than %d MiB", ErrBodyTooLarge, t.maxBody>>20)
	}
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			err = &timeoutError{after: t.timeout, err: err}
		}
		t.tracef("%s <-- %d %s %s: reading body: %v", t.api, hresp.StatusCode, req.Method, hr.URL.Redacted(), err)
		return nil, true, fmt.Errorf("read response: %w", err)
	}
	resp := &Response{Status: hresp.StatusCode, Header: hresp.Header, Body: b, Location: hresp.Header.Get("Location")}
	t.learn(headerSecrets(hresp.Header)...)
	if req.Method != http.MethodGet {
		// Tokens and recovery tokens come in answers to POSTs; lists are
		// not scanned (the hot path, and servers do not list secrets).
		t.learn(t.red.collect(hresp.Header.Get("Content-Type"), b)...)
	}
	t.traceResponse(hr, resp, time.Since(began))
	return resp, true, nil
}

// timeoutError is one attempt that outlived Config.Timeout.
type timeoutError struct {
	after time.Duration
	err   error
}

func (e *timeoutError) Error() string   { return fmt.Sprintf("no answer within %s", e.after) }
func (e *timeoutError) Unwrap() error   { return e.err }
func (e *timeoutError) Timeout() bool   { return true }
func (e *timeoutError) Temporary() bool { return true }

// transient reports whether a transport error is worth retrying: timeouts,
// resets, connections closed early, refused dials.
func transient(err error) bool {
	var te *timeoutError
	if errors.As(err, &te) {
		return true
	}
	if errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op == "dial" {
		return true
	}
	return strings.Contains(err.Error(), "connection reset") || strings.Contains(err.Error(), "server closed")
}

// certHint turns a certificate failure into a message that says what was
// presented and how to pin it.
func certHint(err error) error {
	var fe *FingerprintError
	if errors.As(err, &fe) {
		return fe
	}
	var ve *tls.CertificateVerificationError
	if errors.As(err, &ve) && len(ve.UnverifiedCertificates) > 0 {
		fp := Fingerprint(ve.UnverifiedCertificates[0].Raw)
		return fmt.Errorf("server certificate not trusted (presented %s): %w; set tls.fingerprint: %q on the target to pin it, or tls.ca_file to trust its issuer", fp, err, fp)
	}
	return err
}

func (t *Transport) apiError(req *Request, resp *Response) *APIError {
	e := &APIError{API: t.api, Method: req.Method, Path: req.Path, Status: resp.Status, RequestID: req.RequestID}
	if e.RequestID == "" {
		for _, h := range []string{"X-Request-Id", "Request-Id", "X-Correlation-Id"} {
			if v := resp.Header.Get(h); v != "" {
				e.RequestID = v
				break
			}
		}
	}
	if t.hooks.ParseError != nil {
		e.Code, e.Message = t.hooks.ParseError(resp.Status, resp.Header, resp.Body)
	}
	if e.Message == "" && e.Code == "" && isHTML(resp.Header, resp.Body) {
		e.Message = ErrHTML.Error()
	}
	if e.Message == "" && e.Code == "" {
		e.Message = strings.TrimSpace(string(resp.Body))
		if len(e.Message) > 200 || strings.HasPrefix(e.Message, "<") || strings.HasPrefix(e.Message, "{") {
			e.Message = ""
		}
		if e.Message == "" {
			e.Message = "no error message from server"
		}
	}
	// A server may quote a password or token back (login failures).
	e.Code, e.Message = t.mask(e.Code), t.mask(e.Message)
	return e
}

// backoff is the jittered exponential delay before attempt+1: half of
// BaseDelay*2^(attempt-1) (capped at MaxDelay) plus a random part up to
// the other half.
func (t *Transport) backoff(attempt int) time.Duration {
	d := t.retry.BaseDelay
	for i := 1; i < attempt && d < t.retry.MaxDelay; i++ {
		d *= 2
	}
	d = min(d, t.retry.MaxDelay)
	half := d / 2
	if half <= 0 {
		return d
	}
	return half + time.Duration(rand.Int64N(int64(half)+1))
}

// retryAfter parses Retry-After as seconds or an HTTP date.
func (t *Transport) retryAfter(h http.Header) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 {
			n = 0
		}
		return time.Duration(n) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		d := at.Sub(t.clock.Now())
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

// learn records secret values in the configured Secrets.
func (t *Transport) learn(values ...string) {
	if t.secrets != nil && len(values) > 0 {
		t.secrets.Add(values...)
	}
}

// mask replaces every known secret in s.
func (t *Transport) mask(s string) string {
	if t.secrets == nil {
		return s
	}
	return t.secrets.Mask(s)
}

func (t *Transport) tracef(format string, args ...any) {
	if t.debug == nil {
		return
	}
	t.debugMu.Lock()
	defer t.debugMu.Unlock()
	io.WriteString(t.debug, t.mask(fmt.Sprintf(format+"\n", args...)))
}

func (t *Transport) traceRequest(hr *http.Request, req *Request) {
	if t.debug == nil {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s --> %s %s\n", t.api, hr.Method, hr.URL.Redacted())
	h := t.red.header(hr.Header)
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range h {
			if !yield(k) {
				return
			}
		}
	})
	for _, k := range keys {
		fmt.Fprintf(&b, "%s     %s: %s\n", t.api, k, strings.Join(h[k], ", "))
	}
	if req.Body != nil {
		fmt.Fprintf(&b, "%s     body: %s\n", t.api, t.red.body(req.ContentType, req.Body, maxTraceBody))
	}
	t.debugMu.Lock()
	defer t.debugMu.Unlock()
	io.WriteString(t.debug, t.mask(b.String()))
}

func (t *Transport) traceResponse(hr *http.Request, resp *Response, d time.Duration) {
	if t.debug == nil {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s <-- %d %s %s %s (%s)\n", t.api, resp.Status, http.StatusText(resp.Status), hr.Method, hr.URL.Redacted(), d.Round(time.Millisecond))
	h := t.red.header(resp.Header)
	for _, k := range []string{"Content-Type", "Location", "Retry-After", "X-Restsvcsessionid", "Set-Cookie"} {
		if v := h.Get(k); v != "" {
			fmt.Fprintf(&b, "%s     %s: %s\n", t.api, k, v)
		}
	}
	if len(resp.Body) > 0 {
		fmt.Fprintf(&b, "%s     body: %s\n", t.api, t.red.body(resp.Header.Get("Content-Type"), resp.Body, maxTraceBody))
	}
	t.debugMu.Lock()
	defer t.debugMu.Unlock()
	io.WriteString(t.debug, t.mask(b.String()))
}
