//! PBKDF2's results remembered in the key store (`VaultOptions::remember_derived`, the command line),
//! on both backends: written for a key from the key store, used by the next process, never for a key
//! typed and not remembered, and a corrupted entry is removed rather than trusted.

use envdesk_client::keystore::names;
use envdesk_client::vault::NewProjectKey;
use envdesk_client::{ClientError, KeyStore, VaultOptions};

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
        entry.starts_with("v1 ")
            && !entry.contains(e.keys.get(&names::client_key(&conn, &app)).unwrap().unwrap().as_str())
    );
    let again = cli();
    again.unlock("app").await.unwrap();
    assert!(again.read_node(&envdesk_api::NodePath::project("app")).await.is_ok());

    // A passphrase typed (not remembered): nothing written.
    e.keys.delete(&names::client_key(&conn, &pw)).unwrap();
    cli().unlock_with_key("pw", "correct horse battery", false).await.unwrap();
    assert!(memo(&pw).is_none(), "a typed passphrase leaves no derivation behind");

    // A damaged entry (its data key changed) is not used: derived again, and written anew.
    let mut parts: Vec<String> = entry.split(' ').map(str::to_owned).collect();
    parts[2] = "00".repeat(32);
    e.keys.set(&names::derived(&conn, &app), &parts.join(" ")).unwrap();
    cli().unlock("app").await.unwrap();
    assert_eq!(memo(&app).as_deref().map(|s| s.as_str()), Some(entry.as_str()), "derived again and rewritten");
    // One damaged with a matching checksum (made by hand) is refused like a wrong key, and removed.
    crate::cases::save(&e.vault, &envdesk_api::NodePath::project("app"), "A=1\n").await;
    let forged = envdesk_client::vault::memo_entry_for_tests(&parts[1], &[0u8; 32], Some(&parts[3]));
    e.keys.set(&names::derived(&conn, &app), &forged).unwrap();
    let err = cli().unlock("app").await.unwrap_err();
    assert!(matches!(err, ClientError::WrongKey { .. }), "{err:?}");
    assert!(memo(&app).is_none(), "removed");
    cli().unlock("app").await.unwrap();
    assert!(memo(&app).is_some(), "derived again and remembered");
}
