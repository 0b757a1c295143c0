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

    // Changes from the command line are recorded in the audit log, so they need the master key; on
    // SQLite it is found beside the database.
    let key_arg: Vec<&str> =
        if on_postgres() { vec!["--master-key-file", key_file.to_str().unwrap()] } else { Vec::new() };
    // `run` passes the key, and the database for `DB`.
    let run = |args: &[&str]| {
        let mut v: Vec<String> = args.iter().map(|a| if *a == "DB" { db.clone() } else { a.to_string() }).collect();
        v.extend(key_arg.iter().map(|a| a.to_string()));
        cli(&v.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let (ok, out, err) =
        run(&["token", "create", "--db", "DB", "--name", "ci", "--abilities", "secret:read,project:read"]);
    assert!(ok, "{err}");
    let token = out.lines().find_map(|l| l.strip_prefix("token:")).unwrap().trim().to_owned();
    let id = out.lines().find_map(|l| l.strip_prefix("id:")).unwrap().trim().to_owned();
    let (ok, _, err) = run(&["token", "create", "--db", "DB", "--name", "bad", "--abilities", "secret:fly"]);
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

    let (ok, out, err) = run(&["token", "revoke", "--db", "DB", &id]);
    assert!(ok && out.contains("revoked"), "{err}");
    let r = http.get(format!("{}/api/v1/{org}/projects", p.url)).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 401, "revocation takes effect at once");
    let (ok, _, _) = run(&["token", "revoke", "--db", "DB", &id]);
    assert!(!ok, "revoking twice says there is no such active token");
    // init, token create and token revoke (twice) are in the organization's audit log, from the
    // command line (`cli:USER`) and with no token.
    let r =
        http.get(format!("{}/api/v1/{org}/audit-log?per_page=100", p.url)).bearer_auth(&admin).send().await.unwrap();
    let log: serde_json::Value = r.json().await.unwrap();
    let cli_entries: Vec<(String, String, String)> = log["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["attributes"])
        .filter(|a| a["client"].as_str().is_some_and(|c| c == "cli" || c.starts_with("cli:")))
        .map(|a| {
            assert!(a["token"].is_null(), "no token made a command-line change: {a}");
            (
                a["event"].as_str().unwrap().into(),
                a["outcome"].as_str().unwrap().into(),
                a["version"].as_str().unwrap_or("").into(),
            )
        })
        .collect();
    let want = |e: &str, o: &str, v: &str| (e.to_owned(), o.to_owned(), v.to_owned());
    let mut got = cli_entries.clone();
    got.reverse();
    assert_eq!(
        got,
        [
            want("organization.created", "success", ""),
            want("token.created", "success", "token 1"),
            want("token.created", "success", &format!("token {id}")),
            want("token.revoked", "success", &format!("token {id}")),
            want("token.revoked", "failed", &format!("token {id}")),
        ],
        "{log:#}"
    );
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
    // init's two entries, then the three projects.
    assert!(ok && out.contains("5 entries, chain intact; head "), "{out}{err}");
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
    let (ok, _, err) = cli(&["master-key", "rotate", "--db", dbs, "--master-key-file", nk, "--new-key-file", nk]);
    assert!(!ok && err.contains("new.key"), "an existing key file is never overwritten: {err}");

    let mut p = serve(dbs, &dir.path().join("log"), &[("ENVDESK_MASTER_KEY_FILE", nk)]).await;
    let r = call(format!("{}/api/v1/{org}/app/secrets?decrypt=true", p.url), None).await.unwrap();
    let (status, text) = (r.status(), r.text().await.unwrap());
    assert!(status.is_success() && text.contains("A=1"), "{status} {text}");
    p.child.start_kill().unwrap();
    p.child.wait().await.unwrap();

    // The old key no longer starts a server, nor changes anything from the command line: it is not
    // this database's key any more.
    let old = format!("{dbs}.master-key");
    let out = Command::new(env!("CARGO_BIN_EXE_envdesk-server"))
        .args(["serve", "--listen", "127.0.0.1:0", "--db", dbs, "--master-key-file", &old])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("does not open this database's keys"), "{err}");
    let (ok, _, err) = cli(&["token", "create", "--db", dbs, "--name", "x"]);
    assert!(!ok && err.contains("does not open this database's keys"), "the old key beside the file: {err}");
    // Without any key, a change that could not be recorded is refused, and so is a server that
    // would record requests (with --no-audit it serves).
    std::fs::remove_file(&old).unwrap();
    let (ok, _, err) = cli(&["token", "create", "--db", dbs, "--name", "x"]);
    assert!(!ok && err.contains("--master-key-file"), "{err}");
    let out = Command::new(env!("CARGO_BIN_EXE_envdesk-server"))
        .args(["serve", "--listen", "127.0.0.1:0", "--db", dbs])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("keyed with its master key"), "{err}");
    let mut p = serve(dbs, &dir.path().join("log"), &[("ENVDESK_NO_AUDIT", "1")]).await;
    p.child.start_kill().unwrap();
    p.child.wait().await.unwrap();
    let (ok, _, err) = cli(&["token", "create", "--db", dbs, "--name", "x", "--master-key-file", nk]);
    assert!(ok, "{err}");

    // The audit chain survived the rotation: it verifies under the new key from its first entry, and
    // records the rotation itself.
    let (ok, out, err) = cli(&["audit", "verify", "--db", dbs, "--master-key-file", nk]);
    assert!(ok && out.contains("chain intact"), "{out}{err}");
    let db = envdesk_server::Db::open(&db, envdesk_server::Synchronous::Full).unwrap();
    let events: Vec<String> =
        db.read(|c| c.query("SELECT event FROM audit_log ORDER BY id", &[], |r| r.get::<String>("event"))).unwrap();
    assert!(events.iter().any(|e| e == "master_key.rotated"), "{events:?}");
    assert_eq!(
        events.iter().filter(|e| *e == "master_key.rotated").count(),
        1,
        "the refused second rotation wrote no key file and is recorded as failed or not at all: {events:?}"
    );
}
