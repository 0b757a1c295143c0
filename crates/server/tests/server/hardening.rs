//! Issue 10 (trust): the server-side holes, each proven over real HTTP (raw sockets where the
//! behaviour is about the connection itself).

use std::time::{Duration, Instant};

use envdesk_core::crypto;
use envdesk_server::Config;
use reqwest::Method;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::support::*;

async fn levels(s: &TestServer, path: &str) -> Value {
    s.get(&s.o(&format!("{path}/secrets"))).await.ok()["data"]["attributes"]["levels"].clone()
}

/// What a raw connection received, and whether the server closed it.
struct Raw {
    text: String,
    closed: bool,
}

/// Reads until the server closes the connection or `within` passes.
async fn read_until_closed(s: &mut TcpStream, within: Duration) -> Raw {
    let mut buf = Vec::new();
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let mut chunk = [0u8; 8192];
        match tokio::time::timeout_at(deadline, s.read(&mut chunk)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return Raw { text: String::from_utf8_lossy(&buf).into_owned(), closed: true },
            Ok(Ok(n)) => buf.extend_from_slice(&chunk[..n]),
            Err(_) => return Raw { text: String::from_utf8_lossy(&buf).into_owned(), closed: false },
        }
    }
}

async fn connect(s: &TestServer) -> TcpStream {
    TcpStream::connect(s.url.trim_start_matches("http://")).await.unwrap()
}

/// Sends `head` (and nothing else) and reads what comes back within 5 s.
async fn raw(s: &TestServer, head: &str) -> Raw {
    let mut c = connect(s).await;
    c.write_all(head.as_bytes()).await.unwrap();
    read_until_closed(&mut c, Duration::from_secs(5)).await
}

fn has_close(r: &Raw) -> bool {
    r.text.to_ascii_lowercase().contains("\r\nconnection: close\r\n")
}

/// A client-managed project `name` whose project level holds `P=1` (stored without a version, so the
/// only copy of the blob is the level itself).
async fn client_project(s: &TestServer, name: &str, ck: &ClientKey) -> String {
    s.post(&s.o("projects"), ck.create_body(name)).await.ok();
    s.post(
        &s.o("secrets/store"),
        json!({"project": name, "content": ck.encrypt("P=1\n"), "key_proof": ck.proof(), "no_backup": true}),
    )
    .await
    .ok();
    levels(s, name).await["project"]["id"].as_str().unwrap().to_owned()
}

fn rotation(new: &ClientKey, secrets: Value, proof: Option<String>) -> Value {
    let mut b = json!({
        "secrets": secrets,
        "key_check": new.check.key_check,
        "key_check_salt": new.check.key_check_salt,
        "key_check_iterations": new.check.key_check_iterations,
    });
    if let Some(p) = proof {
        b["key_proof"] = json!(p);
    }
    b
}

/// Every blob in the project's version history, decrypted under `ck` where it opens.
async fn history_texts(s: &TestServer, project: &str, ck: &ClientKey) -> Vec<String> {
    let list = s.post(&s.o("secrets/versions"), json!({"project": project})).await;
    let mut out = Vec::new();
    for v in list.ok()["data"].as_array().unwrap() {
        let d = s.get(&s.o(&format!("secrets/versions/{}", v["id"].as_str().unwrap()))).await;
        if let Some(blob) = d.ok()["data"]["content"].as_str() {
            if let Ok(t) = crypto::decrypt_string(&ck.data, blob) {
                out.push(t.to_string());
            }
        }
    }
    out
}

