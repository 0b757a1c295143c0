//! Many writers racing on one level with base_revision: each write succeeds or gets 409, and the
//! history holds every successful write — no lost update.

use std::collections::HashSet;
use std::sync::Arc;

use envdesk_core::crypto;
use serde_json::json;

use super::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_writers_lose_nothing() {
    let s = Arc::new(TestServer::start().await);
    s.tree("app", "t", "e").await;
    let key = Arc::new(s.server_key("app").await);
    let mut tasks = Vec::new();
    for w in 0..8 {
        let s = s.clone();
        let key = key.clone();
        tasks.push(tokio::spawn(async move {
            let mut won = Vec::new();
            let mut conflicts = 0;
            for i in 0..25 {
                let g = s.get(&s.o("app/t/e/secrets")).await;
                let rev = g.body["data"]["attributes"]["levels"]["environment"]["revision"].as_u64().unwrap();
                let text = format!("W{w}_{i}=1\n");
                let r = s
                    .post(
                        &s.o("secrets/store"),
                        json!({"project": "app", "target": "t", "environment": "e",
                               "content": crypto::encrypt(&key, text.as_bytes()), "base_revision": rev}),
                    )
                    .await;
                match r.status {
                    200 => won.push((text, r.body["data"]["revision"].as_u64().unwrap())),
                    409 => {
                        assert_eq!(r.code(), "revision_conflict");
                        conflicts += 1;
                    }
                    other => panic!("unexpected {other}: {}", r.body),
                }
            }
            (won, conflicts)
        }));
    }
    let mut won = Vec::new();
    let mut conflicts = 0;
    for t in tasks {
        let (w, c) = t.await.unwrap();
        won.extend(w);
        conflicts += c;
    }
    assert_eq!(won.len() + conflicts, 200);
    assert!(!won.is_empty());
    let revisions: HashSet<u64> = won.iter().map(|(_, r)| *r).collect();
    assert_eq!(revisions.len(), won.len(), "no two successful writes got the same revision");
    let list = s
        .post(&s.o("secrets/versions"), json!({"project": "app", "target": "t", "environment": "e", "per_page": 100}))
        .await;
    let mut history = Vec::new();
    let mut page = 1;
    let mut body = list.body.clone();
    loop {
        for v in body["data"].as_array().unwrap() {
            let detail = s.get(&s.o(&format!("secrets/versions/{}", v["id"].as_str().unwrap()))).await;
            let content = detail.body["data"]["content"].as_str().unwrap();
            history.push(crypto::decrypt_string(&key, content).unwrap().to_string());
        }
        if page >= body["meta"]["last_page"].as_u64().unwrap() {
            break;
        }
        page += 1;
        body = s
            .post(
                &s.o("secrets/versions"),
                json!({"project": "app", "target": "t", "environment": "e", "per_page": 100, "page": page}),
            )
            .await
            .body;
    }
    assert_eq!(history.len(), won.len(), "exactly one version per successful write");
    for (text, _) in &won {
        assert!(history.contains(text), "lost update: {text}");
    }
}
