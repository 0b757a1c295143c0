//! Every endpoint over HTTP, and the error codes of `docs/api.md`.

use envdesk_core::crypto;
use reqwest::Method;
use serde_json::json;

use super::support::*;

#[tokio::test]
async fn organization_endpoints() {
    let s = TestServer::start().await;
    let o = s.get("organization").await;
    assert_eq!(o.ok()["data"]["id"], s.org.as_str());
    assert_eq!(o.body["data"]["status"], "active");
    assert_eq!(s.get("organizations").await.ok()["data"][0]["id"], s.org.as_str());
    // The ULID matches case-insensitively and is answered upper-case.
    let lower = s.get(&format!("organizations/{}", s.org.to_lowercase())).await;
    assert_eq!(lower.ok()["data"]["id"], s.org.as_str());
    let renamed = s.call(Method::PATCH, &format!("organizations/{}", s.org), Some(json!({"name": "Acme Ltd"}))).await;
    assert_eq!(renamed.ok()["data"]["name"], "Acme Ltd");
    s.get("organizations/01ARZ3NDEKTSV4RRFFQ69G5FAV").await.err(404, "not_found");
    assert_eq!(s.get("healthz").await.status, 404, "healthz lives outside /api/v1");
    let health = reqwest::get(format!("{}/healthz", s.url)).await.unwrap();
    assert_eq!(health.status(), 200);
    let ready = reqwest::get(format!("{}/readyz", s.url)).await.unwrap();
    assert_eq!((ready.status().as_u16(), ready.text().await.unwrap()), (200, "ok".to_owned()));
    // A database migrated by a newer server: alive, but not ready, and the answer says why.
    s.service
        .db()
        .write(|c| {
            c.execute_batch(match c.kind() {
                envdesk_server::db::Kind::Sqlite => "PRAGMA user_version = 99",
                envdesk_server::db::Kind::Postgres => "INSERT INTO envdesk_schema (version) VALUES (99)",
            })
        })
        .unwrap();
    let ready = reqwest::get(format!("{}/readyz", s.url)).await.unwrap();
    assert_eq!(ready.status(), 503);
    assert!(ready.text().await.unwrap().contains("version 99"));
    assert_eq!(reqwest::get(format!("{}/healthz", s.url)).await.unwrap().status(), 200);
    s.stop().await;
}