// Hole 5: key-derivation settings outside the documented range are refused, naming the setting.
#[tokio::test]
async fn kdf_settings_outside_the_range_are_refused() {
    let s = TestServer::start().await;
    let ck = ClientKey::new();
    for (i, (iters, accepted)) in
        [(1i64, false), (999, false), (10_000_001, false), (4_294_967_296, false), (1_000, true), (600_000, true)]
            .into_iter()
            .enumerate()
    {
        let mut b = ck.create_body(&format!("kdf{i}"));
        b["key_check_iterations"] = json!(iters);
        let r = s.post(&s.o("projects"), b).await;
        if accepted {
            r.ok();
        } else {
            r.err(422, "validation_failed");
            assert!(r.body["errors"]["key_check_iterations"].is_array(), "names the setting: {}", r.body);
        }
    }
    for len in [4usize, 65, 1000] {
        let mut b = ck.create_body(&format!("salt{len}"));
        b["key_check_salt"] = json!(crypto::b64(&vec![7u8; len]));
        let r = s.post(&s.o("projects"), b).await;
        r.err(422, "validation_failed");
        assert!(r.body["errors"]["key_check_salt"].is_array(), "names the setting: {}", r.body);
    }

    let id = client_project(&s, "rot", &ck).await;
    let new = ClientKey::new();
    let secrets = json!([{"id": id, "content": new.encrypt("P=1\n")}]);
    for iters in [1i64, 10_000_001] {
        let mut b = rotation(&new, secrets.clone(), Some(ck.proof()));
        b["key_check_iterations"] = json!(iters);
        let r = s.post(&s.o("rot/secrets/rotate-client-keys"), b).await;
        r.err(422, "validation_failed");
        assert!(r.body["errors"]["key_check_iterations"].is_array(), "{}", r.body);
    }
    let mut b = rotation(&new, secrets, Some(ck.proof()));
    b["key_check_salt"] = json!(crypto::b64(&[1u8; 65]));
    let r = s.post(&s.o("rot/secrets/rotate-client-keys"), b).await;
    r.err(422, "validation_failed");
    assert!(r.body["errors"]["key_check_salt"].is_array(), "{}", r.body);
    assert_eq!(s.get(&s.o("rot/encryption-key/history")).await.body["data"].as_array().unwrap().len(), 1);
    s.stop().await;
}

// Hole 6: a rotation proves the current key unless the server is told to accept upstream's SDK; either
// way every replaced blob stays recoverable.
#[tokio::test]
async fn rotation_needs_the_current_key_proof_unless_allowed() {
    let s = TestServer::start().await;
    let ck = ClientKey::new();
    let id = client_project(&s, "vault", &ck).await;
    let new = ClientKey::new();
    let secrets = json!([{"id": id, "content": new.encrypt("P=1\n")}]);
    let r = s.post(&s.o("vault/secrets/rotate-client-keys"), rotation(&new, secrets.clone(), None)).await;
    r.err(422, "key_proof_required");
    assert!(r.body["message"].as_str().unwrap().contains("--allow-unproven-rotation"), "{}", r.body);
    assert_eq!(s.get(&s.o("vault/encryption-key/history")).await.body["data"].as_array().unwrap().len(), 1);
    s.post(&s.o("vault/secrets/rotate-client-keys"), rotation(&new, secrets, Some(ck.proof()))).await.ok();
    assert!(
        history_texts(&s, "vault", &ck).await.contains(&"P=1\n".to_owned()),
        "the replaced blob (never in the history before) is kept under the old key"
    );
    s.stop().await;

    let s = TestServer::start_with(Config { allow_unproven_rotation: true, ..config() }, true, None).await;
    let id = client_project(&s, "vault", &ck).await;
    let secrets = json!([{"id": id, "content": new.encrypt("P=1\n")}]);
    s.post(&s.o("vault/secrets/rotate-client-keys"), rotation(&new, secrets, None)).await.ok();
    assert!(history_texts(&s, "vault", &ck).await.contains(&"P=1\n".to_owned()));
    s.stop().await;
}

