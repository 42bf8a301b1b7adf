package sim

import (
	"bufio"
	"bytes"
	"context"
	cryptorand "crypto/rand"
	"crypto/tls"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vplay-dev/vplay/sim/simapi"
)

// The three API names, also the keys of seed and state sections.
const (
	apiVBR  = "vbr"
	apiEM   = "em"
	apiVSPC = "vspc"
)

var apiNames = [3]string{apiVBR, apiEM, apiVSPC}

// maxLog bounds the request log; counts stay exact beyond it.
const maxLog = 50000

// URLs are the base URLs of the three listeners ("https://127.0.0.1:41234",
// no path).
type URLs struct{ VBR, EM, VSPC string }

// Request is one logged vendor request (control requests under /_sim/ are
// not logged).
type Request struct {
	API      string    `json:"api"`
	Method   string    `json:"method"`
	Path     string    `json:"path"`
	Template string    `json:"template"`
	Query    string    `json:"query,omitempty"`
	Status   int       `json:"status"` // 0 when the connection was dropped
	Time     time.Time `json:"time"`
}

// Server is a running (or ready to start) simulator of the three APIs.
type Server struct {
	opts      options
	idSeed    int64 // seeds generated object ids (random unless WithRandSeed)
	clock     *offsetClock
	cert      *certificate
	contracts *contracts

	lis [3]*listener

	mu           sync.Mutex // guards everything below, rng and faultRng
	rng          *rand.Rand
	faultRng     *rand.Rand // random faults only (WithFaultSeed)
	faultSeed    uint64
	injected     int // faults injected so far
	requests     []Request
	counts       map[string]map[string]int // api -> "METHOD template" -> n
	faults       []*faultState
	contractErrs []string
	started      bool
	closed       bool

	saveMu  sync.Mutex
	saveErr error

	wg sync.WaitGroup
}

// listener is one API's listener and handler.
type listener struct {
	name    string
	api     simapi.API // nil until that API package exists
	handler http.Handler
	url     atomic.Value // string
	ln      net.Listener
	srv     *http.Server
}

func (l *listener) baseURL() string {
	u, _ := l.url.Load().(string)
	return u
}

// New builds a simulator: it generates the certificate, loads the seed and
// the state file (when present). Nothing listens until Start.
func New(opts ...Option) (*Server, error) {
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	if o.clock == nil {
		o.clock = systemClock{}
	}
	cert, err := newCertificate()
	if err != nil {
		return nil, fmt.Errorf("sim: %w", err)
	}
	idSeed := o.randSeed
	if !o.randSeedSet {
		var b [8]byte
		if _, err := cryptorand.Read(b[:]); err != nil {
			return nil, fmt.Errorf("sim: seed object ids: %w", err)
		}
		idSeed = int64(binary.BigEndian.Uint64(b[:]))
	}
	s := &Server{
		idSeed:    idSeed,
		opts:      o,
		clock:     &offsetClock{base: o.clock},
		cert:      cert,
		contracts: newContracts(o.contract),
		rng:       rand.New(rand.NewPCG(uint64(o.randSeed), 0x5eed)),
		counts:    map[string]map[string]int{},
	}
	s.faultSeed = rand.Uint64()
	if o.faultSeed != nil {
		s.faultSeed = *o.faultSeed
	}
	s.faultRng = rand.New(rand.NewPCG(s.faultSeed, 0xfa17))
	seed, err := loadSeed(o)
	if err != nil {
		return nil, fmt.Errorf("sim: %w", err)
	}
	for _, f := range seed.Faults {
		if err := f.validate(); err != nil {
			return nil, fmt.Errorf("sim: seed faults: %w", err)
		}
		s.faults = append(s.faults, &faultState{rule: f})
	}
	byName := map[string]apiFactory{}
	for _, f := range factories() {
		byName[f.name] = f
	}
	for i, name := range apiNames {
		l := &listener{name: name}
		l.url.Store("")
		s.lis[i] = l
		f, ok := byName[name]
		if !ok {
			continue
		}
		raw, err := seed.section(name, f.defaultSeed)
		if err != nil {
			return nil, fmt.Errorf("sim: seed %s: %w", name, err)
		}
		api, err := f.new(s.env(l), raw)
		if err != nil {
			return nil, fmt.Errorf("sim: start %s: %w", name, err)
		}
		l.api = api
		l.handler = api.Handler()
	}
	if err := s.loadState(); err != nil {
		return nil, fmt.Errorf("sim: %w", err)
	}
	return s, nil
}

