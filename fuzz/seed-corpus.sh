#!/usr/bin/env bash
# Builds fuzz/corpus/<target>/ seed files from the repository's own test data
# (crates/core/tests/data, see its README; crates/client/tests/fixtures/upstream for the client's
# answers) plus a few hand-written requests and answers.
# Seeds are added to what is there (libFuzzer's finds are kept); names are content hashes.
# Usage: fuzz/seed-corpus.sh [corpus-dir]   (default fuzz/corpus)
set -euo pipefail
FUZZ="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DATA="$FUZZ/../crates/core/tests/data"
OUT="${1:-$FUZZ/corpus}"

python3 - "$DATA" "$OUT" <<'PY'
import hashlib, json, os, sys
data, out = sys.argv[1], sys.argv[2]

def put(target, content):
    if isinstance(content, str):
        content = content.encode()
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    name = "seed-" + hashlib.sha1(content).hexdigest()[:16]
    with open(os.path.join(d, name), "wb") as f:
        f.write(content)

# Every .env-like file of the test data, as bytes.
env_files = []
for sub in ("dotenv/cases", "dotenv/peers"):
    for root, _, files in os.walk(os.path.join(data, sub)):
        for n in sorted(files):
            if n.endswith(".json"):
                continue
            with open(os.path.join(root, n), "rb") as f:
                env_files.append(f.read())
with open(os.path.join(data, "dotenv/peers/python-dotenv/test_parser_cases.json")) as f:
    env_files += [c["input"].encode() for c in json.load(f)["cases"]]

# Bytes after "\n\0" drive the operations of the edit and merge targets.
ops = [b"", b"\x00\x01\x02\x03", b"\xff\x10\x20\x30\x40\x50\x60\x70\x80\x90", bytes(range(64)), bytes(range(255, 191, -1))]
for i, text in enumerate(env_files):
    if len(text) > 4000:
        continue
    put("dotenv_parse", text)
    put("dotenv_edit", text + b"\n\0" + ops[i % len(ops)])
    put("merge", text + b"\n\0" + ops[(i + 2) % len(ops)])
    # The unstructured targets read any bytes; real text is as good a start as any.
    put("template_resolve", text)
    put("export", text)
    put("crypto", text)
    # The views: a query, then this text and its neighbours as levels and versions.
    nxt = env_files[(i + 1) % len(env_files)][:2000]
    put("views", b"a\0" + text + b"\0" + nxt + b"\0" + text)

# JSON import: the agreed variables of every case, and the peers' JSON as it is.
for n in sorted(os.listdir(os.path.join(data, "dotenv/cases"))):
    if n.endswith(".expected.json"):
        with open(os.path.join(data, "dotenv/cases", n)) as f:
            put("json_import", json.dumps(json.load(f)["expected_vars"], ensure_ascii=False, indent=1))
for text in ['{}', '[]', '{"A": 1}', '{"A": "x", "A": "y"}', '{"1A": "x"}', '{"A": null}', '', '{"A": "\\u0000\\n\\r"}']:
    put("json_import", text)

# The command line's inputs: a selector byte (0 path, 1 diff side, 2 .envdesk, 3 settings.json,
# 4 offline copy payload), then the input.
for text in ["app/api/prod", "app", "app/api", "/app/api/prod/", "App/x", "app/../x"]:
    put("cli_inputs", b"\x00" + text.encode())
for text in ["app/api/prod@r12", "app@level", "app/api@id:1234", "app@1234", "app@r", "app@id:0", "app@r99999999999999999999"]:
    put("cli_inputs", b"\x01" + text.encode())
for text in ["environment=app/api/prod\nconnection=Team server\n", "# c\nenvironment='a/b/c'\n", "enviroment=x\n"]:
    put("cli_inputs", b"\x02" + text.encode())
for text in ['{"connections":[{"id":"team-1","name":"Team","url":"https://x","organization":"01H"}]}',
             '{"connections":[{"id":"local","name":"L","url":"local","organization":""}]}', '{"settings":{}}', '[]']:
    put("cli_inputs", b"\x03" + text.encode())
snapshot = {"path": {"project": "app", "target": "api", "environment": "prod"}, "vars": {"A": "1"},
            "schema_errors": None, "revisions": [[1, "2026-01-01T00:00:00Z"]], "read_at": "2026-01-01T00:00:00Z",
            "project_ulid": "01H", "protection": "server"}