#[tokio::test]
async fn projects_targets_environments_crud() {
    let s = TestServer::start().await;
    let p = s.post(&s.o("projects"), json!({"name": "My App", "description": "d"})).await;
    assert_eq!(p.status, 201);
    let attrs = &p.body["data"]["attributes"];
    assert_eq!(attrs["slug"], "my-app", "slug derived from the name");
    assert_eq!(attrs["encryption_type"], "server");
    assert_eq!(p.body["data"]["type"], "projects");
    s.post(&s.o("projects"), json!({"name": "My App"})).await.err(409, "already_exists");
    s.post(&s.o("projects"), json!({"name": "x", "slug": "secrets"})).await.err(422, "validation_failed");
    s.post(&s.o("projects"), json!({"name": "x", "slug": "Bad_Slug"})).await.err(422, "validation_failed");
    s.post(&s.o("projects"), json!({"name": "x", "slug": "a".repeat(65)})).await.err(422, "validation_failed");
    let v = s.post(&s.o("projects"), json!({"description": "no name"})).await;
    v.err(422, "validation_failed");
    assert!(v.body["errors"]["name"].is_array(), "field errors: {}", v.body);

    let t = s.post(&s.o("my-app/targets"), json!({"name": "Backend"})).await;
    assert_eq!((t.status, t.body["data"]["attributes"]["slug"].as_str()), (201, Some("backend")));
    let e = s.post(&s.o("my-app/backend/environments"), json!({"name": "Production", "status": "production"})).await;
    assert_eq!(e.status, 201);
    assert_eq!(e.body["data"]["attributes"]["is_production"], true);
    let e2 = s.post(&s.o("my-app/backend/environments"), json!({"name": "QA", "status": "Quality Gate"})).await;
    assert_eq!(e2.body["data"]["attributes"]["status"], "quality-gate", "custom status slugified");

    let list = s.get(&s.o("projects?per_page=1")).await;
    assert_eq!(list.ok()["meta"]["total"], 1);
    assert_eq!(list.body["meta"]["per_page"], 1);
    s.get(&s.o("projects?per_page=101")).await.err(422, "validation_failed");
    s.get(&s.o("projects?page=0")).await.err(422, "validation_failed");
    let proj = s.get(&s.o("my-app")).await;
    assert_eq!(proj.ok()["data"]["attributes"]["target_count"], 1);
    assert_eq!(proj.body["data"]["attributes"]["environment_count"], 2);
    assert_eq!(s.get(&s.o("my-app/targets")).await.ok()["data"][0]["attributes"]["slug"], "backend");
    assert_eq!(s.get(&s.o("my-app/backend/environments")).await.ok()["meta"]["total"], 2);
    assert_eq!(s.get(&s.o("my-app/backend/production")).await.ok()["data"]["attributes"]["status"], "production");

    let up = s.call(Method::PATCH, &s.o("my-app/backend"), Some(json!({"name": "API", "slug": "api"}))).await;
    assert_eq!(up.ok()["data"]["attributes"]["slug"], "api");
    let up = s.call(Method::PUT, &s.o("my-app/api/production"), Some(json!({"description": "live"}))).await;
    assert_eq!(up.ok()["data"]["attributes"]["description"], "live");
    let up = s.call(Method::PATCH, &s.o("my-app"), Some(json!({"name": "Renamed"}))).await;
    assert_eq!(up.ok()["data"]["attributes"]["slug"], "my-app", "renaming keeps the slug");
    s.get(&s.o("my-app/backend")).await.err(404, "not_found");
    s.get(&s.o("nope/api/production")).await.err(404, "not_found");

    // Delete removes the subtree, with its secrets.
    let key = s.server_key("my-app").await;
    s.post(
        &s.o("secrets/store"),
        json!({"project": "my-app", "target": "api", "environment": "qa", "content": crypto::encrypt(&key, b"A=1")}),
    )
    .await
    .ok();
    assert_eq!(s.call(Method::DELETE, &s.o("my-app/api/qa"), None).await.status, 204);
    s.get(&s.o("my-app/api/qa")).await.err(404, "not_found");
    assert_eq!(s.call(Method::DELETE, &s.o("my-app/api"), None).await.status, 204);
    assert_eq!(s.call(Method::DELETE, &s.o("my-app"), None).await.status, 204);
    s.get(&s.o("my-app")).await.err(404, "not_found");
    s.stop().await;
}

