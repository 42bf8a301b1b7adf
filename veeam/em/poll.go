package em

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/vplay-dev/vplay/veeam"
)

// taskProgress reads a Task: its progress and whether it is Finished.
func taskProgress(taskID string, d veeam.Doc) (veeam.Progress, bool) {
	state := veeam.String(d, "State")
	return veeam.Progress{
		Kind:    veeam.KindTask,
		ID:      taskID,
		Name:    veeam.String(d, "Operation"),
		State:   state,
		Percent: -1,
		Message: veeam.String(d, "Result", "Message"),
	}, strings.EqualFold(state, "Finished")
}

// taskPoller returns the client's task poller: one per client, so one per
// target. Enterprise Manager has no filtered task list, so each task due
// is read with its own GET; what is shared is the schedule (first poll when
// recent tasks took to finish).
func (c *Client) taskPoller() *veeam.Poller {
	c.pollOnce.Do(func() {
		c.poller = veeam.NewPoller(veeam.PollerConfig{
			Clock: c.t.Clock(),
			Floor: c.pollFloor,
			Get: func(ctx context.Context, id string) (veeam.Observation, error) {
				c.mu.Lock()
				startGen := c.tasks[id]
				c.mu.Unlock()
				resp, gen, err := c.do(ctx, http.MethodGet, "/api/tasks/"+url.PathEscape(id), nil, nil)
				if err != nil {
					if veeam.IsStatus(err, http.StatusNotFound) && gen != startGen && startGen != 0 {
						return veeam.Observation{}, &UnknownOutcomeError{TaskID: id}
					}
					return veeam.Observation{}, fmt.Errorf("await task %s: %w", id, err)
				}
				p, done := taskProgress(id, resp.Doc)
				return veeam.Observation{Progress: p, Done: done, Doc: resp.Doc}, nil
			},
			Permanent: func(err error) bool {
				var lost *UnknownOutcomeError
				return errors.As(err, &lost) || veeam.PermanentStatus(err)
			},
		})
	})
	return c.poller
}

// WatchTask awaits a task like AwaitTask, through the client's poller: the
// first poll when recent tasks took to finish, not at once.
func (c *Client) WatchTask(ctx context.Context, taskID string, o veeam.AwaitOptions) (veeam.Doc, error) {
	c.mu.Lock()
	if _, known := c.tasks[taskID]; !known {
		c.tasks[taskID] = c.gen
	}
	c.mu.Unlock()
	obs, err := c.taskPoller().Wait(ctx, taskID, time.Time{}, o)
	c.mu.Lock()
	delete(c.tasks, taskID)
	c.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return taskOutcome(taskID, obs.Doc)
}