put("cli_inputs", b"\x04" + json.dumps(snapshot).encode())
put("cli_inputs", b"\x04" + json.dumps(dict(snapshot, path={"project": "app"})).encode())

# Templates: references, operators, cycles, depth.
for text in ["A=${B}\nB=${A}\n", "URL=pg://${HOST:-db}:$PORT/${NAME:?needs NAME}\nHOST=h\n", "${A}${A}${A}${A}" * 8]:
    put("template_resolve", text)

# Crypto: the known-answer blobs, salts and keys of the vectors.
with open(os.path.join(data, "crypto/upstream-vectors.json")) as f:
    vectors = f.read()
put("crypto", vectors)
def strings(v):
    if isinstance(v, dict):
        for x in v.values():
            yield from strings(x)
    elif isinstance(v, list):
        for x in v:
            yield from strings(x)
    elif isinstance(v, str):
        yield v
for s in strings(json.loads(vectors)):
    if len(s) < 400:
        for sel in range(6):
            put("crypto", bytes([sel]) + s.encode())

# Server: requests as text ({org}, {token}, {blob}, {blob-latin1} are filled in by the target).
auth = "authorization: Bearer {token}\ncontent-type: application/json\n"
requests = [
    ("GET", "/api/v1/organization", ""),
    ("GET", "/api/v1/organizations/{org}", ""),
    ("PATCH", "/api/v1/organizations/{org}", '{"name":"Acme Ltd"}'),
    ("GET", "/api/v1/organizations/{org}/api-keys", ""),
    ("POST", "/api/v1/organizations/{org}/api-keys", '{"name":"ci","abilities":["secret:read"]}'),
    ("GET", "/api/v1/{org}/projects?page=1&per_page=2", ""),
    ("POST", "/api/v1/{org}/projects", '{"name":"other","storage_mode":"server"}'),
    ("GET", "/api/v1/{org}/app", ""),
    ("PATCH", "/api/v1/{org}/app", '{"description":"d"}'),
    ("GET", "/api/v1/{org}/app/targets", ""),
    ("POST", "/api/v1/{org}/app/targets", '{"name":"web"}'),
    ("GET", "/api/v1/{org}/app/backend/environments", ""),
    ("POST", "/api/v1/{org}/app/backend/environments", '{"name":"qa","status":"Quality Gate"}'),
    ("GET", "/api/v1/{org}/app/backend/prod", ""),
    ("GET", "/api/v1/{org}/app/backend/prod/secrets?decrypt=true&merge=both", ""),
    ("GET", "/api/v1/{org}/app/secrets?raw=true", ""),
    ("POST", "/api/v1/{org}/secrets/retrieve", '{"project":"app","target":"backend","environment":"prod","action":"decrypt","merge":"both"}'),
    ("POST", "/api/v1/{org}/secrets/retrieve", '{"project":"app","action":"decrypt","filters":{"names":["A"],"search":"a","tags":["web"]},"raw":true}'),
    ("POST", "/api/v1/{org}/secrets/store", '{"project":"app","content":"{blob}"}'),
    ("POST", "/api/v1/{org}/secrets/store", '{"project":"app","target":"backend","content":"{blob-latin1}"}'),
    ("POST", "/api/v1/{org}/secrets/store", '{"project":"app","content":"{blob}","base_revision":1}'),
    ("POST", "/api/v1/{org}/secrets/delete", '{"project":"app","target":"backend"}'),
    ("POST", "/api/v1/{org}/secrets/versions", '{"project":"app"}'),
    ("GET", "/api/v1/{org}/secrets/versions/1", ""),
    ("POST", "/api/v1/{org}/secrets/versions/1/restore", "{}"),
    ("DELETE", "/api/v1/{org}/secrets/versions/1?force=true", ""),
    ("POST", "/api/v1/{org}/secrets/versions/purge", '{"project":"app","keep":1}'),
    ("GET", "/api/v1/{org}/app/encryption-key", ""),
    ("GET", "/api/v1/{org}/app/encryption-key/history", ""),
    ("POST", "/api/v1/{org}/app/encryption-key/rotate", "{}"),
    ("POST", "/api/v1/{org}/app/secrets/rotate-client-keys", '{"blobs":[]}'),
    ("POST", "/api/v1/{org}/app/secrets/re-encrypt-history/pending", '{"limit":10}'),
    ("POST", "/api/v1/{org}/app/secrets/re-encrypt-history", '{"items":[]}'),
    ("DELETE", "/api/v1/{org}/app/backend/prod", ""),
    ("PUT", "/api/v1/{org}/app/backend", '{"name":"api","slug":"api"}'),
]
for method, path, body in requests:
    put("server_dispatch", f"{method} {path}\n{auth}\n{body}")
