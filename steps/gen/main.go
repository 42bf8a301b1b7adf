// Command gen writes steps/vbr_shapes.json, the shapes of the table-driven
// VBR kinds read from the vendor's full models (steps.VBRShapes).
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/vplay-dev/vplay/steps"
)

func main() {
	out := flag.String("o", "vbr_shapes.json", "output file")
	flag.Parse()
	b, err := steps.VBRShapes()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
