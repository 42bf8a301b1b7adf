package render_test

import (
	"encoding/json"
	"os"

	"github.com/vplay-dev/vplay/engine"
	"github.com/vplay-dev/vplay/engine/diag"
	"github.com/vplay-dev/vplay/engine/render"
	"github.com/vplay-dev/vplay/jsondoc"
)

func ExampleText() {
	p := &engine.Plan{
		Name:    "quickstart",
		Targets: []engine.Target{{Name: "vbr", API: "vbr"}},
		Changes: []engine.Change{{
			Addr:   engine.Addr{Target: "vbr", Kind: "vbr.repository", Name: "repo-ams"},
			Action: engine.Update,
			Pos:    diag.Pos{File: "quickstart.yaml", Line: 12, Col: 5},
			Diff: []engine.DiffNode{
				{Path: jsondoc.Path{jsondoc.Key("password")}, Op: engine.DiffChange, Before: engine.Sensitive, After: engine.Sensitive, Sensitive: true},
				{Path: jsondoc.Path{jsondoc.Key("repository")}, Op: engine.DiffChange, Fields: []engine.DiffNode{{
					Path: jsondoc.Path{jsondoc.Key("repository"), jsondoc.Key("maxTaskCount")}, Op: engine.DiffChange,
					Before: json.Number("4"), After: json.Number("8"),
				}}},
			},
		}},
		Summary: engine.Summary{Update: 1},
	}
	render.Text(os.Stdout, p, render.TextOptions{Width: 80})
	// Output:
	// Plan for quickstart
	//
	// Target vbr (vbr)
	//
	//   ~ vbr.repository "repo-ams"  # (quickstart.yaml:12:5)
	//       ~ password = (sensitive)
	//       ~ repository {
	//           ~ maxTaskCount = 4 -> 8
	//         }
	//
	// Plan: 0 to create, 1 to update, 0 to delete, 0 steps to run.
}