// env is what the core hands to one API.
func (s *Server) env(l *listener) simapi.Env {
	name := l.name
	// --token-ttl is the VBR token lifetime; VSPC keeps its own 1h default.
	tokenTTL := s.opts.tokenTTL
	if name != apiVBR {
		tokenTTL = 0
	}
	return simapi.Env{
		Clock:    s.clock,
		Duration: s.duration,
		SessionFault: func(method, path string) simapi.SessionFault {
			return s.sessionFault(name, method, path)
		},
		Changed:  s.changed,
		Password: s.opts.password,
		TokenTTL: tokenTTL,
		BaseURL:  l.baseURL,
		Seed:     s.idSeed,
	}
}

// duration is the configured session duration with +-20% jitter.
func (s *Server) duration() time.Duration {
	s.mu.Lock()
	f := 0.8 + 0.4*s.rng.Float64()
	s.mu.Unlock()
	return time.Duration(float64(s.opts.sessionDuration) * f)
}

// Start listens on the three addresses and serves until ctx is cancelled or
// Close is called. The listeners are ready when it returns.
func (s *Server) Start(ctx context.Context) error {
	s.mu.Lock()
	if s.started {
		s.mu.Unlock()
		return errors.New("sim: already started")
	}
	s.started = true
	s.mu.Unlock()
	for i, l := range s.lis {
		ln, err := net.Listen("tcp", s.opts.addrs[i])
		if err != nil {
			for _, prev := range s.lis[:i] {
				prev.ln.Close()
			}
			return fmt.Errorf("sim: listen %s on %s: %w", l.name, s.opts.addrs[i], err)
		}
		scheme := "https"
		if s.opts.plainHTTP {
			scheme = "http"
		}
		l.ln = ln
		l.url.Store(scheme + "://" + ln.Addr().String())
		errorLog := s.opts.errorLog
		if errorLog == nil {
			errorLog = io.Discard
		}
		l.srv = &http.Server{
			ErrorLog:          log.New(errorLog, "vplay sim: ", 0),
			Handler:           s.serve(l),
			ReadHeaderTimeout: 10 * time.Second,
			// HTTP/1.1 only: dropped-connection faults need http.Hijacker,
			// which HTTP/2 does not offer.
			TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){},
		}
	}
	for _, l := range s.lis {
		ln := l.ln
		if !s.opts.plainHTTP {
			ln = tls.NewListener(ln, &tls.Config{
				Certificates: []tls.Certificate{s.cert.tls},
				NextProtos:   []string{"http/1.1"},
				MinVersion:   tls.VersionTLS12,
			})
		}
		s.wg.Add(1)
		go func(srv *http.Server, ln net.Listener) {
			defer s.wg.Done()
			_ = srv.Serve(ln)
		}(l.srv, ln)
	}
	go func() {
		<-ctx.Done()
		_ = s.Close()
	}()
	return nil
}

// Close stops the listeners and returns the last state-save error, if any.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed || !s.started {
		s.closed = true
		s.mu.Unlock()
		return s.lastSaveErr()
	}
	s.closed = true
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for _, l := range s.lis {
		if l.srv != nil {
			if err := l.srv.Shutdown(ctx); err != nil {
				_ = l.srv.Close()
			}
		}
	}
	s.wg.Wait()
	return s.lastSaveErr()
}

// URLs returns the base URLs (empty before Start).
func (s *Server) URLs() URLs {
	return URLs{VBR: s.lis[0].baseURL(), EM: s.lis[1].baseURL(), VSPC: s.lis[2].baseURL()}
}

// Fingerprint is "sha256:<lowercase hex of the leaf certificate DER>".
func (s *Server) Fingerprint() string { return s.cert.fingerprint }

// CertPEM is the serving certificate in PEM form (trust it as a CA).
func (s *Server) CertPEM() []byte { return bytes.Clone(s.cert.pem) }

