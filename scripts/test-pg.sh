#!/usr/bin/env bash
# A throwaway PostgreSQL 15 for tests and the benchmark, on 127.0.0.1 at a port chosen now.
#   scripts/test-pg.sh start DIR   initdb into DIR/pg (DIR is made if missing), start it,
#                                  print its URI (postgres://tonari@127.0.0.1:PORT/tonari)
#   scripts/test-pg.sh stop DIR    stop it (fast shutdown)
#   scripts/test-pg.sh restart DIR stop and start it again on the same port
#   scripts/test-pg.sh kill DIR    stop it the hard way (immediate: crash recovery next start)
# TEST_PG_SHARED_BUFFERS: its shared_buffers (128MB unless set; the benchmark sets more).
# PostgreSQL refuses to run as root, and CI runs as root: then the server runs as the
# `postgres` user that Debian's package creates, and DIR/pg belongs to it. Trust auth, only
# on loopback and a socket directory inside DIR. Durability settings are the defaults
# (fsync on, synchronous_commit on): an ack from tonari means committed, here as well.
set -euo pipefail
cmd=${1:?start|stop|restart|kill}
dir=${2:?directory}
bin=/usr/lib/postgresql/15/bin
[ -x "$bin/pg_ctl" ] || { echo "test-pg: PostgreSQL 15 is not installed (scripts/install-deps.sh test)" >&2; exit 1; }

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

data=$dir/pg
case $cmd in
  start)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    data=$dir/pg
    if [ ! -f "$data/PG_VERSION" ]; then
      mkdir -p "$data"
      [ "$(id -u)" -eq 0 ] && chown postgres: "$dir" "$data"
      chmod 700 "$data"
      as_pg "$bin/initdb" -D "$data" -U tonari --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    if as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then  # already running
      echo "postgres://tonari@127.0.0.1:$(cat "$data/tonari-port")/tonari"
      exit 0
    fi
    for attempt in 1 2 3 4 5 6 7 8; do
      port=${TEST_PG_PORT:-$(cat "$data/tonari-port" 2>/dev/null || echo $((20000 + RANDOM % 30000)))}
      as_pg sh -c "echo $port > '$data/tonari-port'"
      if as_pg "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
          -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories='$data' -c max_connections=200 -c shared_buffers=${TEST_PG_SHARED_BUFFERS:-128MB}" \
          start >/dev/null 2>&1; then
        as_pg "$bin/psql" -h 127.0.0.1 -p "$port" -U tonari -d postgres -qAtc \
          "SELECT 1 FROM pg_database WHERE datname='tonari'" | grep -q 1 ||
          as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U tonari tonari
        echo "postgres://tonari@127.0.0.1:$port/tonari"
        exit 0
      fi
      # The port was taken (or the start failed): try another, unless one was asked for.
      as_pg rm -f "$data/tonari-port"
      [ -n "${TEST_PG_PORT:-}" ] && break
    done
    echo "test-pg: PostgreSQL did not start; see $data/server.log" >&2
    tail -20 "$data/server.log" >&2 || true
    exit 1
    ;;
  stop) as_pg "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null ;;
  kill) as_pg "$bin/pg_ctl" -D "$data" -m immediate -w stop >/dev/null ;;
  restart)
    as_pg "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null || true
    exec "$0" start "$dir"
    ;;
  *) echo "test-pg: unknown command $cmd" >&2; exit 2 ;;
esac
