package veeam

import (
	"errors"
	"fmt"
	"time"
)

// Doc is a JSON document as the API sends it. Objects decode to Doc, arrays
// to []any and numbers to json.Number, so no precision is lost.
type Doc = map[string]any

// API names one of the three Veeam REST APIs.
type API string

// The three APIs vplay talks to.
const (
	VBR  API = "vbr"
	EM   API = "em"
	VSPC API = "vspc"
)

// AsyncKind names the shape of a long-running operation.
type AsyncKind string

// The asynchronous models of the three APIs, plus watching an object for
// actions that only queue work.
const (
	KindSession     AsyncKind = "session"      // VBR SessionModel
	KindTask        AsyncKind = "task"         // Enterprise Manager Task
	KindAsyncAction AsyncKind = "async_action" // VSPC asyncActions
	KindWatch       AsyncKind = "watch"        // polling an object until a condition holds
)

// Progress is one observation of a long-running operation, passed to the
// progress callback of every Await.
type Progress struct {
	Kind    AsyncKind
	ID      string // session id, task id or async action id
	Name    string // session name or task operation
	State   string // as the server spells it (Working, Running, running, ...)
	Percent int    // 0..100; -1 when the server does not say
	Message string
	Done    bool
}

// ProgressFunc receives progress observations; it must not block.
type ProgressFunc func(Progress)

// TLS says how a client verifies the server certificate. The zero value
// verifies against the system roots.
type TLS struct {
	CAFile      string // PEM bundle to trust in addition to system roots
	Fingerprint string // "sha256:<hex>" pin of the server leaf certificate
	Insecure    bool   // skip verification entirely (warned about)
}

// APIError is a failed call, carrying the server's own message.
type APIError struct {
	API       API
	Method    string
	Path      string
	Status    int    // HTTP status
	Code      string // errorCode (VBR), Status (EM), errors[].code/type (VSPC)
	Message   string // the server's message, verbatim
	RequestID string // x-request-id or similar, when known
}

// Error renders "vbr POST /api/v1/...: 400 Bad Request: <message>".
func (e *APIError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = e.Code
	}
	return fmt.Sprintf("%s %s %s: %d %s: %s", e.API, e.Method, e.Path, e.Status, statusText(e.Status), msg)
}

func statusText(code int) string {
	if code == 520 {
		return "Unknown Error"
	}
	return httpStatusText(code)
}

// ErrUncertain marks a non-idempotent call whose request may have reached
// the server although no answer arrived: callers must re-read live state
// before trying again.
var ErrUncertain = errors.New("veeam: request may have reached the server; re-read state before retrying")

// ErrAwaitTimeout is returned when an Await outlives its timeout. The
// server-side work keeps running.
var ErrAwaitTimeout = errors.New("veeam: timed out waiting")

// AsyncError is an asynchronous operation that finished unsuccessfully.
type AsyncError struct {
	Kind    AsyncKind
	ID      string
	Name    string
	Result  string   // Failed, Warning, failed, canceled, Success="false"
	Message string   // the server's message
	Log     []string // session log lines, when fetched
}

// Error renders the result, message and log lines.
func (e *AsyncError) Error() string {
	s := fmt.Sprintf("%s %s %q %s: %s", e.Kind, e.ID, e.Name, e.Result, e.Message)
	for _, l := range e.Log {
		if l != e.Message {
			s += "; " + l
		}
	}
	return s
}

// Clock abstracts time for polling, so tests can run without sleeping.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// After returns time.After(d).
func (SystemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