// Hole 7: a blob re-encrypted from a stale read is a 409 for that blob, and nothing changes.
#[tokio::test]
async fn rotation_from_a_stale_read_is_a_conflict() {
    let s = TestServer::start().await;
    let ck = ClientKey::new();
    let pid = client_project(&s, "vault", &ck).await;
    s.post(&s.o("vault/targets"), json!({"name": "t"})).await.ok();
    s.post(
        &s.o("secrets/store"),
        json!({"project": "vault", "target": "t", "content": ck.encrypt("T=1\n"), "key_proof": ck.proof()}),
    )
    .await
    .ok();
    let read = levels(&s, "vault/t").await;
    let tid = read["target"]["id"].as_str().unwrap().to_owned();
    let (prev, trev) = (read["project"]["revision"].as_u64().unwrap(), read["target"]["revision"].as_u64().unwrap());
    // A save in between.
    s.post(&s.o("secrets/store"), json!({"project": "vault", "content": ck.encrypt("P=2\n"), "key_proof": ck.proof()}))
        .await
        .ok();
    let before = levels(&s, "vault/t").await;
    let new = ClientKey::new();
    let stale = json!([
        {"id": pid, "content": new.encrypt("P=1\n"), "revision": prev},
        {"id": tid, "content": new.encrypt("T=1\n"), "revision": trev},
    ]);
    let r = s.post(&s.o("vault/secrets/rotate-client-keys"), rotation(&new, stale, Some(ck.proof()))).await;
    r.err(409, "revision_conflict");
    assert_eq!(r.body["details"]["id"], json!(pid), "names the blob: {}", r.body);
    assert_eq!(r.body["details"]["current_revision"], json!(prev + 1));
    assert_eq!(levels(&s, "vault/t").await, before, "nothing changed");
    assert_eq!(s.get(&s.o("vault/encryption-key/history")).await.body["data"].as_array().unwrap().len(), 1);
    let fresh = json!([
        {"id": pid, "content": new.encrypt("P=2\n"), "revision": prev + 1},
        {"id": tid, "content": new.encrypt("T=1\n"), "revision": trev},
    ]);
    s.post(&s.o("vault/secrets/rotate-client-keys"), rotation(&new, fresh, Some(ck.proof()))).await.ok();
    s.stop().await;
}

// Holes 13 and 24: a request is authenticated before its body is read; an early answer closes the
// connection and says so.
#[tokio::test]
async fn early_answers_do_not_wait_for_the_body_and_close() {
    let s = TestServer::start().await;
    let post = |auth: &str, path: &str, len: usize| {
        format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\n{auth}Content-Type: application/json\r\nContent-Length: {len}\r\n\r\n"
        )
    };
    let store = format!("/api/v1/{}/secrets/store", s.org);
    for (head, status) in [
        (post("Authorization: Bearer edk_wrong\r\n", &store, 100_000), "401"),
        (post("", &store, 100_000), "401"),
        (post("", "/nowhere", 100_000), "404"),
        (post(&format!("Authorization: Bearer {}\r\n", s.token), &store, 2_000_000), "413"),
    ] {
        let r = raw(&s, &head).await;
        assert!(r.text.starts_with(&format!("HTTP/1.1 {status}")), "{head}: {}", r.text);
        assert!(has_close(&r), "{head}: says Connection: close: {}", r.text);
        assert!(r.closed, "{head}: and closes");
    }
    s.stop().await;
}

// Hole 24: a malformed chunked body is a bad request, not "larger than 1 MiB".
#[tokio::test]
async fn a_malformed_chunked_body_is_a_400() {
    let s = TestServer::start().await;
    let head = format!(
        "POST /api/v1/{}/secrets/store HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
        s.org, s.token
    );
    let r = raw(&s, &head).await;
    assert!(r.text.starts_with("HTTP/1.1 400"), "{}", r.text);
    assert!(r.text.contains("\"bad_request\""), "{}", r.text);
    assert!(!r.text.contains("1 MiB"), "{}", r.text);
    s.stop().await;
}

