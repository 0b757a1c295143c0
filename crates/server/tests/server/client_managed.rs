//! Client-managed projects: proofs computed by envdesk-core, rotation from the client, history
//! re-encryption, and restore of versions under an old key.

use envdesk_core::crypto;
use serde_json::{json, Value};

use super::support::*;

async fn levels(s: &TestServer, path: &str) -> Value {
    s.get(&s.o(&format!("{path}/secrets"))).await.ok()["data"]["attributes"]["levels"].clone()
}

#[tokio::test]
async fn proofs_and_store() {
    let s = TestServer::start().await;
    let ck = ClientKey::new();
    let p = s.post(&s.o("projects"), ck.create_body("vault")).await;
    assert_eq!(p.body["data"]["attributes"]["encryption_type"], "client");
    s.post(&s.o("vault/targets"), json!({"name": "t"})).await.ok();
    let mut incomplete = ck.create_body("nope");
    incomplete.as_object_mut().unwrap().remove("key_check");
    s.post(&s.o("projects"), incomplete).await.err(422, "validation_failed");

    let blob = ck.encrypt("SECRET=1\n");
    s.post(&s.o("secrets/store"), json!({"project": "vault", "content": blob})).await.err(422, "key_proof_required");
    let wrong = ClientKey::new();
    let r = s
        .post(
            &s.o("secrets/store"),
            json!({"project": "vault", "content": wrong.encrypt("X=1"), "key_proof": wrong.proof()}),
        )
        .await;
    r.err(422, "key_proof_mismatch");
    assert!(levels(&s, "vault").await["project"]["content"].is_null(), "nothing stored");
    assert_eq!(s.post(&s.o("secrets/versions"), json!({"project": "vault"})).await.body["meta"]["total"], 0);

    let ok = s.post(&s.o("secrets/store"), json!({"project": "vault", "content": blob, "key_proof": ck.proof()})).await;
    assert_eq!(ok.ok()["data"]["revision"], 1);
    let lv = levels(&s, "vault").await;
    assert_eq!(lv["project"]["encrypted"], true);
    assert_eq!(
        crypto::decrypt_string(&ck.data, lv["project"]["content"].as_str().unwrap()).unwrap().as_str(),
        "SECRET=1\n"
    );
    // decrypt=true on a client-managed project still answers ciphertext: the server cannot decrypt.
    let g = s.get(&s.o("vault/secrets?decrypt=true")).await;
    assert_eq!(g.ok()["data"]["attributes"]["encrypted"], true);
    s.get(&s.o("vault/secrets?decrypt=true&merge=true")).await.err(422, "invalid_parameter_combination");
    s.post(&s.o("secrets/retrieve"), json!({"project": "vault", "action": "decrypt"}))
        .await
        .err(422, "invalid_parameter_combination");
    s.stop().await;
}

