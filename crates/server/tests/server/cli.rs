//! The admin CLI: init (with a private master key file), token create/list/revoke, serve.

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use serde_json::json;

use super::crash::{init, serve};

fn cli(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_envdesk-server")).args(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn init_tokens_and_serve() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cli.db");
    let (org, admin) = init(&db);
    assert_eq!(org.len(), 26);
    assert!(admin.starts_with("edk_"));
    let key_file = dir.path().join("cli.db.master-key");
    let mode = std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the master key is readable by its owner only");
    let dbs = db.to_str().unwrap();
    let (ok, _, err) = cli(&["init", "--db", dbs]);
    assert!(!ok && err.contains("already has an organization"), "{err}");

    let (ok, out, _) =
        cli(&["token", "create", "--db", dbs, "--name", "ci", "--abilities", "secret:read,project:read"]);
    assert!(ok);
    let token = out.lines().find_map(|l| l.strip_prefix("token:")).unwrap().trim().to_owned();
    let id = out.lines().find_map(|l| l.strip_prefix("id:")).unwrap().trim().to_owned();
    let (ok, _, err) = cli(&["token", "create", "--db", dbs, "--name", "bad", "--abilities", "secret:fly"]);
    assert!(!ok && err.contains("secret:fly"), "{err}");
    let (_, list, _) = cli(&["token", "list", "--db", dbs]);
    assert!(list.contains("ci") && list.contains("secret:read,project:read"));
    assert!(!list.contains(&token) && !list.contains(&admin), "list never shows a secret");

    let log = dir.path().join("log");
    let mut p = serve(&db, &log, &[]).await;
    let http = reqwest::Client::new();
    let r = http.get(format!("{}/api/v1/{org}/projects", p.url)).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 200);
    // The master key from init is picked up: server-managed projects work.
    let r = http
        .post(format!("{}/api/v1/{org}/projects", p.url))
        .bearer_auth(&admin)
        .json(&json!({"name": "srv"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);

    let (ok, out, _) = cli(&["token", "revoke", "--db", dbs, &id]);
    assert!(ok && out.contains("revoked"));
    let r = http.get(format!("{}/api/v1/{org}/projects", p.url)).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 401, "revocation takes effect at once");
    let (ok, _, _) = cli(&["token", "revoke", "--db", dbs, &id]);
    assert!(!ok, "revoking twice says there is no such active token");
    p.child.start_kill().unwrap();
}
