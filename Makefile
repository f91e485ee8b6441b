# Ruche — build and test. `make test` is the test command CI runs (.ci/run).
GO ?= go
PKGS := ./...

.PHONY: run build test check unit postgres-http fuzz bench

run:
	$(GO) run ./cmd/ruche serve

build:
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/ruche ./cmd/ruche

# The whole suite: static checks, every test with the race detector (store
# tests run on SQLite and, when RUCHE_TEST_POSTGRES is set, PostgreSQL; the
# NATS bus contract when RUCHE_TEST_NATS is set; browser tests when chromium
# is installed, required when RUCHE_E2E=required), then the HTTP tests again
# on PostgreSQL.
test: check unit postgres-http

check:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet $(PKGS)
	$(GO) tool staticcheck $(PKGS)

unit:
	$(GO) test -race -p 2 -timeout 30m $(PKGS)

postgres-http:
	@if [ -n "$$RUCHE_TEST_POSTGRES" ]; then \
		echo "HTTP and service tests again on PostgreSQL"; \
		RUCHE_TEST_DIALECT=postgres $(GO) test -count=1 -timeout 20m ./internal/api/ ./internal/web/ ./internal/account/ ./internal/cli/; \
	fi

# Longer fuzzing by hand, e.g. make fuzz FUZZ=FuzzDecoders PKG=./internal/api/
fuzz:
	$(GO) test -run XXX -fuzz $(FUZZ) -fuzztime 60s $(PKG)

bench:
	$(GO) run ./bench/cmd/ruchebench foundation --out docs/benchmarks.md