// Hole 13: failed authentication is rate limited by default — for the guesses only. Behind a proxy
// every client shares one address, so a valid token is never refused for someone else's failures.
#[tokio::test]
async fn failed_authentication_is_rate_limited_by_default() {
    let s = TestServer::start().await;
    let mut limited = None;
    for i in 0..100 {
        let r = s.call_as(Some("edk_guess"), Method::GET, "organization", None).await;
        if r.status == 429 {
            limited = Some((i, r));
            break;
        }
        r.err(401, "unauthenticated");
    }
    let (i, r) = limited.expect("guessing tokens is limited");
    assert!(i <= 40, "limited after {i} failures");
    r.err(429, "rate_limited");
    assert!(r.headers.get("retry-after").is_some());
    // A valid token from the same (over-the-limit) address is still served…
    s.call(Method::GET, "organization", None).await.ok();
    // …and guesses keep being refused.
    let r = s.call_as(Some("edk_guess2"), Method::GET, "organization", None).await;
    r.err(429, "rate_limited");
    assert!(r.headers.get("retry-after").is_some());
    s.call(Method::GET, "organization", None).await.ok();
    s.stop().await;
}

// Hole 13: a request timeout and a limit on requests handled at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_timeout_and_concurrency_limit() {
    // Server-managed project creation runs PBKDF2 with these iterations: slow on purpose (at least
    // 0.4 s here, twice the timeout on a fast machine).
    let slow = Config { kdf_iterations: 3_000_000, ..config() };
    let limits = Limits { request_timeout: Duration::from_millis(200), ..Limits::default() };
    let s = TestServer::start_full(slow.clone(), true, None, limits).await;
    let r = s.post(&s.o("projects"), json!({"name": "slow", "storage_mode": "server"})).await;
    r.err(408, "request_timeout");
    s.stop().await;

    // Only the order matters here: no request timeout can cut the slow call short on a loaded machine
    // (a debug build's PBKDF2 of 3,000,000 iterations took over 60 s with other builds running).
    let limits = Limits { max_in_flight: 1, request_timeout: Duration::from_secs(900), ..Limits::default() };
    let slow = Config { kdf_iterations: 1_000_000, ..slow };
    let s = std::sync::Arc::new(TestServer::start_full(slow, true, None, limits).await);
    let s2 = s.clone();
    let slow_call = tokio::spawn(async move {
        s2.post(&s2.o("projects"), json!({"name": "slow", "storage_mode": "server"})).await.ok();
        Instant::now()
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    s.get("organization").await.ok();
    let fast_done = Instant::now();
    let slow_done = slow_call.await.unwrap();
    assert!(fast_done >= slow_done, "the second request waited for the only slot");
}

// Hole 15: `last_used_at` of a token is recorded.
#[tokio::test]
async fn token_last_used_at_is_recorded() {
    let s = TestServer::start().await;
    let token = s.token_with(&["organization:read"]);
    s.call_as(Some(&token), Method::GET, "organization", None).await.ok();
    let list = s.get(&format!("organizations/{}/api-keys", s.org)).await;
    let limited = list.ok()["data"].as_array().unwrap().iter().find(|t| t["name"] == "limited").unwrap().clone();
    assert!(limited["last_used_at"].is_string(), "{limited}");
    s.stop().await;
}

// Hole 19: plaintext that is not UTF-8 is refused on store; stored content never makes a read 500.
#[tokio::test]
async fn non_utf8_plaintext_is_refused_and_bad_rows_read_as_422() {
    let s = TestServer::start().await;
    s.tree("app", "backend", "prod").await;
    let dk = s.server_key("app").await;
    let env = json!({"project": "app", "target": "backend", "environment": "prod"});
    let mut b = env.clone();
    b["content"] = json!(crypto::encrypt(&dk, b"A=caf\xe9\n"));
    s.post(&s.o("secrets/store"), b).await.err(422, "validation_failed");
    let mut b = env.clone();
    b["content"] = json!(crypto::encrypt(&dk, b"A=1\n"));
    s.post(&s.o("secrets/store"), b).await.ok();

    // Rows written before this check (or by hand): not UTF-8, and not decrypting at all.
    for (bad, code) in [
        (crypto::encrypt(&dk, b"A=caf\xe9\n"), "validation_failed"),
        (crypto::b64(&[9u8; 40]), "undecryptable_content"),
    ] {
        s.service
            .db()
            .write(|c| {
                c.execute("UPDATE secrets SET content = ?1 WHERE node LIKE 'e%'", envdesk_server::params![bad])?;
                Ok::<_, envdesk_server::db::DbError>(())
            })
            .unwrap();
        s.get(&s.o("app/backend/prod/secrets")).await.ok();
        for path in ["app/backend/prod/secrets?decrypt=true", "app/backend/prod/secrets?decrypt=true&merge=true"] {
            let r = s.get(&s.o(path)).await;
            r.err(422, code);
            assert!(r.body["message"].as_str().unwrap().contains("environment"), "names the level: {}", r.body);
        }
        let mut q = env.clone();
        q["action"] = json!("decrypt");
        s.post(&s.o("secrets/retrieve"), q).await.err(422, code);
    }
    s.stop().await;
}

// Hole 20: clients that send headers or a body slowly are closed; connections are capped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_are_closed_and_connections_capped() {
    let limits = Limits {
        header_read_timeout: Duration::from_millis(500),
        body_timeout: Duration::from_millis(500),
        ..Limits::default()
    };
    let s = TestServer::start_full(config(), true, None, limits).await;
    // Headers, a byte every 100 ms.
    let started = Instant::now();
    let mut c = connect(&s).await;
    c.write_all(b"GET /api/v1/organization HTTP/1.1\r\n").await.unwrap();
    let (mut rd, mut wr) = c.into_split();
    let reader = tokio::spawn(async move {
        let mut buf = [0u8; 1024];
        loop {
            match rd.read(&mut buf).await {
                Ok(0) | Err(_) => return Instant::now(),
                Ok(_) => {}
            }
        }
    });
    for b in b"X-Drip: ".iter().cycle().take(100) {
        if wr.write_all(&[*b]).await.is_err() || reader.is_finished() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let closed_at = tokio::time::timeout(Duration::from_secs(1), reader).await.expect("closed").unwrap();
    assert!(closed_at - started < Duration::from_secs(3), "closed after {:?}", closed_at - started);

    // A body, a byte every 100 ms.
    let mut c = connect(&s).await;
    let head = format!(
        "POST /api/v1/{}/secrets/store HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Length: 1000\r\n\r\n",
        s.org, s.token
    );
    c.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let (mut rd, mut wr) = c.into_split();
    let reader = tokio::spawn(async move {
        let mut out = Vec::new();
        let _ = rd.read_to_end(&mut out).await;
        (Instant::now(), String::from_utf8_lossy(&out).into_owned())
    });
    for _ in 0..100 {
        if wr.write_all(b" ").await.is_err() || reader.is_finished() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (closed_at, text) = tokio::time::timeout(Duration::from_secs(1), reader).await.expect("closed").unwrap();
    assert!(closed_at - started < Duration::from_secs(3), "closed after {:?}", closed_at - started);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    s.stop().await;

    // At most two connections: a third is served only when one of them goes.
    let limits = Limits { max_connections: 2, ..Limits::default() };
    let s = TestServer::start_full(config(), true, None, limits).await;
    let a = connect(&s).await;
    let _b = connect(&s).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut c = connect(&s).await;
    c.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
    let early = read_until_closed(&mut c, Duration::from_millis(500)).await;
    assert!(early.text.is_empty(), "served beyond the cap: {}", early.text);
    drop(a);
    let late = read_until_closed(&mut c, Duration::from_secs(3)).await;
    assert!(late.text.starts_with("HTTP/1.1 200"), "{}", late.text);
    s.stop().await;
}

// Hole 21: input echoed in errors is bounded; `x-api-version` is echoed only when it is a short token.
#[tokio::test]
async fn echoed_input_is_bounded() {
    let s = TestServer::start().await;
    let long = "p".repeat(20_000);
    for path in [s.o(&long), s.o(&format!("{long}/secrets")), format!("{long}/projects")] {
        let r = s.get(&path).await;
        r.err(404, "not_found");
        let m = r.body["message"].as_str().unwrap();
        assert!(m.chars().count() < 300 && m.contains('…'), "{} chars", m.len());
    }
    let mut b = json!({"name": "x", "abilities": [long.clone()]});
    let r = s.post(&format!("organizations/{}/api-keys", s.org), b.take()).await;
    r.err(422, "validation_failed");
    assert!(r.body.to_string().len() < 1000, "{} bytes", r.body.to_string().len());

    let version = |v: &'static str| {
        let s = &s;
        async move {
            let r = s
                .http
                .get(format!("{}/api/v1/organization", s.url))
                .bearer_auth(&s.token)
                .header("x-api-version", v)
                .send()
                .await
                .unwrap();
            r.headers().get("x-api-version").map(|h| h.to_str().unwrap().to_owned())
        }
    };
    assert_eq!(version("1").await.as_deref(), Some("1"));
    assert_eq!(version(Box::leak("9".repeat(500).into_boxed_str())).await, None);
    assert_eq!(version("1; drop").await, None);
    s.stop().await;
}

// Hole 22: the log carries a bounded, normalised method and route shape.
#[tokio::test]
async fn log_lines_are_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("log.db");
    let log = dir.path().join("server.log");
    let (org, token) = super::crash::init(&db);
    let mut p = super::crash::serve(&db, &log, &[]).await;
    let http = reqwest::Client::new();
    let method = Method::from_bytes("BREW".repeat(200).as_bytes()).unwrap();
    let path = format!("{}/api/v1/{org}/{}", p.url, "seg/".repeat(10_000));
    let r = http.request(method, path).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let r = http.get(format!("{}/api/v1/{org}/projects", p.url)).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 200);
    p.child.start_kill().unwrap();
    p.child.wait().await.unwrap();
    let raw = std::fs::read_to_string(&log).unwrap();
    // Without the terminal colours.
    let mut text = String::new();
    let mut in_escape = false;
    for ch in raw.chars() {
        match (in_escape, ch) {
            (false, '\u{1b}') => in_escape = true,
            (false, c) => text.push(c),
            (true, 'm') => in_escape = false,
            (true, _) => {}
        }
    }
    assert!(text.lines().any(|l| l.contains("method=OTHER")), "{text}");
    assert!(text.lines().any(|l| l.contains("method=GET") && l.contains("/projects")), "{text}");
    for line in text.lines() {
        assert!(line.len() < 400, "a log line of {} bytes", line.len());
    }
}