#[tokio::test]
async fn store_read_merge_raw_retrieve_delete() {
    let s = TestServer::start().await;
    s.tree("app", "backend", "prod").await;
    let key = s.server_key("app").await;
    let store = |level: serde_json::Value, text: &str| {
        let mut b = level;
        b["content"] = json!(crypto::encrypt(&key, text.as_bytes()));
        b
    };
    let r =
        s.post(&s.o("secrets/store"), store(json!({"project": "app"}), "DB=p\nLOG=info\n# @tags: web\nPORT=1\n")).await;
    let d = &r.ok()["data"];
    assert_eq!(
        (d["level"].as_str(), d["source"].as_str(), d["revision"].as_u64()),
        (Some("project"), Some("app"), Some(1))
    );
    assert_eq!(r.body["message"], "Secrets stored successfully.");
    s.post(&s.o("secrets/store"), store(json!({"project": "app", "target": "backend"}), "LOG=debug\n")).await.ok();
    s.post(
        &s.o("secrets/store"),
        store(json!({"project": "app", "target": "backend", "environment": "prod"}), "DB=e\n"),
    )
    .await
    .ok();

    // Levels separate, ciphertext.
    let g = s.get(&s.o("app/backend/prod/secrets")).await;
    let levels = &g.ok()["data"]["attributes"]["levels"];
    assert_eq!(g.body["data"]["attributes"]["encrypted"], true);
    assert_eq!(levels.as_object().unwrap().keys().collect::<Vec<_>>(), ["project", "target", "environment"]);
    let blob = levels["target"]["content"].as_str().unwrap();
    assert_eq!(crypto::decrypt_string(&key, blob).unwrap().as_str(), "LOG=debug\n");
    assert_eq!(levels["environment"]["source"], "prod");
    assert_eq!(g.body["meta"]["hierarchy"]["environment"], "prod");

    // Server-side decrypt, merge both, raw.
    let g = s.get(&s.o("app/backend/prod/secrets?decrypt=true&merge=both")).await;
    let a = &g.ok()["data"]["attributes"];
    assert_eq!(a["encrypted"], false);
    assert_eq!(a["levels"]["project"]["content"], "DB=p\nLOG=info\n# @tags: web\nPORT=1\n");
    assert_eq!(a["merged"], json!({"DB": "e", "LOG": "debug", "PORT": "1"}));
    let g = s.get(&s.o("app/backend/prod/secrets?decrypt=true&merge=true")).await;
    assert!(g.ok()["data"]["attributes"]["levels"].is_null(), "merge=true drops levels");
    let raw = s.get(&s.o("app/backend/prod/secrets?decrypt=true&merge=true&raw=true")).await;
    assert_eq!(raw.ok(), &json!({"DB": "e", "LOG": "debug", "PORT": "1"}));
    s.get(&s.o("app/secrets?merge=true")).await.err(422, "invalid_parameter_combination");
    s.get(&s.o("app/secrets?raw=true")).await.err(422, "invalid_parameter_combination");

    // Retrieve: read, decrypt with filters, key:retrieve.
    let rr = s.post(&s.o("secrets/retrieve"), json!({"project": "app", "target": "backend", "action": "read"})).await;
    assert!(rr.ok()["data"]["attributes"]["levels"]["target"]["content"].is_string());
    s.post(&s.o("secrets/retrieve"), json!({"project": "app", "action": "read", "filters": {"names": ["DB"]}}))
        .await
        .err(422, "invalid_parameter_combination");
    let dec = s
        .post(
            &s.o("secrets/retrieve"),
            json!({"project": "app", "target": "backend", "environment": "prod", "action": "decrypt", "merge": "both"}),
        )
        .await;
    assert_eq!(dec.ok()["data"]["secrets"], json!({"DB": "e", "LOG": "debug", "PORT": "1"}));
    assert_eq!(dec.body["data"]["levels"]["target"], json!({"LOG": "debug"}));
    let f = s
        .post(&s.o("secrets/retrieve"), json!({"project": "app", "target": "backend", "action": "decrypt", "merge": true, "filters": {"search": "lO"}}))
        .await;
    assert_eq!(f.ok()["data"]["secrets"], json!({"LOG": "debug"}), "search is a case-insensitive substring");
    let f = s
        .post(
            &s.o("secrets/retrieve"),
            json!({"project": "app", "action": "decrypt", "filters": {"tags": ["WEB"]}, "raw": true}),
        )
        .await;
    assert_eq!(f.ok(), &json!({"PORT": "1"}), "tags from `# @tags:` above the key");
    let f = s
        .post(
            &s.o("secrets/retrieve"),
            json!({"project": "app", "action": "decrypt", "filters": {"names": ["DB", "X"]}}),
        )
        .await;
    assert_eq!(f.ok()["data"]["secrets"], json!({"DB": "p"}));
    let k = s.post(&s.o("secrets/retrieve"), json!({"project": "app", "action": "key:retrieve"})).await;
    assert_eq!(k.ok()["data"]["type"], "encryption_keys");

    // Stale base_revision → 409 with the current revision; nothing stored.
    let c = s.post(&s.o("secrets/store"), store(json!({"project": "app", "base_revision": 0}), "X=1\n")).await;
    c.err(409, "revision_conflict");
    assert_eq!(c.body["details"]["current_revision"], 1);
    s.post(&s.o("secrets/store"), store(json!({"project": "app", "base_revision": 1}), "DB=p2\n")).await.ok();
    // Server-managed content must decrypt under the project key.
    let other = crypto::DataKey::from_bytes([1; 32]);
    s.post(&s.o("secrets/store"), json!({"project": "app", "content": crypto::encrypt(&other, b"A=1")}))
        .await
        .err(422, "undecryptable_content");
    s.post(&s.o("secrets/store"), json!({"project": "app", "content": "not base64!"}))
        .await
        .err(422, "validation_failed");
    s.post(
        &s.o("secrets/store"),
        json!({"project": "app", "target": "nope", "content": crypto::encrypt(&key, b"A=1")}),
    )
    .await
    .err(404, "not_found");
    let missing = s.post(&s.o("secrets/store"), json!({"project": "app"})).await;
    missing.err(422, "validation_failed");
    assert!(missing.body["errors"]["content"].is_array());

    // Delete keeps a backup; no_backup needs confirmation.
    assert_eq!(s.post(&s.o("secrets/delete"), json!({"project": "app", "target": "backend"})).await.status, 204);
    let g = s.get(&s.o("app/backend/secrets")).await;
    assert!(g.ok()["data"]["attributes"]["levels"]["target"]["content"].is_null());
    let v = s.post(&s.o("secrets/versions"), json!({"project": "app", "target": "backend"})).await;
    assert_eq!(v.ok()["data"][0]["attributes"]["action"], "delete");
    s.post(&s.o("secrets/delete"), json!({"project": "app", "no_backup": true}))
        .await
        .err(422, "confirmation_required");
    assert_eq!(
        s.post(&s.o("secrets/delete"), json!({"project": "app", "no_backup": true, "confirmed": true})).await.status,
        204
    );
    let v = s.post(&s.o("secrets/versions"), json!({"project": "app"})).await;
    assert_eq!(v.ok()["meta"]["total"], 0, "no_backup purges the level's versions");
    s.stop().await;
}

