#!/usr/bin/env bash
# A throwaway nats-server for tests and the benchmark, on 127.0.0.1 at a port chosen now.
#   scripts/test-nats.sh start DIR   start it (DIR is made if missing), print nats://127.0.0.1:PORT
#   scripts/test-nats.sh stop DIR    stop it
#   scripts/test-nats.sh kill DIR    kill -9 it
# start after stop or kill reuses the port, so that clients reconnect to the same address.
set -euo pipefail
cmd=${1:?start|stop|kill}
dir=${2:?directory}
command -v nats-server >/dev/null || { echo "test-nats: nats-server is not installed (scripts/install-deps.sh test)" >&2; exit 1; }
mkdir -p "$dir"
running() { [ -f "$dir/nats.pid" ] && kill -0 "$(cat "$dir/nats.pid")" 2>/dev/null; }
case $cmd in
  start)
    if running; then echo "nats://127.0.0.1:$(cat "$dir/nats.port")"; exit 0; fi
    for attempt in 1 2 3 4 5 6 7 8; do
      port=$(cat "$dir/nats.port" 2>/dev/null || echo $((20000 + RANDOM % 30000)))
      nats-server -a 127.0.0.1 -p "$port" -P "$dir/nats.pid" -l "$dir/nats.log" </dev/null >/dev/null 2>&1 &
      pid=$!
      for _ in $(seq 1 100); do
        if grep -q "Server is ready" "$dir/nats.log" 2>/dev/null && kill -0 $pid 2>/dev/null; then
          echo "$port" >"$dir/nats.port"
          echo "nats://127.0.0.1:$port"
          exit 0
        fi
        kill -0 $pid 2>/dev/null || break
        sleep 0.05
      done
      kill $pid 2>/dev/null || true
      [ -f "$dir/nats.port" ] && [ "$attempt" -ge 4 ] && rm -f "$dir/nats.port"  # keep trying the old port a while
      : >"$dir/nats.log"
    done
    echo "test-nats: nats-server did not start" >&2
    exit 1
    ;;
  stop|kill)
    if running; then
      pid=$(cat "$dir/nats.pid")
      kill "-$([ "$cmd" = kill ] && echo KILL || echo TERM)" "$pid"
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    fi
    rm -f "$dir/nats.pid"
    : >"$dir/nats.log"
    ;;
  *) echo "test-nats: unknown command $cmd" >&2; exit 2 ;;
esac
