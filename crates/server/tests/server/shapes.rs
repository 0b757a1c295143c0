//! JSON shapes as the official SDK parses them (`docs/api.md`, "JSON types as the official SDK
//! parses them"; upstream-reference §4–§6).

use envdesk_core::crypto;
use serde_json::{json, Value};

use super::support::*;

fn is_rfc3339(v: &Value) -> bool {
    v.as_str().is_some_and(|s| chrono::DateTime::parse_from_rfc3339(s).is_ok())
}

#[tokio::test]
async fn wire_types() {
    let s = TestServer::start().await;
    s.tree("app", "t", "e").await;
    let key = s.server_key("app").await;
    s.post(&s.o("secrets/store"), json!({"project": "app", "content": crypto::encrypt(&key, b"A=1")})).await.ok();

    let p = s.get(&s.o("app")).await;
    let d = &p.ok()["data"];
    assert_eq!(d["type"], "projects");
    assert!(d["id"].is_string());
    for f in ["ulid", "name", "slug", "secret_format", "encryption_type"] {
        assert!(d["attributes"][f].is_string(), "project.{f}");
    }
    for f in ["target_count", "environment_count"] {
        assert!(d["attributes"][f].is_u64(), "project.{f}");
    }
    assert!(d["attributes"]["has_secrets"].is_boolean());
    assert!(is_rfc3339(&d["attributes"]["created_at"]));

    let g = s.get(&s.o("app/t/e/secrets")).await;
    let a = &g.ok()["data"]["attributes"];
    assert_eq!(g.body["data"]["type"], "secrets");
    assert_eq!(a["format"], "hierarchical");
    let lvl = &a["levels"]["project"];
    assert!(lvl["encrypted"].is_boolean() && lvl["content"].is_string() && lvl["source"].is_string());
    assert!(lvl["revision"].is_u64() && lvl["id"].is_string() && is_rfc3339(&lvl["updated_at"]));
    assert!(a["levels"]["target"]["content"].is_null() && a["levels"]["target"]["id"].is_null());
    assert_eq!(a["levels"]["target"]["revision"], 0);
    let meta = &g.body["meta"];
    assert!(meta["api_path"].as_str().unwrap().ends_with("/app/t/e/secrets"));
    assert_eq!(meta["hierarchy"], json!({"project": "app", "target": "t", "environment": "e"}));
    assert!(is_rfc3339(&meta["timestamp"]));

    let v = s.post(&s.o("secrets/versions"), json!({"project": "app"})).await;
    let item = &v.ok()["data"][0];
    assert_eq!(item["type"], "secret-versions");
    assert!(item["id"].as_str().unwrap().parse::<u64>().is_ok(), "version ids are numeric strings");
    let va = &item["attributes"];
    assert!(va["encryption_key_version"].is_string() && va["key_version"].is_string(), "key versions are strings");
    assert!(va["size_bytes"].is_u64() && va["is_client_encrypted"].is_boolean() && va["locked"].is_boolean());
    assert!(va["created_by"]["id"].is_u64() && va["created_by"]["name"].is_string());
    for f in ["current_page", "per_page", "total", "last_page"] {
        assert!(v.body["meta"][f].is_u64(), "meta.{f}");
    }
    let one = s.get(&s.o(&format!("secrets/versions/{}", item["id"].as_str().unwrap()))).await;
    let od = &one.ok()["data"];
    assert!(od["content"].is_string() && od["attributes"].is_object(), "content beside attributes");
    assert!(od["key"]["version"].is_string() && od["key"]["key_check_iterations"].is_u64());

    let k = s.get(&s.o("app/encryption-key")).await;
    let c: Value = serde_json::from_str(k.ok()["data"]["attributes"]["content"].as_str().unwrap()).unwrap();
    assert!(c["key"]["version"].is_u64(), "descriptor version is a number");
    assert!(c["key"]["key_check_iterations"].is_u64(), "iterations are a number");
    let h = s.get(&s.o("app/encryption-key/history")).await;
    assert!(h.ok()["data"][0]["version"].is_string(), "history versions are strings");

    // Errors: {"error","message"}; validation adds "errors".
    let e = s.get(&s.o("nope")).await;
    assert_eq!(e.body.as_object().unwrap().keys().collect::<Vec<_>>(), ["error", "message"]);
    let e = s.post(&s.o("projects"), json!({})).await;
    assert!(e.body["errors"]["name"][0].is_string());
    // Security headers and the echoed API version.
    let r = s
        .http
        .get(format!("{}/api/v1/organization", s.url))
        .bearer_auth(&s.token)
        .header("X-API-Version", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(r.headers()["x-api-version"], "1");
    s.stop().await;
}
