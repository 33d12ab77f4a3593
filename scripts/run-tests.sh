#!/usr/bin/env bash
# Runs every test suite and ends with one line CI can read: "N passed, N failed".
# Unit tests (GoogleTest via ctest), integration tests (node:test against the real binary).
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

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
