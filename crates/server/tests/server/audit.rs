//! The audit log: an entry for every route class (reads of secrets, reads of keys, changes, refusals),
//! never a value or a token in one; the hash chain catches an edited or removed entry; retention keeps
//! it verifiable; `GET audit-log` filters and pages, behind `audit:read`.

use envdesk_core::crypto;
use envdesk_server::{audit, MasterKey, Service};
use reqwest::Method;
use serde_json::{json, Value};

use super::support::*;

/// Every entry of the organization, oldest first, through the API.
async fn entries(s: &TestServer, query: &str) -> Vec<Value> {
    let r = s.get(&s.o(&format!("audit-log?per_page=100{query}"))).await;
    let mut list = r.ok()["data"].as_array().unwrap().clone();
    list.reverse();
    list
}

fn attr<'a>(e: &'a Value, name: &str) -> &'a Value {
    &e["attributes"][name]
}

const MARK: &str = "AUDIT_MARKER_VALUE_93b1";

#[tokio::test]
async fn every_route_class_is_recorded_without_values_or_tokens() {
    let s = TestServer::start().await;
    s.tree("app", "t", "e").await;
    let key = s.server_key("app").await;
    let store = |text: &str| json!({"project": "app", "target": "t", "environment": "e", "content": crypto::encrypt(&key, text.as_bytes())});
    s.post(&s.o("secrets/store"), store(&format!("A={MARK}\n"))).await.ok();
    s.post(&s.o("secrets/store"), store(&format!("A={MARK}2\n"))).await.ok();
    s.get(&s.o("app/t/e/secrets?decrypt=true")).await.ok();
    let stale = json!({"project": "app", "target": "t", "environment": "e",
                       "content": crypto::encrypt(&key, b"A=3\n"), "base_revision": 1});
    s.post(&s.o("secrets/store"), stale).await.err(409, "revision_conflict");
    let reader = s.token_with(&["secret:read", "project:read"]);
    let r = s.call_as(Some(&reader), Method::POST, &s.o("projects"), Some(json!({"name": "nope"}))).await;
    assert_eq!(r.status, 403);
    s.post(&s.o("app/encryption-key/rotate"), json!({"history_policy": "keep"})).await.ok();
    s.post(&s.o("secrets/delete"), json!({"project": "app", "target": "t", "environment": "e"})).await;
    // Listings are not recorded.
    s.get(&s.o("projects")).await.ok();

    let list = entries(&s, "").await;
    let events: Vec<(&str, &str, &str)> = list
        .iter()
        .map(|e| {
            (
                attr(e, "event").as_str().unwrap(),
                attr(e, "outcome").as_str().unwrap(),
                attr(e, "node").as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        events,
        [
            ("project.created", "success", "app"),
            ("target.created", "success", "app/t"),
            ("environment.created", "success", "app/t/e"),
            ("key.accessed", "success", "app"),
            ("secret.created", "success", "app/t/e"),
            ("secret.updated", "success", "app/t/e"),
            ("secret.read", "success", "app/t/e"),
            ("secret.updated", "failed", "app/t/e"),
            ("authz.access_denied", "denied", ""),
            ("key.rotated", "success", "app"),
            ("secret.deleted", "success", "app/t/e"),
        ],
        "{list:#?}"
    );
    let by = |event: &str, outcome: &str| {
        list.iter().find(|e| attr(e, "event") == event && attr(e, "outcome") == outcome).unwrap().clone()
    };
    let denied = by("authz.access_denied", "denied");
    assert_eq!(attr(&denied, "ability"), "project:create");
    assert_eq!(attr(&denied, "error"), "insufficient_permissions");
    assert_eq!(attr(&denied, "token")["name"], "limited");
    let conflict = by("secret.updated", "failed");
    assert_eq!(attr(&conflict, "error"), "revision_conflict");
    let updated = by("secret.updated", "success");
    assert_eq!(attr(&updated, "version"), "rev 2");
    assert_eq!(attr(&updated, "ability"), "secret:write");
    assert_eq!(attr(&updated, "client"), "127.0.0.1");
    assert_eq!(attr(&updated, "token")["name"], "admin");

    // Nothing secret anywhere in the stored log: no value, no blob, no token.
    let rows: Vec<String> = s
        .service
        .db()
        .read(|c| {
            c.query("SELECT * FROM audit_log", &[], |r| {
                let mut text = String::new();
                for col in ["at", "token_name", "ability", "event", "node", "version", "outcome", "error", "client"] {
                    text.push_str(&r.get::<Option<String>>(col)?.unwrap_or_default());
                }
                Ok(text)
            })
        })
        .unwrap();
    let dump = rows.join("\n");
    for secret in [MARK, s.token.as_str(), reader.as_str(), "edk_"] {
        assert!(!dump.contains(secret), "the audit log holds a secret: {dump}");
    }
    s.stop().await;
}

#[tokio::test]
async fn the_chain_catches_an_edit_and_a_removal_and_survives_retention() {
    let s = TestServer::start().await;
    s.tree("app", "t", "e").await;
    for _ in 0..3 {
        s.get(&s.o("app/t/e/secrets")).await.ok();
    }
    s.service.audit_flush();
    let db = s.service.db();
    let ok = audit::verify(db).unwrap();
    assert_eq!((ok.entries, ok.first_break), (6, None));
    assert_eq!(ok.head.len(), 64);

    // An edited entry: its own hash no longer matches.
    db.write(|c| c.execute("UPDATE audit_log SET node = 'other' WHERE id = 4", &[])).unwrap();
    let v = audit::verify(db).unwrap();
    assert_eq!(v.first_break.map(|(id, why)| (id, why.contains("edited"))), Some((4, true)));
    assert_eq!(v.entries, 3, "the three before it check out");
    db.write(|c| c.execute("UPDATE audit_log SET node = 'app/t/e' WHERE id = 4", &[])).unwrap();
    assert_eq!(audit::verify(db).unwrap().first_break, None, "restored, it checks out again");

    // A removed entry: the next one no longer follows.
    db.write(|c| c.execute("DELETE FROM audit_log WHERE id = 5", &[])).unwrap();
    let v = audit::verify(db).unwrap();
    assert_eq!(v.first_break.map(|(id, why)| (id, why.contains("removed"))), Some((6, true)));

    // Retention: pruning keeps the chain verifiable from the first entry kept.
    let s2 = TestServer::start().await;
    s2.tree("app", "t", "e").await;
    s2.service.audit_flush();
    let db2 = s2.service.db();
    let cutoff = "9999-01-01T00:00:00Z";
    assert_eq!(audit::prune(db2, cutoff).unwrap(), 3);
    s2.get(&s2.o("app/t/e/secrets")).await.ok();
    s2.service.audit_flush();
    let v = audit::verify(db2).unwrap();
    assert_eq!((v.entries, v.pruned_through, v.first_break), (1, Some(3), None));
    db2.write(|c| c.execute("UPDATE audit_anchor SET hash = ?1", envdesk_server::params![audit::GENESIS])).unwrap();
    assert!(audit::verify(db2).unwrap().first_break.is_some(), "a forged anchor is caught");
    s.stop().await;
    s2.stop().await;
}

#[tokio::test]
async fn the_log_is_filtered_and_paged_behind_audit_read() {
    let s = TestServer::start().await;
    s.tree("app", "t", "e").await;
    s.tree("web", "t", "prod").await;
    s.get(&s.o("app/t/e/secrets")).await.ok();
    s.get(&s.o("web/t/prod/secrets")).await.ok();
    let reader = s.token_with(&["secret:read"]);
    s.call_as(Some(&reader), Method::GET, &s.o("app/t/e/secrets"), None).await;

    let nodes = |list: &[Value]| -> Vec<String> {
        list.iter().map(|e| attr(e, "node").as_str().unwrap_or("").to_owned()).collect()
    };
    let app = entries(&s, "&node=app").await;
    assert!(app.len() >= 4 && nodes(&app).iter().all(|n| n == "app" || n.starts_with("app/")), "{app:#?}");
    let env = entries(&s, "&node=app/t/e&event=secret.read").await;
    assert_eq!(env.len(), 2);
    let family = entries(&s, "&event=secret.").await;
    assert_eq!(family.len(), 3);
    let reader_id = env[1]["attributes"]["token"]["id"].as_str().unwrap().to_owned();
    let mine = entries(&s, &format!("&token={reader_id}")).await;
    assert_eq!(mine.len(), 1);
    assert_eq!(entries(&s, "&from=2999-01-01T00:00:00Z").await.len(), 0);
    assert_eq!(entries(&s, "&to=2000-01-01T00:00:00Z").await.len(), 0);
    let all = entries(&s, "").await;
    let page = s.get(&s.o("audit-log?per_page=2&page=2")).await;
    assert_eq!(page.ok()["meta"]["total"], all.len());
    assert_eq!(page.body["data"][0]["id"], all[all.len() - 3]["id"], "newest first, paged");
    s.get(&s.o("audit-log?from=yesterday")).await.err(422, "validation_failed");
    s.get(&s.o("audit-log?token=x")).await.err(422, "validation_failed");

    // Without audit:read, refused (and that refusal is recorded).
    let r = s.call_as(Some(&reader), Method::GET, &s.o("audit-log"), None).await;
    r.err(403, "insufficient_permissions");
    let denied = entries(&s, "&event=authz.access_denied").await;
    assert_eq!(attr(&denied[0], "ability"), "audit:read");
    s.stop().await;
}

/// Review of issue 15: a database with an audit log but no stored chain key (written before
/// migration 4) and no server-managed key to try takes a master key as its own only if the log's
/// newest entry was chained with it; another key is refused and stores nothing.
#[tokio::test]
async fn a_wrong_master_key_is_not_taken_for_a_logs_key() {
    let TestDb { db, dir: _dir } = test_db().await;
    let (right, _) = MasterKey::generate();
    let service = Service::new(db.clone(), Some(right), config());
    service.check_master_key().unwrap();
    let org = service.create_organization("Acme").unwrap();
    audit::command_line(service.db(), "token.created", || service.create_token_for(&org.id, "ci", &["*".into()]))
        .unwrap();
    drop(service);
    // As before migration 4: no stored chain key.
    db.write(|c| c.execute("DELETE FROM server_secrets", &[])).unwrap();
    let (wrong, _) = MasterKey::generate();
    let s = Service::new(db.clone(), Some(wrong), config());
    let e = s.check_master_key().unwrap_err();
    assert!(e.message.contains("does not open this database's keys"), "{}", e.message);
    let stored: i64 =
        db.read(|c| c.query_one("SELECT COUNT(*) AS n FROM server_secrets", &[], |r| r.get::<i64>("n"))).unwrap();
    assert_eq!(stored, 0, "the wrong key's chain key was not stored");
}

/// Review of issue 15: a listing's cost does not grow with the log. Pages reach the newest 10,000
/// matching entries and the total counts at most that many; deeper is a narrower time, not a page.
#[tokio::test]
async fn listings_reach_a_bounded_depth() {
    let s = TestServer::start().await;
    let org_id: i64 =
        s.service.db().read(|c| c.query_one("SELECT id FROM organizations", &[], |r| r.get::<i64>("id"))).unwrap();
    s.service
        .db()
        .write(|c| {
            for i in 0..10_050i64 {
                c.execute(
                    "INSERT INTO audit_log (at, organization_id, event, outcome, prev_hash, hash)
                     VALUES (?1, ?2, 'secret.read', 'success', '', '')",
                    &[
                        envdesk_server::db::V::Text(&format!("2026-01-01T00:00:00.{i:06}Z")),
                        envdesk_server::db::V::Int(org_id),
                    ],
                )?;
            }
            Ok::<_, envdesk_server::db::DbError>(())
        })
        .unwrap();
    let last = s.get(&s.o("audit-log?per_page=100&page=100")).await;
    assert_eq!(last.ok()["data"].as_array().unwrap().len(), 100);
    assert_eq!(last.body["meta"]["total"], 10_000);
    assert_eq!(last.body["meta"]["last_page"], 100);
    s.get(&s.o("audit-log?per_page=100&page=101")).await.err(422, "validation_failed");
    // A page size that does not divide the depth: the last page stops at the 10,000th entry.
    let odd = s.get(&s.o("audit-log?per_page=30&page=334")).await;
    assert_eq!(odd.ok()["data"].as_array().unwrap().len(), 10);
    // Older entries: a narrower time.
    let older = s.get(&s.o("audit-log?per_page=100&to=2026-01-01T00:00:00.000050Z")).await;
    assert_eq!(older.ok()["data"].as_array().unwrap().len(), 50);
    assert_eq!(older.body["meta"]["total"], 50);
    s.stop().await;
}

/// Review of issue 15: a revocation that revokes nothing is recorded as failed, naming the token id; a
/// version's content read names the version's node; the key history is a read of key material.
#[tokio::test]
async fn refusals_versions_and_key_history_are_recorded_as_what_they_are() {
    let s = TestServer::start().await;
    s.tree("app", "t", "e").await;
    let key = s.server_key("app").await;
    let body = json!({"project": "app", "target": "t", "environment": "e", "content": crypto::encrypt(&key, b"A=1\n")});
    s.post(&s.o("secrets/store"), body).await.ok();
    let r = s.call(Method::DELETE, &format!("organizations/{}/api-keys/999", s.org), None).await;
    r.err(404, "not_found");
    let list = s.post(&s.o("secrets/versions"), json!({"project": "app", "target": "t", "environment": "e"})).await;
    let id = list.ok()["data"][0]["id"].as_str().unwrap().to_owned();
    s.get(&s.o(&format!("secrets/versions/{id}"))).await.ok();
    s.get(&s.o("app/encryption-key/history")).await.ok();

    let revoked = entries(&s, "&event=token.revoked").await;
    assert_eq!(revoked.len(), 1, "{revoked:#?}");
    assert_eq!((attr(&revoked[0], "outcome"), attr(&revoked[0], "version")), (&json!("failed"), &json!("token 999")));
    let reads = entries(&s, "&event=secret.read&node=app/t/e").await;
    assert!(reads.iter().any(|e| attr(e, "version") == id.as_str()), "the version read names its node: {reads:#?}");
    let keys = entries(&s, "&event=key.").await;
    assert_eq!(keys.len(), 2, "the key for encrypting, then the key history: {keys:#?}");
    s.stop().await;
}

/// Review of issue 15: the chain is keyed with the master key's subkey, so an entry edited and given
/// a recomputed (unkeyed) hash is still caught; the anchor cannot be moved without the key either.
#[tokio::test]
async fn a_chain_rebuilt_without_the_master_key_is_caught() {
    let s = TestServer::start().await;
    s.tree("app", "t", "e").await;
    s.service.audit_flush();
    let db = s.service.db();
    assert!(db.audit_key().is_keyed(), "a server with a master key keys its chain");
    let first = db.read(|c| audit::stored_entry(c, 1)).unwrap().expect("the first entry");
    let (mut entry, stored) = (first.entry, first.hash);
    assert_eq!(entry.hash(audit::GENESIS, db.audit_key()), stored);
    assert_ne!(entry.hash(audit::GENESIS, &audit::UNKEYED), stored, "not a plain SHA-256");

    // Someone with write access to the database edits the first entry and recomputes its hash as a
    // chain without a key would: caught, and so is a link to it rewritten the same way.
    entry.node = Some("somewhere-else".into());
    let forged = entry.hash(audit::GENESIS, &audit::UNKEYED);
    db.write(|c| {
        c.execute(
            "UPDATE audit_log SET node = 'somewhere-else', hash = ?1 WHERE id = 1",
            envdesk_server::params![forged],
        )?;
        c.execute("UPDATE audit_log SET prev_hash = ?1 WHERE id = 2", envdesk_server::params![forged])
    })
    .unwrap();
    let v = audit::verify(db).unwrap();
    assert_eq!(v.first_break.map(|(id, why)| (id, why.contains("edited"))), Some((1, true)));
    s.stop().await;
}