#[tokio::test]
async fn transport_errors_401_413_422_429() {
    let s = TestServer::start_with(
        envdesk_server::Config { retention_days: None, kdf_iterations: ITERS, ..envdesk_server::Config::default() },
        true,
        Some(30),
    )
    .await;
    s.call_as(None, Method::GET, "organization", None).await.err(401, "unauthenticated");
    s.call_as(Some("edk_nope"), Method::GET, "organization", None).await.err(401, "unauthenticated");
    let big = "A".repeat(1024 * 1024 + 10);
    s.post(&s.o("secrets/store"), json!({"project": "x", "content": big})).await.err(413, "payload_too_large");
    let bad = s
        .http
        .post(format!("{}/api/v1/{}", s.url, s.o("projects")))
        .bearer_auth(&s.token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    s.get(&s.o("a/b/c/d/e/f")).await.err(404, "not_found");
    // Rate limit: 30 per minute for the organization.
    let mut limited = None;
    for _ in 0..40 {
        let r = s.get("organization").await;
        if r.status == 429 {
            limited = Some(r);
            break;
        }
    }
    let r = limited.expect("the 31st request in a minute is refused");
    r.err(429, "rate_limited");
    let wait: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait));
    s.stop().await;
}

#[tokio::test]
async fn revoked_token_and_other_organization() {
    let s = TestServer::start().await;
    s.tree("app", "t", "e").await;
    let t = s.service.create_token_for(&s.org, "temp", &["*".into()]).unwrap();
    assert_eq!(s.call_as(Some(&t.token), Method::GET, "organization", None).await.status, 200);
    assert!(s.service.revoke_token(t.id, None).unwrap());
    s.call_as(Some(&t.token), Method::GET, "organization", None).await.err(401, "unauthenticated");

    // A second organization's token sees nothing of the first: 404, not 403.
    let other = s.service.create_organization("Other").unwrap();
    let ot = s.service.create_token_for(&other.id, "o", &["*".into()]).unwrap();
    for path in [s.o("app"), s.o("app/secrets"), s.o("projects"), format!("organizations/{}", s.org)] {
        s.call_as(Some(&ot.token), Method::GET, &path, None).await.err(404, "not_found");
    }
    // …and its own project with the same slug is its own.
    let r =
        s.call_as(Some(&ot.token), Method::POST, &format!("{}/projects", other.id), Some(json!({"name": "app"}))).await;
    assert_eq!(r.status, 201);
    s.stop().await;
}

