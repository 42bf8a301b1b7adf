// Command gen writes the playbook JSON Schema generated from the catalogue
// (run by `go generate ./schema`).
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/vplay-dev/vplay/schema"
	"github.com/vplay-dev/vplay/veeam/openapi"
)

func main() {
	out := flag.String("o", "playbook.schema.json", "output file")
	flag.Parse()
	b, err := schema.Generate(schema.Catalog())
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	// One schema per VBR document revision, beside it, for editors.
	for _, doc := range openapi.Revisions {
		b, err := schema.GenerateAt(schema.Catalog(), doc)
		if err == nil {
			err = os.WriteFile(filepath.Join(filepath.Dir(*out), schema.RevisionFile(doc)), b, 0o644)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
	}
}
