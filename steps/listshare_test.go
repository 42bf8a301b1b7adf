package steps

import (
	"context"
	"encoding/json"
	"net/url"
	"testing"

	"github.com/vplay-dev/vplay/veeam"
)

// TestSharedListsStayImmutable runs every query, every kind's List and the
// agent job retry preview three times against the seed: without a list
// cache, filling one, and from it. veeam.CachedList shares the listed
// documents without copying, so an entry that modified a listed document
// instead of a copy would make the rounds disagree.
func TestSharedListsStayImmutable(t *testing.T) {
	s := startSim(t)
	cat := Builtin()
	conn := func(api veeam.API) *Conn {
		switch api {
		case veeam.VBR:
			return s.vbr
		case veeam.EM:
			return s.em
		}
		return s.vspc
	}
	round := func(ctx context.Context) map[string]string {
		out := map[string]string{}
		keep := func(name string, v any, err error) {
			if err != nil {
				out[name] = "error: " + err.Error()
				return
			}
			b, jerr := json.Marshal(v)
			if jerr != nil {
				t.Fatalf("%s: %v", name, jerr)
			}
			out[name] = string(b)
		}
		for _, q := range cat.Queries() {
			v, err := q.Fetch(ctx, conn(q.API), Doc{})
			keep("query "+q.Name, v, err)
		}
		for _, k := range cat.Kinds() {
			v, err := k.Ops.List(ctx, conn(k.API))
			keep("kind "+k.Name, v, err)
		}
		retry, _ := cat.Action("em.agent_job.retry")
		v, err := retry.Ops.Preview(ctx, s.em, Doc{"name": []any{"Windows Servers Backup", "SQL Servers Backup"}})
		keep("preview em.agent_job.retry", v, err)
		return out
	}
	ctx := testCtx(t)
	fresh := round(ctx)
	cached := WithRunMemo(veeam.WithListCache(ctx))
	s.srv.ResetRequests()
	filled := round(cached)
	listed := s.srv.Requests()
	hit := round(cached)
	// Every list the rounds made, read from the cache, still equals the
	// server's answer: no entry changed a shared document, not even with
	// the value it computes anyway.
	compared := 0
	for _, r := range listed {
		if r.Method != "GET" || r.Status != 200 {
			continue
		}
		q, _ := url.ParseQuery(r.Query)
		q.Del("skip")
		q.Del("limit")
		list := func(ctx context.Context) ([]Doc, error) {
			switch r.API {
			case "vbr":
				return s.vbr.VBR.List(ctx, r.Path, q)
			case "em":
				return s.em.EM.List(ctx, r.Path, q)
			}
			return s.vspc.VSPC.List(ctx, r.Path, q)
		}
		before := len(s.srv.Requests())
		got, err := list(cached)
		if err != nil || len(s.srv.Requests()) != before {
			continue // not a list, or listed under another key
		}
		want, err := list(ctx)
		if err != nil {
			t.Fatalf("%s %s: %v", r.API, r.Path, err)
		}
		gb, _ := json.Marshal(got)
		wb, _ := json.Marshal(want)
		if string(gb) != string(wb) {
			t.Errorf("%s %s?%s: a shared listed document was modified\n got %s\nwant %s", r.API, r.Path, r.Query, gb, wb)
		}
		compared++
	}
	if compared < 5 {
		t.Errorf("only %d cached lists compared", compared)
	}
	for name, want := range fresh {
		if filled[name] != want {
			t.Errorf("%s: filling the cache changed the result\n got %s\nwant %s", name, filled[name], want)
		}
		if hit[name] != want {
			t.Errorf("%s: a cache hit saw a modified document\n got %s\nwant %s", name, hit[name], want)
		}
	}
	if len(fresh) < len(cat.Queries())+len(cat.Kinds()) {
		t.Fatalf("only %d results", len(fresh))
	}
}
