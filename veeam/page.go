package veeam

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"reflect"
	"strings"
	"sync"
)

// maxPages bounds every page walk, whatever the server says.
const maxPages = 100_000

// MaxListObjects is the most objects one list may return: a server that
// claims more (or whose pages never end) is refused rather than read
// until memory runs out.
const MaxListObjects = 250_000

// ErrMalformedList is wrapped when a list answer lacks its envelope.
var ErrMalformedList = errors.New("veeam: malformed list answer")

// ErrEndlessList is wrapped when a server's pages do not end as its total
// says they should, or it sends the same page again.
var ErrEndlessList = errors.New("veeam: the server's pages do not end")

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
		var w pageWalk
		for range maxPages {
			p, err := fetch(ctx, offset, limit)
			if err == nil {
				err = w.next(p)
			}
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

// pageWalk bounds a page walk by what its first page says: at most
// ceil(total / first page's size) + 1 pages (one more for objects created
// meanwhile), never more than MaxListObjects objects, and no page equal to
// the one before (a server ignoring skip/offset).
type pageWalk struct {
	pages, bound, objects, total int
	prev                         []Doc
}

func (w *pageWalk) next(p Page) error {
	w.pages++
	w.objects += len(p.Items)
	if w.pages == 1 && p.HasTotal {
		if p.Total > MaxListObjects {
			return fmt.Errorf("%w: the server reports %d objects, vplay lists at most %d: narrow the query", ErrEndlessList, p.Total, MaxListObjects)
		}
		w.total = p.Total
		w.bound = (p.Total+max(len(p.Items), 1)-1)/max(len(p.Items), 1) + 1
	}
	switch {
	case w.objects > MaxListObjects:
		return fmt.Errorf("%w: more than %d objects", ErrEndlessList, MaxListObjects)
	case w.bound > 0 && w.pages > w.bound:
		return fmt.Errorf("%w: page %d, but the first page's total of %d objects called for at most %d", ErrEndlessList, w.pages, w.total, w.bound)
	case w.pages > 1 && len(p.Items) > 0 && reflect.DeepEqual(p.Items, w.prev):
		return fmt.Errorf("%w: page %d repeats the page before it (is skip/offset ignored?)", ErrEndlessList, w.pages)
	}
	w.prev = p.Items
	return nil
}

// ListPage reads one page of a VBR or VSPC list answer: its objects under
// "data" and the collection's total at totalPath (VBR "pagination",
// "total"; VSPC "meta", "pagingInfo", "total"). An answer without that
// envelope (an empty body, {}, "data" null or not a list of objects, no
// total) is an error wrapping ErrMalformedList, never an empty page: read
// as "no objects", it would make apply create what already exists.
func ListPage(d Doc, totalPath ...string) (Page, error) {
	if d == nil {
		return Page{}, fmt.Errorf("%w: empty answer, or not a JSON object", ErrMalformedList)
	}
	raw, ok := d["data"]
	if !ok {
		return Page{}, fmt.Errorf("%w: no \"data\"", ErrMalformedList)
	}
	arr, ok := raw.([]any)
	if !ok {
		return Page{}, fmt.Errorf("%w: \"data\" is %s, not a list", ErrMalformedList, jsonKind(raw))
	}
	p := Page{Items: make([]Doc, 0, len(arr))}
	for i, x := range arr {
		m, ok := x.(map[string]any)
		if !ok {
			return Page{}, fmt.Errorf("%w: \"data\"[%d] is %s, not an object", ErrMalformedList, i, jsonKind(x))
		}
		p.Items = append(p.Items, m)
	}
	total, ok := Int(d, totalPath...)
	if !ok || total < 0 {
		return Page{}, fmt.Errorf("%w: no %s", ErrMalformedList, strings.Join(totalPath, "."))
	}
	p.Total, p.HasTotal = int(total), true
	return p, nil
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return "a number"
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
	if first.Total > MaxListObjects {
		return nil, fmt.Errorf("page at offset 0: %w: the server reports %d objects, vplay lists at most %d: narrow the query", ErrEndlessList, first.Total, MaxListObjects)
	}
	pages := (first.Total + step - 1) / step
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
