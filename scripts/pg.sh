#!/usr/bin/env bash
# A throw-away PostgreSQL for the tests and benchmarks (docs/deploy.md has the real setups): Debian's
# `postgresql` package, a cluster in a temporary directory on a free loopback port, run as the
# unprivileged `postgres` user when we are root (its server refuses to run as root). No container.
#
#   bash scripts/pg.sh start DIR    starts one in DIR; prints its URL (postgres://envdesk@127.0.0.1:PORT/envdesk)
#   bash scripts/pg.sh stop DIR     stops it (DIR can then be removed)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

cmd=${1:?start|stop}
dir=${2:?a directory}

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

# Runs a PostgreSQL program as the user that owns the cluster.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
  start)
    [ -n "$(pg_bin)" ] || apt_install postgresql
    bin=$(pg_bin)
    mkdir -p "$dir"
    chmod 755 "$dir"
    if [ "$(id -u)" -eq 0 ]; then chown postgres "$dir"; fi
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_pg "$bin/initdb" -D "$dir/data" -A trust -U envdesk --locale=C.UTF-8 -E UTF8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    # Tuned for a disposable test cluster only: no fsync (a crash loses the cluster, which is thrown
    # away anyway); many connections (each test has a pool).
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w start \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=off -c full_page_writes=off" >/dev/null
    as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U envdesk envdesk
    echo "postgres://envdesk@127.0.0.1:$port/envdesk"
    ;;
  stop)
    bin=$(pg_bin)
    [ -d "$dir/data" ] && as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    ;;
  *)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
