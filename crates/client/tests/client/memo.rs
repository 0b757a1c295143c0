//! PBKDF2's results remembered in the key store (`VaultOptions::remember_derived`, the command line),
//! on both backends: written for a generated key from the key store, used by the next process, never
//! for a passphrase, and an entry that is damaged or fails the unlock's checks is not trusted.

use envdesk_client::keystore::names;
use envdesk_client::vault::NewProjectKey;
use envdesk_client::{KeyStore, VaultOptions};

use crate::conformance;
use crate::harness::Env;

conformance!(derivations_are_remembered_only_for_keys_from_the_key_store);

async fn derivations_are_remembered_only_for_keys_from_the_key_store(e: &Env) {
    e.vault.create_project("app", Some("app"), NewProjectKey::Generate).await.unwrap();
    e.vault
        .create_project("pw", Some("pw"), NewProjectKey::Passphrase("correct horse battery".to_owned().into()))
        .await
        .unwrap();
    let ulid = |slug: &str| {
        let slug = slug.to_owned();
        async move { e.vault.projects().await.unwrap().into_iter().find(|p| p.slug == slug).unwrap().id }
    };
    let (app, pw) = (ulid("app").await, ulid("pw").await);
    let conn = e.vault.connection().to_owned();
    let memo = |u: &str| e.keys.get(&names::derived(&conn, u)).unwrap();
    let cli = || e.fresh_vault_with(VaultOptions { remember_derived: true, ..crate::harness::opts() });

    // The app's vault remembers nothing.
    e.fresh_vault().unlock("app").await.unwrap();
    assert!(memo(&app).is_none());
    // The command line's does, for the key from the key store; the next one unlocks with it.
    cli().unlock("app").await.unwrap();
    let entry = memo(&app).expect("remembered");
    assert!(
        entry.starts_with("v2 ")
            && !entry.contains(e.keys.get(&names::client_key(&conn, &app)).unwrap().unwrap().as_str())
    );
    let again = cli();
    again.unlock("app").await.unwrap();
    assert!(again.read_node(&envdesk_api::NodePath::project("app")).await.is_ok());

    // A passphrase, remembered or typed: nothing written (its fingerprint would be a fast hash of it).
    cli().unlock("pw").await.unwrap();
    assert!(memo(&pw).is_none(), "a remembered passphrase leaves no derivation behind");
    e.keys.delete(&names::client_key(&conn, &pw)).unwrap();
    cli().unlock_with_key("pw", "correct horse battery", false).await.unwrap();
    assert!(memo(&pw).is_none(), "a typed passphrase leaves no derivation behind");

    // A damaged entry (its data key changed) is not used: derived again, and written anew.
    let mut parts: Vec<String> = entry.split(' ').map(str::to_owned).collect();
    parts[2] = "00".repeat(32);
    e.keys.set(&names::derived(&conn, &app), &parts.join(" ")).unwrap();
    cli().unlock("app").await.unwrap();
    assert_eq!(memo(&app).as_deref().map(|s| s.as_str()), Some(entry.as_str()), "derived again and rewritten");
    // One that passes its MAC but holds a wrong data key (only the key's holder could write it): the
    // unlock's checks refuse it, it is removed, and the key is derived again in the same unlock.
    crate::cases::save(&e.vault, &envdesk_api::NodePath::project("app"), "A=1\n").await;
    let key = e.keys.get(&names::client_key(&conn, &app)).unwrap().unwrap();
    let forged = envdesk_client::vault::memo_entry_for_tests(&parts[1], &key, &[0u8; 32], Some(&parts[3]));
    e.keys.set(&names::derived(&conn, &app), &forged).unwrap();
    let v = cli();
    v.unlock("app").await.unwrap();
    assert!(v.read_node(&envdesk_api::NodePath::project("app")).await.is_ok(), "unlocked with the right key");
    assert_eq!(memo(&app).as_deref().map(|s| s.as_str()), Some(entry.as_str()), "replaced by the right one");
}
