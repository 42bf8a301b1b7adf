package engine

import (
	"context"
	"fmt"

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

// Connect builds the client for t's API. Authentication happens on the
// first call and is shared by all later ones, except for a VBR target
// without APIVersion: Connect then negotiates the revision with the server
// (vbr.Negotiate), which logs in.
func (cc ClientConnector) Connect(ctx context.Context, t TargetConfig) (*steps.Conn, error) {
	cfg := cc.Base
	cfg.URL = t.URL
	cfg.Username = t.Username
	cfg.Password = t.Password
	cfg.TLS = t.TLS
	cfg.APIVersion = t.APIVersion
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
