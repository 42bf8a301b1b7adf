package docs

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vplay-dev/vplay/steps"
)

// catalogue.md is what go generate writes from the catalogue today.
func TestCatalogueIsFresh(t *testing.T) {
	t.Parallel()
	got, err := os.ReadFile("catalogue.md")
	if err != nil {
		t.Fatal(err)
	}
	want := Catalogue(steps.Builtin())
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("docs/catalogue.md is stale; run go generate ./docs (-want +got):\n%s", diff)
	}
}

// Every entry of the catalogue has a section.
func TestCatalogueCoversEveryEntry(t *testing.T) {
	t.Parallel()
	out := string(Catalogue(steps.Builtin()))
	for _, name := range steps.Builtin().Names() {
		if !strings.Contains(out, "\n### "+name+"\n") {
			t.Errorf("catalogue.md has no section for %s", name)
		}
	}
}