// Env returns VBR_URL, VBR_USERNAME, VBR_PASSWORD, VBR_FINGERPRINT and the
// same four for EM_ and VSPC_, with the admin credentials.
func (s *Server) Env() map[string]string {
	env := map[string]string{}
	for _, l := range s.lis {
		p := strings.ToUpper(l.name) + "_"
		env[p+"URL"] = l.baseURL()
		env[p+"USERNAME"] = simapi.RoleAdmin
		env[p+"PASSWORD"] = s.opts.password
		env[p+"FINGERPRINT"] = s.cert.fingerprint
	}
	return env
}

// Requests returns a copy of the request log, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// RequestCounts returns the number of requests per "METHOD template" of
// one API ("vbr", "em", "vspc").
func (s *Server) RequestCounts(api string) map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	for k, v := range s.counts[api] {
		out[k] = v
	}
	return out
}

// ResetRequests empties the request log and the counts.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
	s.counts = map[string]map[string]int{}
}

// AddFault adds a deterministic fault rule (see FaultRule). Invalid rules
// are ignored; POST /_sim/faults reports them instead.
func (s *Server) AddFault(r FaultRule) {
	if r.validate() != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &faultState{rule: r})
}

// ContractErrors returns every response that did not match the vendor
// contract in strict mode. Tests assert it is empty.
func (s *Server) ContractErrors() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.contractErrs...)
}

// Advance moves the simulator's clock forward by d (on top of the injected
// clock), for scripts that need tokens to expire or sessions to end.
func (s *Server) Advance(d time.Duration) { s.clock.advance(d) }

// offsetClock is the injected clock plus an offset moved by Advance.
type offsetClock struct {
	base   Clock
	offset atomic.Int64
}

func (c *offsetClock) Now() time.Time {
	return c.base.Now().Add(time.Duration(c.offset.Load()))
}

func (c *offsetClock) advance(d time.Duration) { c.offset.Add(int64(d)) }

// serve is the handler of one listener: the control API, then the vendor
// middleware chain.
func (s *Server) serve(l *listener) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/_sim" || strings.HasPrefix(r.URL.Path, "/_sim/") {
			s.control(l, w, r)
			return
		}
		s.serveVendor(l, w, r)
	})
}

// serveVendor runs one vendor request through latency, faults and the
// contract check, and logs it.
func (s *Server) serveVendor(l *listener, w http.ResponseWriter, r *http.Request) {
	// The request is logged as soon as its status is known, before the
	// client can read the answer: a caller that has its response (or its
	// dropped connection) then always finds the request in the log.
	rec := &statusRecorder{ResponseWriter: w, log: func(status int) { s.logRequest(l, r, status) }}
	defer func() { rec.record(rec.status) }()

	if d := s.opts.latency; d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	rule, ok := s.takeFault(l.name, r.Method, r.URL.Path)
	if !ok {
		rule, ok = s.randomFault(r.Method)
	}
	if ok {
		if rule.Act {
			// The server acts; the answer it gives is thrown away.
			s.serveAPI(l, &bufferedResponse{header: http.Header{}}, r)
		}
		writeFault(rec, r, l.name, rule)
		return
	}
	s.serveAPI(l, rec, r)
}

// serveAPI hands a request to the API's handler, under the vendor contract
// for VBR.
func (s *Server) serveAPI(l *listener, w http.ResponseWriter, r *http.Request) {
	if l.handler == nil {
		writeVendorError(w, r, l.name, http.StatusNotImplemented, "This API is not simulated yet.")
		return
	}
	if l.name == apiVBR {
		s.serveChecked(l, w, r)
		return
	}
	l.handler.ServeHTTP(w, r)
}

