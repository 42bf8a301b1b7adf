package veeam

import (
	"io"
	"net/http"
	"time"
)

// Config describes one target: where it is, who logs in, how TLS is
// verified and how patient the client is. The zero value of every optional
// field means the documented default.
type Config struct {
	// URL is "https://host:port". A trailing /api or /api/v3 is tolerated
	// and removed: clients are given full vendor paths.
	URL      string
	Username string
	// Password is sent only to the login endpoint and is never logged.
	Password string
	TLS      TLS
	// APIVersion is the VBR x-api-version header, default "1.3-rev0".
	APIVersion string
	// PageSize is the page size List asks for; 0 means the largest page
	// the server is documented to allow (VBR 200, its default; VSPC 500).
	PageSize int
	// Conns is how many requests may be in flight to the target at once
	// (the parallelism); that many connections are kept for reuse. 0 means
	// DefaultConns.
	Conns int
	// PageConcurrency bounds how many pages of a list are fetched at once
	// once the first page gives the total; 0 means DefaultPageConcurrency.
	PageConcurrency int
	// PollFloor is the shortest wait between two polls of one session,
	// task or action (default 10ms).
	PollFloor time.Duration
	// Retry bounds the retries of idempotent calls; zero means defaults.
	Retry RetryPolicy
	// Timeout bounds one HTTP attempt, default 60s.
	Timeout time.Duration
	// Debug receives an HTTP trace with secrets redacted; nil is off.
	Debug io.Writer
	// Log counts requests per "METHOD /path/{template}"; may be shared.
	Log *RequestLog
	// Clock drives backoff, token expiry and polling; default SystemClock.
	Clock Clock
	// Warnf prints warnings such as the tls.insecure one; nil discards.
	Warnf func(format string, args ...any)
	// SensitiveKeys are extra JSON keys (case-insensitive) redacted from the
	// debug trace, e.g. fields a step declares sensitive.
	SensitiveKeys []string
	// Secrets, when set, learns every credential the transport sends or
	// receives (the password, bearer tokens, session ids, values of
	// sensitive body fields such as access_token or recoveryToken) and
	// masks every value it knows in the debug trace and in server error
	// messages (APIError.Message). nil masks by key names only.
	Secrets Secrets
	// HTTPClient, when set, replaces the client built from TLS and Timeout
	// (tests); its Transport must still verify as the caller wants.
	HTTPClient *http.Client
}

// Secrets is the set of secret values a run knows (engine/eval's
// KnownSecrets): the transport adds what it learns and masks what it
// prints.
type Secrets interface {
	// Add records secret values.
	Add(values ...string)
	// Mask replaces every known value in s.
	Mask(s string) string
}

// RetryPolicy bounds the retries of idempotent calls with jittered
// exponential backoff.
type RetryPolicy struct {
	// MaxAttempts counts the first try, default 5. 1 disables retries.
	MaxAttempts int
	// MaxElapsed bounds the time spent on one call including waits,
	// default 30s. A Retry-After longer than what is left ends the retries.
	MaxElapsed time.Duration
	// BaseDelay is the first backoff, default 200ms; it doubles per attempt.
	BaseDelay time.Duration
	// MaxDelay caps one backoff, default 10s.
	MaxDelay time.Duration
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 5
	}
	if p.MaxElapsed <= 0 {
		p.MaxElapsed = 30 * time.Second
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = 200 * time.Millisecond
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = 10 * time.Second
	}
	if p.MaxDelay < p.BaseDelay {
		p.MaxDelay = p.BaseDelay
	}
	return p
}

// AwaitOptions says how long and how often an Await polls.
type AwaitOptions struct {
	// Timeout stops waiting (not the server-side work); 0 means no limit
	// but the context.
	Timeout time.Duration
	// OnProgress receives each distinct observation; nil discards.
	OnProgress ProgressFunc
	// PollMin is the first poll interval, default 250ms; each interval is
	// half again as long as the previous one, up to PollMax (default 5s).
	PollMin, PollMax time.Duration
	// WarningIsError makes a VBR session that ended with Warning fail.
	WarningIsError bool
}

func (o AwaitOptions) withDefaults() AwaitOptions {
	if o.PollMin <= 0 {
		o.PollMin = 250 * time.Millisecond
	}
	if o.PollMax <= 0 {
		o.PollMax = 5 * time.Second
	}
	if o.PollMax < o.PollMin {
		o.PollMax = o.PollMin
	}
	return o
}

// Response is one successful answer.
type Response struct {
	Status int
	Header http.Header
	// Doc is the decoded JSON (or EM XML) object; for VSPC it is the
	// unwrapped "data" object. Nil when the body is empty or not an object.
	Doc Doc
	// Body is the raw body as received.
	Body []byte
	// Location is the Location header (VSPC 202 async actions), if any.
	Location string
}
