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
