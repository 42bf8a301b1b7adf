package sim

import (
	"io"
	"time"

	"github.com/vplay-dev/vplay/sim/simapi"
)

// Clock gives the simulator's notion of now (see simapi.Clock).
type Clock = simapi.Clock

// Option configures a Server (see New).
type Option func(*options)

type options struct {
	errorLog        io.Writer
	seedFile        string
	seedYAML        []byte
	stateFile       string
	tokenTTL        time.Duration
	sessionDuration time.Duration
	clock           Clock
	strict          bool
	plainHTTP       bool
	addrs           [3]string
	latency         time.Duration
	faultRate       float64
	failSessions    float64
	lostAnswerRate  float64
	faultSeed       *uint64
	randSeed        int64
	randSeedSet     bool
	password        string
	contract        ContractFunc
}

func defaultOptions() options {
	return options{
		tokenTTL:        900 * time.Second,
		sessionDuration: 2 * time.Second,
		clock:           systemClock{},
		addrs:           [3]string{"127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"},
		randSeed:        1,
		password:        "Passw0rd!",
		contract:        defaultContract,
	}
}

// WithSeedFile loads the seed fixture from a YAML file with the sections
// vbr, em, vspc and faults. A missing section falls back to that API's
// default seed.
func WithSeedFile(path string) Option { return func(o *options) { o.seedFile = path } }

// WithSeedYAML is WithSeedFile with the YAML given directly.
func WithSeedYAML(b []byte) Option { return func(o *options) { o.seedYAML = b } }

// WithStateFile loads state from path at start when the file exists and
// saves the whole state to it (atomically) after every change.
func WithStateFile(path string) Option { return func(o *options) { o.stateFile = path } }

// WithTokenTTL sets the VBR access-token lifetime (default 900s).
func WithTokenTTL(d time.Duration) Option { return func(o *options) { o.tokenTTL = d } }

// WithSessionDuration sets how long asynchronous operations run (default
// 2s, with +-20% jitter).
func WithSessionDuration(d time.Duration) Option {
	return func(o *options) { o.sessionDuration = d }
}

// WithClock injects the clock sessions and tokens are computed from.
func WithClock(c Clock) Option { return func(o *options) { o.clock = c } }

// WithStrict validates every VBR response against the vendor OpenAPI; a
// mismatch is answered with 500 and recorded (see Server.ContractErrors).
func WithStrict(strict bool) Option { return func(o *options) { o.strict = strict } }

// WithPlainHTTP serves plain HTTP instead of HTTPS (for debugging).
func WithPlainHTTP(plain bool) Option { return func(o *options) { o.plainHTTP = plain } }

// WithAddrs sets the listen addresses; an empty one keeps the default
// "127.0.0.1:0".
func WithAddrs(vbr, em, vspc string) Option {
	return func(o *options) {
		for i, a := range []string{vbr, em, vspc} {
			if a != "" {
				o.addrs[i] = a
			}
		}
	}
}

// WithLatency delays every vendor request by d.
func WithLatency(d time.Duration) Option { return func(o *options) { o.latency = d } }

// WithFaultRate makes a fraction p of vendor requests fail at random with
// 500, 503, 429 (with Retry-After) or a dropped connection.
func WithFaultRate(p float64) Option { return func(o *options) { o.faultRate = p } }

// WithFailSessions makes a fraction p of started sessions, tasks and async
// actions fail.
func WithFailSessions(p float64) Option { return func(o *options) { o.failSessions = p } }

// WithLostAnswerRate makes a fraction p of vendor write requests (every
// method but GET) succeed on the server and lose their answer: the client
// gets a 500 or a dropped connection although the work was done.
func WithLostAnswerRate(p float64) Option { return func(o *options) { o.lostAnswerRate = p } }

// WithFaultSeed seeds the generator of random faults (--fault-rate,
// --fail-sessions, --lost-answer-rate), so a run's fault sequence can be
// repeated. Without it each Server draws its own seed (Server.FaultSeed).
func WithFaultSeed(n uint64) Option { return func(o *options) { o.faultSeed = &n } }

// WithRandSeed seeds the simulator's other random choices (session
// duration jitter, generated ids), for tests that need the same ids on every
// run; faults have their own seed (WithFaultSeed). Without it, generated
// object ids are random per process, as a real server's are.
func WithRandSeed(n int64) Option {
	return func(o *options) { o.randSeed, o.randSeedSet = n, true }
}

// WithPassword sets the password of every simulated user (default
// "Passw0rd!").
func WithPassword(p string) Option { return func(o *options) { o.password = p } }

// WithErrorLog sends the HTTP servers' own errors (TLS handshake failures,
// malformed requests) to w; by default they are discarded.
func WithErrorLog(w io.Writer) Option { return func(o *options) { o.errorLog = w } }

// WithContract replaces the vendor contract used to validate VBR requests
// and, with WithStrict, responses. nil disables contract checking.
func WithContract(f ContractFunc) Option { return func(o *options) { o.contract = f } }

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }
