package playbook_test

import (
	"fmt"

	"github.com/vplay-dev/vplay/engine/diag"
	"github.com/vplay-dev/vplay/engine/playbook"
	"github.com/vplay-dev/vplay/schema/testcatalog"
)

func ExampleParse() {
	src := []byte(`vplay: 1
steps:
  - id: hello
    action: log
    with: { message: "hello ${{ vars.who }}" }
`)
	_, ds := playbook.Parse("hello.yaml", src, testcatalog.Catalog(), playbook.Options{})
	fmt.Print(diag.Format(ds, diag.Sources{"hello.yaml": src}))
	// Output:
	// hello.yaml:5:38: error: unknown variable `who`
	//     5 |     with: { message: "hello ${{ vars.who }}" }
	//       |                                      ^
	//       = hint: declare it under `vars:`
}
