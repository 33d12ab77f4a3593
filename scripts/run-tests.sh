#!/usr/bin/env bash
# Runs every test suite and ends with one line CI can read: "N passed, N failed".
# Unit tests (GoogleTest via ctest), integration tests (node:test against the real binary),
# web unit tests (Vitest) and browser tests (Chromium via playwright-core against the real binary).
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
export TONARI_BIN="$PWD/$BUILD/tonari"
passed=0
failed=0
log_dir="$BUILD/test-logs"
mkdir -p "$log_dir"

echo "== unit tests (ctest)"
ctest --test-dir "$BUILD" --output-on-failure --timeout 300 2>&1 | tee "$log_dir/unit.log"
if line=$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log_dir/unit.log" | tail -1); then
  total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$line")
  f=$(sed -E 's/.* ([0-9]+) tests? failed.*/\1/' <<<"$line")
  passed=$((passed + total - f))
  failed=$((failed + f))
else
  echo "unit tests did not report a result"
  failed=$((failed + 1))
fi

echo "== integration tests (node --test, real tonari on 127.0.0.1)"
if [ -d tests/integration ]; then
  (cd tests/integration && node --test --test-concurrency=1 \
      --test-reporter=spec --test-reporter-destination=stdout \
      --test-reporter=tap --test-reporter-destination="../../$log_dir/integration.tap" \
      *.test.mjs)
  p=$(grep -E '^# pass [0-9]+' "$log_dir/integration.tap" | tail -1 | awk '{print $3}')
  f=$(grep -E '^# fail [0-9]+' "$log_dir/integration.tap" | tail -1 | awk '{print $3}')
  if [ -z "$p" ]; then
    echo "integration tests did not report a result"
    failed=$((failed + 1))
  else
    passed=$((passed + p))
    failed=$((failed + ${f:-0}))
  fi
fi

abs_log="$(cd "$log_dir" && pwd)"

echo "== web unit tests (vitest)"
if [ -d web ]; then
  rm -f "$abs_log/web-unit.json"
  (cd web && npx vitest run --reporter=default --reporter=json --outputFile="$abs_log/web-unit.json")
  counts=$(node -e 'const r=require(process.argv[1]); console.log((r.numPassedTests|0)+" "+(r.numFailedTests|0)+" "+(r.numTotalTests|0))' \
      "$abs_log/web-unit.json" 2>/dev/null) || counts=""
  if [ -z "$counts" ] || [ "$(cut -d' ' -f3 <<<"$counts")" -eq 0 ]; then
    echo "web unit tests did not report a result"
    failed=$((failed + 1))
  else
    passed=$((passed + $(cut -d' ' -f1 <<<"$counts")))
    failed=$((failed + $(cut -d' ' -f2 <<<"$counts")))
  fi
fi

echo "== browser tests (node --test, Chromium + real tonari on 127.0.0.1)"
if [ -d web/e2e ]; then
  rm -f "$abs_log/browser.tap"
  (cd web && TONARI_E2E_REQUIRED=1 node --test --test-concurrency=1 \
      --test-reporter=spec --test-reporter-destination=stdout \
      --test-reporter=tap --test-reporter-destination="$abs_log/browser.tap" \
      e2e/*.test.mjs)
  p=$(grep -E '^# pass [0-9]+' "$abs_log/browser.tap" 2>/dev/null | tail -1 | awk '{print $3}')
  f=$(grep -E '^# fail [0-9]+' "$abs_log/browser.tap" 2>/dev/null | tail -1 | awk '{print $3}')
  c=$(grep -E '^# cancelled [0-9]+' "$abs_log/browser.tap" 2>/dev/null | tail -1 | awk '{print $3}')
  if [ -z "$p" ]; then
    echo "browser tests did not report a result"
    failed=$((failed + 1))
  else
    passed=$((passed + p))
    failed=$((failed + ${f:-0} + ${c:-0}))
  fi
fi

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
