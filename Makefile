# tonari — the two commands a newcomer needs:
#   make run    install what is missing, build, start on http://localhost:8080 with a demo city
#   make test   the same set-up, then every test (unit, integration, browser)
BUILD ?= build
DATA ?= ./data
PORT ?= 8080

.PHONY: run test deps build unit integration clean

run: build
	$(BUILD)/tonari serve --listen 127.0.0.1:$(PORT) --data $(DATA) --demo

test: build
	scripts/run-tests.sh $(BUILD)

deps:
	@scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD)

unit: build
	ctest --test-dir $(BUILD) --output-on-failure

integration: build
	cd tests/integration && node --test --test-concurrency=1 *.test.mjs

clean:
	rm -rf $(BUILD)
