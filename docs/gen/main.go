// Command gen writes docs/catalogue.md from the step catalogue (run by
// `go generate ./docs`).
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/vplay-dev/vplay/docs"
	"github.com/vplay-dev/vplay/steps"
)

func main() {
	out := flag.String("o", "catalogue.md", "output file")
	flag.Parse()
	if err := os.WriteFile(*out, docs.Catalogue(steps.Builtin()), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