// Hole 23: a rotation of a project that does not exist costs no key derivation.
#[tokio::test]
async fn rotation_looks_up_before_deriving() {
    let slow = Config { kdf_iterations: 3_000_000, ..config() };
    let s = TestServer::start_with(slow, true, None).await;
    s.post(&s.o("projects"), json!({"name": "real", "storage_mode": "server"})).await.ok();
    let t = Instant::now();
    s.post(&s.o("real/encryption-key/rotate"), json!({})).await.ok();
    let real = t.elapsed();
    let t = Instant::now();
    s.post(&s.o("ghost/encryption-key/rotate"), json!({})).await.err(404, "not_found");
    let ghost = t.elapsed();
    assert!(ghost * 5 < real, "404 took {ghost:?}, a rotation {real:?}");
    let ck = ClientKey::new();
    s.post(&s.o("projects"), ck.create_body("vault")).await.ok();
    let t = Instant::now();
    s.post(&s.o("vault/encryption-key/rotate"), json!({})).await.err(400, "client_managed_encryption");
    assert!(t.elapsed() * 5 < real, "refusal took {:?}", t.elapsed());
    s.stop().await;
}

// Review of issue 10, hole 19: a server-managed restore refuses plaintext that is not UTF-8, whether
// the content is sent or comes from the stored version (a row written before the store check).
#[tokio::test]
async fn restore_refuses_non_utf8_plaintext() {
    let s = TestServer::start().await;
    s.tree("app", "backend", "prod").await;
    let dk = s.server_key("app").await;
    let env = json!({"project": "app", "target": "backend", "environment": "prod"});
    let mut b = env.clone();
    b["content"] = json!(crypto::encrypt(&dk, b"A=1\n"));
    s.post(&s.o("secrets/store"), b).await.ok();
    let list = s.post(&s.o("secrets/versions"), env.clone()).await;
    let id = list.ok()["data"][0]["id"].as_str().unwrap().to_owned();
    let before = levels(&s, "app/backend/prod").await;

    let r = s
        .post(&s.o(&format!("secrets/versions/{id}/restore")), json!({"content": crypto::encrypt(&dk, b"A=caf\xe9\n")}))
        .await;
    r.err(422, "validation_failed");
    assert!(r.body["errors"]["content"].is_array(), "{}", r.body);

    let bad = crypto::encrypt(&dk, b"A=caf\xe9\n");
    s.service
        .db()
        .write(|c| {
            c.execute("UPDATE secret_versions SET content = ?1", envdesk_server::params![bad])?;
            Ok::<_, envdesk_server::db::DbError>(())
        })
        .unwrap();
    let r = s.post(&s.o(&format!("secrets/versions/{id}/restore")), json!({})).await;
    r.err(422, "validation_failed");
    assert_eq!(levels(&s, "app/backend/prod").await, before, "nothing was restored");
    s.stop().await;
}

