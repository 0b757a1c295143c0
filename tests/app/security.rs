//! Regression tests of issue 10's app holes (2, 3, 4, 9, 12, 16, 18), through `AppCore` and the IPC
//! argument types, without a window.

use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use envdesk_api::NodePath;
use envdesk_app::app::args::{ImportHandle, IpcPath, NewKey, Secret, Slug, VersionId};
use envdesk_app::app::confirm::Answer;
use envdesk_app::app::core::{AppCore, LOCAL, MAX_IMPORT_BYTES};
use envdesk_app::app::dto::{DiffSource, TextEdit};
use envdesk_app::app::error::Code;
use envdesk_app::app::settings::{MemorySettings, Settings};
use envdesk_app::commands::{run, ConnRef, CreateProject, Ctx, HistoryPage, ProjectRef, ReadNode};
use envdesk_client::vault::ImportMode;
use envdesk_client::{KeyStore, MemoryKeyStore};
use serde_json::json;

use super::{env, host, tree};

fn project_ref() -> ProjectRef {
    ProjectRef { conn: LOCAL.into(), project: Slug::parse("app").unwrap() }
}

// ------------------------------------------------------------------ hole 2: no path from the webview

#[tokio::test]
async fn an_import_handle_not_issued_is_refused() {
    let (ctx, dir, _) = host();
    let core = &ctx.core;
    tree(&ctx).await;
    // A path where the handle goes does not even deserialize.
    assert!(serde_json::from_value::<ImportHandle>(json!("/home/user/.ssh/config.env")).is_err());
    // Nothing chosen yet: no handle is valid.
    let e = core.preview_import(LOCAL, &env(), ImportHandle(1)).await.err().unwrap();
    assert_eq!(e.code, Code::Invalid);
    let file = dir.path().join("in.env");
    std::fs::write(&file, "C=3\n").unwrap();
    let chosen = core.choose_import(&file).unwrap();
    assert_eq!(chosen.name, "in.env", "the page gets the file's name, not its path");
    // A guessed neighbour of the issued handle is refused.
    let other = ImportHandle(chosen.handle.0 + 1);
    assert_eq!(core.preview_import(LOCAL, &env(), other).await.err().unwrap().code, Code::Invalid);
    assert_eq!(core.apply_import(LOCAL, &env(), other, ImportMode::Merge).await.err().unwrap().code, Code::Invalid);
    // The issued one works until it is used, then it is forgotten.
    core.preview_import(LOCAL, &env(), chosen.handle).await.unwrap();
    core.apply_import(LOCAL, &env(), chosen.handle, ImportMode::Merge).await.unwrap();
    assert_eq!(core.preview_import(LOCAL, &env(), chosen.handle).await.err().unwrap().code, Code::Invalid);
    // Locking forgets a chosen file (its bytes are plaintext).
    let chosen = core.choose_import(&file).unwrap();
    core.lock_all().await;
    assert_eq!(core.preview_import(LOCAL, &env(), chosen.handle).await.err().unwrap().code, Code::Invalid);
    // A choice replaces the previous one.
    let first = core.choose_import(&file).unwrap();
    let second = core.choose_import(&file).unwrap();
    assert_ne!(first.handle, second.handle);
    assert_eq!(core.preview_import(LOCAL, &env(), first.handle).await.err().unwrap().code, Code::Invalid);
}

#[tokio::test]
async fn the_preview_shows_the_bytes_that_are_imported() {
    let (ctx, dir, _) = host();
    let core = &ctx.core;
    tree(&ctx).await;
    let file = dir.path().join("in.env");
    std::fs::write(&file, "A=previewed\n").unwrap();
    let chosen = core.choose_import(&file).unwrap();
    core.preview_import(LOCAL, &env(), chosen.handle).await.unwrap();
    // The file changes (or becomes a link elsewhere) after the preview: what was shown is imported.
    std::fs::write(&file, "A=swapped\n").unwrap();
    core.apply_import(LOCAL, &env(), chosen.handle, ImportMode::Merge).await.unwrap();
    assert_eq!(super::read(&ctx, &env()).await.levels[2].text.as_deref(), Some("A=previewed\n"));
}

#[tokio::test]
async fn an_import_file_over_the_limit_is_refused() {
    let (ctx, dir, _) = host();
    let core = &ctx.core;
    let file = dir.path().join("big.env");
    let f = std::fs::File::create(&file).unwrap();
    f.set_len(MAX_IMPORT_BYTES + 1).unwrap();
    assert_eq!(core.choose_import(&file).unwrap_err().code, Code::ImportFailed);
}

