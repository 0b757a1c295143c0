//! Zero knowledge: client-managed plaintext (with a marker) appears nowhere in the database, the WAL
//! or the logs; and no token, blob, proof or plaintext is ever logged.

use std::path::Path;

use serde_json::json;

use super::crash::{init, serve};
use super::support::*;

fn contains(path: &Path, needle: &str) -> bool {
    let Ok(bytes) = std::fs::read(path) else { return false };
    bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn markers_never_reach_disk_or_logs() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("zk.db");
    let log = dir.path().join("server.log");
    let (org, token) = init(&db);
    // The master key init wrote beside the file (a server refuses any other).
    let master_b64 = std::fs::read_to_string(format!("{}.master-key", db.display())).unwrap();
    let master_b64 = master_b64.trim();
    let mut p = serve(&db, &log, &[("ENVDESK_LOG", "trace"), ("ENVDESK_MASTER_KEY", master_b64)]).await;
    let http = reqwest::Client::new();
    let url = |rest: &str| format!("{}/api/v1/{org}/{rest}", p.url);
    let ck = ClientKey::new();
    let marker = format!("ZK_MARKER_{}", envdesk_core::crypto::ProjectKey::generate().expose());
    let r = http.post(url("projects")).bearer_auth(&token).json(&ck.create_body("zk")).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let blob = ck.encrypt(&format!("SECRET={marker}\n"));
    let proof = ck.proof();
    for _ in 0..5 {
        let r = http
            .post(url("secrets/store"))
            .bearer_auth(&token)
            .json(&json!({"project": "zk", "content": blob, "key_proof": proof}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    // A wrong proof and a bad token are logged as requests, without the secrets.
    let _ = http
        .post(url("secrets/store"))
        .bearer_auth(&token)
        .json(&json!({"project": "zk", "content": blob, "key_proof": "WRONGPROOF"}))
        .send()
        .await;
    let _ = http.get(url("projects")).bearer_auth("edk_not_a_real_token_zzz").send().await;
    // A server-managed project: the server sees the plaintext in memory only.
    let r = http.post(url("projects")).bearer_auth(&token).json(&json!({"name": "srv"})).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let d: serde_json::Value =
        http.get(url("srv/encryption-key")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    let k: serde_json::Value = serde_json::from_str(d["data"]["attributes"]["content"].as_str().unwrap()).unwrap();
    let key = envdesk_core::crypto::ProjectKey::new(k["key"]["key"].as_str().unwrap()).unwrap();
    let server_key_text = k["key"]["key"].as_str().unwrap().to_owned();
    let dk = envdesk_core::crypto::DataKey::for_descriptor(
        &key,
        k["key"]["key_check_salt"].as_str(),
        k["key"]["key_check_iterations"].as_i64(),
        false,
    )
    .unwrap();
    let srv_blob = envdesk_core::crypto::encrypt(&dk, format!("S={marker}\n").as_bytes());
    let r = http
        .post(url("secrets/store"))
        .bearer_auth(&token)
        .json(&json!({"project": "srv", "content": srv_blob}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = http.get(url("srv/secrets?decrypt=true&merge=true&raw=true")).bearer_auth(&token).send().await.unwrap();
    assert!(r.text().await.unwrap().contains(&marker), "the server decrypts on request");

    let wal = dir.path().join("zk.db-wal");
    for file in [&db, &wal, &log] {
        assert!(!contains(file, &marker), "plaintext marker found in {}", file.display());
        assert!(!contains(file, &server_key_text), "server key in clear in {}", file.display());
    }
    for secret in [token.as_str(), &blob, &proof, "WRONGPROOF", "edk_not_a_real_token_zzz", master_b64] {
        assert!(!contains(&log, secret), "a secret reached the log");
    }
    assert!(contains(&log, "request"), "the log does record requests");
    // SIGTERM: graceful shutdown.
    let pid = p.child.id().unwrap();
    std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status().unwrap();
    let status = tokio::time::timeout(std::time::Duration::from_secs(10), p.child.wait()).await.unwrap().unwrap();
    assert!(status.success(), "graceful exit on SIGTERM: {status:?}");
    for file in [&db, &wal, &log] {
        assert!(!contains(file, &marker));
    }
}