put("server_dispatch", "GET /api/v1/organization\n\n")
put("server_dispatch", "POST /api/v1/{org}/projects\nauthorization: Bearer nope\ncontent-length: 99999999\n\n{}")
put("server_dispatch", "GET /healthz\n\n")

# Client: status (2 bytes), answer type (1 byte), body.
answers = [
    (200, 0, '{"data":{"id":"01J","ulid":"01J","name":"Acme","slug":"acme"}}'),
    (200, 1, '{"data":[],"meta":{"current_page":1,"per_page":25,"total":0,"last_page":1}}'),
    (200, 3, '{"A":"1"}'),
    (200, 4, '{"data":{"secrets":{"A":"1"},"levels":{"project":{"A":"1"}}}}'),
    (200, 5, '{"success":true,"data":{"id":"1","revision":2}}'),
    (401, 0, '{"error":"unauthenticated","message":"Send an API token."}'),
    (409, 5, '{"error":"conflict","message":"changed","details":{"current_revision":3}}'),
    (422, 2, '{"error":"validation_failed","message":"bad","errors":{"name":["required"]}}'),
    (429, 0, '{"error":"rate_limited","message":"' + "x" * 2000 + '"}'),
    (500, 0, "<html>oops</html>"),
    (204, 9, ""),
]
for status, kind, body in answers:
    put("client_decode", status.to_bytes(2, "big") + bytes([kind]) + body.encode())

# Upstream's documented answers (issue 11), each under the answer type HttpBackend reads it as; error
# bodies under their status with a few answer types. Kinds: fuzz_targets/client_decode.rs.
kinds = {"organization": 0, "projects-list": 1, "project-get": 2, "secrets-read": 3, "store": 5,
         "versions-list": 6, "version-get": 7, "restore": 8, "purge": 9, "encryption-key": 10,
         "key-history": 11, "rotate-key": 12, "rotate-client-keys": 13, "reencrypt-pending": 14,
         "reencrypt-submit": 16, "environments-list": 18, "organizations-list": 1}
fixtures = os.path.join(data, "../../../client/tests/fixtures/upstream")
for n in sorted(os.listdir(fixtures)):
    if not n.endswith(".json"):
        continue
    with open(os.path.join(fixtures, n), "rb") as f:
        body = f.read()
    op = n[:-5].rsplit("__", 1)[1]
    if op.startswith("error-"):
        status = int(op[6:])
        for kind in (0, 5, 8, 13):
            put("client_decode", status.to_bytes(2, "big") + bytes([kind]) + body)
    else:
        put("client_decode", (200).to_bytes(2, "big") + bytes([kinds[op]]) + body)
        if op == "encryption-key":
            try:
                content = json.loads(body)["data"]["attributes"]["content"]
                put("client_decode", (200).to_bytes(2, "big") + bytes([17]) + content.encode())
            except (KeyError, TypeError):
                pass
# The schema target: a type, a value, NUL, a .env text with annotations.
schema_texts = [
    b"# @description: Primary database\n# @type: url(postgres|postgresql)\n# @required @sensitive\nDATABASE_URL=postgres://db/app\n",
    b"# @schema: strict\n# @required @type: port\nPORT=\n# @type: enum(debug|info)\nLOG=trace\n# @expires: 2026-12-10\nTOKEN=x\n",
    b"# @type: regex([a-z]{3}-[0-9]+)\nID=abc-1\n# @rotate-every: 90d\n# @owner: team\nKEY=1\n# @type: int(1..\nBAD=2\n",
]
for t, v in [("port", "8080"), ("int(1..10)", "11"), ("url(https)", "http://x"), ("email", "a@b.co"), ("uuid", "123e4567-e89b-12d3-a456-426614174000"),
             ("json", "{\"a\":1}"), ("base64", "aGVsbG8="), ("duration", "1h30m"), ("enum(a|b)", "c"), ("regex((a+)+$)", "aaaaaaaaaaaaaaaaaaaaaaaaaaaa!"), ("bool", "yes")]:
    for text in schema_texts:
        put("schema", f"{t}\n{v}".encode() + b"\0" + text)

PY
for t in "$OUT"/*/; do printf '%s: %s seeds\n' "$(basename "$t")" "$(ls "$t" | wc -l)"; done