#[tokio::test]
async fn a_dropped_file_becomes_a_handle_and_its_path_stays_here() {
    let (ctx, dir, _) = host();
    let core = &ctx.core;
    tree(&ctx).await;
    let file = dir.path().join(".env.local");
    std::fs::write(&file, "DROPPED=1\n").unwrap();
    let dropped = core.drop_import(std::slice::from_ref(&file)).unwrap();
    assert_eq!(dropped.name, ".env.local", "the page gets the file's name, not its path");
    // The event the page gets: a handle and a name, nothing of the directory.
    let event = serde_json::to_string(&envdesk_app::app::dto::DroppedFileDto::from(Ok(dropped.clone()))).unwrap();
    assert!(!event.contains(&*dir.path().to_string_lossy()), "{event}");
    // The handle works like one from the open dialog, and replaces an earlier choice.
    let preview = core.preview_import(LOCAL, &env(), dropped.handle).await.unwrap();
    assert_eq!(preview.incoming, 1);
    core.apply_import(LOCAL, &env(), dropped.handle, ImportMode::Merge).await.unwrap();
    assert!(super::read(&ctx, &env()).await.levels[2].text.as_deref().unwrap().contains("DROPPED=1"));
    // Over the limit, a folder, several files, nothing: refused, and no handle issued.
    let big = dir.path().join("big.env");
    std::fs::File::create(&big).unwrap().set_len(MAX_IMPORT_BYTES + 1).unwrap();
    let refused = core.drop_import(std::slice::from_ref(&big)).unwrap_err();
    assert_eq!(refused.code, Code::ImportFailed);
    assert!(refused.message.contains("larger than 8 MiB"), "{}", refused.message);
    let event = envdesk_app::app::dto::DroppedFileDto::from(Err(refused));
    assert!(event.file.is_none() && event.error.is_some());
    for paths in [vec![dir.path().to_path_buf()], vec![file.clone(), file.clone()], vec![]] {
        assert_eq!(core.drop_import(&paths).unwrap_err().code, Code::ImportFailed, "{paths:?}");
    }
    let e = core.preview_import(LOCAL, &env(), ImportHandle(dropped.handle.0 + 1)).await.err().unwrap();
    assert_eq!(e.code, Code::Invalid);
}

// ------------------------------------------------------------------ hole 3: slugs and version ids

#[test]
fn version_ids_are_refused_at_deserialization_unless_numeric() {
    for bad in [
        "../../app",
        "5?force=true",
        "5/restore",
        "",
        "0",
        "-1",
        "+5",
        " 5",
        "5 ",
        "5#",
        "%35",
        "1e3",
        "99999999999999999999",
        "01ARZ3NDEKTSV4RRFFQ69G5FAV",
    ] {
        assert!(serde_json::from_value::<VersionId>(json!(bad)).is_err(), "{bad:?} accepted as a version id");
    }
    assert!(serde_json::from_value::<VersionId>(json!(5)).is_err(), "a number is not the id's string");
    for good in ["1", "5", "9223372036854775807"] {
        assert_eq!(serde_json::from_value::<VersionId>(json!(good)).unwrap().as_str(), good);
    }
    // Inside a diff source (this type existed before: it took any string).
    let v = json!({"kind": "version", "path": {"project": "app"}, "id": "../../app"});
    assert!(serde_json::from_value::<DiffSource>(v).is_err());
    let v = json!({"kind": "version", "path": {"project": "app"}, "id": "5?force=true"});
    assert!(serde_json::from_value::<DiffSource>(v).is_err());
}

