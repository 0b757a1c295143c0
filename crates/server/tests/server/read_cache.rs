//! The read cache (`envdesk_server::hot`): a kept answer is served again only while nothing was
//! committed, to the token it was made for, with a fresh timestamp, and every hit is audited as a
//! read. On PostgreSQL there is no cache and the same assertions hold through the slow path.

use envdesk_server::{Db, Service, Synchronous};
use reqwest::Method;
use serde_json::{json, Value};

use super::support::*;

/// `envdesk_read_cache_total{result="hit"}` from `/metrics` (0 without a cache).
async fn hits(s: &TestServer) -> u64 {
    let text = reqwest::get(format!("{}/metrics", s.url)).await.unwrap().text().await.unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(r#"envdesk_read_cache_total{result="hit"} "#))
        .map_or(0, |n| n.parse().unwrap())
}

fn env_level(r: &Resp) -> (String, u64) {
    let level = &r.ok()["data"]["attributes"]["levels"]["environment"];
    (level["content"].as_str().unwrap().to_owned(), level["revision"].as_u64().unwrap())
}

#[tokio::test]
async fn kept_reads_follow_every_commit_and_are_audited_each_time() {
    let s = TestServer::start().await;
    let key = ClientKey::new();
    s.post(&s.o("projects"), key.create_body("app")).await.ok();
    s.post(&s.o("app/targets"), json!({"name": "t"})).await.ok();
    s.post(&s.o("app/t/environments"), json!({"name": "e"})).await.ok();
    let store = |text: &str| json!({"project": "app", "target": "t", "environment": "e", "content": key.encrypt(text), "key_proof": key.proof()});
    s.post(&s.o("secrets/store"), store("A=1\n")).await.ok();
    let path = s.o("app/t/e/secrets");
    let cached = !on_postgres();

    let first = s.get(&path).await;
    let before = hits(&s).await;
    let second = s.get(&path).await;
    assert_eq!(env_level(&first), env_level(&second));
    assert_eq!(env_level(&second).1, 1);
    if cached {
        assert_eq!(hits(&s).await, before + 1, "the second read is answered from memory");
    }
    // The answer is the same but for its own timestamp.
    let (mut a, mut b) = (first.ok().clone(), second.ok().clone());
    assert!(b["meta"]["timestamp"].as_str().unwrap() >= a["meta"]["timestamp"].as_str().unwrap());
    a["meta"]["timestamp"] = Value::Null;
    b["meta"]["timestamp"] = Value::Null;
    assert_eq!(a, b);

    // A store through the API: the next read has it.
    s.post(&s.o("secrets/store"), store("A=2\n")).await.ok();
    let after = s.get(&path).await;
    assert_eq!(env_level(&after).1, 2);
    assert_ne!(env_level(&after).0, env_level(&first).0);
    s.get(&path).await.ok();

    // Another token is not answered from this token's entry: without `secret:read` it is refused
    // even right after a hit.
    let lister = s.token_with(&["project:read"]);
    let r = s.call_as(Some(&lister), Method::GET, &path, None).await;
    r.err(403, "insufficient_permissions");

    // A token revoked by another connection to the file (as `envdesk-server token revoke` does from
    // its own process) is refused on its next read.
    let reader = s.service.create_token_for(&s.org, "reader", &["secret:read".into()]).unwrap();
    s.call_as(Some(&reader.token), Method::GET, &path, None).await.ok();
    s.call_as(Some(&reader.token), Method::GET, &path, None).await.ok();
    if cached {
        let other = Db::open(&s._dir.path().join("envdesk.db"), Synchronous::Normal).unwrap();
        assert!(Service::new(other, None, config()).revoke_token(reader.id, None).unwrap());
    } else {
        assert!(s.service.revoke_token(reader.id, None).unwrap());
    }
    s.call_as(Some(&reader.token), Method::GET, &path, None).await.err(401, "unauthenticated");

    // Every successful read is in the audit log, hits included, each with its own time.
    s.service.audit_flush();
    let log = s.get(&s.o("audit-log?per_page=100&event=secret.read")).await;
    let reads: Vec<&Value> = log.ok()["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["attributes"]["outcome"] == "success" && e["attributes"]["node"] == "app/t/e")
        .collect();
    assert_eq!(reads.len(), 6, "{reads:#?}");
    for e in &reads {
        assert_eq!(e["attributes"]["client"], "127.0.0.1");
        assert_eq!(e["attributes"]["ability"], "secret:read");
    }
    let mut times: Vec<&str> = reads.iter().map(|e| e["attributes"]["at"].as_str().unwrap()).collect();
    times.dedup();
    assert_eq!(times.len(), 6, "each read has its own time");
    s.stop().await;
}

#[tokio::test]
async fn plaintext_answers_are_never_kept() {
    let s = TestServer::start().await;
    s.tree("app", "t", "e").await;
    let key = s.server_key("app").await;
    let content = envdesk_core::crypto::encrypt(&key, b"A=1\n");
    s.post(&s.o("secrets/store"), json!({"project": "app", "target": "t", "environment": "e", "content": content}))
        .await
        .ok();
    let before = hits(&s).await;
    for _ in 0..3 {
        let r = s.get(&s.o("app/t/e/secrets?decrypt=true")).await;
        assert_eq!(r.ok()["data"]["attributes"]["levels"]["environment"]["content"], "A=1\n");
    }
    assert_eq!(hits(&s).await, before, "a decrypted answer is made again every time");
    s.stop().await;
}
