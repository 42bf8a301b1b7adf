package veeam

import (
	"context"
	"fmt"
	"iter"
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
