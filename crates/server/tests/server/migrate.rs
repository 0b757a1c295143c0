//! `migrate`: a SQLite database with history, rotations and deleted levels copied into a new one (a
//! PostgreSQL schema in the suite's PostgreSQL pass, another SQLite file otherwise); the copy answers
//! every read exactly as the original did, takes new writes, and a second copy into it is refused.

use envdesk_core::crypto;
use envdesk_server::migrate::{migrate, MigrateError};
use envdesk_server::{Db, MasterKey, Synchronous};
use serde_json::{json, Value};

use super::support::*;

/// What a client can read of everything the history test wrote.
pub async fn everything(s: &TestServer) -> Vec<Value> {
    let mut out = Vec::new();
    for path in [
        "projects",
        "app/t/e/secrets?decrypt=true&merge=true",
        "app/t/prod/secrets",
        "app/encryption-key/history",
        "vault/secrets",
        "vault/encryption-key/history",
        "app/targets",
        "app/t/environments",
    ] {
        let mut body = s.get(&s.o(path)).await.ok().clone();
        // The time of the answer, not of the data.
        if let Some(meta) = body.get_mut("meta").and_then(Value::as_object_mut) {
            meta.remove("timestamp");
        }
        out.push(body);
    }
    for project in ["app", "vault"] {
        let list = s.post(&s.o("secrets/versions"), json!({"project": project, "per_page": 100})).await;
        out.push(list.ok().clone());
    }
    let list = s.post(&s.o("secrets/versions"), json!({"project": "app", "target": "t", "environment": "e"})).await;
    for v in list.ok()["data"].as_array().unwrap() {
        out.push(s.get(&s.o(&format!("secrets/versions/{}", v["id"].as_str().unwrap()))).await.ok().clone());
    }
    out.push(s.get(&format!("organizations/{}/api-keys", s.org)).await.ok().clone());
    out
}

