package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/vplay-dev/vplay/engine/eval"
	"github.com/vplay-dev/vplay/engine/playbook"
	"github.com/vplay-dev/vplay/steps"
	"github.com/vplay-dev/vplay/veeam"
)

// TargetConfig is a playbook target with its expressions evaluated: what a
// Connector needs to open an authenticated connection. Password is never
// rendered.
type TargetConfig struct {
	Name       string
	API        veeam.API
	URL        string
	Username   string
	Password   string
	APIVersion string
	TLS        veeam.TLS
	// InsecureHTTP allows a plain http:// URL (the target's insecure_http).
	InsecureHTTP bool
	// PageSize, PageConcurrency and PollFloor are the target's read and
	// poll bounds (veeam.Config); zero means defaults.
	PageSize        int
	PageConcurrency int
	PollFloor       time.Duration
	// Timeout bounds one HTTP request; 0 means the client's default.
	Timeout time.Duration
}

// Connector opens live connections to targets.
type Connector interface {
	Connect(ctx context.Context, t TargetConfig) (*steps.Conn, error)
}

// ConnectorFunc adapts a function to Connector.
type ConnectorFunc func(ctx context.Context, t TargetConfig) (*steps.Conn, error)

// Connect calls f.
func (f ConnectorFunc) Connect(ctx context.Context, t TargetConfig) (*steps.Conn, error) {
	return f(ctx, t)
}

// Config configures an Engine. Zero values are documented per field.
type Config struct {
	// Catalog resolves kinds, actions and queries. Required.
	Catalog *steps.Catalog
	// Connector opens target connections. Required for Plan and Apply.
	Connector Connector
	// Env is the environment visible as env.X; nil means empty.
	Env map[string]string
	// Secret resolves secret('X'); nil means every secret is missing.
	Secret func(name string) (string, error)
	// JournalDir holds the re-attach journals; "" disables the journal.
	JournalDir string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Closer is called by Close for every opened connection (logout);
	// nil uses CloseConn.
	Closer func(ctx context.Context, c *steps.Conn) error
	// Known collects the run's secret values (secret() results, sensitive
	// env variables; the caller also gives it to the clients, which add
	// passwords and tokens) and masks them in plans, apply events,
	// journals and saved plans. nil means a set of the engine's own.
	Known *eval.KnownSecrets
}

// Engine plans and applies playbooks. It keeps one connection per target
// for its lifetime; call Close to log out.
type Engine struct {
	cfg Config

	mu    sync.Mutex
	conns map[string]*steps.Conn
	// planned holds, per playbook, the state the engine's last Plan of it
	// read, until an Apply of that playbook takes it (Engine.derive).
	planned map[*playbook.Playbook]*execState
}

// New returns an Engine for cfg.
func New(cfg Config) *Engine {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Secret == nil {
		cfg.Secret = func(name string) (string, error) {
			return "", fmt.Errorf("secret %q is not set", name)
		}
	}
	if cfg.Closer == nil {
		cfg.Closer = CloseConn
	}
	if cfg.Known == nil {
		cfg.Known = eval.NewKnownSecrets()
	}
	return &Engine{cfg: cfg, conns: map[string]*steps.Conn{}, planned: map[*playbook.Playbook]*execState{}}
}

// conn returns the connection of target t, opening it once.
func (e *Engine) conn(ctx context.Context, t TargetConfig) (*steps.Conn, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if c, ok := e.conns[t.Name]; ok {
		return c, nil
	}
	if e.cfg.Connector == nil {
		return nil, errors.New("engine: no connector configured")
	}
	c, err := e.cfg.Connector.Connect(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("connect to target %q: %w", t.Name, err)
	}
	e.conns[t.Name] = c
	return c, nil
}

// Close logs out of every target the engine connected to.
func (e *Engine) Close(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	var errs []error
	for name, c := range e.conns {
		if err := e.cfg.Closer(ctx, c); err != nil {
			errs = append(errs, fmt.Errorf("log out of target %q: %w", name, err))
		}
		delete(e.conns, name)
	}
	return errors.Join(errs...)
}
