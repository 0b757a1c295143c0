//! The ability matrix: every route × the abilities it needs. Missing one → 403; holding exactly those →
//! past the check. No, unknown or revoked token → 401 (in endpoints.rs); another organization → 404.

use envdesk_api::abilities::KNOWN_ABILITIES;
use envdesk_core::crypto;
use reqwest::Method;
use serde_json::{json, Value};

use super::support::*;

#[tokio::test]
async fn every_route_needs_its_abilities() {
    let s = TestServer::start().await;
    s.tree("app", "t", "e").await;
    let key = s.server_key("app").await;
    let blob = crypto::encrypt(&key, b"A=1\n");
    s.post(&s.o("secrets/store"), json!({"project": "app", "content": blob})).await.ok();
    let version = s.post(&s.o("secrets/versions"), json!({"project": "app"})).await.body["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let org = s.org.clone();
    let o = |p: &str| format!("{org}/{p}");
    let oo = format!("organizations/{org}");
    let rot = json!({"secrets": [], "key_check": crypto::b64(&[0; 32]), "key_check_salt": crypto::b64(&[0; 16]), "key_check_iterations": 1000});
    // (method, path, body, abilities needed)
    let routes: Vec<(Method, String, Option<Value>, Vec<&str>)> = vec![
        (Method::GET, oo.clone(), None, vec!["organization:read"]),
        (Method::PATCH, oo.clone(), Some(json!({"name": "Acme"})), vec!["organization:update"]),
        (Method::GET, format!("{oo}/api-keys"), None, vec!["api-token:read"]),
        (
            Method::POST,
            format!("{oo}/api-keys"),
            Some(json!({"name": "x", "abilities": ["project:read"]})),
            vec!["api-token:create", "project:read"],
        ),
        (Method::DELETE, format!("{oo}/api-keys/999"), None, vec!["api-token:delete"]),
        (Method::GET, o("projects"), None, vec!["project:read"]),
        (Method::POST, o("projects"), Some(json!({"name": "new-one"})), vec!["project:create"]),
        (Method::GET, o("app"), None, vec!["project:read"]),
        (Method::PATCH, o("app"), Some(json!({"description": "x"})), vec!["project:update"]),
        (Method::DELETE, o("ghost"), None, vec!["project:delete"]),
        (Method::GET, o("app/targets"), None, vec!["target:read"]),
        (Method::POST, o("ghost/targets"), Some(json!({"name": "x"})), vec!["target:create"]),
        (Method::GET, o("app/t"), None, vec!["target:read"]),
        (Method::PATCH, o("app/t"), Some(json!({"description": "x"})), vec!["target:update"]),
        (Method::DELETE, o("app/ghost"), None, vec!["target:delete"]),
        (Method::GET, o("app/t/environments"), None, vec!["environment:read"]),
        (Method::POST, o("app/ghost/environments"), Some(json!({"name": "x"})), vec!["environment:create"]),
        (Method::GET, o("app/t/e"), None, vec!["environment:read"]),
        (Method::PATCH, o("app/t/e"), Some(json!({"description": "x"})), vec!["environment:update"]),
        (Method::DELETE, o("app/t/ghost"), None, vec!["environment:delete"]),
        (Method::GET, o("app/t/e/secrets"), None, vec!["secret:read"]),
        (Method::GET, o("app/secrets?decrypt=true"), None, vec!["secret:read", "secret:decrypt"]),
        (Method::POST, o("secrets/retrieve"), Some(json!({"project": "app"})), vec!["secret:read"]),
        (
            Method::POST,
            o("secrets/retrieve"),
            Some(json!({"project": "app", "action": "decrypt"})),
            vec!["secret:decrypt"],
        ),
        (
            Method::POST,
            o("secrets/retrieve"),
            Some(json!({"project": "app", "action": "key:retrieve"})),
            vec!["key:retrieve"],
        ),
        (Method::POST, o("secrets/store"), Some(json!({"project": "ghost", "content": blob})), vec!["secret:write"]),
        (Method::POST, o("secrets/delete"), Some(json!({"project": "ghost"})), vec!["secret:write"]),
        (
            Method::POST,
            o("secrets/delete"),
            Some(json!({"project": "ghost", "no_backup": true, "confirmed": true})),
            vec!["secret:write", "secret:purge"],
        ),
        (Method::POST, o("secrets/versions"), Some(json!({"project": "app"})), vec!["secret:history"]),
        (Method::GET, o(&format!("secrets/versions/{version}")), None, vec!["secret:history"]),
        (Method::POST, o("secrets/versions/999999/restore"), Some(json!({})), vec!["secret:restore"]),
        (Method::DELETE, o("secrets/versions/999999"), None, vec!["secret:purge"]),
        (
            Method::POST,
            o("secrets/versions/purge"),
            Some(json!({"project": "ghost", "confirmed": true})),
            vec!["secret:purge"],
        ),
        (Method::GET, o("app/encryption-key"), None, vec!["key:retrieve"]),
        (Method::GET, o("app/encryption-key/history"), None, vec!["key:retrieve"]),
        (Method::POST, o("ghost/encryption-key/rotate"), Some(json!({})), vec!["key:rotate"]),
        (Method::POST, o("ghost/secrets/rotate-client-keys"), Some(rot), vec!["key:rotate"]),
        (Method::POST, o("ghost/secrets/re-encrypt-history/pending"), Some(json!({"limit": 10})), vec!["key:rotate"]),
        (
            Method::POST,
            o("ghost/secrets/re-encrypt-history"),
            Some(json!({"versions": [], "key_proof": "x"})),
            vec!["key:rotate"],
        ),
    ];
    for (method, path, body, needed) in &routes {
        for missing in needed {
            let abilities: Vec<&str> = KNOWN_ABILITIES.iter().copied().filter(|a| a != missing).collect();
            let token = s.token_with(&abilities);
            let r = s.call_as(Some(&token), method.clone(), path, body.clone()).await;
            assert_eq!(
                (r.status, r.code()),
                (403, "insufficient_permissions"),
                "{method} {path} without {missing}: {}",
                r.body
            );
        }
        let token = s.token_with(needed);
        let r = s.call_as(Some(&token), method.clone(), path, body.clone()).await;
        assert!(r.status != 403 && r.status != 401, "{method} {path} with {needed:?} got {} {}", r.status, r.body);
    }
    // The token's own organization needs no ability.
    let none = s.token_with(&["secret:read"]);
    assert_eq!(s.call_as(Some(&none), Method::GET, "organization", None).await.status, 200);
    s.stop().await;
}