/// History to copy: stores, a server-key rotation keeping old versions, a deleted level, a client
/// project with a client-key rotation.
pub async fn write_history(s: &TestServer) {
    s.tree("app", "t", "e").await;
    s.post(&s.o("app/t/environments"), json!({"name": "prod"})).await.ok();
    let key1 = s.server_key("app").await;
    for (body, text) in [
        (json!({"project": "app"}), "A=1\n"),
        (json!({"project": "app"}), "A=2\n# comment\n"),
        (json!({"project": "app", "target": "t", "environment": "e"}), "E=1\n"),
        (json!({"project": "app", "target": "t", "environment": "prod"}), "GONE=1\n"),
    ] {
        let mut b = body;
        b["content"] = json!(crypto::encrypt(&key1, text.as_bytes()));
        s.post(&s.o("secrets/store"), b).await.ok();
    }
    assert_eq!(
        s.post(&s.o("secrets/delete"), json!({"project": "app", "target": "t", "environment": "prod"})).await.status,
        204
    );
    s.post(&s.o("app/encryption-key/rotate"), json!({"history_policy": "keep"})).await.ok();
    let key2 = s.server_key("app").await;
    let e2 = json!({"project": "app", "target": "t", "environment": "e", "content": crypto::encrypt(&key2, b"E=2 # \xc3\xa9\n")});
    s.post(&s.o("secrets/store"), e2).await.ok();
    let ck = ClientKey::new();
    s.post(&s.o("projects"), ck.create_body("vault")).await.ok();
    s.post(&s.o("secrets/store"), json!({"project": "vault", "content": ck.encrypt("P=1\n"), "key_proof": ck.proof()}))
        .await
        .ok();
    let level = s.get(&s.o("vault/secrets")).await.ok()["data"]["attributes"]["levels"]["project"].clone();
    let new = ClientKey::new();
    s.post(
        &s.o("vault/secrets/rotate-client-keys"),
        json!({"secrets": [{"id": level["id"], "content": new.encrypt("P=1\n"), "revision": level["revision"]}],
               "key_check": new.check.key_check, "key_check_salt": new.check.key_check_salt,
               "key_check_iterations": new.check.key_check_iterations, "key_proof": ck.proof()}),
    )
    .await
    .ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_with_history_is_copied_and_verified() {
    // The source: always SQLite, as a team moving to PostgreSQL has it.
    let dir = tempfile::tempdir().unwrap();
    let source = Db::open(&dir.path().join("source.db"), Synchronous::Normal).unwrap();
    let (_, master_b64) = MasterKey::generate();
    let master = || MasterKey::from_base64(&master_b64).unwrap();
    let setup = envdesk_server::Service::new(source.clone(), Some(master()), config());
    let org = setup.create_organization("Acme").unwrap().id;
    let token = setup.create_token_for(&org, "admin", &["*".into()]).unwrap().token.to_string();
    let revoked = setup.create_token_for(&org, "old", &["secret:read".into()]).unwrap();
    assert!(setup.revoke_token(revoked.id, None).unwrap());
    let s = TestServer::start_on(source.clone(), master(), org.clone(), token.clone()).await;

    write_history(&s).await;
    // The newest version gone from the source (as a deleted version is): the copy must never hand its
    // id out again.
    let gone: i64 = source
        .write(|c| {
            let id = c.query_one("SELECT MAX(id) AS n FROM secret_versions", &[], |r| r.get::<i64>("n"))?;
            c.execute("DELETE FROM secret_versions WHERE id = ?1", envdesk_server::params![id])?;
            Ok::<_, envdesk_server::db::DbError>(id)
        })
        .unwrap();
    let before = everything(&s).await;
    s.stop().await;

    // The copy, and its check.
    let TestDb { db: target, dir: _target_dir } = test_db().await;
    let report = migrate(&source, &target).unwrap();
    let rows = |t: &str| report.iter().find(|r| r.table == t).unwrap().rows;
    assert_eq!(rows("organizations"), 1);
    assert_eq!(rows("api_tokens"), 2);
    assert_eq!(rows("project_keys"), 4, "two versions of each project's key");
    assert!(rows("secret_versions") >= 8, "{report:?}");
    assert!(report.iter().all(|r| r.sha256.len() == 64));

    // The copy answers as the original did, and takes new writes (ids continue after the copied ones).
    let t = TestServer::start_on(target.clone(), master(), org.clone(), token.clone()).await;
    let key2 = t.server_key("app").await;
    let after = everything(&t).await;
    assert_eq!(after.len(), before.len());
    for (i, (a, b)) in after.iter().zip(&before).enumerate() {
        assert_eq!(a, b, "answer {i} differs after the copy");
    }
    let merged = t.get(&t.o("app/t/e/secrets?decrypt=true&merge=true")).await;
    assert_eq!(merged.ok()["data"]["attributes"]["merged"], json!({"A": "2", "E": "2"}));
    let prod = t.get(&t.o("app/t/prod/secrets")).await;
    assert!(
        prod.ok()["data"]["attributes"]["levels"]["environment"]["content"].is_null(),
        "the deleted level stays deleted"
    );
    let e3 = json!({"project": "app", "target": "t", "environment": "e", "content": crypto::encrypt(&key2, b"E=3\n")});
    t.post(&t.o("secrets/store"), e3).await.ok();
    let newest: i64 =
        target.read(|c| c.query_one("SELECT MAX(id) AS n FROM secret_versions", &[], |r| r.get::<i64>("n"))).unwrap();
    assert!(newest > gone, "a new version ({newest}) reuses no id the source handed out ({gone})");
    t.post(&t.o("projects"), json!({"name": "after"})).await.ok();
    t.stop().await;

    // A target that holds anything is refused, and left as it was.
    let again = migrate(&source, &target);
    assert!(matches!(again, Err(MigrateError::NotEmpty { table: "organizations", rows: 1 })), "{again:?}");
}