#[test]
fn slugs_and_paths_are_refused_at_deserialization_unless_slugs() {
    let long = "a".repeat(65);
    for bad in ["../../app", "..", "app/x", "App", "a b", "a?x=1", "a%2F", "", "projects", "secrets", long.as_str()] {
        assert!(serde_json::from_value::<Slug>(json!(bad)).is_err(), "{bad:?} accepted as a slug");
        let p = json!({"project": bad});
        assert!(serde_json::from_value::<IpcPath>(p).is_err(), "{bad:?} accepted as a project");
        let p = json!({"project": "app", "target": "backend", "environment": bad});
        assert!(serde_json::from_value::<IpcPath>(p).is_err(), "{bad:?} accepted as an environment");
    }
    for good in ["app", "backend-2", "a", &"a".repeat(64)] {
        assert_eq!(serde_json::from_value::<Slug>(json!(good)).unwrap().as_str(), good);
    }
    let p: IpcPath =
        serde_json::from_value(json!({"project": "app", "target": "backend", "environment": null})).unwrap();
    assert_eq!(p.node(), NodePath::target("app", "backend"));
    // An environment needs its target.
    assert!(serde_json::from_value::<IpcPath>(json!({"project": "app", "environment": "prod"})).is_err());
    // Inside a diff source (this type existed before: it took any path).
    let v = json!({"kind": "level", "path": {"project": "../../app"}});
    assert!(serde_json::from_value::<DiffSource>(v).is_err());
    // The error does not echo the value.
    let e = serde_json::from_value::<Slug>(json!("x".repeat(10_000))).unwrap_err().to_string();
    assert!(e.len() < 200, "{e}");
}

// ------------------------------------------------------------------ hole 4: the keychain

#[test]
fn the_keychain_is_the_secret_service_and_a_mock_store_is_refused() {
    use keyring::credential::CredentialPersistence;
    let builder = keyring::default::default_credential_builder();
    assert!(
        builder.as_any().is::<keyring::secret_service::SsCredentialBuilder>(),
        "the default store must be the Secret Service alone, not the kernel keyring: {builder:?}"
    );
    envdesk_app::app::keychain::check_store().unwrap();
    let e = envdesk_app::app::keychain::check_persistence(CredentialPersistence::EntryOnly).unwrap_err();
    assert!(e.contains("lost on exit"), "{e}");
    assert!(envdesk_app::app::keychain::check_persistence(CredentialPersistence::ProcessOnly).is_err());
    assert!(envdesk_app::app::keychain::check_persistence(CredentialPersistence::UntilReboot).is_err());
}

/// An entry as keyring 3's `linux-native-sync-persistent` store left it: a user key in the session
/// keyring, linked into the user's persistent keyring.
fn old_entry(service: &str, name: &str, secret: &str) -> linux_keyutils::Key {
    use linux_keyutils::{KeyRing, KeyRingIdentifier};
    // The persistent keyring first: asking for it gives a process without a session keyring (a test
    // runner outside a login session) one, which then stays.
    let persistent = KeyRing::get_persistent(KeyRingIdentifier::Session);
    let session = KeyRing::from_special_id(KeyRingIdentifier::Session, false).unwrap();
    let key = session.add_key(&format!("keyring-rs:{name}@{service}"), secret.as_bytes()).unwrap();
    // Where the kernel lets this process use the persistent keyring (a container may not).
    if let Ok(persistent) = persistent {
        let _ = persistent.link_key(key);
    }
    key
}

