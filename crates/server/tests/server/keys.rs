//! Encryption keys: descriptor, history, server-managed rotation.

use envdesk_core::crypto;
use serde_json::{json, Value};

use super::support::*;

#[tokio::test]
async fn descriptor_history_and_server_rotation() {
    let s = TestServer::start().await;
    s.tree("app", "t", "e").await;
    let key = s.server_key("app").await;
    s.post(&s.o("secrets/store"), json!({"project": "app", "content": crypto::encrypt(&key, b"A=1\n")})).await.ok();
    s.post(&s.o("secrets/store"), json!({"project": "app", "target": "t", "content": crypto::encrypt(&key, b"B=2\n")}))
        .await
        .ok();

    let d = s.get(&s.o("app/encryption-key")).await;
    let attrs = &d.ok()["data"]["attributes"];
    assert_eq!((attrs["format"].as_str(), attrs["encrypted"].as_bool()), (Some("json"), Some(false)));
    let content: Value = serde_json::from_str(attrs["content"].as_str().unwrap()).unwrap();
    assert_eq!(content["key"]["managed"], "server");
    assert_eq!(content["key"]["version"], 1, "the descriptor's version is a number");
    assert_eq!(content["key"]["key"].as_str().unwrap().len(), 64);

    let r = s.post(&s.o("app/encryption-key/rotate"), json!({"history_policy": "keep"})).await;
    let k = &r.ok()["data"]["key"]["attributes"];
    assert_eq!(k["version"], "2");
    assert!(k["id"].is_u64());
    let new_key = s.server_key("app").await;
    let g = s.get(&s.o("app/t/secrets")).await;
    let lv = &g.ok()["data"]["attributes"]["levels"];
    for (level, text) in [("project", "A=1\n"), ("target", "B=2\n")] {
        let blob = lv[level]["content"].as_str().unwrap();
        assert_eq!(crypto::decrypt_string(&new_key, blob).unwrap().as_str(), text, "{level} re-encrypted");
        assert!(crypto::decrypt(&key, blob).is_err());
    }
    let h = s.get(&s.o("app/encryption-key/history")).await;
    let items = h.ok()["data"].as_array().unwrap();
    assert_eq!(items[0]["version"], "2");
    assert_eq!(items[0]["is_active"], true);
    assert!(items[1]["rotated_at"].is_string());
    assert!(items.iter().all(|i| i.get("key").is_none()), "history never has key material");

    // keep: the old version is still under key 1; the server restores it by re-encrypting.
    let versions = s.post(&s.o("secrets/versions"), json!({"project": "app"})).await;
    let old = versions.ok()["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["attributes"]["key_version"] == "1")
        .unwrap()
        .clone();
    let r = s.post(&s.o(&format!("secrets/versions/{}/restore", old["id"].as_str().unwrap())), json!({})).await;
    r.ok();
    let g = s.get(&s.o("app/secrets?decrypt=true")).await;
    assert_eq!(g.ok()["data"]["attributes"]["levels"]["project"]["content"], "A=1\n");

    // re_encrypt: every version moves to the new key.
    s.post(&s.o("app/encryption-key/rotate"), json!({"history_policy": "re_encrypt"})).await.ok();
    let versions = s.post(&s.o("secrets/versions"), json!({"project": "app", "per_page": 100})).await;
    assert!(versions.ok()["data"].as_array().unwrap().iter().all(|v| v["attributes"]["key_version"] == "3"));

    // Client-managed projects rotate from the client.
    let ck = ClientKey::new();
    s.post(&s.o("projects"), ck.create_body("cli")).await.ok();
    s.post(&s.o("cli/encryption-key/rotate"), json!({})).await.err(400, "client_managed_encryption");
    s.stop().await;
}

#[tokio::test]
async fn key_check_only_for_rotators() {
    let s = TestServer::start().await;
    let ck = ClientKey::new();
    s.post(&s.o("projects"), ck.create_body("cli")).await.ok();
    let reader = s.token_with(&["key:retrieve"]);
    let h = s.call_as(Some(&reader), reqwest::Method::GET, &s.o("cli/encryption-key/history"), None).await;
    assert!(h.ok()["data"][0].get("key_check").is_none(), "hardening: no proof without key:rotate");
    let h = s.get(&s.o("cli/encryption-key/history")).await;
    assert_eq!(h.ok()["data"][0]["key_check"], ck.check.key_check.as_str());
    let d = s.get(&s.o("cli/encryption-key")).await;
    let content: Value = serde_json::from_str(d.ok()["data"]["attributes"]["content"].as_str().unwrap()).unwrap();
    assert_eq!(content["key"]["managed"], "client");
    assert!(content["key"].get("key").is_none(), "a client-managed descriptor has no key");
    assert_eq!(content["key"]["key_check_salt"], ck.check.key_check_salt.as_str());
    s.stop().await;
}