#[tokio::test]
async fn client_rotation_is_all_or_nothing() {
    let s = TestServer::start().await;
    let ck = ClientKey::new();
    s.post(&s.o("projects"), ck.create_body("vault")).await.ok();
    s.post(&s.o("vault/targets"), json!({"name": "t"})).await.ok();
    s.post(&s.o("vault/t/environments"), json!({"name": "e"})).await.ok();
    for (path, text) in [(json!({"project": "vault"}), "P=1\n"), (json!({"project": "vault", "target": "t"}), "T=1\n")]
    {
        let mut b = path;
        b["content"] = json!(ck.encrypt(text));
        b["key_proof"] = json!(ck.proof());
        s.post(&s.o("secrets/store"), b).await.ok();
    }
    let before = levels(&s, "vault/t/e").await;
    let ids: Vec<String> = ["project", "target"].iter().map(|l| before[l]["id"].as_str().unwrap().to_owned()).collect();
    assert!(before["environment"]["id"].is_null(), "never written: no id");
    let new = ClientKey::new();
    let body = |secrets: Value, proof: &str| {
        json!({
            "secrets": secrets,
            "key_check": new.check.key_check,
            "key_check_salt": new.check.key_check_salt,
            "key_check_iterations": new.check.key_check_iterations,
            "key_proof": proof,
        })
    };
    let full =
        json!([{"id": ids[0], "content": new.encrypt("P=1\n")}, {"id": ids[1], "content": new.encrypt("T=1\n")}]);
    // Interrupted: a blob missing, a bad blob, an unknown id, a wrong current proof → nothing changes.
    s.post(&s.o("vault/secrets/rotate-client-keys"), body(json!([full[0]]), &ck.proof()))
        .await
        .err(422, "validation_failed");
    let bad = json!([full[0], {"id": ids[1], "content": "%%%"}]);
    s.post(&s.o("vault/secrets/rotate-client-keys"), body(bad, &ck.proof())).await.err(422, "validation_failed");
    let unknown = json!([full[0], full[1], {"id": "01ARZ3NDEKTSV4RRFFQ69G5FAV", "content": new.encrypt("X")}]);
    s.post(&s.o("vault/secrets/rotate-client-keys"), body(unknown, &ck.proof())).await.err(422, "validation_failed");
    s.post(&s.o("vault/secrets/rotate-client-keys"), body(full.clone(), &ClientKey::new().proof()))
        .await
        .err(422, "key_proof_mismatch");
    assert_eq!(levels(&s, "vault/t/e").await, before, "every failed rotation changed nothing");
    assert_eq!(s.get(&s.o("vault/encryption-key/history")).await.body["data"].as_array().unwrap().len(), 1);

    let r = s.post(&s.o("vault/secrets/rotate-client-keys"), body(full, &ck.proof())).await;
    assert_eq!(r.ok()["data"]["count"], 2);
    assert_eq!(r.body["success"], true);
    let after = levels(&s, "vault/t").await;
    assert_eq!(
        crypto::decrypt_string(&new.data, after["target"]["content"].as_str().unwrap()).unwrap().as_str(),
        "T=1\n"
    );
    // The old key no longer writes.
    s.post(&s.o("secrets/store"), json!({"project": "vault", "content": ck.encrypt("P=2"), "key_proof": ck.proof()}))
        .await
        .err(422, "key_proof_mismatch");

    // History: versions under key 1 are pending; re-encrypt them in batches.
    let pending = s.post(&s.o("vault/secrets/re-encrypt-history/pending"), json!({"limit": 1})).await;
    assert_eq!(pending.ok()["data"].as_array().unwrap().len(), 1);
    assert_eq!(pending.body["meta"]["remaining"], 1);
    let item = &pending.body["data"][0];
    assert!(item["id"].is_u64(), "re-encrypt ids are integers");
    assert_eq!(item["key_version"], "1");
    let plain = crypto::decrypt(&ck.data, item["content"].as_str().unwrap()).unwrap();
    let sub = json!({"versions": [{"id": item["id"], "content": crypto::encrypt(&new.data, &plain)}], "key_proof": ck.proof()});
    s.post(&s.o("vault/secrets/re-encrypt-history"), sub.clone()).await.err(422, "key_version_conflict");
    let mut sub = sub;
    sub["key_proof"] = json!(new.proof());
    let r = s.post(&s.o("vault/secrets/re-encrypt-history"), sub).await;
    assert_eq!(r.ok()["data"], json!({"updated": 1, "remaining": 1}));
    s.stop().await;
}

#[tokio::test]
async fn restore_of_a_version_under_an_old_key() {
    let s = TestServer::start().await;
    let ck = ClientKey::new();
    s.post(&s.o("projects"), ck.create_body("vault")).await.ok();
    s.post(
        &s.o("secrets/store"),
        json!({"project": "vault", "content": ck.encrypt("OLD=1\n"), "key_proof": ck.proof()}),
    )
    .await
    .ok();
    let id = levels(&s, "vault").await["project"]["id"].as_str().unwrap().to_owned();
    let new = ClientKey::new();
    s.post(
        &s.o("vault/secrets/rotate-client-keys"),
        json!({"secrets": [{"id": id, "content": new.encrypt("OLD=1\n")}], "key_check": new.check.key_check,
               "key_check_salt": new.check.key_check_salt, "key_check_iterations": new.check.key_check_iterations,
               "key_proof": ck.proof()}),
    )
    .await
    .ok();
    let versions = s.post(&s.o("secrets/versions"), json!({"project": "vault"})).await;
    let old = versions.ok()["data"].as_array().unwrap().iter().find(|v| v["attributes"]["key_version"] == "1").unwrap()
        ["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = s.o(&format!("secrets/versions/{old}/restore"));
    s.post(&path, json!({})).await.err(422, "content_required_for_old_key");
    s.post(&path, json!({"content": new.encrypt("OLD=1\n"), "key_proof": ck.proof()}))
        .await
        .err(422, "key_proof_mismatch");
    let r = s.post(&path, json!({"content": new.encrypt("OLD=1\n"), "key_proof": new.proof()})).await;
    r.ok();
    let lv = levels(&s, "vault").await;
    assert_eq!(
        crypto::decrypt_string(&new.data, lv["project"]["content"].as_str().unwrap()).unwrap().as_str(),
        "OLD=1\n"
    );
    s.stop().await;
}
