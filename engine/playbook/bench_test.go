package playbook

import (
	"fmt"
	"strings"
	"testing"

	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/parser"

	"github.com/vplay-dev/vplay/schema"
)

// generated returns a playbook declaring n repositories with expressions in
// every one, like a large site inventory.
func generated(n int) []byte {
	var b strings.Builder
	b.WriteString(`vplay: 1
targets:
  vbr: { type: vbr, url: "${{ env.VBR_URL }}", username: "${{ env.VBR_USERNAME }}", password: "${{ secret('VBR_PASSWORD') }}" }
vars:
  max_tasks: 4
data:
  host: { query: vbr.managed_servers, where: name == "linux01.tech.local", one: true }
resources:
`)
	for i := range n {
		fmt.Fprintf(&b, `  - kind: vbr.repository
    name: repo-%05d
    spec:
      type: LinuxLocal
      description: "Repository %d (managed by vplay)"
      hostId: "${{ data.host.id }}"
      mountServer: { mountServerSettingsType: linux, linux: { mountServerId: "${{ data.host.id }}", vPowerNFSEnabled: false, writeCacheFolder: /cache } }
      repository: { path: /backups/repo-%05d, maxTaskCount: "${{ vars.max_tasks }}" }
`, i, i, i)
	}
	b.WriteString(`steps:
  - id: rescan
    action: vbr.repository.rescan
    when: changed("vbr.repository")
    with: { names: "${{ map(resources['vbr.repository'], .name) }}" }
`)
	return []byte(b.String())
}

// BenchmarkLoad5000 validates a generated 5,000-resource playbook against
// the real catalogue (vendor schemas included).
func BenchmarkLoad5000(b *testing.B) {
	src := generated(5000)
	cat := schema.Catalog()
	if _, err := schema.ForCatalog(cat); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(src)))
	b.ResetTimer()
	for b.Loop() {
		pb, ds := Parse("big.yaml", src, cat, Options{})
		if pb == nil {
			b.Fatalf("generated playbook is invalid:\n%v", ds)
		}
	}
}

// repositories returns the playbook of `make bench`'s validate-5k scenario
// (bench/scenarios.go validatePlaybook) with n repositories: literal nested
// specs, an api_version, so every spec is checked against that revision's
// vendor schema.
func repositories(n int) []byte {
	var b strings.Builder
	b.WriteString(`vplay: 1
name: bench
targets:
  vbr:
    type: vbr
    url: "${{ env.VBR_URL }}"
    api_version: 1.3-rev0
    username: "${{ env.VBR_USERNAME }}"
    password: "${{ secret('VBR_PASSWORD') }}"
    tls: { fingerprint: "${{ env.VBR_FINGERPRINT }}" }
  em:
    type: em
    url: "${{ env.EM_URL }}"
    username: "${{ env.EM_USERNAME }}"
    password: "${{ secret('EM_PASSWORD') }}"
    tls: { fingerprint: "${{ env.EM_FINGERPRINT }}" }
resources:
`)
	const host = "3251ddfc-3691-4d20-a43e-860dc275147e"
	for i := range n {
		fmt.Fprintf(&b, `  - kind: vbr.repository
    target: vbr
    name: repo-%05[1]d
    spec:
      description: declared repo-%05[1]d
      hostId: %[2]s
      mountServer:
        linux:
          mountServerId: %[2]s
          vPowerNFSEnabled: false
          writeCacheFolder: /var/lib/veeam/cache
        mountServerSettingsType: linux
      repository:
        advancedSettings:
          RotatedDriveCleanupMode: Disabled
          alignDataBlocks: true
          decompressBeforeStoring: false
          perVmBackup: true
          rotatedDrives: false
        maxTaskCount: 4
        path: /backups/repo-%05[1]d
        readWriteLimitEnabled: false
        readWriteRate: 0
        taskLimitEnabled: true
        useFastCloningOnXFSVolumes: false
      type: LinuxLocal
`, i, host)
	}
	return []byte(b.String())
}

