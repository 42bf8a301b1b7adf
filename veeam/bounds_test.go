package veeam

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestBodyLimit: an answer over the limit is an error saying so (it was
// truncated and then failed to decode with "unexpected EOF"), read only up
// to the limit, and not retried.
func TestBodyLimit(t *testing.T) {
	t.Parallel()
	const limit = 1 << 20
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"data":"`)
		// An endless answer: the client must stop reading at the limit.
		chunk := strings.Repeat("a", 64<<10)
		for range 4 * limit / len(chunk) {
			if _, err := io.WriteString(w, chunk); err != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	tr := newTestTransport(t, srv.URL, nil, nil)
	tr.maxBody = limit
	_, err := tr.Send(context.Background(), &Request{Method: http.MethodGet, Path: "/api/v1/jobs"})
	if !errors.Is(err, ErrBodyTooLarge) {
		t.Fatalf("Send = %v, want ErrBodyTooLarge", err)
	}
	if !strings.Contains(err.Error(), "GET /api/v1/jobs") {
		t.Errorf("error %q does not name the call", err)
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("server hit %d times, want 1 (not retried)", n)
	}
}

// TestHTMLAnswer: a web page where the API answers JSON says what is wrong.
func TestHTMLAnswer(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		status      int
		contentType string
		body        string
	}{
		"200 text/html":             {200, "text/html; charset=utf-8", "<html><body>Veeam Backup Enterprise Manager</body></html>"},
		"200 doctype without type":  {200, "", "\n<!DOCTYPE html>\n<html lang=en><head><title>Sign in</title></head></html>"},
		"404 html error page":       {404, "text/html", "<!DOCTYPE html><html><body><h1>404 Not Found</h1></body></html>"},
		"500 xhtml from a proxy":    {500, "application/xhtml+xml", "<html xmlns='http://www.w3.org/1999/xhtml'>error</html>"},
		"200 html with JSON header": {200, "application/json", "<html>oops</html>"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.contentType != "" {
					w.Header().Set("Content-Type", tc.contentType)
				}
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			}))
			t.Cleanup(srv.Close)
			tr := newTestTransport(t, srv.URL, nil, nil)
			_, err := tr.Send(context.Background(), &Request{Method: http.MethodGet, Path: "/api/v1/jobs"})
			if err == nil || !strings.Contains(err.Error(), "the server answered HTML: is this the API port?") {
				t.Fatalf("Send = %v, want the HTML message", err)
			}
			if tc.status < 300 && !errors.Is(err, ErrHTML) {
				t.Errorf("Send = %v, want ErrHTML", err)
			}
			if tc.status >= 300 && !IsStatus(err, tc.status) {
				t.Errorf("Send = %v, want an *APIError with status %d", err, tc.status)
			}
		})
	}
	// XML (Enterprise Manager) is not HTML.
	if isHTML(http.Header{"Content-Type": {"application/xml"}}, []byte(`<?xml version="1.0"?><EntityReferences/>`)) {
		t.Error("isHTML(EM XML) = true")
	}
}

// TestListPage: a 200 without the list envelope is an error, never an
// empty list (apply then created a duplicate).
func TestListPage(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		body  string
		items int
		err   bool
	}{
		"empty body":         {body: "", err: true},
		"empty object":       {body: `{}`, err: true},
		"data null":          {body: `{"data": null, "pagination": {"total": 0}}`, err: true},
		"data string":        {body: `{"data": "x", "pagination": {"total": 1}}`, err: true},
		"data of strings":    {body: `{"data": ["x"], "pagination": {"total": 1}}`, err: true},
		"no pagination":      {body: `{"data": []}`, err: true},
		"total not a number": {body: `{"data": [], "pagination": {"total": "many"}}`, err: true},
		"a list":             {body: `[{"id": "1"}]`, err: true},
		"empty list":         {body: `{"data": [], "pagination": {"total": 0, "count": 0}}`},
		"two objects":        {body: `{"data": [{"id": "1"}, {"id": "2"}], "pagination": {"total": 2}}`, items: 2},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			d, _ := DecodeDoc([]byte(tc.body))
			p, err := ListPage(d, "pagination", "total")
			if tc.err {
				if !errors.Is(err, ErrMalformedList) {
					t.Fatalf("ListPage(%s) = %d items, %v; want ErrMalformedList", tc.body, len(p.Items), err)
				}
				return
			}
			if err != nil || len(p.Items) != tc.items || !p.HasTotal {
				t.Fatalf("ListPage(%s) = %+v, %v; want %d items and a total", tc.body, p, err, tc.items)
			}
		})
	}
}

// TestPagesEnd: walks end at the page count the total calls for, on a
// repeated page and past MaxListObjects, whatever the server keeps sending.
func TestPagesEnd(t *testing.T) {
	t.Parallel()
	page := func(offset, n, total int) Page {
		p := Page{Total: total, HasTotal: true}
		for i := range n {
			p.Items = append(p.Items, Doc{"id": fmt.Sprint(offset + i)})
		}
		return p
	}
	tests := map[string]struct {
		fetch     func(offset, limit int) Page
		wantPages int
		wantErr   error
	}{
		"total grows with every page": {
			fetch: func(offset, limit int) Page { return page(offset, limit, offset+limit+1) },
			// total 11 with pages of 10: 2 pages, one more allowed; the
			// fourth is refused.
			wantPages: 4, wantErr: ErrEndlessList,
		},
		"same page again (skip ignored)": {
			fetch:     func(offset, limit int) Page { return page(0, limit, 1000) },
			wantPages: 2, wantErr: ErrEndlessList,
		},
		"a billion objects claimed": {
			fetch:     func(offset, limit int) Page { return page(offset, limit, 1_000_000_000) },
			wantPages: 1, wantErr: ErrEndlessList,
		},
		"short pages within the total": {
			fetch:     func(offset, limit int) Page { return page(offset, min(3, 25-offset), 25) },
			wantPages: 9,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			pages := 0
			_, err := CollectPages(context.Background(), 10, func(_ context.Context, offset, limit int) (Page, error) {
				pages++
				if pages > 1000 {
					t.Fatal("the walk does not end")
				}
				return tc.fetch(offset, limit), nil
			})
			if !errors.Is(err, tc.wantErr) || pages != tc.wantPages {
				t.Errorf("CollectPages: %d pages, %v; want %d pages, %v", pages, err, tc.wantPages, tc.wantErr)
			}
		})
	}
}

// TestEndlessServer: a real server whose pages never end (total always
// one more than sent) is read for a bounded number of pages.
func TestEndlessServer(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(hits.Add(1))
		fmt.Fprintf(w, `{"data":[{"id":"%d"}],"pagination":{"total":%d}}`, n, n+1)
	}))
	t.Cleanup(srv.Close)
	tr := newTestTransport(t, srv.URL, nil, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := CollectPages(ctx, 1, func(ctx context.Context, offset, limit int) (Page, error) {
		resp, err := tr.Send(ctx, &Request{Method: http.MethodGet, Path: "/api/v1/jobs"})
		if err != nil {
			return Page{}, err
		}
		d, err := DecodeDoc(resp.Body)
		if err != nil {
			return Page{}, err
		}
		return ListPage(d, "pagination", "total")
	})
	// The first page says 2 objects in pages of 1: 2 pages, one more
	// allowed, the fourth refused.
	if !errors.Is(err, ErrEndlessList) || hits.Load() != 4 {
		t.Errorf("CollectPages = %v after %d requests; want ErrEndlessList after 4", err, hits.Load())
	}
}