// serveChecked serves a VBR request under the vendor contract: requests are
// validated (refused with a vendor 400 on mismatch) and, in strict mode,
// responses too (a mismatch is recorded and answered with 500).
func (s *Server) serveChecked(l *listener, w http.ResponseWriter, r *http.Request) {
	c, err := s.contracts.get(r.Header.Get("x-api-version"))
	if err != nil {
		s.recordContractError(fmt.Sprintf("%s %s: %v", r.Method, r.URL.Path, err))
		writeVendorError(w, r, l.name, http.StatusInternalServerError, err.Error())
		return
	}
	if c == nil {
		l.handler.ServeHTTP(w, r)
		return
	}
	if _, known := c.Route(r); !known {
		l.handler.ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	if err != nil {
		writeVendorError(w, r, l.name, http.StatusBadRequest, "Cannot read the request body.")
		return
	}
	// Requests without credentials and the token endpoints (whose form
	// carries secrets a validator might echo) go straight to the API, so the
	// API answers 401 as the vendor does before looking at the body.
	if r.Header.Get("Authorization") != "" && !strings.HasPrefix(r.URL.Path, "/api/oauth2/") {
		r.Body = io.NopCloser(bytes.NewReader(body))
		if err := c.ValidateRequest(r, body); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{
				"errorCode": "UnexpectedContent",
				"message":   "The request does not match the API contract: " + err.Error(),
			})
			return
		}
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if !s.opts.strict {
		l.handler.ServeHTTP(w, r)
		return
	}
	buf := &bufferedResponse{header: http.Header{}}
	l.handler.ServeHTTP(buf, r)
	if buf.status == 0 {
		buf.status = http.StatusOK
	}
	if err := c.ValidateResponse(r, buf.status, buf.header, buf.body.Bytes()); err != nil {
		msg := fmt.Sprintf("%s %s (x-api-version %s): response %d does not match the vendor contract: %v",
			r.Method, r.URL.Path, r.Header.Get("x-api-version"), buf.status, err)
		s.recordContractError(msg)
		writeVendorError(w, r, l.name, http.StatusInternalServerError, "sim: "+msg)
		return
	}
	for k, v := range buf.header {
		w.Header()[k] = v
	}
	w.WriteHeader(buf.status)
	_, _ = w.Write(buf.body.Bytes())
}

func (s *Server) recordContractError(msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.contractErrs = append(s.contractErrs, msg)
}

// logRequest appends a request to the log and counts it.
func (s *Server) logRequest(l *listener, r *http.Request, status int) {
	tmpl := s.template(l, r)
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.requests) >= maxLog {
		s.requests = append(s.requests[:0], s.requests[len(s.requests)-maxLog/2:]...)
	}
	s.requests = append(s.requests, Request{
		API: l.name, Method: r.Method, Path: r.URL.Path, Template: tmpl,
		Query: r.URL.RawQuery, Status: status, Time: now,
	})
	if s.counts[l.name] == nil {
		s.counts[l.name] = map[string]int{}
	}
	s.counts[l.name][r.Method+" "+tmpl]++
}

// template names the path template of a request: the API's RouteTemplater,
// else the vendor contract, else the path itself.
func (s *Server) template(l *listener, r *http.Request) string {
	if t, ok := l.handler.(simapi.RouteTemplater); ok {
		if tmpl := t.Template(r); tmpl != "" {
			return tmpl
		}
	}
	if t, ok := l.api.(simapi.RouteTemplater); ok {
		if tmpl := t.Template(r); tmpl != "" {
			return tmpl
		}
	}
	if l.name == apiVBR {
		if c, _ := s.contracts.get(r.Header.Get("x-api-version")); c != nil {
			if tmpl, ok := c.Route(r); ok {
				return tmpl
			}
		}
	}
	return r.URL.Path
}

// statusRecorder remembers the status written through it, logs the
// request once (when the status is written, or when the connection is
// hijacked to be dropped) and passes hijacking through for
// dropped-connection faults.
type statusRecorder struct {
	http.ResponseWriter
	status int
	log    func(status int)
	logged bool
}

// record logs the request with status, once.
func (w *statusRecorder) record(status int) {
	if w.logged {
		return
	}
	w.logged = true
	if w.log != nil {
		w.log(status)
	}
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
		w.record(code)
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Hijack takes over the connection, logging the request with status 0
// (dropped) before the caller can close it.
func (w *statusRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("sim: connection cannot be hijacked")
	}
	conn, rw, err := hj.Hijack()
	if err == nil {
		w.record(0)
	}
	return conn, rw, err
}

// bufferedResponse holds a response until it has been validated.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header { return b.header }

func (b *bufferedResponse) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

// section returns the JSON seed of one API: the seed file's section, else
// the API's default seed.
func (sd *seedFile) section(name string, def []byte) (json.RawMessage, error) {
	if raw, ok := sd.sections[name]; ok {
		return raw, nil
	}
	return yamlToJSON(def)
}
