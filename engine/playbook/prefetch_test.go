package playbook

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vplay-dev/vplay/schema"
)

// TestPrefetchGuess: the validator prefetch compiles is the one validate
// uses, for a playbook of one revision and one without api_version, and
// none is guessed when api_version is a template.
func TestPrefetchGuess(t *testing.T) {
	t.Parallel()
	cat := schema.Catalog()
	head := "vplay: 1\nvars: {rev: 1.3-rev0}\ntargets:\n  vbr: {type: vbr, url: \"https://vbr:9419\", tls: {insecure: true}%s}\n  em: {type: em, url: \"https://em:9398\", tls: {insecure: true}}\n"
	body := "resources:\n  - {kind: vbr.repository, name: a, spec: {type: LinuxLocal}}\n  - {kind: em.tenant, name: b}\nsteps:\n  - {id: s, action: log, with: {message: hi}}\ndata:\n  r: {query: vbr.repositories}\n"
	tests := map[string]struct {
		apiVersion string
		want       func() any // the catalogue validate uses, nil for none
	}{
		"one revision":   {apiVersion: ", api_version: 1.3-rev0", want: func() any { return cat.At("1.3-rev0").Focus([]string{"em.tenant", "vbr.repository"}) }},
		"no api_version": {want: func() any { return cat }},
		"template":       {apiVersion: ", api_version: \"${{ vars.rev }}\"", want: func() any { return nil }},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			src := newSource("p.yaml", []byte(fmt.Sprintf(head, tc.apiVersion)+body))
			root, ds := parseYAML(src)
			if len(ds) > 0 {
				t.Fatal(ds)
			}
			l := &loader{src: src, cat: cat, root: root, pb: &Playbook{File: "p.yaml"}, dynamic: map[string]bool{},
				targets: map[string]*Target{}, dataOne: map[string]bool{}, kinds: map[string]bool{}}
			got := l.guessCatalog()
			if want := tc.want(); (want == nil) != (got == nil) || (got != nil && want != any(got)) {
				t.Errorf("guessCatalog() = %p, want %p", got, want)
			}
			l.load()
			if diff := cmp.Diff(l.use(), useOf(root)); diff != "" {
				t.Errorf("useOf(tree) differs from the loaded playbook's use (-loaded +tree):\n%s", diff)
			}
		})
	}
}
