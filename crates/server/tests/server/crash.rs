//! Crash safety of the real binary: write continuously, `kill -9` at random moments, restart; every
//! write that got a 2xx is there, and `PRAGMA integrity_check` is `ok`. 20 rounds, bounded in time.

use std::collections::HashSet;
use std::ffi::OsStr;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use envdesk_core::crypto;
use envdesk_server::{Db, Synchronous};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use super::support::*;

pub struct Proc {
    pub child: Child,
    pub url: String,
}

/// `envdesk-server init`: (organization, token).
pub fn init(db: impl AsRef<OsStr>) -> (String, String) {
    init_with(db, &[])
}

/// `envdesk-server init` with more arguments.
pub fn init_with(db: impl AsRef<OsStr>, args: &[&str]) -> (String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_envdesk-server"))
        .args(["init", "--db"])
        .arg(db)
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_owned())
            .unwrap_or_else(|| panic!("no {name} in {text}"))
    };
    (field("organization:"), field("token:"))
}

/// `envdesk-server serve` on a free port; stderr (the log) goes to `log`.
pub async fn serve(db: impl AsRef<OsStr>, log: &Path, extra: &[(&str, &str)]) -> Proc {
    let log = std::fs::OpenOptions::new().create(true).append(true).open(log).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_envdesk-server"));
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(db)
        .env("ENVDESK_KDF_ITERATIONS", "1000")
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log))
        .kill_on_drop(true);
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line()).await.unwrap().unwrap().unwrap();
    let url = line.strip_prefix("listening on ").unwrap().trim().to_owned();
    Proc { child, url }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_loses_no_acknowledged_write() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.db");
    let log = dir.path().join("server.log");
    let (org, token) = init(&db);
    let http = reqwest::Client::new();
    let ck = ClientKey::new();
    let mut acked: Vec<String> = Vec::new();
    let started = Instant::now();
    let mut rounds = 0;
    for round in 0..20 {
        let mut p = serve(&db, &log, &[]).await;
        if round == 0 {
            let r = http
                .post(format!("{}/api/v1/{org}/projects", p.url))
                .bearer_auth(&token)
                .json(&ck.create_body("crash"))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 201);
        }
        let url = p.url.clone();
        let (http2, token2, org2) = (http.clone(), token.clone(), org.clone());
        let blobs: Vec<(String, String)> = (0..400)
            .map(|i| {
                let text = format!("ROUND_{round}_WRITE_{i}=1\n");
                (text.clone(), ck.encrypt(&text))
            })
            .collect();
        let proof = ck.proof();
        let writer = tokio::spawn(async move {
            let mut ok = Vec::new();
            for (text, blob) in blobs {
                let r = http2
                    .post(format!("{url}/api/v1/{org2}/secrets/store"))
                    .bearer_auth(&token2)
                    .json(&json!({"project": "crash", "content": blob, "key_proof": proof}))
                    .send()
                    .await;
                match r {
                    Ok(r) if r.status().is_success() => ok.push(text),
                    _ => break,
                }
            }
            ok
        });
        // A pseudo-random moment between 20 and 220 ms.
        let delay = 20 + (started.elapsed().as_nanos() % 200) as u64;
        tokio::time::sleep(Duration::from_millis(delay)).await;
        p.child.start_kill().unwrap(); // SIGKILL
        p.child.wait().await.unwrap();
        acked.extend(writer.await.unwrap());
        let check = Db::open(&db, Synchronous::Full).unwrap().integrity_check().unwrap();
        assert_eq!(check, "ok", "round {round}");
        rounds += 1;
        if started.elapsed() > Duration::from_secs(60) {
            break;
        }
    }
    assert!(rounds >= 10, "only {rounds} rounds in time");
    assert!(!acked.is_empty());
    // Every acknowledged write is in the history.
    let db = Db::open(&db, Synchronous::Full).unwrap();
    let blobs: Vec<String> = db
        .read(|c| c.query("SELECT content FROM secret_versions WHERE content IS NOT NULL", &[], |r| r.get("content")))
        .unwrap();
    let stored: HashSet<String> =
        blobs.iter().map(|b| crypto::decrypt_string(&ck.data, b).unwrap().to_string()).collect();
    for text in &acked {
        assert!(stored.contains(text), "acknowledged write lost: {text}");
    }
}
