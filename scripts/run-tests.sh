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
if line=$(grep -aE '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log_dir/unit.log" | tail -1); then
  total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$line")
  f=$(sed -E 's/.* ([0-9]+) tests? failed.*/\1/' <<<"$line")
  passed=$((passed + total - f))
  failed=$((failed + f))
else
  echo "unit tests did not report a result"
  failed=$((failed + 1))
fi

abs_log="$(cd "$log_dir" && pwd)"

# Adds the results of a node:test TAP file to the totals (a cancelled test counts as
# failed); a file without them is one failure.
count_tap() {
  local tap=$1 what=$2 p f c
  p=$(grep -aE '^# pass [0-9]+' "$tap" 2>/dev/null | tail -1 | awk '{print $3}')
  f=$(grep -aE '^# fail [0-9]+' "$tap" 2>/dev/null | tail -1 | awk '{print $3}')
  c=$(grep -aE '^# cancelled [0-9]+' "$tap" 2>/dev/null | tail -1 | awk '{print $3}')
  if [ -z "$p" ]; then
    echo "$what did not report a result"
    failed=$((failed + 1))
  else
    passed=$((passed + p))
    failed=$((failed + ${f:-0} + ${c:-0}))
  fi
}

# node --test in tests/integration, spec to the terminal and TAP to $1; $jobs files at a
# time (1 unless set).
integration() {
  local tap=$1
  shift
  rm -f "$tap"
  (cd tests/integration && node --test --test-concurrency="${jobs:-1}" \
      --test-reporter=spec --test-reporter-destination=stdout \
      --test-reporter=tap --test-reporter-destination="$tap" "$@")
}

echo "== integration tests (node --test, real tonari on 127.0.0.1)"
if [ -d tests/integration ]; then
  # Two files at a time: most of a test is waiting (timers, keepalive sweeps, a peer), and
  # each file has its own servers on their own ports and data directories.
  jobs=2 integration "$abs_log/integration.tap" $(cd tests/integration && echo *.test.mjs)
  count_tap "$abs_log/integration.tap" "integration tests"

  # Authorization and tenant isolation again, against a node of a 3-node cluster
  # (PostgreSQL + NATS, lib/cluster.mjs): the whole of security.test.mjs, the tests of
  # who may do what from messaging.test.mjs and org.test.mjs (with the ones they build on),
  # the key tests of collab.test.mjs, search.test.mjs and safety.test.mjs, and acks.test.mjs.
  echo "== authorization and tenant isolation on a cluster node (TONARI_TEST_STORE=cluster)"
  export TONARI_TEST_STORE=cluster
  integration "$abs_log/integration-cluster-security.tap" security.test.mjs
  count_tap "$abs_log/integration-cluster-security.tap" "cluster: security tests"
  integration "$abs_log/integration-cluster-authz.tap" \
      --test-name-pattern='POST /api/direct returns the same|WS send gets an ack and arrives|only the sender may edit or delete|group room: create, rename|an administrator takes over a room|room permissions by role|announcement room: only owners|official room: members cannot leave|system messages: stored in history' \
      messaging.test.mjs org.test.mjs rooms-rules.test.mjs
  count_tap "$abs_log/integration-cluster-authz.tap" "cluster: authorization tests"
  # Working together (issue 21): the key tests of collab.test.mjs on a cluster node.
  integration "$abs_log/integration-cluster-collab.tap" \
      --test-name-pattern='reactions: put and taken away|出欠: answers from several|pending and remind|anonymous questions|results for the asker only|notes: create, edit|pins: messages and notes|authorization: every new path' \
      collab.test.mjs
  count_tap "$abs_log/integration-cluster-collab.tap" "cluster: working together tests"
  # Full-text search (issue 22) on PostgreSQL: the oracle, filters, authorization, paging,
  # around= and the reindex CLI of search.test.mjs on a cluster node.
  integration "$abs_log/integration-cluster-search.tap" \
      --test-name-pattern='results equal a brute-force|relevance order|filters: room|authorization: non-member|invalid searches|pages do not shift|around=: a message|tonari admin reindex rebuilds' \
      search.test.mjs
  count_tap "$abs_log/integration-cluster-search.tap" "cluster: search tests"
  # Files found by their text (the sanitizing job's FileOutcome::text in PostgreSQL's
  # documents): the whole of files-search.test.mjs on a one-node cluster (lib/files.mjs).
  integration "$abs_log/integration-cluster-files-search.tap" files-search.test.mjs
  count_tap "$abs_log/integration-cluster-files-search.tap" "cluster: file search tests"
  # 安否確認 (issue 23) on PostgreSQL + NATS: start, answers, tallies, proxy, reminders,
  # close, export, authorization, training and the webhook of safety.test.mjs.
  integration "$abs_log/integration-cluster-safety.tap" \
      --test-name-pattern='templates, start for two departments|training: labelled everywhere|webhook: nothing starts' \
      safety.test.mjs
  count_tap "$abs_log/integration-cluster-safety.tap" "cluster: safety tests"
  # 確認必須 (issue 23) on PostgreSQL: all of acks.test.mjs (posting, acks live and on
  # resume, the lists by department, remind, every refusal) on a cluster node.
  integration "$abs_log/integration-cluster-acks.tap" acks.test.mjs
  count_tap "$abs_log/integration-cluster-acks.tap" "cluster: acknowledgement tests"
  unset TONARI_TEST_STORE
fi

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
  p=$(grep -aE '^# pass [0-9]+' "$abs_log/browser.tap" 2>/dev/null | tail -1 | awk '{print $3}')
  f=$(grep -aE '^# fail [0-9]+' "$abs_log/browser.tap" 2>/dev/null | tail -1 | awk '{print $3}')
  c=$(grep -aE '^# cancelled [0-9]+' "$abs_log/browser.tap" 2>/dev/null | tail -1 | awk '{print $3}')
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