fn in_kernel(service: &str, name: &str) -> bool {
    use linux_keyutils::{KeyRing, KeyRingIdentifier};
    let d = format!("keyring-rs:{name}@{service}");
    // Invalidation is asynchronous in the kernel; give it a moment.
    for _ in 0..50 {
        let found = [KeyRingIdentifier::Session, KeyRingIdentifier::UserSession, KeyRingIdentifier::User]
            .into_iter()
            .filter_map(|id| KeyRing::from_special_id(id, false).ok())
            .chain(KeyRing::get_persistent(KeyRingIdentifier::Session).ok())
            .any(|r| r.search(&d).is_ok());
        if !found {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    true
}

#[test]
fn entries_left_in_the_kernel_keyring_move_to_the_keychain() {
    if linux_keyutils::KeyRing::from_special_id(linux_keyutils::KeyRingIdentifier::Session, false).is_err() {
        eprintln!("no kernel session keyring here: skipped");
        return;
    }
    let service = format!("envdesk-test-{}-{}", std::process::id(), chrono::Utc::now().timestamp_nanos_opt().unwrap());
    old_entry(&service, "token:conn-1", "edk_old_token");
    old_entry(&service, "local-vault:master-key", "kernel-copy");
    // Another service's entry is not ours.
    let other = format!("{service}-other");
    old_entry(&other, "token:conn-1", "someone else's");
    let keychain = MemoryKeyStore::new();
    keychain.set("local-vault:master-key", "keychain-copy").unwrap();

    let m = envdesk_app::app::keychain::migrate_kernel_keyring(&service, &keychain);
    assert_eq!((m.copied, m.removed, m.kept), (1, 2, 0), "{m:?}");
    assert_eq!(keychain.get("token:conn-1").unwrap().unwrap().as_str(), "edk_old_token", "copied when missing");
    assert_eq!(
        keychain.get("local-vault:master-key").unwrap().unwrap().as_str(),
        "keychain-copy",
        "an entry the keychain has wins"
    );
    assert!(!in_kernel(&service, "token:conn-1"), "removed from the kernel keyring");
    assert!(!in_kernel(&service, "local-vault:master-key"), "removed from the kernel keyring");
    assert!(in_kernel(&other, "token:conn-1"), "another service's entry stays");
    // Nothing left: a second start does nothing.
    assert_eq!(envdesk_app::app::keychain::migrate_kernel_keyring(&service, &keychain), Default::default());
    envdesk_app::app::keychain::migrate_kernel_keyring(&other, &MemoryKeyStore::new());
}

/// A keychain that cannot be reached (no Secret Service running).
struct Unavailable;
impl KeyStore for Unavailable {
    fn get(&self, _: &str) -> Result<Option<zeroize::Zeroizing<String>>, String> {
        Err("the system keychain is not available".into())
    }
    fn set(&self, _: &str, _: &str) -> Result<(), String> {
        Err("the system keychain is not available".into())
    }
    fn delete(&self, _: &str) -> Result<(), String> {
        Err("the system keychain is not available".into())
    }
}

#[test]
fn an_entry_the_keychain_cannot_take_stays_in_the_kernel_keyring() {
    if linux_keyutils::KeyRing::from_special_id(linux_keyutils::KeyRingIdentifier::Session, false).is_err() {
        eprintln!("no kernel session keyring here: skipped");
        return;
    }
    let service = format!("envdesk-test-kept-{}", std::process::id());
    old_entry(&service, "token:conn-9", "edk_kept");
    let m = envdesk_app::app::keychain::migrate_kernel_keyring(&service, &Unavailable);
    assert_eq!((m.copied, m.removed, m.kept), (0, 0, 1));
    assert!(in_kernel(&service, "token:conn-9"), "nothing is lost");
    let keychain = MemoryKeyStore::new();
    assert_eq!(envdesk_app::app::keychain::migrate_kernel_keyring(&service, &keychain).copied, 1);
    assert!(!in_kernel(&service, "token:conn-9"));
}

// ------------------------------------------------------------------ hole 9: auto-lock setting

#[tokio::test]
async fn a_changed_auto_lock_setting_holds_for_open_vaults() {
    let (ctx, _dir, _) = host();
    let core = &ctx.core;
    tree(&ctx).await;
    assert!(run::key_state(&ctx, project_ref()).await.unwrap().unlocked);
    // Opened with 15 minutes; the user sets 1.
    core.set_settings(Settings { auto_lock_minutes: 1, ..Settings::default() }).await.unwrap();
    let now = Instant::now();
    assert!(!core.check_idle_at(now + Duration::from_secs(30)).await, "not idle for a minute yet");
    assert!(core.check_idle_at(now + Duration::from_secs(61)).await, "the new setting locks the open vault");
    assert!(!core.check_idle_at(now + Duration::from_secs(62)).await, "reported once per idle period");
    assert!(!run::key_state(&ctx, project_ref()).await.unwrap().unlocked);

    // Never: an open vault stays unlocked.
    run::unlock(&ctx, project_ref()).await.unwrap();
    assert!(run::key_state(&ctx, project_ref()).await.unwrap().unlocked);
    core.set_settings(Settings { auto_lock_minutes: 0, ..Settings::default() }).await.unwrap();
    assert!(!core.check_idle_at(Instant::now() + Duration::from_secs(86_400)).await);
    assert!(run::key_state(&ctx, project_ref()).await.unwrap().unlocked);
}

#[tokio::test]
async fn using_a_connection_after_its_idle_time_locks_it_first() {
    let (ctx, _dir, _) = host();
    let core = &ctx.core;
    tree(&ctx).await;
    core.set_settings(Settings { auto_lock_minutes: 1, ..Settings::default() }).await.unwrap();
    assert!(run::key_state(&ctx, project_ref()).await.unwrap().unlocked, "used within the minute");
}

// ------------------------------------------------------------------ hole 12: the data directory

#[test]
fn the_data_directory_is_private_and_settings_owner_only() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let settings = envdesk_app::app::files::prepare_data_dir(&data).unwrap();
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&settings), 0o600);
    assert_eq!(std::fs::read_to_string(&settings).unwrap(), "{}");
    // An earlier version's modes are tightened; the content stays.
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(&settings, r#"{"settings":{}}"#).unwrap();
    std::fs::set_permissions(&settings, std::fs::Permissions::from_mode(0o644)).unwrap();
    envdesk_app::app::files::prepare_data_dir(&data).unwrap();
    assert_eq!((mode(&data), mode(&settings)), (0o700, 0o600));
    assert_eq!(std::fs::read_to_string(&settings).unwrap(), r#"{"settings":{}}"#);
}

// ------------------------------------------------------------------ hole 16: secrets from IPC

#[tokio::test]
async fn secrets_from_ipc_never_show_in_debug() {
    let s: Secret = serde_json::from_value(json!("edk_supersecret")).unwrap();
    assert_eq!(s.expose(), "edk_supersecret");
    assert!(!format!("{s:?}").contains("supersecret"));
    let edit = TextEdit::Set { key: "DB_PASSWORD".into(), value: "hunter2".into() };
    let shown = format!("{edit:?}");
    assert!(shown.contains("DB_PASSWORD") && !shown.contains("hunter2"), "{shown}");
    let (ctx, _dir, _) = host();
    let created =
        run::create_project(&ctx, CreateProject { conn: LOCAL.into(), name: "app".into(), key: NewKey::Generate })
            .await
            .unwrap();
    let key = created.key_to_back_up.as_ref().unwrap().expose().to_owned();
    assert!(!format!("{created:?}").contains(&key));
    assert!(serde_json::to_string(&created).unwrap().contains(&key), "sent once to the UI for the backup");
}

// ------------------------------------------------------------------ hole 18: native confirmation

async fn remote(core: &AppCore) -> (String, envdesk_server::Running, tempfile::TempDir) {
    let (running, org, token, sdir) = super::team_server().await;
    let c = core.add_connection("Team", &running.url(), &org.id, &Secret::new(token.token.as_str())).await.unwrap();
    (c.id, running, sdir)
}

#[tokio::test]
async fn removing_a_connection_needs_the_native_yes() {
    let dir = tempfile::tempdir().unwrap();
    let keys = Arc::new(MemoryKeyStore::new());
    let core = AppCore::new(dir.path().join("data"), keys.clone(), Arc::new(MemorySettings::default()), 1000)
        .with_confirm(Arc::new(Answer(false)));
    let (id, running, _sdir) = remote(&core).await;
    let e = core.remove_connection(&id).await.unwrap_err();
    assert_eq!(e.code, Code::Cancelled);
    assert_eq!(core.connections().len(), 2, "the connection stays");
    assert!(keys.names().contains(&format!("token:{id}")), "its token stays in the keychain");
    // Without a way to ask (the default), it is refused too.
    let core = AppCore::new(dir.path().join("data"), keys.clone(), Arc::new(MemorySettings::default()), 1000);
    assert_eq!(core.remove_connection("conn-unknown").await.err().unwrap().code, Code::NotFound);
    running.stop().await;
}

#[tokio::test]
async fn purge_and_force_delete_need_the_native_yes() {
    let dir = tempfile::tempdir().unwrap();
    let keys = Arc::new(MemoryKeyStore::new());
    let core = AppCore::new(dir.path().join("data"), keys, Arc::new(MemorySettings::default()), 1000)
        .with_confirm(Arc::new(Answer(false)));
    let ctx = Ctx::headless(Arc::new(core));
    let core = &ctx.core;
    tree(&ctx).await;
    super::save(&ctx, &env(), "A=1\n", Some(0), "").await;
    super::save(&ctx, &env(), "A=2\n", Some(1), "A=1\n").await;
    let before =
        run::history(&ctx, HistoryPage { conn: LOCAL.into(), path: super::ipc(&env()), page: 1 }).await.unwrap();
    let e = core.purge(LOCAL, &super::ipc(&env()), "production").await.unwrap_err();
    assert_eq!(e.code, Code::Cancelled);
    let id = VersionId::parse(&before.versions[0].id).unwrap();
    assert_eq!(core.delete_version(LOCAL, &id, true).await.err().unwrap().code, Code::Cancelled);
    let after =
        run::history(&ctx, HistoryPage { conn: LOCAL.into(), path: super::ipc(&env()), page: 1 }).await.unwrap();
    assert_eq!(after.meta.total, before.meta.total, "nothing was deleted");
    // A plain delete (not the only copy) is confirmed in the page alone.
    core.delete_version(LOCAL, &id, false).await.unwrap();
}

/// Hole 18: deleting a project, target or environment is asked natively too (a compromised page can
/// type the slug itself).
#[tokio::test]
async fn deleting_a_node_needs_the_native_yes() {
    let dir = tempfile::tempdir().unwrap();
    let keys = Arc::new(MemoryKeyStore::new());
    let core = AppCore::new(dir.path().join("data"), keys, Arc::new(MemorySettings::default()), 1000)
        .with_confirm(Arc::new(Answer(false)));
    let ctx = Ctx::headless(Arc::new(core));
    let core = &ctx.core;
    tree(&ctx).await;
    for path in [env(), NodePath::target("app", "backend"), NodePath::project("app")] {
        let slug = path.environment.clone().or(path.target.clone()).unwrap_or(path.project.clone());
        let e = core.delete_node(LOCAL, &super::ipc(&path), &slug).await.unwrap_err();
        assert_eq!(e.code, Code::Cancelled, "{path:?}");
    }
    assert_eq!(run::list_projects(&ctx, ConnRef { conn: LOCAL.into() }).await.unwrap().len(), 1, "nothing was deleted");
    assert!(run::read_node(&ctx, ReadNode { conn: LOCAL.into(), path: super::ipc(&env()), text_of: None, rows: 0 })
        .await
        .is_ok());
}

/// The lock screen learns what protects each key, never a key; forgetting a remembered passphrase is
/// asked natively (a compromised page must not make the user type every passphrase again unasked),
/// and a generated key is never forgotten.
#[tokio::test]
async fn unlock_methods_name_no_key_and_forgetting_needs_the_native_yes() {
    use envdesk_app::commands::UnlockMethods;
    use envdesk_client::vault::Protection;
    let dir = tempfile::tempdir().unwrap();
    let keys = Arc::new(MemoryKeyStore::new());
    let core = AppCore::new(dir.path().join("data"), keys.clone(), Arc::new(MemorySettings::default()), 1000)
        .with_confirm(Arc::new(Answer(false)));
    let ctx = Ctx::headless(Arc::new(core));
    let key = tree(&ctx).await;
    let passphrase = NewKey::Passphrase { passphrase: Secret::new("correct horse battery staple") };
    run::create_project(&ctx, CreateProject { conn: LOCAL.into(), name: "pp".into(), key: passphrase }).await.unwrap();
    run::lock_all(&ctx).await.unwrap();
    let asked = UnlockMethods { conn: LOCAL.into(), project: Some(Slug::parse("pp").unwrap()) };
    let methods = run::unlock_methods(&ctx, asked).await.unwrap();
    let sent = serde_json::to_string(&methods).unwrap();
    assert!(!sent.contains(&key) && !sent.contains("correct horse"), "{sent}");
    assert_eq!(
        sent,
        r#"[{"project":"pp","protection":"keychain","remembered_passphrase":true},{"project":"app","protection":"keychain","remembered_passphrase":false}]"#
    );
    let pp = ProjectRef { conn: LOCAL.into(), project: Slug::parse("pp").unwrap() };
    assert_eq!(run::forget_key(&ctx, pp).await.unwrap_err().code, Code::Cancelled);
    // A generated key: refused before any question is put (the "no" above would say cancelled).
    assert_eq!(run::forget_key(&ctx, project_ref()).await.unwrap_err().code, Code::Invalid);
    let before = keys.names();
    assert_eq!(before.iter().filter(|n| n.starts_with("client-key:")).count(), 2, "the native no keeps it");
    // With the native yes: the passphrase goes; the generated key stays whatever is answered.
    let core = AppCore::new(dir.path().join("data"), keys.clone(), Arc::new(MemorySettings::default()), 1000)
        .with_confirm(Arc::new(Answer(true)));
    let ctx = Ctx::headless(Arc::new(core));
    let pp = ProjectRef { conn: LOCAL.into(), project: Slug::parse("pp").unwrap() };
    assert_eq!(run::forget_key(&ctx, pp).await.unwrap().protection, Protection::Passphrase);
    assert_eq!(run::forget_key(&ctx, project_ref()).await.unwrap_err().code, Code::Invalid);
    assert_eq!(keys.names().iter().filter(|n| n.starts_with("client-key:")).count(), 1);
    let e = run::unlock(&ctx, ProjectRef { conn: LOCAL.into(), project: Slug::parse("pp").unwrap() }).await;
    assert_eq!(e.unwrap_err().code, Code::KeyNeeded, "unlocking asks for the passphrase again");
}
