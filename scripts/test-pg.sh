#!/usr/bin/env bash
# A throwaway PostgreSQL 15 for tests and the benchmark, on 127.0.0.1 at a port chosen now.
#   scripts/test-pg.sh start DIR   initdb into DIR/pg (DIR is made if missing), start it,
#                                  print its URI (postgres://tonari@127.0.0.1:PORT/tonari)
#   scripts/test-pg.sh stop DIR    stop it (fast shutdown)
#   scripts/test-pg.sh restart DIR stop and start it again on the same port
#   scripts/test-pg.sh kill DIR    stop it the hard way (immediate: crash recovery next start)
# TEST_PG_SHARED_BUFFERS: its shared_buffers (128MB unless set; the benchmark sets more).
# TEST_PG_HUGE_PAGES=1: its shared memory in huge pages (the benchmark's). As root, start
#   adds the pages it needs to vm.nr_hugepages and stop gives them back. Each process's
#   first touch of a 4 kB page of shared memory is a page fault, and on this VM one took
#   7 us: the first search a connection made over cold buffers paid tens of milliseconds.
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

# Give back the huge pages start took for this server, if it took any.
release_huge_pages() {
  local f=$data/tonari-huge-pages
  [ -f "$f" ] && [ "$(id -u)" -eq 0 ] || return 0
  local have took
  have=$(cat /proc/sys/vm/nr_hugepages)
  took=$(cat "$f")
  echo $((have > took ? have - took : 0)) >/proc/sys/vm/nr_hugepages
  rm -f "$f"
}

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
    settings="-c max_connections=200 -c shared_buffers=${TEST_PG_SHARED_BUFFERS:-128MB}"
    if [ "${TEST_PG_HUGE_PAGES:-0}" = 1 ]; then
      settings="$settings -c huge_pages=try"
      need=$(as_pg "$bin/postgres" -D "$data" $settings -C shared_memory_size_in_huge_pages 2>/dev/null || echo -1)
      if [ "$(id -u)" -eq 0 ] && [ "$need" -gt 0 ] && [ ! -f "$data/tonari-huge-pages" ]; then
        have=$(cat /proc/sys/vm/nr_hugepages)
        echo $((have + need)) >/proc/sys/vm/nr_hugepages
        got=$(cat /proc/sys/vm/nr_hugepages)
        echo $((got - have)) >"$data/tonari-huge-pages"
        if [ $((got - have)) -ge "$need" ]; then
          settings="${settings%huge_pages=try}huge_pages=on"
        else
          echo "test-pg: the kernel gave $((got - have)) of $need huge pages; starting without" >&2
          release_huge_pages
        fi
      fi
    fi
    for attempt in 1 2 3 4 5 6 7 8; do
      port=${TEST_PG_PORT:-$(cat "$data/tonari-port" 2>/dev/null || echo $((20000 + RANDOM % 30000)))}
      as_pg sh -c "echo $port > '$data/tonari-port'"
      if as_pg "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
          -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories='$data' $settings" \
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
    release_huge_pages
    echo "test-pg: PostgreSQL did not start; see $data/server.log" >&2
    tail -20 "$data/server.log" >&2 || true
    exit 1
    ;;
  stop) as_pg "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null; release_huge_pages ;;
  kill) as_pg "$bin/pg_ctl" -D "$data" -m immediate -w stop >/dev/null; release_huge_pages ;;
  restart)
    as_pg "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null || true
    release_huge_pages
    exec "$0" start "$dir"
    ;;
  *) echo "test-pg: unknown command $cmd" >&2; exit 2 ;;
esac
