package playbook

import (
	"slices"

	"github.com/vplay-dev/vplay/engine/eval"
	"github.com/vplay-dev/vplay/schema"
	"github.com/vplay-dev/vplay/steps"
	"github.com/vplay-dev/vplay/veeam"
	"github.com/vplay-dev/vplay/veeam/vbr"
)

// Compiling the playbook schema (schema.ForUse) takes tens of milliseconds
// and loading the rest of a large playbook about as long, one after the
// other on one CPU while the others idle. prefetch guesses, from the tree,
// the validator validateRevisions will ask for and starts compiling it in
// the background; validateRevisions then finds it compiled or waits for it
// (schema.ForUse compiles each once). A wrong guess costs only the CPU.

// prefetch starts compiling the likely validator; wait waits for it.
func (l *loader) prefetch() (wait func()) {
	cat := l.guessCatalog()
	if cat == nil {
		return func() {}
	}
	use := useOf(l.root)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = schema.ForUse(cat, use) // the error is reported by validateWith
	}()
	return func() { <-done }
}

// guessCatalog returns the catalogue validateRevisions will most likely
// validate with: that of the one document revision every VBR target names
// with a literal api_version (or Options.APIVersions), else the
// any-revision one; nil when a revision depends on a template.
func (l *loader) guessCatalog() *steps.Catalog {
	tn := get(l.root, "targets")
	if tn == nil || tn.Kind != eval.MappingNode {
		return l.cat
	}
	var docs []string
	for i, name := range tn.Keys {
		t := tn.Items[i]
		if veeam.API(str(get(t, "type"))) != veeam.VBR {
			continue
		}
		rev := l.opts.APIVersions[name]
		if vn := get(t, "api_version"); vn != nil {
			s, _ := vn.Value.(string)
			if eval.HasTemplate(s) {
				return nil
			}
			rev = s
		}
		doc, err := vbr.DocumentOf(rev)
		if err != nil {
			return l.cat
		}
		if !slices.Contains(docs, doc) {
			docs = append(docs, doc)
		}
	}
	if len(docs) != 1 {
		return l.cat
	}
	return l.cat.At(docs[0]).Focus(kindsOf(l.root))
}

// kindsOf lists the kinds of the resources in the tree, as usedKinds does
// from the loaded playbook.
func kindsOf(root *eval.Node) []string {
	var out []string
	if rn := get(root, "resources"); rn != nil && rn.Kind == eval.SequenceNode {
		for _, n := range rn.Items {
			out = append(out, str(get(n, "kind")))
		}
	}
	return out
}

// useOf is loader.use computed from the tree.
func useOf(root *eval.Node) schema.Use {
	u := schema.Use{Kinds: kindsOf(root)}
	if sn := get(root, "steps"); sn != nil && sn.Kind == eval.SequenceNode {
		for _, n := range sn.Items {
			u.Actions = append(u.Actions, str(get(n, "action")))
		}
	}
	if dn := get(root, "data"); dn != nil && dn.Kind == eval.MappingNode {
		for _, n := range dn.Items {
			u.Queries = append(u.Queries, str(get(n, "query")))
		}
	}
	for _, names := range []*[]string{&u.Kinds, &u.Actions, &u.Queries} {
		slices.Sort(*names)
		*names = slices.Compact(*names)
	}
	return u
}
