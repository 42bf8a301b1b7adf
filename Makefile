# vplay developer targets. `make test` is the CI gate (see .ci/run).
GO      ?= go
BIN     ?= bin/vplay
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)
FUZZTIME ?= 20s

.PHONY: all build test vet lint tools demo bench bench-go fuzz soak generate clean

# Linters, pinned and installed into a repo-local bin/tools (git ignores bin/),
# so a fresh clone needs only `go` and the module proxy. Both build with Go 1.26.
TOOLS        := $(CURDIR)/bin/tools
STATICCHECK_VERSION := v0.8.2
DEADCODE_VERSION    := v0.52.0
STATICCHECK  := $(TOOLS)/staticcheck-$(STATICCHECK_VERSION)
DEADCODE     := $(TOOLS)/deadcode-$(DEADCODE_VERSION)

all: build

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/vplay

vet:
	$(GO) vet ./...

tools: $(STATICCHECK) $(DEADCODE)

$(STATICCHECK):
	mkdir -p $(TOOLS)
	GOBIN=$(TOOLS) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	mv $(TOOLS)/staticcheck $@

$(DEADCODE):
	mkdir -p $(TOOLS)
	GOBIN=$(TOOLS) $(GO) install golang.org/x/tools/cmd/deadcode@$(DEADCODE_VERSION)
	mv $(TOOLS)/deadcode $@

# go vet, staticcheck (all default checks) and deadcode -test (no function
# unreachable from main or a test); any finding fails.
lint: vet tools
	$(STATICCHECK) ./...
	@out="$$($(DEADCODE) -test ./...)" || exit 1; if [ -n "$$out" ]; then echo "$$out"; echo "deadcode: remove the unreachable functions above"; exit 1; fi

test: lint
	$(GO) test -count=1 -timeout 9m ./...
	cd docs/examples/kubernetes && $(GO) vet ./... && $(GO) test -count=1 ./...

generate:
	$(GO) generate ./...

demo: build
	./scripts/demo.sh $(BIN)

# The five scenarios of issue 14 through the real binary against vplay sim:
# writes bench/results.json and prints the table (a few minutes on 2 cores).
# ONLY=apply-100,steps-500 runs those and keeps the other rows of the file.
bench: build
	$(GO) run ./bench -vplay $(BIN) -out bench/results.json $(if $(ONLY),-only $(ONLY))

# Go benchmarks of the hot paths (list decoding, diff, expressions, poller).
bench-go:
	$(GO) test -run '^$$' -bench . -benchmem ./...

fuzz:
	./scripts/fuzz.sh $(FUZZTIME)

# Bounded fault soak over every example playbook (~3-5 minutes); prints runs,
# faults injected, converged, duplicates, lost owed steps and secret hits.
soak:
	$(GO) test -tags soak -count=1 -timeout 10m -run '^TestSoak$$' -v ./cmd/vplay/

clean:
	rm -rf bin .demo
