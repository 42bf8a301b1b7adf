package engine

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/vplay-dev/vplay/steps"
	"github.com/vplay-dev/vplay/veeam"
	"github.com/vplay-dev/vplay/veeam/em"
	"github.com/vplay-dev/vplay/veeam/vbr"
	"github.com/vplay-dev/vplay/veeam/vspc"
)

// ClientConnector opens real Veeam clients. Base is copied into every
// client's configuration (debug trace, request log, retry policy).
type ClientConnector struct {
	Base veeam.Config
}

// ErrPlainHTTP refuses a plain http:// target URL without insecure_http.
var ErrPlainHTTP = errors.New("engine: plain http:// url: the password and tokens would travel unencrypted; use https://, or set insecure_http: true on the target if the server only speaks HTTP (such as `vplay sim --http`)")

// checkScheme refuses a plain HTTP URL unless the target allows it, and
// warns loudly (through warnf) when it does. It runs before anything is
// sent, so no credential leaves in clear text by accident.
func checkScheme(t TargetConfig, warnf func(string, ...any)) error {
	u, err := url.Parse(strings.TrimSpace(t.URL))
	if err != nil || !strings.EqualFold(u.Scheme, "http") {
		return nil // BaseURL reports malformed URLs and other schemes
	}
	if !t.InsecureHTTP {
		return fmt.Errorf("target %q: %w", t.Name, ErrPlainHTTP)
	}
	if warnf != nil {
		warnf("target %q uses plain HTTP (insecure_http: true): the password and tokens travel UNENCRYPTED to %s", t.Name, u.Host)
	}
	return nil
}

// Connect builds the client for t's API. Authentication happens on the
// first call and is shared by all later ones, except for a VBR target
// without APIVersion: Connect then negotiates the revision with the server
// (vbr.Negotiate), which logs in. A plain http:// URL is refused unless
// t.InsecureHTTP is set (and then warned about).
func (cc ClientConnector) Connect(ctx context.Context, t TargetConfig) (*steps.Conn, error) {
	if err := checkScheme(t, cc.Base.Warnf); err != nil {
		return nil, err
	}
	cfg := cc.Base
	cfg.URL = t.URL
	cfg.Username = t.Username
	cfg.Password = t.Password
	cfg.TLS = t.TLS
	cfg.APIVersion = t.APIVersion
	cfg.PageSize = t.PageSize
	cfg.PageConcurrency = t.PageConcurrency
	cfg.PollFloor = t.PollFloor
	if t.Timeout > 0 {
		cfg.Timeout = t.Timeout
	}
	conn := &steps.Conn{Target: t.Name, API: t.API}
	var err error
	switch t.API {
	case veeam.VBR:
		if cfg.APIVersion == "" {
			// The playbook leaves the revision to the server.
			conn.VBR, _, err = vbr.Negotiate(ctx, cfg)
			break
		}
		conn.VBR, err = vbr.New(cfg)
	case veeam.EM:
		conn.EM, err = em.New(cfg)
	case veeam.VSPC:
		conn.VSPC, err = vspc.New(cfg)
	default:
		return nil, fmt.Errorf("unknown API type %q", t.API)
	}
	if err != nil {
		return nil, err
	}
	return conn, nil
}

// CloseConn logs out of the connection's API.
func CloseConn(ctx context.Context, c *steps.Conn) error {
	switch {
	case c.VBR != nil:
		return c.VBR.Close(ctx)
	case c.EM != nil:
		return c.EM.Close(ctx)
	case c.VSPC != nil:
		return c.VSPC.Close(ctx)
	}
	return nil
}
