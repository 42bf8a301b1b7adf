package veeam

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// pagedCollection serves n objects in pages with a total, counting the
// pages in flight at once.
type pagedCollection struct {
	n, failAt      int
	inFlight, peak atomic.Int32
	mu             sync.Mutex
	offsets        []int
	withoutTotal   bool
	// block, when set, holds pages after the first until 4 are in flight.
	block   chan struct{}
	release sync.Once
}

func (c *pagedCollection) fetch(ctx context.Context, offset, limit int) (Page, error) {
	now := c.inFlight.Add(1)
	defer c.inFlight.Add(-1)
	if c.block != nil && now >= 4 {
		c.release.Do(func() { close(c.block) })
	}
	for {
		p := c.peak.Load()
		if now <= p || c.peak.CompareAndSwap(p, now) {
			break
		}
	}
	c.mu.Lock()
	c.offsets = append(c.offsets, offset)
	c.mu.Unlock()
	if c.block != nil && offset > 0 {
		select {
		case <-c.block:
		case <-ctx.Done():
			return Page{}, ctx.Err()
		}
	}
	if c.failAt > 0 && offset == c.failAt {
		return Page{}, &APIError{Status: http.StatusInternalServerError, Message: "page lost"}
	}
	var items []Doc
	for i := offset; i < min(offset+limit, c.n); i++ {
		items = append(items, Doc{"name": fmt.Sprintf("obj-%05d", i)})
	}
	return Page{Items: items, Total: c.n, HasTotal: !c.withoutTotal}, nil
}

func TestCollectPagesConcurrently(t *testing.T) {
	t.Parallel()
	// Pages are released only once 4 are in flight: proves they overlap
	// (sequential fetching would end at the timeout).
	c := &pagedCollection{n: 1050, block: make(chan struct{})}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	docs, err := CollectPagesConcurrently(ctx, 100, 4, c.fetch)
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 1050 {
		t.Fatalf("got %d objects, want 1050", len(docs))
	}
	for i, d := range docs {
		if d["name"] != fmt.Sprintf("obj-%05d", i) {
			t.Fatalf("object %d is %v: server order lost", i, d["name"])
		}
	}
	if p := c.peak.Load(); p > 4 {
		t.Errorf("%d pages in flight at once, bound is 4", p)
	}
	if len(c.offsets) != 11 {
		t.Errorf("%d page requests, want 11 (each page once)", len(c.offsets))
	}
}

func TestCollectPagesConcurrentlyFirstErrorWins(t *testing.T) {
	t.Parallel()
	c := &pagedCollection{n: 1000, failAt: 500}
	_, err := CollectPagesConcurrently(context.Background(), 100, 3, c.fetch)
	if !IsStatus(err, http.StatusInternalServerError) || errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want the failed page's 500 and not the cancellation of the others", err)
	}
}

func TestCollectPagesConcurrentlyWithoutTotal(t *testing.T) {
	t.Parallel()
	c := &pagedCollection{n: 1000, withoutTotal: true}
	docs, err := CollectPagesConcurrently(context.Background(), 100, 3, c.fetch)
	if err != nil {
		t.Fatal(err)
	}
	// Without a total the first page is the whole collection (as
	// CollectPages takes it).
	if len(docs) != 100 || len(c.offsets) != 1 {
		t.Errorf("got %d objects in %d requests, want the first page only", len(docs), len(c.offsets))
	}
}

// BenchmarkListDecode100k decodes a 100,000-object collection in pages of
// 200 the way the VBR client does (JSON with lossless numbers).
func BenchmarkListDecode100k(b *testing.B) {
	page := func(offset, limit int) []byte {
		var buf []byte
		buf = append(buf, `{"data":[`...)
		for i := offset; i < offset+limit; i++ {
			if i > offset {
				buf = append(buf, ',')
			}
			buf = fmt.Appendf(buf, `{"id":"%08x-0000-4000-8000-00000000b16a","name":"repo-%06d","type":"LinuxLocal","hostId":"3251ddfc-3691-4d20-a43e-860dc275147e","repository":{"path":"/backups/%d","taskLimitEnabled":true,"maxTaskCount":4,"advancedSettings":{"alignDataBlocks":true,"perVmBackup":true}},"mountServer":{"mountServerSettingsType":"linux","linux":{"mountServerId":"3251ddfc-3691-4d20-a43e-860dc275147e","vPowerNFSEnabled":false}}}`, i, i, i)
		}
		return fmt.Appendf(buf, `],"pagination":{"total":100000,"count":%d,"skip":%d,"limit":%d}}`, limit, offset, limit)
	}
	pages := make([][]byte, 500)
	for i := range pages {
		pages[i] = page(i*200, 200)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		docs, err := CollectPagesConcurrently(context.Background(), 200, 4, func(_ context.Context, offset, _ int) (Page, error) {
			d, err := DecodeDoc(pages[offset/200])
			if err != nil {
				return Page{}, err
			}
			p := Page{Items: Items(d, "data"), Total: 100_000, HasTotal: true}
			return p, nil
		})
		if err != nil || len(docs) != 100_000 {
			b.Fatalf("%d docs, %v", len(docs), err)
		}
	}
}