#[tokio::test]
async fn api_tokens_over_http() {
    let s = TestServer::start().await;
    let path = format!("organizations/{}/api-keys", s.org);
    let r = s.post(&path, json!({"name": "ci", "abilities": ["secret:read", "project:read"]})).await;
    assert_eq!(r.status, 201);
    let token = r.body["token"].as_str().unwrap().to_owned();
    let id = r.body["api_key"]["id"].as_str().unwrap().to_owned();
    assert_eq!(s.call_as(Some(&token), Method::GET, &s.o("projects"), None).await.status, 200);
    s.call_as(Some(&token), Method::POST, &s.o("projects"), Some(json!({"name": "x"})))
        .await
        .err(403, "insufficient_permissions");
    let list = s.get(&path).await;
    assert!(list.ok()["data"].as_array().unwrap().iter().all(|t| t.get("token").is_none()), "never the secret");
    s.post(&path, json!({"name": "bad", "abilities": ["secret:fly"]})).await.err(422, "validation_failed");
    // A limited token cannot mint a stronger one.
    let limited = s.token_with(&["api-token:create"]);
    s.call_as(Some(&limited), Method::POST, &path, Some(json!({"name": "x", "abilities": ["*"]})))
        .await
        .err(403, "insufficient_permissions");
    assert_eq!(s.call(Method::DELETE, &format!("{path}/{id}"), None).await.status, 204);
    s.call_as(Some(&token), Method::GET, &s.o("projects"), None).await.err(401, "unauthenticated");
    s.stop().await;
}

#[tokio::test]
async fn server_without_master_key_refuses_server_managed() {
    let s = TestServer::start_with(
        envdesk_server::Config { retention_days: None, kdf_iterations: ITERS, ..envdesk_server::Config::default() },
        false,
        None,
    )
    .await;
    s.post(&s.o("projects"), json!({"name": "srv"})).await.err(422, "server_keys_unavailable");
    let ck = ClientKey::new();
    assert_eq!(s.post(&s.o("projects"), ck.create_body("cli")).await.status, 201, "client-managed needs no master key");
    s.stop().await;
}

/// Found by the `server_dispatch` fuzz target: in process, a request's body needs no
/// `Content-Length`; such a body is read like any other (it was taken for an empty one).
#[tokio::test]
async fn an_in_process_body_without_a_length_is_read() {
    use tower::ServiceExt as _;
    let s = TestServer::start().await;
    let state = std::sync::Arc::new(envdesk_server::http::AppState { service: s.service.clone(), rate: None });
    let app = envdesk_server::http::router(state);
    let req = axum::http::Request::post(format!("/api/v1/{}/projects", s.org))
        .header("authorization", format!("Bearer {}", s.token))
        .header("content-type", "application/json")
        .body(axum::body::Body::from(r#"{"name":"in-process"}"#))
        .unwrap();
    assert!(req.headers().get("content-length").is_none());
    let resp = app.oneshot(req).await.unwrap();
    assert_eq!(resp.status(), 201);
    s.get(&s.o("in-process")).await.ok();
    s.stop().await;
}
