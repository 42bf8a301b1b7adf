// Package docs holds vplay's user documentation. Its only code generates
// catalogue.md, the reference of every resource kind, action and data
// query, from the step catalogue (go generate ./docs); a test fails when
// the file is stale. It documents and must not define behaviour: the
// catalogue itself lives in package steps.
package docs

//go:generate go run ./gen -o catalogue.md
