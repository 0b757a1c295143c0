#!/usr/bin/env bash
# Load test of envdesk-server from a second process on loopback (wrk; not in CI), each load printed
# beside its limit on this machine, as a ratio (issue 15):
#
#   GET    the hierarchical GET of a 3-level environment (~20 KB), against nginx serving the same
#          bytes as a static file;
#   store  a versioned store of one level, against the database's own commit rate for the same two
#          statements (the row update and the version insert): SQLite from a Python loop (one
#          connection, the server's pragmas), PostgreSQL with pgbench (the same connections as wrk).
#
#   bash bench/server-load.sh [sqlite] [pg1] [pg2]     # default: all three
#     sqlite  one server on SQLite
#     pg1     one server on PostgreSQL (scripts/pg.sh starts a throw-away one)
#     pg2     two replicas on one PostgreSQL; wrk drives both at once (half the connections each) and
#             the figures are summed
#
# Env: DURATION (default 10s), CONNECTIONS (default 32), SYNC (SQLite: normal|full, default normal).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
apt_install wrk curl nginx-light python3
cargo build --release -q -p envdesk-server
BIN=$PWD/target/release/envdesk-server
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
SYNC=${SYNC:-normal}
MODES=("$@")
[ ${#MODES[@]} -gt 0 ] || MODES=(sqlite pg1 pg2)
WORK=$(mktemp -d)
chmod 755 "$WORK"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
  [ -d "$WORK/pg" ] && bash scripts/pg.sh stop "$WORK/pg" || true
  rm -rf "$WORK"
}
trap cleanup EXIT

rps() { awk '/^Requests\/sec:/ {print $2}'; }
ratio() { python3 -c "import sys; print(f'{float(sys.argv[1])/float(sys.argv[2]):.2f}')" "$1" "$2"; }
sum() { python3 -c "import sys; print(f'{sum(map(float, sys.argv[1:])):.0f}')" "$@"; }

# serve DB NAME: starts `serve` on a free port; sets URL_<NAME>.
serve() {
  local db=$1 name=$2
  ENVDESK_LOG=warn ENVDESK_MASTER_KEY_FILE="$WORK/master-key" \
    "$BIN" serve --db "$db" --listen 127.0.0.1:0 --synchronous "$SYNC" --auth-failures-per-minute 0 \
    > "$WORK/$name.out" 2> "$WORK/$name.log" &
  PIDS+=($!)
  for _ in $(seq 100); do grep -q listening "$WORK/$name.out" 2>/dev/null && break; sleep 0.1; done
  printf -v "URL_$name" '%s' "$(awk '/listening on/ {print $3}' "$WORK/$name.out")"
}

# setup DB: init, one server, the project; sets ORG TOKEN API PROOF and the GET answer's bytes.
setup() {
  local db=$1
  OUT=$("$BIN" init --db "$db" --master-key-file "$WORK/master-key" 2>/dev/null)
  ORG=$(echo "$OUT" | awk '/^organization:/ {print $2}')
  TOKEN=$(echo "$OUT" | awk '/^token:/ {print $2}')
  serve "$db" a
  API="$URL_a/api/v1/$ORG"
  H=(-H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json")
  # A client-managed project (the server stores opaque blobs), three levels of ~5 KB each.
  PROOF=$(head -c 32 /dev/urandom | base64)
  local salt blob
  salt=$(head -c 16 /dev/urandom | base64)
  blob=$(head -c 5000 /dev/urandom | base64 -w0)
  curl -sf "${H[@]}" -X POST "$API/projects" -d "{\"name\":\"bench\",\"storage_mode\":\"client\",\"key_check\":\"$PROOF\",\"key_check_salt\":\"$salt\",\"key_check_iterations\":600000}" >/dev/null
  curl -sf "${H[@]}" -X POST "$API/bench/targets" -d '{"name":"backend"}' >/dev/null
  curl -sf "${H[@]}" -X POST "$API/bench/backend/environments" -d '{"name":"production"}' >/dev/null
  for level in '' ',"target":"backend"' ',"target":"backend","environment":"production"'; do
    curl -sf "${H[@]}" -X POST "$API/secrets/store" -d "{\"project\":\"bench\"$level,\"content\":\"$blob\",\"key_proof\":\"$PROOF\"}" >/dev/null
  done
  mkdir -p "$WORK/www"
  curl -sf -H "Authorization: Bearer $TOKEN" "$API/bench/backend/production/secrets" > "$WORK/www/secrets.json"
  STORE_BLOB=$(head -c 600 /dev/urandom | base64 -w0)
  cat > "$WORK/store.lua" <<LUA
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $TOKEN"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"project":"bench","target":"backend","environment":"production","content":"$STORE_BLOB","key_proof":"$PROOF"}'
LUA
}

# load METHOD URL...: wrk against each URL at once (the connections split between them); prints the
# summed requests/s.
load() {
  local kind=$1
  shift
  local n=$# per=$((CONNECTIONS / $#)) outs=() i=0
  for url in "$@"; do
    if [ "$kind" = get ]; then
      wrk -t2 -c"$per" -d"$DURATION" --latency -H "Authorization: Bearer $TOKEN" "$url/api/v1/$ORG/bench/backend/production/secrets" > "$WORK/wrk.$i" &
    else
      wrk -t2 -c"$per" -d"$DURATION" --latency -s "$WORK/store.lua" "$url/api/v1/$ORG/secrets/store" > "$WORK/wrk.$i" &
    fi
    outs+=("$WORK/wrk.$i")
    i=$((i + 1))
  done
  wait
  local all=()
  for o in "${outs[@]}"; do
    all+=("$(rps < "$o")")
    grep -E "Non-2xx|Socket errors" "$o" >&2 || true
    [ "$n" -eq 1 ] && grep -E "^ +(50|99)%" "$o" | tr -s ' ' | sed 's/^/    p/' >&2
  done
  sum "${all[@]}"
}

nginx_limit() {
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  cat > "$WORK/nginx.conf" <<NGINX
worker_processes auto;
pid $WORK/nginx.pid;
error_log $WORK/nginx.err;
events { worker_connections 1024; }
http {
  access_log off;
  server {
    listen 127.0.0.1:$port;
    location / { root $WORK/www; default_type application/json; }
  }
}
NGINX
  nginx -c "$WORK/nginx.conf" -p "$WORK"
  sleep 0.3
  wrk -t2 -c"$CONNECTIONS" -d"$DURATION" "http://127.0.0.1:$port/secrets.json" | rps
  kill "$(cat "$WORK/nginx.pid")"
  rm -f "$WORK/nginx.pid"
}

# The same row update and version insert, committed one transaction at a time on one connection with
# the server's pragmas.
sqlite_limit() {
  local db=$1
  python3 - "$db" "$SYNC" "$STORE_BLOB" "${DURATION%s}" <<'PY'
import sqlite3, sys, time
path, sync, blob, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
c = sqlite3.connect(path, isolation_level=None)
c.execute("PRAGMA journal_mode=WAL"); c.execute(f"PRAGMA synchronous={sync}"); c.execute("PRAGMA foreign_keys=ON")
sid, node, project = c.execute("SELECT id, node, project_id FROM secrets WHERE environment_id IS NOT NULL").fetchone()
n, end = 0, time.time() + seconds
while time.time() < end:
    now = time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime())
    c.execute("BEGIN IMMEDIATE")
    rev = c.execute("UPDATE secrets SET content = ?, key_version = 1, revision = revision + 1, updated_at = ? WHERE id = ? RETURNING revision", (blob, now, sid)).fetchone()[0]
    c.execute("INSERT INTO secret_versions (node, project_id, action, content, size_bytes, key_version, is_client, revision, created_at) VALUES (?, ?, 'update', ?, ?, 1, 1, ?, ?)", (node, project, blob, len(blob), rev, now))
    c.execute("COMMIT")
    n += 1
print(f"{n / seconds:.0f}")
PY
}

# The same statements through pgbench, as many connections as wrk has.
pg_limit() {
  local url=$1 schema=$2 bin
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  cat > "$WORK/pgbench.sql" <<SQL
BEGIN;
UPDATE $schema.secrets SET content = '$STORE_BLOB', key_version = 1, revision = revision + 1, updated_at = now()::text WHERE environment_id IS NOT NULL;
INSERT INTO $schema.secret_versions (node, project_id, action, content, size_bytes, key_version, is_client, revision, created_at)
  SELECT node, project_id, 'update', content, length(content), 1, 1, revision, now()::text FROM $schema.secrets WHERE environment_id IS NOT NULL;
COMMIT;
SQL
  "$bin/pgbench" -n -f "$WORK/pgbench.sql" -c "$CONNECTIONS" -j 2 -T "${DURATION%s}" "$url" 2>/dev/null \
    | awk '/^tps = / {printf "%.0f\n", $3}'
}

report() { printf '%-8s %-6s %10s req/s   limit %10s /s   ratio %s\n' "$1" "$2" "$3" "$4" "$(ratio "$3" "$4")"; }

for mode in "${MODES[@]}"; do
  case "$mode" in
    sqlite)
      setup "$WORK/bench.db"
      get=$(load get "$URL_a"); store=$(load store "$URL_a")
      kill "${PIDS[@]}" 2>/dev/null || true; PIDS=(); sleep 0.3
      report sqlite GET "$get" "$(nginx_limit)"
      report sqlite store "$store" "$(sqlite_limit "$WORK/bench.db")"
      rm -f "$WORK/master-key"
      ;;
    pg1 | pg2)
      if [ ! -d "$WORK/pg" ]; then PG=$(bash scripts/pg.sh start "$WORK/pg"); fi
      schema="b_${mode}_$$"
      psql -q "$PG" -c "CREATE SCHEMA $schema" >/dev/null
      db="$PG?options=-c%20search_path%3D$schema"
      setup "$db"
      urls=("$URL_a")
      if [ "$mode" = pg2 ]; then serve "$db" b; urls+=("$URL_b"); fi
      get=$(load get "${urls[@]}"); store=$(load store "${urls[@]}")
      kill "${PIDS[@]}" 2>/dev/null || true; PIDS=(); sleep 0.3
      report "$mode" GET "$get" "$(nginx_limit)"
      report "$mode" store "$store" "$(pg_limit "$PG" "$schema")"
      rm -f "$WORK/master-key"
      ;;
    *) echo "unknown mode $mode (sqlite, pg1, pg2)" >&2; exit 2 ;;
  esac
done
