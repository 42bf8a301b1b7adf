// Command gen writes the playbook JSON Schema generated from the catalogue
// (run by `go generate ./schema`).
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/vplay-dev/vplay/schema"
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
}
