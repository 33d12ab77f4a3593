# tonari — the two commands a newcomer needs:
#   make run    install what is missing, build, start on http://localhost:8080 with a demo city
#   make test   the same set-up, then every test (unit, integration, browser)
BUILD ?= build
DATA ?= ./data
PORT ?= 8080
# The same server as seen from the Internet zone (a field worker's phone, telework).
INTERNET_PORT ?= 8081
# A Node.js fetched by scripts/install-deps.sh (only when the machine's is too old).
export PATH := $(CURDIR)/.tools/node/bin:$(PATH)

.PHONY: run test deps deps-test build compile unit integration bench clean

run: deps compile
	$(BUILD)/tonari serve --listen 127.0.0.1:$(PORT) --listen-internet 127.0.0.1:$(INTERNET_PORT) --data $(DATA) --demo

test: deps-test compile
	scripts/run-tests.sh $(BUILD)

deps:
	@scripts/install-deps.sh run

deps-test:
	@scripts/install-deps.sh test

build: deps compile

# The server (CMake + Ninja, ccache when present) and the web client (Vite).
compile:
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTONARI_BENCH=OFF >/dev/null
	@cmake --build $(BUILD)
	@cd web && npm run build --silent

unit: build
	ctest --test-dir $(BUILD) --output-on-failure

integration: build
	cd tests/integration && node --test --test-concurrency=1 *.test.mjs

# The benchmark (docs/performance.md): a fresh server per workload on loopback, pinned to
# core 0, the load generator on core 1. BENCH_ARGS="--only 2 --scale 0.1" for a quick look.
bench: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTONARI_BENCH=ON >/dev/null
	@cmake --build $(BUILD)
	$(BUILD)/tonari-loadgen --tonari $(BUILD)/tonari --config bench/bench.toml $(BENCH_ARGS)
	TONARI_BIN=$(CURDIR)/$(BUILD)/tonari node bench/files.mjs $(FILES_BENCH_ARGS)

clean:
	rm -rf $(BUILD)
