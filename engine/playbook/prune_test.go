package playbook

import (
	"testing"

	"github.com/vplay-dev/vplay/schema/testcatalog"
)

func TestPruneSelectorMatchName(t *testing.T) {
	t.Parallel()
	src := `vplay: 1
targets:
  vbr: { type: vbr, url: "https://vbr:9419", username: admin, password: "${{ secret('P') }}" }
prune:
  - kind: vbr.repository
    names: ["repo-*", "tmp-??", "a.b[1]", "x/*"]
  - kind: vbr.repository
    where: name == "w"
`
	pb, ds := Parse("p.yaml", []byte(src), testcatalog.Catalog(), Options{})
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	globs, whereOnly := pb.Prune[0], pb.Prune[1]
	tests := map[string]bool{
		"repo-ams": true, "repo-": true, "repo": false, "my-repo-ams": false,
		"tmp-01": true, "tmp-1": false, "tmp-012": false,
		"a.b[1]": true, "aXb[1]": false, "a.b1": false,
		"x/y/z": true, "Repo-ams": false,
	}
	for name, want := range tests {
		if got := globs.MatchName(name); got != want {
			t.Errorf("MatchName(%q) = %v, want %v", name, got, want)
		}
		if !whereOnly.MatchName(name) {
			t.Errorf("a selector without names: MatchName(%q) = false, want true (where decides)", name)
		}
	}
}
