//! Two `envdesk-server serve` processes on one PostgreSQL database, as behind a load balancer: what
//! must hold across requests holds across replicas (issue 15). These run in the suite's PostgreSQL
//! pass (`ENVDESK_TEST_POSTGRES`, set by scripts/test.sh); without it they say so and pass.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use envdesk_core::crypto;
use serde_json::{json, Value};

use super::crash::{init_with, serve, Proc};
use super::support::*;

struct Cluster {
    db: String,
    org: String,
    token: String,
    replicas: Vec<Proc>,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl Cluster {
    /// `init` on a new schema, then two replicas started together; `None` outside the PostgreSQL pass.
    async fn start(test: &str) -> Option<Cluster> {
        let Some(url) = std::env::var(POSTGRES_ENV).ok().filter(|u| !u.is_empty()) else {
            eprintln!("{test}: skipped ({POSTGRES_ENV} is not set; scripts/test.sh sets it)");
            return None;
        };
        let db = postgres_schema(&url).await;
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("master-key");
        let key = key.to_str().unwrap();
        let (org, token) = init_with(&db, &["--master-key-file", key]);
        let log = dir.path().join("replicas.log");
        let extra = [("ENVDESK_MASTER_KEY_FILE", key)];
        let (a, b) = tokio::join!(serve(&db, &log, &extra), serve(&db, &log, &extra));
        Some(Cluster { db, org, token, replicas: vec![a, b], http: reqwest::Client::new(), _dir: dir })
    }

    async fn call(&self, replica: usize, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let url = format!("{}/api/v1/{}/{}", self.replicas[replica].url, self.org, path);
        let mut req = self.http.request(method, url).bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }
    async fn get(&self, replica: usize, path: &str) -> Value {
        let (status, body) = self.call(replica, reqwest::Method::GET, path, None).await;
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }
    async fn post(&self, replica: usize, path: &str, body: Value) -> (u16, Value) {
        self.call(replica, reqwest::Method::POST, path, Some(body)).await
    }

    /// Every stored version's blob, straight from the database.
    async fn blobs(&self) -> Vec<String> {
        let (client, conn) = tokio_postgres::connect(&self.db, tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(conn);
        let rows = client.query("SELECT content FROM secret_versions WHERE content IS NOT NULL", &[]).await.unwrap();
        rows.iter().map(|r| r.get::<_, String>("content")).collect()
    }
}

/// Both replicas starting at once on an empty database: the schema is created once, and both serve.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_starting_together_migrate_once() {
    let Some(url) = std::env::var(POSTGRES_ENV).ok().filter(|u| !u.is_empty()) else {
        eprintln!("skipped ({POSTGRES_ENV} is not set)");
        return;
    };
    let db = postgres_schema(&url).await;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let (a, b) = tokio::join!(serve(&db, &log, &[]), serve(&db, &log, &[]));
    let (client, conn) = tokio_postgres::connect(&db, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    let n: i64 = client.query_one("SELECT COUNT(*) FROM envdesk_schema", &[]).await.unwrap().get(0);
    assert_eq!(n, 4, "each migration applied once");
    let tables: i64 = client
        .query_one("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(tables, 12, "eleven tables and envdesk_schema");
    for p in [&a, &b] {
        let r = reqwest::get(format!("{}/healthz", p.url)).await.unwrap();
        assert_eq!(r.status(), 200);
    }
}

/// Eight writers racing on one level through both replicas with `base_revision`: every write is 2xx
/// or 409, no two successes share a revision, and the history holds every success.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_writers_through_two_replicas_lose_nothing() {
    let Some(c) = Cluster::start("racing_writers_through_two_replicas_lose_nothing").await else { return };
    let c = Arc::new(c);
    assert_eq!(c.post(0, "projects", json!({"name": "app", "storage_mode": "server"})).await.0, 201);
    assert_eq!(c.post(1, "app/targets", json!({"name": "t"})).await.0, 201);
    assert_eq!(c.post(0, "app/t/environments", json!({"name": "e"})).await.0, 201);
    let d = c.get(1, "app/encryption-key").await;
    let content: Value = serde_json::from_str(d["data"]["attributes"]["content"].as_str().unwrap()).unwrap();
    let k = &content["key"];
    let key = crypto::ProjectKey::new(k["key"].as_str().unwrap()).unwrap();
    let key = Arc::new(
        crypto::DataKey::for_descriptor(&key, k["key_check_salt"].as_str(), k["key_check_iterations"].as_i64(), false)
            .unwrap(),
    );
    let mut tasks = Vec::new();
    for w in 0..8usize {
        let (c, key) = (c.clone(), key.clone());
        tasks.push(tokio::spawn(async move {
            let replica = w % 2;
            let (mut won, mut conflicts) = (Vec::new(), 0);
            for i in 0..20 {
                let g = c.get(replica, "app/t/e/secrets").await;
                let rev = g["data"]["attributes"]["levels"]["environment"]["revision"].as_u64().unwrap();
                let text = format!("W{w}_{i}=1\n");
                let body = json!({"project": "app", "target": "t", "environment": "e",
                                  "content": crypto::encrypt(&key, text.as_bytes()), "base_revision": rev});
                match c.post(replica, "secrets/store", body).await {
                    (200, b) => won.push((text, b["data"]["revision"].as_u64().unwrap())),
                    (409, b) => {
                        assert_eq!(b["error"], "revision_conflict");
                        conflicts += 1;
                    }
                    (other, b) => panic!("unexpected {other}: {b}"),
                }
            }
            (won, conflicts)
        }));
    }
    let (mut won, mut conflicts) = (Vec::new(), 0);
    for t in tasks {
        let (w, n) = t.await.unwrap();
        won.extend(w);
        conflicts += n;
    }
    assert_eq!(won.len() + conflicts, 160);
    assert!(!won.is_empty());
    let revisions: HashSet<u64> = won.iter().map(|(_, r)| *r).collect();
    assert_eq!(revisions.len(), won.len(), "no two successful writes got the same revision");
    let history: HashSet<String> =
        c.blobs().await.iter().map(|b| crypto::decrypt_string(&key, b).unwrap().to_string()).collect();
    for (text, _) in &won {
        assert!(history.contains(text), "a successful write is missing from the history: {text}");
    }
}

/// A client-key rotation through one replica while the other serves stores: the rotation either
/// lands on the latest blob or is refused (409) and retried; nothing a store wrote is reverted.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rotation_on_one_replica_while_the_other_stores_reverts_nothing() {
    let Some(c) = Cluster::start("rotation_on_one_replica_while_the_other_stores_reverts_nothing").await else {
        return;
    };
    let c = Arc::new(c);
    let old = Arc::new(ClientKey::new());
    assert_eq!(c.post(0, "projects", old.create_body("vault")).await.0, 201);
    let store = |text: String| json!({"project": "vault", "content": old.encrypt(&text), "key_proof": old.proof()});
    assert_eq!(c.post(1, "secrets/store", store("K=0\n".into())).await.0, 200);

    // Replica 1 stores until the old key is refused.
    let writer = {
        let (c, old) = (c.clone(), old.clone());
        tokio::spawn(async move {
            let mut last_acked = "K=0\n".to_owned();
            for i in 1..2000 {
                let text = format!("K={i}\n");
                let body = json!({"project": "vault", "content": old.encrypt(&text), "key_proof": old.proof()});
                match c.post(1, "secrets/store", body).await {
                    (200, _) => last_acked = text,
                    (422, b) if b["error"] == "key_proof_mismatch" => return last_acked,
                    (other, b) => panic!("unexpected {other}: {b}"),
                }
            }
            panic!("the rotation never landed");
        })
    };
    // Replica 0 rotates: read, re-encrypt, rotate with the revision read; re-read on 409.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let new = ClientKey::new();
    let mut refused = 0;
    loop {
        let g = c.get(0, "vault/secrets").await;
        let level = &g["data"]["attributes"]["levels"]["project"];
        let text = crypto::decrypt_string(&old.data, level["content"].as_str().unwrap()).unwrap().to_string();
        let body = json!({
            "secrets": [{"id": level["id"], "content": new.encrypt(&text), "revision": level["revision"]}],
            "key_check": new.check.key_check,
            "key_check_salt": new.check.key_check_salt,
            "key_check_iterations": new.check.key_check_iterations,
            "key_proof": old.proof(),
        });
        match c.post(0, "vault/secrets/rotate-client-keys", body).await {
            (200, _) => break,
            (409, b) if b["error"] == "revision_conflict" => refused += 1,
            (other, b) => panic!("unexpected {other}: {b}"),
        }
        assert!(refused < 500, "the rotation never got a turn");
    }
    let last_acked = writer.await.unwrap();
    let g = c.get(1, "vault/secrets").await;
    let now = g["data"]["attributes"]["levels"]["project"]["content"].as_str().unwrap();
    assert_eq!(
        crypto::decrypt_string(&new.data, now).unwrap().as_str(),
        last_acked,
        "the level holds the last acknowledged store, under the new key ({refused} rotations refused first)"
    );
}

/// `kill -9` of one replica while it takes writes: every write it acknowledged is in the database,
/// and the other replica serves on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_of_one_replica_loses_no_acknowledged_write() {
    let Some(mut c) = Cluster::start("kill_9_of_one_replica_loses_no_acknowledged_write").await else { return };
    let ck = ClientKey::new();
    assert_eq!(c.post(1, "projects", ck.create_body("crash")).await.0, 201);
    let (url, token, org, http) = (c.replicas[0].url.clone(), c.token.clone(), c.org.clone(), c.http.clone());
    let blobs: Vec<(String, String)> =
        (0..400).map(|i| format!("WRITE_{i}=1\n")).map(|t| (t.clone(), ck.encrypt(&t))).collect();
    let proof = ck.proof();
    let writer = tokio::spawn(async move {
        let mut acked = Vec::new();
        for (text, blob) in blobs {
            let r = http
                .post(format!("{url}/api/v1/{org}/secrets/store"))
                .bearer_auth(&token)
                .json(&json!({"project": "crash", "content": blob, "key_proof": proof}))
                .send()
                .await;
            match r {
                Ok(r) if r.status().is_success() => acked.push(text),
                _ => break,
            }
        }
        acked
    });
    tokio::time::sleep(Duration::from_millis(150)).await;
    c.replicas[0].child.start_kill().unwrap(); // SIGKILL
    c.replicas[0].child.wait().await.unwrap();
    let acked = writer.await.unwrap();
    assert!(!acked.is_empty() && acked.len() < 400, "killed mid-way ({} acknowledged)", acked.len());
    let stored: HashSet<String> =
        c.blobs().await.iter().map(|b| crypto::decrypt_string(&ck.data, b).unwrap().to_string()).collect();
    for text in &acked {
        assert!(stored.contains(text), "acknowledged write lost: {text}");
    }
    // The survivor still serves, and sees the last acknowledged write.
    let g = c.get(1, "crash/secrets").await;
    let now = g["data"]["attributes"]["levels"]["project"]["content"].as_str().unwrap();
    let text = crypto::decrypt_string(&ck.data, now).unwrap().to_string();
    assert!(acked.last() == Some(&text) || !acked.contains(&text), "the level is the newest write");
}
