package vbr_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/vplay-dev/vplay/veeam"
)

// gateClock is a clock whose After fires only when the test opens the
// gate: the read-back window never ends by itself.
type gateClock struct {
	fakeClock
	asked chan struct{} // one value per After call
	gate  chan time.Time
}

func newGateClock() *gateClock {
	return &gateClock{fakeClock: fakeClock{now: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)},
		asked: make(chan struct{}, 16), gate: make(chan time.Time)}
}

func (c *gateClock) After(time.Duration) <-chan time.Time {
	c.asked <- struct{}{}
	return c.gate
}

const pathRepos = "/api/v1/backupInfrastructure/repositories"

// readAll reads names back concurrently, one goroutine per ticket, and
// returns the ids found per name.
func readAll(ctx context.Context, t *testing.T, tickets []interface {
	Read(context.Context, string) ([]veeam.Doc, error)
}, names []string) map[string][]string {
	t.Helper()
	var mu sync.Mutex
	got := map[string][]string{}
	var wg sync.WaitGroup
	for i, tk := range tickets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			docs, err := tk.Read(ctx, names[i])
			if err != nil {
				t.Errorf("read %s: %v", names[i], err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			for _, d := range docs {
				got[names[i]] = append(got[names[i]], veeam.String(d, "id"))
			}
		}()
	}
	wg.Wait()
	return got
}

// Creates in flight together read their objects back with one list, each
// getting its own object; the window is not waited when every create in
// flight has asked.
func TestReadBackCoalesces(t *testing.T) {
	t.Parallel()
	f, srv := newFakeVBR(t)
	f.repos = 10
	clock := newGateClock()
	c, _ := newClient(t, srv.URL, func(cfg *veeam.Config) { cfg.Clock = clock })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var tickets []interface {
		Read(context.Context, string) ([]veeam.Doc, error)
	}
	names := []string{"repo 1", "repo 4", "repo 7"}
	for range names {
		tickets = append(tickets, c.Expect(pathRepos))
	}
	// A create that failed leaves: nobody waits for it.
	c.Expect(pathRepos).Leave()
	got := readAll(ctx, t, tickets, names)
	for i, n := range []int{1, 4, 7} {
		if want := fmt.Sprintf("repo-%04d", n); len(got[names[i]]) != 1 || got[names[i]][0] != want {
			t.Errorf("%s read back as %v, want [%s]", names[i], got[names[i]], want)
		}
	}
	if n := f.count("GET " + pathRepos); n != 1 {
		t.Errorf("%d repository lists for %d creates, want 1", n, len(names))
	}
}

// A read back waits for a create still in flight at most the window, and
// never returns an object of another name; a lone create reads at once by
// name.
func TestReadBackWindow(t *testing.T) {
	t.Parallel()
	f, srv := newFakeVBR(t)
	f.repos = 10
	clock := newGateClock()
	c, _ := newClient(t, srv.URL, func(cfg *veeam.Config) { cfg.Clock = clock })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	slow := c.Expect(pathRepos) // its session has not finished
	defer slow.Leave()
	first := c.Expect(pathRepos)
	done := make(chan []veeam.Doc, 1)
	go func() {
		docs, err := first.Read(ctx, "repo 2")
		if err != nil {
			t.Errorf("read: %v", err)
		}
		done <- docs
	}()
	select {
	case <-clock.asked:
	case <-ctx.Done():
		t.Fatal("the read back did not wait for the create in flight")
	}
	if n := f.count("GET " + pathRepos); n != 0 {
		t.Errorf("%d lists sent while waiting for the create in flight, want 0", n)
	}
	clock.gate <- time.Time{}
	docs := <-done
	if len(docs) != 1 || veeam.String(docs[0], "id") != "repo-0002" {
		t.Errorf("read back %v, want repo-0002 only", docs)
	}
	if n := f.count("GET " + pathRepos); n != 1 {
		t.Errorf("%d lists, want 1", n)
	}
	// The slow create now reads alone: nobody else is in flight.
	docs, err := slow.Read(ctx, "repo 9")
	if err != nil || len(docs) != 1 || veeam.String(docs[0], "id") != "repo-0009" {
		t.Errorf("lone read back = %v, %v; want repo-0009", docs, err)
	}
	if n := f.count("GET " + pathRepos); n != 2 {
		t.Errorf("%d lists, want 2", n)
	}
	docs, err = c.Expect(pathRepos).Read(ctx, "repo 77")
	if err != nil || len(docs) != 0 {
		t.Errorf("read back of a missing name = %v, %v; want none", docs, err)
	}
}
