package vbr

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/vplay-dev/vplay/veeam"
)

// sessions returns the client's session poller: one per client, so one
// per target, shared by every session awaited through WatchSession.
func (c *Client) sessions() *veeam.Poller {
	c.pollOnce.Do(func() {
		c.poller = veeam.NewPoller(veeam.PollerConfig{
			Clock: c.t.Clock(),
			Floor: c.pollFloor,
			Get: func(ctx context.Context, id string) (veeam.Observation, error) {
				d, err := c.Get(ctx, sessionPath(id), nil)
				if err != nil {
					return veeam.Observation{}, err
				}
				return sessionObservation(d), nil
			},
			// GET /api/v1/sessions?createdAfterFilter= answers every session
			// in flight (and those finished since) in one request.
			List: func(ctx context.Context, since time.Time) (map[string]veeam.Observation, error) {
				q := url.Values{"createdAfterFilter": {since.UTC().Format(time.RFC3339Nano)}}
				items, err := c.list(ctx, "/api/v1/sessions", q)
				if err != nil {
					return nil, err
				}
				out := make(map[string]veeam.Observation, len(items))
				for _, d := range items {
					o := sessionObservation(d)
					out[o.Progress.ID] = o
				}
				return out, nil
			},
		})
	})
	return c.poller
}

// sessionObservation reads a SessionModel.
func sessionObservation(d veeam.Doc) veeam.Observation {
	id := veeam.String(d, "id")
	o := veeam.Observation{
		Progress: sessionProgress(id, d),
		Done:     strings.EqualFold(veeam.String(d, "state"), "Stopped"),
		Doc:      d,
	}
	o.Created, _ = time.Parse(time.RFC3339Nano, veeam.String(d, "creationTime"))
	if end, err := time.Parse(time.RFC3339Nano, veeam.String(d, "endTime")); err == nil && o.Done && !o.Created.IsZero() {
		o.Took = end.Sub(o.Created)
	}
	return o
}

// SessionCreated reads when the server created a session from a
// SessionModel answer (zero when it does not say), for WatchSession.
func SessionCreated(d veeam.Doc) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, veeam.String(d, "creationTime"))
	return t
}

// WatchSession awaits session id like AwaitSession, through the client's
// poller: every session awaited at the same time is observed by one list
// per tick, first when recent sessions took to finish and then when the
// session's progress says it ends. created is the session's creationTime
// from the answer that started it (zero when unknown: it is then read with
// a GET first).
func (c *Client) WatchSession(ctx context.Context, id string, created time.Time, o veeam.AwaitOptions) (veeam.Doc, error) {
	obs, err := c.sessions().Wait(ctx, id, created, o)
	if err != nil {
		return nil, err
	}
	return c.sessionOutcome(ctx, id, obs.Doc, o)
}
