package veeam

import (
	"context"
	"fmt"
	"iter"
	"sync"
)

// maxPages bounds every page walk, whatever the server says.
const maxPages = 100_000

// Page is one page of a collection.
type Page struct {
	Items []Doc
	// Total is the number of objects in the whole filtered collection, when
	// HasTotal; without it the page is taken to be the whole collection.
	Total    int
	HasTotal bool
}

// PageFunc fetches at most limit objects starting at offset (VBR skip,
// VSPC offset).
type PageFunc func(ctx context.Context, offset, limit int) (Page, error)

// Pages walks a collection page by page until offset+count reaches the
// total, a page comes back empty, or the server gives no total. It yields
// each object once per page it appears on; an error ends the walk.
func Pages(ctx context.Context, limit int, fetch PageFunc) iter.Seq2[Doc, error] {
	return func(yield func(Doc, error) bool) {
		offset := 0
		for range maxPages {
			p, err := fetch(ctx, offset, limit)
			if err != nil {
				yield(nil, fmt.Errorf("page at offset %d: %w", offset, err))
				return
			}
			for _, d := range p.Items {
				if !yield(d, nil) {
					return
				}
			}
			offset += len(p.Items)
			if !p.HasTotal || len(p.Items) == 0 || offset >= p.Total {
				return
			}
		}
		yield(nil, fmt.Errorf("veeam: more than %d pages", maxPages))
	}
}

// CollectPages returns every object of a collection (see Pages).
func CollectPages(ctx context.Context, limit int, fetch PageFunc) ([]Doc, error) {
	var out []Doc
	for d, err := range Pages(ctx, limit, fetch) {
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	if out == nil {
		out = []Doc{}
	}
	return out, nil
}

// DefaultPageConcurrency is how many pages of one target's lists are
// fetched at once when Config.PageConcurrency is not set: enough to hide
// the latency of a distant server, few enough to respect a shared one.
const DefaultPageConcurrency = 4

// CollectPagesConcurrently returns every object of a collection like
// CollectPages, but once the first page gives the total it fetches the
// other pages workers at a time (each fetch may also be bounded by the
// caller, per target). Objects keep the server's order. Without a total
// it walks the pages one after another, as CollectPages does.
func CollectPagesConcurrently(ctx context.Context, limit, workers int, fetch PageFunc) ([]Doc, error) {
	first, err := fetch(ctx, 0, limit)
	if err != nil {
		return nil, fmt.Errorf("page at offset 0: %w", err)
	}
	step := len(first.Items)
	if !first.HasTotal || step == 0 || step >= first.Total {
		return nonNil(first.Items), nil
	}
	pages := (first.Total + step - 1) / step
	if pages > maxPages {
		return nil, fmt.Errorf("veeam: more than %d pages", maxPages)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	got := make([][]Doc, pages)
	got[0] = first.Items
	next := make(chan int)
	var wg sync.WaitGroup
	var once sync.Once
	var firstErr error
	for range max(1, min(workers, pages-1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				p, err := fetch(ctx, i*step, step)
				if err != nil {
					// The first failure is the cause; the others are the
					// cancellation it brings.
					once.Do(func() { firstErr = fmt.Errorf("page at offset %d: %w", i*step, err) })
					cancel()
					continue
				}
				got[i] = p.Items
			}
		}()
	}
feed:
	for i := 1; i < pages; i++ {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	n := 0
	for _, g := range got {
		n += len(g)
	}
	out := make([]Doc, 0, n)
	for _, g := range got {
		out = append(out, g...)
	}
	return out, nil
}

func nonNil(d []Doc) []Doc {
	if d == nil {
		return []Doc{}
	}
	return d
}
