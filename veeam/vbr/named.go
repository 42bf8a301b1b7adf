package vbr

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/vplay-dev/vplay/veeam"
)

// ListNamed returns the objects of a collection called one of names (the
// vendor's name field), reading as little as it can: the first page gives
// the total; when fewer names are wanted than pages remain, each name is
// read with nameFilter, otherwise the other pages are read concurrently.
// Either way each page is decoded and only the named objects are kept, so
// a playbook declaring 100 of 100,000 live objects neither reads nor holds
// them all. Reads share the client's page bound (PageConcurrency).
func (c *Client) ListNamed(ctx context.Context, path string, names []string) ([]veeam.Doc, error) {
	return c.listNamed(ctx, path, names, true)
}

// listNamed is ListNamed; cached says whether a whole first page may come
// from (and go to) the plan's list cache. A read back after a create is
// not cached: it must see the server after the create.
func (c *Client) listNamed(ctx context.Context, path string, names []string, cached bool) ([]veeam.Doc, error) {
	want := make(map[string]bool, len(names))
	exact := true
	for _, n := range names {
		want[n] = true
		// A wildcard or an empty name cannot be asked of nameFilter exactly.
		exact = exact && n != "" && !strings.ContainsAny(n, "*?")
	}
	keep := func(items []veeam.Doc) []veeam.Doc {
		return slices.DeleteFunc(items, func(d veeam.Doc) bool { return !want[veeam.String(d, "name")] })
	}
	// A collection that fits its first page is the whole list: it goes
	// through the plan's list cache (veeam.WithListCache), so a step that
	// lists it too reads nothing more, and one already listed is not read.
	var first veeam.Page
	fetch := func() ([]veeam.Doc, error) {
		p, err := c.page(ctx, path, nil, 0, c.pageSize)
		if err != nil {
			return nil, err
		}
		first = p
		if !p.HasTotal || len(p.Items) == 0 || len(p.Items) >= p.Total {
			return p.Items, nil
		}
		return nil, errPartial
	}
	var all []veeam.Doc
	var err error
	if cached {
		all, err = veeam.CachedList(ctx, c, veeam.VBR, path, nil, fetch)
	} else {
		all, err = fetch()
	}
	if err == nil {
		return keep(all), nil // all is this caller's slice; documents are not changed
	}
	if !errors.Is(err, errPartial) {
		return nil, fmt.Errorf("list %s: %w", path, err)
	}
	got := len(first.Items)
	out := keep(first.Items)
	pages := (first.Total - got + c.pageSize - 1) / c.pageSize
	if !exact || len(names) >= pages {
		rest, err := c.pagesFrom(ctx, path, got, first.Total, keep)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", path, err)
		}
		return append(out, rest...), nil
	}
	// Few names among many objects: one filtered read per name not yet
	// found on the first page.
	for _, d := range out {
		delete(want, veeam.String(d, "name"))
	}
	var todo []string
	for _, n := range names {
		if want[n] {
			todo = append(todo, n)
		}
	}
	found := make([][]veeam.Doc, len(todo))
	err = c.each(ctx, len(todo), func(ctx context.Context, i int) error {
		q := url.Values{"nameFilter": {todo[i]}}
		items, err := veeam.CollectPages(ctx, c.pageSize, func(ctx context.Context, offset, limit int) (veeam.Page, error) {
			return c.page(ctx, path, q, offset, limit)
		})
		if err != nil {
			return fmt.Errorf("name %q: %w", todo[i], err)
		}
		// nameFilter also matches other fields: keep exact names only.
		found[i] = slices.DeleteFunc(items, func(d veeam.Doc) bool { return veeam.String(d, "name") != todo[i] })
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", path, err)
	}
	for _, f := range found {
		out = append(out, f...)
	}
	return out, nil
}

// errPartial says a first page does not hold the whole collection; it is
// never cached.
var errPartial = errors.New("collection continues past its first page")

// page reads one page of a collection under the client's page bound.
func (c *Client) page(ctx context.Context, path string, q url.Values, offset, limit int) (veeam.Page, error) {
	select {
	case c.pages <- struct{}{}:
	case <-ctx.Done():
		return veeam.Page{}, ctx.Err()
	}
	defer func() { <-c.pages }()
	pq := cloneValues(q)
	pq.Set("skip", strconv.Itoa(offset))
	pq.Set("limit", strconv.Itoa(limit))
	d, err := c.Get(ctx, path, pq)
	if err != nil {
		return veeam.Page{}, err
	}
	return veeam.ListPage(d, "pagination", "total")
}

// pagesFrom reads the pages from offset to total concurrently, keeping
// what keep returns of each as it arrives, in the server's order.
func (c *Client) pagesFrom(ctx context.Context, path string, offset, total int, keep func([]veeam.Doc) []veeam.Doc) ([]veeam.Doc, error) {
	if total > veeam.MaxListObjects {
		return nil, fmt.Errorf("%w: the server reports %d objects, vplay lists at most %d: narrow the query", veeam.ErrEndlessList, total, veeam.MaxListObjects)
	}
	n := (total - offset + c.pageSize - 1) / c.pageSize
	got := make([][]veeam.Doc, n)
	err := c.each(ctx, n, func(ctx context.Context, i int) error {
		p, err := c.page(ctx, path, nil, offset+i*c.pageSize, c.pageSize)
		if err != nil {
			return fmt.Errorf("page at offset %d: %w", offset+i*c.pageSize, err)
		}
		got[i] = keep(p.Items)
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []veeam.Doc
	for _, g := range got {
		out = append(out, g...)
	}
	return out, nil
}

// each runs f for 0..n-1, as many at once as the page bound allows; the
// first error cancels the rest and is returned.
func (c *Client) each(ctx context.Context, n int, f func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	next := make(chan int)
	for range min(cap(c.pages), n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := f(ctx, i); err != nil {
					once.Do(func() { first = err })
					cancel()
				}
			}
		}()
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}
