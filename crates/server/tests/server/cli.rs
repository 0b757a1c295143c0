//! The admin CLI: init (with a private master key file), token create/list/revoke, serve.

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use serde_json::json;

use super::crash::{init_with, serve};
use super::support::{on_postgres, postgres_schema, POSTGRES_ENV};

fn cli(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_envdesk-server")).args(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// On SQLite the master key goes beside the file by default; on PostgreSQL (the suite's second pass)
/// `init` asks where it should go, and `serve` is told.
#[tokio::test]
async fn init_tokens_and_serve() {
    let dir = tempfile::tempdir().unwrap();
    let (db, key_file, serve_env) = if on_postgres() {
        let db = postgres_schema(&std::env::var(POSTGRES_ENV).unwrap()).await;
        let (ok, _, err) = cli(&["init", "--db", &db]);
        assert!(!ok && err.contains("--master-key-file"), "PostgreSQL has no place beside it for the key: {err}");
        let key = dir.path().join("master-key");
        (db, key.clone(), vec![("ENVDESK_MASTER_KEY_FILE".to_owned(), key.to_str().unwrap().to_owned())])
    } else {
        let db = dir.path().join("cli.db");
        (db.to_str().unwrap().to_owned(), dir.path().join("cli.db.master-key"), Vec::new())
    };
    let init_args: Vec<&str> =
        if on_postgres() { vec!["--master-key-file", key_file.to_str().unwrap()] } else { Vec::new() };
    let (org, admin) = init_with(&db, &init_args);
    assert_eq!(org.len(), 26);
    assert!(admin.starts_with("edk_"));
    let mode = std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the master key is readable by its owner only");
    let dbs = db.as_str();
    let (ok, _, err) = cli(&["init", "--db", dbs, "--no-master-key"]);
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
    let env: Vec<(&str, &str)> = serve_env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut p = serve(&db, &log, &env).await;
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

/// A database that cannot be reached is said plainly, with the URL but never its password; a URL that
/// is not one is refused before anything is opened.
#[test]
fn a_postgres_url_is_checked_and_its_password_never_shown() {
    let (ok, _, err) = cli(&["token", "list", "--db", "postgres://envdesk:hunter2@127.0.0.1:1/envdesk"]);
    assert!(!ok);
    assert!(err.contains("postgres://envdesk@127.0.0.1:1/envdesk"), "names the database: {err}");
    assert!(!err.contains("hunter2"), "never the password: {err}");
    let (ok, _, err) = cli(&["token", "list", "--db", "postgres://envdesk:hunter2@127.0.0.1:1"]);
    assert!(!ok && err.contains("names no database") && !err.contains("hunter2"), "{err}");
    let (ok, _, err) = cli(&["token", "list", "--db", "postgres://a:hunter2@[::1"]);
    assert!(!ok && err.contains("not a PostgreSQL URL") && !err.contains("hunter2"), "{err}");
    // `--help` shows that ENVDESK_DB is read, never its value.
    let out = Command::new(env!("CARGO_BIN_EXE_envdesk-server"))
        .args(["serve", "--help"])
        .env("ENVDESK_DB", "postgres://envdesk:hunter2@db/envdesk")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("ENVDESK_DB") && !help.contains("hunter2"), "{help}");
}

/// `migrate` copies into a new database and prints what it checked; into a non-empty one, or onto
/// itself, it refuses.
#[test]
fn migrate_copies_and_refuses_what_it_must() {
    let dir = tempfile::tempdir().unwrap();
    let (from, to) = (dir.path().join("a.db"), dir.path().join("b.db"));
    let (from, to) = (from.to_str().unwrap(), to.to_str().unwrap());
    let (ok, _, err) = cli(&["init", "--db", from]);
    assert!(ok, "{err}");
    let (ok, out, err) = cli(&["migrate", "--from", from, "--to", &format!("sqlite:{to}")]);
    assert!(ok, "{err}");
    let orgs = out.lines().find(|l| l.starts_with("organizations")).unwrap_or_else(|| panic!("{out}"));
    assert_eq!(orgs.split_whitespace().nth(1), Some("1"), "{out}");
    assert!(err.contains("verified"), "{err}");
    let (ok, _, err) = cli(&["migrate", "--from", from, "--to", to]);
    assert!(!ok && err.contains("not empty"), "{err}");
    let (ok, _, err) = cli(&["migrate", "--from", from, "--to", from]);
    assert!(!ok && err.contains("the same database"), "{err}");
}

/// `audit verify` prints the head of an intact chain (exit 0) and names the first broken entry
/// (exit 1).
#[tokio::test]
async fn audit_verify_reports_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("audit.db");
    let dbs = db.to_str().unwrap();
    let (org, token) = init_with(dbs, &[]);
    let mut p = serve(dbs, &dir.path().join("log"), &[]).await;
    let http = reqwest::Client::new();
    for name in ["one", "two", "three"] {
        let r = http
            .post(format!("{}/api/v1/{org}/projects", p.url))
            .bearer_auth(&token)
            .json(&json!({"name": name}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }
    p.child.start_kill().unwrap();
    p.child.wait().await.unwrap();
    let (ok, out, err) = cli(&["audit", "verify", "--db", dbs]);
    assert!(ok && out.contains("3 entries, chain intact; head "), "{out}{err}");
    let tamper = envdesk_server::Db::open(&db, envdesk_server::Synchronous::Full).unwrap();
    tamper.write(|c| c.execute("UPDATE audit_log SET token_name = 'someone else' WHERE id = 2", &[])).unwrap();
    drop(tamper);
    let (ok, out, _) = cli(&["audit", "verify", "--db", dbs]);
    assert!(!ok && out.contains("breaks at entry 2"), "{out}");
}

/// `master-key rotate` wraps every server-managed key under a new master key: a server with the new
/// key reads what was stored before; one with the old key no longer can.
#[tokio::test]
async fn the_master_key_rotates() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("mk.db");
    let dbs = db.to_str().unwrap();
    let (org, token) = init_with(dbs, &[]);
    let http = reqwest::Client::new();
    let call = |url: String, body: Option<serde_json::Value>| {
        let req = match body {
            Some(b) => http.post(url).json(&b),
            None => http.get(url),
        };
        req.bearer_auth(&token).send()
    };
    let mut p = serve(dbs, &dir.path().join("log"), &[]).await;
    let base = format!("{}/api/v1/{org}", p.url);
    assert_eq!(call(format!("{base}/projects"), Some(json!({"name": "app"}))).await.unwrap().status(), 201);
    let d: serde_json::Value = call(format!("{base}/app/encryption-key"), None).await.unwrap().json().await.unwrap();
    let content: serde_json::Value =
        serde_json::from_str(d["data"]["attributes"]["content"].as_str().unwrap()).unwrap();
    let k = &content["key"];
    let key = envdesk_core::crypto::ProjectKey::new(k["key"].as_str().unwrap()).unwrap();
    let dk = envdesk_core::crypto::DataKey::for_descriptor(
        &key,
        k["key_check_salt"].as_str(),
        k["key_check_iterations"].as_i64(),
        false,
    )
    .unwrap();
    let blob = envdesk_core::crypto::encrypt(&dk, b"A=1\n");
    let r = call(format!("{base}/secrets/store"), Some(json!({"project": "app", "content": blob}))).await.unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    p.child.start_kill().unwrap();
    p.child.wait().await.unwrap();

    let new_key = dir.path().join("new.key");
    let nk = new_key.to_str().unwrap();
    let (ok, out, err) = cli(&["master-key", "rotate", "--db", dbs, "--new-key-file", nk]);
    assert!(ok && out.contains("1 server-managed keys wrapped"), "{out}{err}");
    assert_eq!(std::fs::metadata(&new_key).unwrap().permissions().mode() & 0o777, 0o600);
    let (ok, _, err) = cli(&["master-key", "rotate", "--db", dbs, "--new-key-file", nk]);
    assert!(!ok && err.contains("new.key"), "an existing key file is never overwritten: {err}");

    for (key_file, readable) in [(nk.to_owned(), true), (format!("{dbs}.master-key"), false)] {
        let mut p = serve(dbs, &dir.path().join("log"), &[("ENVDESK_MASTER_KEY_FILE", key_file.as_str())]).await;
        let r = call(format!("{}/api/v1/{org}/app/secrets?decrypt=true", p.url), None).await.unwrap();
        let (status, text) = (r.status(), r.text().await.unwrap());
        if readable {
            assert!(status.is_success() && text.contains("A=1"), "{status} {text}");
        } else {
            assert!(!status.is_success() && !text.contains("A=1"), "the old key opens nothing: {status} {text}");
        }
        p.child.start_kill().unwrap();
        p.child.wait().await.unwrap();
    }
}
