#!/usr/bin/env bash
# Load test of envdesk-server from a second process on loopback (wrk; not in CI).
#   bash bench/server-load.sh            # builds the release binary, runs both loads, prints wrk's reports
# Env: DURATION (default 10s), CONNECTIONS (default 32), SYNC (normal|full, default normal).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
apt_install wrk curl
cargo build --release -q -p envdesk-server
BIN=target/release/envdesk-server
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
SYNC=${SYNC:-normal}
WORK=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT

OUT=$($BIN init --db "$WORK/bench.db" 2>/dev/null)
ORG=$(echo "$OUT" | awk '/^organization:/ {print $2}')
TOKEN=$(echo "$OUT" | awk '/^token:/ {print $2}')
ENVDESK_LOG=warn $BIN serve --db "$WORK/bench.db" --listen 127.0.0.1:0 --synchronous "$SYNC" > "$WORK/out" 2> "$WORK/log" &
SERVER=$!
for _ in $(seq 50); do grep -q listening "$WORK/out" 2>/dev/null && break; sleep 0.1; done
URL=$(awk '/listening on/ {print $3}' "$WORK/out")
API="$URL/api/v1/$ORG"
H=(-H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json")

# A client-managed project (the server stores opaque blobs), three levels of ~5 KB each.
PROOF=$(head -c 32 /dev/urandom | base64)
SALT=$(head -c 16 /dev/urandom | base64)
BLOB=$(head -c 5000 /dev/urandom | base64 -w0)
curl -sf "${H[@]}" -X POST "$API/projects" -d "{\"name\":\"bench\",\"storage_mode\":\"client\",\"key_check\":\"$PROOF\",\"key_check_salt\":\"$SALT\",\"key_check_iterations\":600000}" >/dev/null
curl -sf "${H[@]}" -X POST "$API/bench/targets" -d '{"name":"backend"}' >/dev/null
curl -sf "${H[@]}" -X POST "$API/bench/backend/environments" -d '{"name":"production"}' >/dev/null
for level in '' ',"target":"backend"' ',"target":"backend","environment":"production"'; do
  curl -sf "${H[@]}" -X POST "$API/secrets/store" -d "{\"project\":\"bench\"$level,\"content\":\"$BLOB\",\"key_proof\":\"$PROOF\"}" >/dev/null
done

echo "== hierarchical GET of a 3-level environment ($CONNECTIONS connections, $DURATION)"
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -H "Authorization: Bearer $TOKEN" "$API/bench/backend/production/secrets"

cat > "$WORK/store.lua" <<LUA
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $TOKEN"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"project":"bench","target":"backend","environment":"production","content":"$(head -c 600 /dev/urandom | base64 -w0)","key_proof":"$PROOF"}'
LUA
echo "== versioned store, synchronous=$SYNC ($CONNECTIONS connections, $DURATION)"
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s "$WORK/store.lua" "$API/secrets/store"
echo "versions written: $(curl -sf "${H[@]}" -X POST "$API/secrets/versions" -d '{"project":"bench","target":"backend","environment":"production","per_page":1}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["meta"]["total"])')"
