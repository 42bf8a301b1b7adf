// Command gen writes the trimmed vendor VBR OpenAPI documents embedded by
// veeam/openapi. Run it with go generate in veeam/openapi; -vendor points at
// the directory holding the vendor files (default ../../third_party/veeam-openapi,
// relative to the package directory).
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/vplay-dev/vplay/veeam/openapi/internal/trim"
)

// revisions maps each embedded file to the vendor file it is cut from.
var revisions = []struct{ src, dst string }{
	{"vbr_rest_1.1-rev0.json", "vbr_1.1-rev0.json"},
	{"vbr_rest_1.2-rev1.json", "vbr_1.2-rev1.json"},
	{"vbr_rest_1.3-rev0.json", "vbr_1.3-rev0.json"},
	{"vbr_rest_1.3-rev1.json", "vbr_1.3-rev1.json"},
	{"vbr_rest_1.3-rev2.json", "vbr_1.3-rev2.json"},
}

func main() {
	vendor := flag.String("vendor", filepath.Join("..", "..", "third_party", "veeam-openapi"), "directory holding the vendor OpenAPI documents")
	out := flag.String("out", ".", "directory to write the trimmed documents to")
	flag.Parse()
	if err := run(*vendor, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(vendor, out string) error {
	for _, r := range revisions {
		src, err := os.ReadFile(filepath.Join(vendor, r.src))
		if err != nil {
			return fmt.Errorf("read vendor document: %w", err)
		}
		b, err := trim.Trim(src)
		if err != nil {
			return fmt.Errorf("trim %s: %w", r.src, err)
		}
		if err := os.WriteFile(filepath.Join(out, r.dst), b, 0o644); err != nil {
			return fmt.Errorf("write trimmed document: %w", err)
		}
		fmt.Printf("%s: %d bytes (from %d)\n", r.dst, len(b), len(src))
		ops, err := trim.Operations(src)
		if err != nil {
			return fmt.Errorf("operations of %s: %w", r.src, err)
		}
		opsName := "ops_" + strings.TrimSuffix(strings.TrimPrefix(r.dst, "vbr_"), ".json") + ".txt"
		if err := os.WriteFile(filepath.Join(out, opsName), ops, 0o644); err != nil {
			return fmt.Errorf("write operations index: %w", err)
		}
		full, err := trim.Full(src)
		if err != nil {
			return fmt.Errorf("full model of %s: %w", r.src, err)
		}
		gz, err := trim.Gzip(full)
		if err != nil {
			return fmt.Errorf("compress full model of %s: %w", r.src, err)
		}
		dst := filepath.Join(out, "full", r.dst+".gz")
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return fmt.Errorf("create full model directory: %w", err)
		}
		if err := os.WriteFile(dst, gz, 0o644); err != nil {
			return fmt.Errorf("write full model: %w", err)
		}
		fmt.Printf("full/%s.gz: %d bytes (%d uncompressed)\n", r.dst, len(gz), len(full))
	}
	return nil
}