// BenchmarkValidate5k loads validate-5k's playbook (4 MB, 5,000 nested
// repository specs) with the real catalogue, its revision schema compiled
// once before the loop.
func BenchmarkValidate5k(b *testing.B) {
	src := repositories(5000)
	cat := schema.Catalog()
	if pb, ds := Parse("big.yaml", src, cat, Options{}); pb == nil {
		b.Fatalf("generated playbook is invalid:\n%v", ds)
	}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	b.ResetTimer()
	start := cpuNow()
	for b.Loop() {
		Parse("big.yaml", src, cat, Options{})
	}
	reportCPU(b, start)
}

// BenchmarkYAML5k separates the YAML stage of BenchmarkValidate5k: goccy
// alone (tokens and AST of the whole file, what any use of goccy pays),
// goccy alone on the file's list in pieces of minItemsPerPiece items, one
// after the other (what parseYAML asks of goccy), and parseYAML (goccy plus
// the conversion to eval.Node, in pieces on every CPU).
func BenchmarkYAML5k(b *testing.B) {
	src := repositories(5000)
	b.Run("goccy-pieces", func(b *testing.B) {
		_, list, _ := strings.Cut(string(src), "\nresources:\n")
		var pieces []string
		var piece strings.Builder
		items := 0
		for _, l := range strings.SplitAfter(list, "\n") {
			if strings.HasPrefix(l, "  - ") {
				if items == minItemsPerPiece {
					pieces = append(pieces, piece.String())
					piece.Reset()
					items = 0
				}
				items++
			}
			piece.WriteString(l)
		}
		pieces = append(pieces, piece.String())
		b.SetBytes(int64(len(src)))
		b.ReportAllocs()
		start := cpuNow()
		for b.Loop() {
			for _, p := range pieces {
				if _, err := parser.Parse(lexer.Tokenize(p), 0); err != nil {
					b.Fatal(err)
				}
			}
		}
		reportCPU(b, start)
	})
	b.Run("goccy", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		b.ReportAllocs()
		start := cpuNow()
		for b.Loop() {
			if _, err := parser.Parse(lexer.Tokenize(string(src)), 0); err != nil {
				b.Fatal(err)
			}
		}
		reportCPU(b, start)
	})
	b.Run("parseYAML", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		b.ReportAllocs()
		start := cpuNow()
		for b.Loop() {
			if _, ds := parseYAML(newSource("big.yaml", src)); len(ds) > 0 {
				b.Fatal(ds)
			}
		}
		reportCPU(b, start)
	})
}

func TestGeneratedIsValid(t *testing.T) {
	t.Parallel()
	src := generated(20)
	if pb, ds := Parse("big.yaml", src, schema.Catalog(), Options{}); pb == nil {
		t.Fatalf("generated playbook is invalid: %v", ds)
	}
	if pb, ds := Parse("big.yaml", repositories(20), schema.Catalog(), Options{}); pb == nil {
		t.Fatalf("repositories(20) is invalid: %v", ds)
	}
}

// BenchmarkHostile loads inputs that once exhausted memory or took
// quadratic time: 50,000 levels of nesting (100 KB; out of memory before),
// now refused after one linear pass over the tokens, and a block mapping of
// 100,000 keys (1.2 MB; 15.7 s before), now parsed in chunks.
func BenchmarkHostile(b *testing.B) {
	const head = "vplay: 1\ntargets:\n  vbr: { type: vbr, url: u }\n"
	var keys strings.Builder
	keys.WriteString(head + "vars:\n")
	for i := range 100_000 {
		fmt.Fprintf(&keys, "  k%d: 1\n", i)
	}
	inputs := map[string][]byte{
		"depth=50000": []byte(head + "vars:\n  x: " + strings.Repeat("[", 50_000) + strings.Repeat("]", 50_000) + "\n"),
		"keys=100000": []byte(keys.String()),
	}
	cat := schema.Catalog()
	for name, src := range inputs {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				pb, ds := Parse("hostile.yaml", src, cat, Options{})
				if (pb != nil) != (name == "keys=100000") {
					b.Fatalf("Parse(%s) = %v", name, ds[:min(len(ds), 1)])
				}
			}
		})
	}
}
