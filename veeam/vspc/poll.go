package vspc

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/vplay-dev/vplay/veeam"
)

// actionsPath lists the caller's running async actions.
const actionsPath = "/api/v3/asyncActions"

// actions returns the client's async action poller: one per client, so one
// per target, shared by every action awaited through AwaitAction. One
// GET /api/v3/asyncActions per tick says which of the actions in flight
// still run; only those it leaves out (finished) are read with their own
// GET, for their status.
func (c *Client) actions() *veeam.Poller {
	c.pollOnce.Do(func() {
		c.poller = veeam.NewPoller(veeam.PollerConfig{
			Clock: c.t.Clock(),
			Floor: c.pollFloor,
			Get: func(ctx context.Context, id string) (veeam.Observation, error) {
				d, err := c.Get(ctx, actionPath+url.PathEscape(id), nil)
				if err != nil {
					return veeam.Observation{}, fmt.Errorf("await async action %s: %w", id, err)
				}
				return actionObservation(id, d), nil
			},
			// The list holds running actions only: a finished one needs
			// its Get anyway, so one due action is read alone.
			List: func(ctx context.Context, _ time.Time) (map[string]veeam.Observation, error) {
				items, err := c.list(ctx, actionsPath, nil)
				if err != nil {
					return nil, err
				}
				out := make(map[string]veeam.Observation, len(items))
				for _, d := range items {
					id := veeam.String(d, "id")
					if o := actionObservation(id, d); id != "" && !o.Done {
						out[id] = o
					}
				}
				return out, nil
			},
			ListMin: 2,
		})
	})
	return c.poller
}

// actionObservation reads an AsyncActionInfo.
func actionObservation(id string, d veeam.Doc) veeam.Observation {
	status := veeam.String(d, "status")
	return veeam.Observation{
		Progress: veeam.Progress{Kind: veeam.KindAsyncAction, ID: id, Name: veeam.String(d, "actionName"), State: status, Percent: -1},
		Done:     slices.Contains([]string{"succeed", "failed", "canceled"}, strings.ToLower(status)),
		Doc:      d,
	}
}
