//! Versions: list, get, restore (incl. old keys), delete with protection, purge, retention.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use envdesk_core::crypto;
use envdesk_server::service::Clock;
use envdesk_server::{Config, MasterKey, Service};
use reqwest::Method;
use serde_json::json;

use super::support::*;

#[tokio::test]
async fn list_get_restore_delete_purge() {
    let s = TestServer::start().await;
    s.tree("app", "t", "e").await;
    let key = s.server_key("app").await;
    for text in ["A=1\n", "A=2\n", "A=3\n"] {
        s.post(&s.o("secrets/store"), json!({"project": "app", "content": crypto::encrypt(&key, text.as_bytes())}))
            .await
            .ok();
    }
    let list = s.post(&s.o("secrets/versions"), json!({"project": "app", "per_page": 2})).await;
    let items = list.ok()["data"].as_array().unwrap().clone();
    assert_eq!(items.len(), 2);
    assert_eq!(list.body["meta"], json!({"current_page": 1, "per_page": 2, "total": 3, "last_page": 2}));
    assert_eq!(items[0]["attributes"]["action"], "update", "newest first");
    assert_eq!(items[0]["attributes"]["created_by"]["name"], "admin");
    let page2 = s.post(&s.o("secrets/versions"), json!({"project": "app", "per_page": 2, "page": 2})).await;
    let first = page2.ok()["data"][0].clone();
    assert_eq!(first["attributes"]["action"], "create");
    let first_id = first["id"].as_str().unwrap().to_owned();

    let v = s.get(&s.o(&format!("secrets/versions/{first_id}"))).await;
    let content = v.ok()["data"]["content"].as_str().unwrap();
    assert_eq!(crypto::decrypt_string(&key, content).unwrap().as_str(), "A=1\n");
    assert_eq!(v.body["data"]["key"]["version"], "1");

    // Restore is append-only and takes base_revision.
    s.post(&s.o(&format!("secrets/versions/{first_id}/restore")), json!({"base_revision": 1}))
        .await
        .err(409, "revision_conflict");
    let r = s.post(&s.o(&format!("secrets/versions/{first_id}/restore")), json!({})).await;
    assert_eq!(r.ok()["data"]["restored_from"], first_id.as_str());
    assert_eq!(r.body["data"]["revision"], 4);
    let g = s.get(&s.o("app/secrets?decrypt=true")).await;
    assert_eq!(g.ok()["data"]["attributes"]["levels"]["project"]["content"], "A=1\n");
    let list = s.post(&s.o("secrets/versions"), json!({"project": "app"})).await;
    assert_eq!(list.ok()["meta"]["total"], 4);
    assert_eq!(list.body["data"][0]["attributes"]["action"], "restore");

    s.get(&s.o("secrets/versions/999999")).await.err(404, "not_found");
    s.get(&s.o("secrets/versions/abc")).await.err(404, "not_found");
    assert_eq!(s.call(Method::DELETE, &s.o(&format!("secrets/versions/{first_id}")), None).await.status, 204);
    s.get(&s.o(&format!("secrets/versions/{first_id}"))).await.err(404, "not_found");

    // The only snapshot of a deleted level is protected.
    s.post(&s.o("secrets/store"), json!({"project": "app", "target": "t", "content": crypto::encrypt(&key, b"T=1")}))
        .await
        .ok();
    let create_id = s.post(&s.o("secrets/versions"), json!({"project": "app", "target": "t"})).await.body["data"][0]
        ["id"]
        .as_str()
        .unwrap()
        .to_owned();
    s.post(&s.o("secrets/delete"), json!({"project": "app", "target": "t"})).await;
    let delete_id = s.post(&s.o("secrets/versions"), json!({"project": "app", "target": "t"})).await.body["data"][0]
        ["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(s.call(Method::DELETE, &s.o(&format!("secrets/versions/{create_id}")), None).await.status, 204);
    s.call(Method::DELETE, &s.o(&format!("secrets/versions/{delete_id}")), None).await.err(422, "version_protected");
    assert_eq!(
        s.call(Method::DELETE, &s.o(&format!("secrets/versions/{delete_id}?force=true")), None).await.status,
        204
    );

    // Purge: confirmation, level and project scope.
    s.post(&s.o("secrets/versions/purge"), json!({"project": "app"})).await.err(422, "confirmation_required");
    s.post(
        &s.o("secrets/store"),
        json!({"project": "app", "target": "t", "environment": "e", "content": crypto::encrypt(&key, b"E=1")}),
    )
    .await
    .ok();
    let p = s.post(&s.o("secrets/versions/purge"), json!({"project": "app", "confirmed": true})).await;
    assert_eq!(p.ok()["data"]["purged_count"], 3);
    let p =
        s.post(&s.o("secrets/versions/purge"), json!({"project": "app", "scope": "project", "confirmed": true})).await;
    assert_eq!(p.ok()["data"]["purged_count"], 1, "the environment's one version");
    s.stop().await;
}

struct FakeClock(Mutex<DateTime<Utc>>);
impl Clock for FakeClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

#[tokio::test]
async fn retention_locks_old_versions() {
    let clock = Arc::new(FakeClock(Mutex::new(Utc::now() - Duration::days(40))));
    let crate::support::TestDb { db, dir: _dir, .. } = crate::support::test_db().await;
    let service = Arc::new(Service::with_clock(
        db,
        Some(MasterKey::generate().0),
        Config { retention_days: Some(30), kdf_iterations: ITERS, ..Config::default() },
        clock.clone(),
    ));
    let org = service.create_organization("o").unwrap();
    let token = service.create_token_for(&org.id, "t", &["*".into()]).unwrap();
    let backend = envdesk_server::ServiceBackend::for_token(service.clone(), &token.token).unwrap();
    use envdesk_api::Backend;
    backend.create_project(envdesk_api::CreateProject { name: "p".into(), ..Default::default() }).await.unwrap();
    let desc = envdesk_api::descriptor_of(&backend.encryption_key("p").await.unwrap()).unwrap();
    let key = crypto::ProjectKey::new(desc.key.unwrap().expose()).unwrap();
    let dk = crypto::DataKey::for_descriptor(&key, desc.key_check_salt.as_deref(), desc.key_check_iterations, false)
        .unwrap();
    let store = |text: &str| envdesk_api::StoreRequest {
        path: envdesk_api::NodePath::project("p"),
        content: crypto::encrypt(&dk, text.as_bytes()),
        key_proof: None,
        no_backup: false,
        base_revision: None,
    };
    backend.store(store("OLD=1")).await.unwrap();
    *clock.0.lock().unwrap() = Utc::now();
    backend.store(store("NEW=1")).await.unwrap();
    let list = backend
        .list_versions(envdesk_api::ListVersionsRequest {
            path: envdesk_api::NodePath::project("p"),
            page: 1,
            per_page: 25,
        })
        .await
        .unwrap();
    let (new, old) = (&list.data[0], &list.data[1]);
    assert!(!new.attributes.locked);
    assert!(old.attributes.locked, "a 40-day-old version is outside 30 days");
    let e = backend.get_version(&old.id).await.unwrap_err();
    assert_eq!((e.status(), e.code), (403, envdesk_api::ErrorCode::VersionLocked));
    assert_eq!(e.details.as_ref().unwrap()["retention_days"], 30);
    let e = backend.restore_version(&old.id, Default::default()).await.unwrap_err();
    assert_eq!(e.code, envdesk_api::ErrorCode::VersionLocked, "the retention gate comes before anything else");
    assert!(backend.get_version(&new.id).await.is_ok());
}