// Review of issue 10, hole 15: recording `last_used_at` is best-effort — a failed write never fails
// authentication.
#[tokio::test]
async fn a_failed_last_used_at_write_does_not_fail_authentication() {
    let s = TestServer::start().await;
    s.service
        .db()
        .write(|c| {
            c.execute_batch(match c.kind() {
                envdesk_server::db::Kind::Sqlite => {
                    "CREATE TRIGGER no_touch BEFORE UPDATE OF last_used_at ON api_tokens \
                     BEGIN SELECT RAISE(ABORT, 'read-only for this test'); END;"
                }
                envdesk_server::db::Kind::Postgres => {
                    "CREATE FUNCTION no_touch() RETURNS trigger LANGUAGE plpgsql AS \
                     $$ BEGIN RAISE EXCEPTION 'read-only for this test'; END $$; \
                     CREATE TRIGGER no_touch BEFORE UPDATE OF last_used_at ON api_tokens \
                     FOR EACH ROW EXECUTE FUNCTION no_touch();"
                }
            })?;
            Ok::<_, envdesk_server::db::DbError>(())
        })
        .unwrap();
    s.get("organization").await.ok();
    s.get(&s.o("projects")).await.ok();
    s.stop().await;
}

// Review of issue 10, hole 13: a write still running on its blocking thread when the request times
// out rolls back instead of committing after the 408.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timed_out_write_does_not_commit() {
    // At least 0.4 s of PBKDF2 here: far past the 100 ms timeout on any machine.
    let slow = Config { kdf_iterations: 3_000_000, ..config() };
    let limits = Limits { request_timeout: Duration::from_millis(100), ..Limits::default() };
    let s = TestServer::start_full(slow, true, None, limits).await;
    let r = s.post(&s.o("projects"), json!({"name": "late", "storage_mode": "server"})).await;
    r.err(408, "request_timeout");
    // Long enough for the derivation and the write to have finished on their thread.
    tokio::time::sleep(Duration::from_secs(5)).await;
    // Read back through the service itself: this server's 100 ms timeout would also cut the checks
    // short on a loaded machine.
    use envdesk_api::Backend;
    let backend = envdesk_server::ServiceBackend::for_token(s.service.clone(), &s.token).unwrap();
    assert_eq!(backend.get_project("late").await.unwrap_err().code, envdesk_api::ErrorCode::NotFound);
    let list = backend.list_projects(Default::default()).await.unwrap();
    assert_eq!(list.data.len(), 0, "the timed-out write was not committed");
    s.stop().await;
}
