//! The cases, each run on both backends.

use envdesk_api::{ErrorCode, NodePath, StoreRequest};
use envdesk_client::vault::{
    ExportSource, ImportMode, NewProjectKey, NoProgress, Progress, Protection, SaveOutcome, UnlockMethod,
};
use envdesk_client::{ClientError, KeyStore, Vault};
use envdesk_core::crypto;
use envdesk_core::export::Format;
use envdesk_core::merge::LevelKind;
use zeroize::Zeroizing;

use crate::conformance;
use crate::harness::{Env, Kind};

conformance!(
    tree,
    client_keys,
    read_merge_save,
    conflict_three_way,
    tampered_blob,
    drafts_after_crash,
    server_gone_mid_save,
    history,
    import_export,
    rotation,
    rotation_interrupted,
    idle_lock,
    unlock_methods,
);

pub(crate) fn env_path() -> NodePath {
    NodePath::environment("app", "backend", "production")
}

/// A client-managed project `app` with target `backend` and environment `production`.
pub(crate) async fn client_tree(v: &Vault) -> Zeroizing<String> {
    let created = v.create_project("app", None, NewProjectKey::Generate).await.unwrap();
    v.create_target("app", "backend", None).await.unwrap();
    v.create_environment("app", "backend", "production", None, Some("production")).await.unwrap();
    created.key_to_back_up.unwrap()
}

pub(crate) async fn save(v: &Vault, path: &NodePath, text: &str) -> u64 {
    let node = v.read_node(path).await.unwrap();
    let level = node.levels.last().unwrap();
    match v.save_level(path, text, level.revision, &level.text).await.unwrap() {
        SaveOutcome::Saved { revision } => revision.expect("our server counts revisions"),
        SaveOutcome::Conflict(_) => panic!("unexpected conflict"),
    }
}

async fn tree(e: &Env) {
    let v = &e.vault;
    let p = v.create_project("Billing", None, NewProjectKey::ServerManaged).await.unwrap();
    assert_eq!(p.info.slug, "billing");
    assert!(p.key_to_back_up.is_none());
    client_tree(v).await;
    let projects = v.projects().await.unwrap();
    let slugs: Vec<_> = projects.iter().map(|p| (p.slug.as_str(), p.managed)).collect();
    use envdesk_client::vault::Managed::*;
    assert!(slugs.contains(&("app", Some(Client))) && slugs.contains(&("billing", Some(Server))));
    assert_eq!(v.targets("app").await.unwrap()[0].slug, "backend");
    assert_eq!(v.environments("app", "backend").await.unwrap()[0].status.as_deref(), Some("production"));
    let renamed = v.rename(&NodePath::target("app", "backend"), "API", Some("api")).await.unwrap();
    assert_eq!(renamed.slug, "api");
    v.create_environment("app", "api", "staging", None, None).await.unwrap();
    v.delete_node(&NodePath::environment("app", "api", "staging")).await.unwrap();
    assert_eq!(v.environments("app", "api").await.unwrap().len(), 1);
    let err = v.create_target("app", "api", None).await.unwrap_err();
    assert_eq!(err.api_code(), Some(ErrorCode::AlreadyExists));
    v.delete_node(&NodePath::project("billing")).await.unwrap();
    assert_eq!(v.projects().await.unwrap().len(), 1);
    assert_eq!(v.test_connection().await.unwrap().id, e.org);
}

async fn client_keys(e: &Env) {
    let v = &e.vault;
    let key = client_tree(v).await;
    assert_eq!(key.len(), 64, "a generated key is 64 hex characters, shown once");
    let names = e.keys.names();
    assert!(names.iter().any(|n| n.starts_with("client-key:")), "the key went to the key store");
    save(v, &env_path(), "A=1\n").await;
    v.lock("app");
    let err = v.read_node(&env_path()).await.err().unwrap();
    assert_eq!(err.code(), "locked");
    v.unlock("app").await.unwrap();
    assert!(v.read_node(&env_path()).await.is_ok());

    // A new computer: no key in the key store.
    let name = names.iter().find(|n| n.starts_with("client-key:")).unwrap().clone();
    e.keys.delete(&name).unwrap();
    let fresh = e.fresh_vault();
    assert_eq!(fresh.unlock("app").await.unwrap_err().code(), "key_needed");
    let wrong = fresh.unlock_with_key("app", crypto::ProjectKey::generate().expose(), true).await;
    assert!(matches!(wrong, Err(ClientError::WrongKey { .. })), "a wrong key says so");
    assert!(e.keys.get(&name).unwrap().is_none(), "a wrong key is not remembered");
    fresh.unlock_with_key("app", &key, true).await.unwrap();
    assert!(e.keys.get(&name).unwrap().is_some());
    assert_eq!(fresh.read_node(&env_path()).await.unwrap().levels[2].text, "A=1\n");

    // A wrong key with the same first 32 characters passes the proof; decrypting a blob catches it.
    let other = e.fresh_vault();
    let mut almost = key[..32].to_owned();
    almost.push_str(&"0".repeat(32));
    assert!(matches!(other.unlock_with_key("app", &almost, false).await, Err(ClientError::WrongKey { .. })));

    let e32 =
        v.create_project("p32", None, NewProjectKey::Passphrase(Zeroizing::new("x".repeat(32)))).await.err().unwrap();
    assert_eq!(e32.code(), "bad_key");
    let pp = v
        .create_project("pp", None, NewProjectKey::Passphrase(Zeroizing::new("correct horse battery staple".into())))
        .await
        .unwrap();
    assert!(pp.key_to_back_up.is_none(), "a passphrase is the user's own; nothing to show");
}

async fn read_merge_save(e: &Env) {
    let v = &e.vault;
    client_tree(v).await;
    save(v, &NodePath::project("app"), "# shared\nDB_HOST=p-db\nLOG=info\nURL=postgres://${DB_HOST}/app\n").await;
    save(v, &NodePath::target("app", "backend"), "LOG=debug\nPORT=8080\n").await;
    let text = "# production only\nDB_HOST=prod-db   # primary\n\nSECRET='s p a c e s'\nBAD=${NOPE:?needs NOPE}\n";
    let rev = save(v, &env_path(), text).await;
    assert_eq!(rev, 1);
    let node = v.read_node(&env_path()).await.unwrap();
    assert_eq!(node.levels.len(), 3);
    assert_eq!(node.levels[2].text, text, "the exact text survives");
    assert_eq!(node.levels[2].revision, Some(1));
    let db = node.merged.iter().find(|m| m.key == "DB_HOST").unwrap();
    assert_eq!((db.value.as_str(), db.source), ("prod-db", LevelKind::Environment));
    assert_eq!(db.overrides[0].level, LevelKind::Project);
    let log = node.merged.iter().find(|m| m.key == "LOG").unwrap();
    assert_eq!((log.value.as_str(), log.source), ("debug", LevelKind::Target));
    assert_eq!(node.resolution.values["URL"], "postgres://prod-db/app", "templates resolve against the merge");
    assert!(node.resolution.errors.contains_key("BAD"), "errors are per key");
    // An unparsable level is kept as text and flagged; the rest still merges.
    save(v, &NodePath::target("app", "backend"), "LOG=debug\nPORT: 8080\n").await;
    let node = v.read_node(&env_path()).await.unwrap();
    assert!(node.levels[1].parse_error.as_deref().unwrap().contains("line 2"));
    assert_eq!(node.levels[1].text, "LOG=debug\nPORT: 8080\n");
}

async fn conflict_three_way(e: &Env) {
    let v = &e.vault;
    client_tree(v).await;
    save(v, &env_path(), "# keep me\nA=1\nB=1\nC=1\n").await;
    let mine = v.read_node(&env_path()).await.unwrap();
    let base = mine.levels[2].clone();
    // Someone else changes B and adds D behind our back.
    let other = e.other();
    other.unlock("app").await.unwrap();
    save(&other, &env_path(), "# keep me\nA=1\nB=theirs\nC=1\nD=new\n").await;
    // We change A and remove C: no true conflict.
    let ours = "# keep me\nA=ours\nB=1\n";
    let SaveOutcome::Conflict(c) = v.save_level(&env_path(), ours, base.revision, &base.text).await.unwrap() else {
        panic!("expected a conflict");
    };
    assert!(c.merge.conflicts.is_empty(), "only true conflicts are asked about");
    assert_eq!(c.merge.text, "# keep me\nA=ours\nB=theirs\nD=new\n");
    assert_eq!(v.draft(&env_path()).unwrap().unwrap().0, ours, "our text is kept meanwhile");
    let SaveOutcome::Saved { revision } =
        v.save_level(&env_path(), &c.merge.text, c.theirs_revision, &c.theirs_text).await.unwrap()
    else {
        panic!("the merge saves");
    };
    assert_eq!(revision, Some(3));
    assert!(v.draft(&env_path()).unwrap().is_none(), "the draft goes after a save");

    // A true conflict: both change B.
    let now = v.read_node(&env_path()).await.unwrap().levels[2].clone();
    save(&other, &env_path(), "# keep me\nA=ours\nB=second\nD=new\n").await;
    let SaveOutcome::Conflict(c) =
        v.save_level(&env_path(), "# keep me\nA=ours\nB=mine\nD=new\n", now.revision, &now.text).await.unwrap()
    else {
        panic!("expected a conflict");
    };
    assert_eq!(c.merge.conflicts.len(), 1);
    assert_eq!(c.merge.conflicts[0].key, "B");
    assert_eq!(c.merge.conflicts[0].theirs.as_deref(), Some("second"));
    let resolved =
        envdesk_client::vault::resolve_conflict(&c.merge.text, &[("B".into(), Some("second".into()))]).unwrap();
    assert!(matches!(
        v.save_level(&env_path(), &resolved, c.theirs_revision, &c.theirs_text).await.unwrap(),
        SaveOutcome::Saved { .. }
    ));
    assert_eq!(v.read_node(&env_path()).await.unwrap().levels[2].text, "# keep me\nA=ours\nB=second\nD=new\n");
}

async fn tampered_blob(e: &Env) {
    let v = &e.vault;
    client_tree(v).await;
    save(v, &env_path(), "A=1\n").await;
    // Store a blob under a different key, with the right proof (the server cannot tell).
    let node = v.read_node(&env_path()).await.unwrap();
    let proof = {
        let history = v.backend().key_history("app").await.unwrap();
        history[0].key_check.clone().unwrap()
    };
    let wrong = crypto::DataKey::from_bytes([7; 32]);
    v.backend()
        .store(StoreRequest {
            path: env_path(),
            content: crypto::encrypt(&wrong, b"X=1"),
            key_proof: Some(proof),
            no_backup: false,
            base_revision: node.levels[2].revision,
        })
        .await
        .unwrap();
    let err = v.read_node(&env_path()).await.err().unwrap();
    assert_eq!(err.code(), "undecryptable");
    assert!(err.to_string().contains("altered, or the key is wrong"), "{err}");
    assert!(!err.to_string().contains("X=1"));
}

async fn drafts_after_crash(e: &Env) {
    let v = &e.vault;
    client_tree(v).await;
    save(v, &env_path(), "A=1\n").await;
    v.save_draft(&env_path(), "A=1\nUNSAVED=typed before the crash\n", Some(1)).unwrap();
    let on_disk: Vec<u8> = std::fs::read_dir(e.dir.path().join("drafts"))
        .unwrap()
        .flat_map(|f| std::fs::read(f.unwrap().path()).unwrap())
        .collect();
    assert!(!on_disk.windows(7).any(|w| w == b"UNSAVED"), "drafts are encrypted on disk");
    // The app dies; a new instance starts.
    let after = e.fresh_vault();
    let listed = after.drafts();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].path, env_path());
    assert_eq!(after.draft(&env_path()).unwrap_err().code(), "locked", "the text needs the key");
    after.unlock("app").await.unwrap();
    let (text, base) = after.draft(&env_path()).unwrap().unwrap();
    assert_eq!((text.as_str(), base), ("A=1\nUNSAVED=typed before the crash\n", Some(1)));
    assert!(matches!(after.save_level(&env_path(), &text, base, "A=1\n").await.unwrap(), SaveOutcome::Saved { .. }));
    assert!(after.drafts().is_empty());
}

async fn server_gone_mid_save(e: &Env) {
    let v = &e.vault;
    client_tree(v).await;
    save(v, &env_path(), "A=1\n").await;
    if e.kind == Kind::Local {
        // The local vault is in-process: it cannot go away. A refused save keeps the text the same way:
        let err =
            v.save_level(&NodePath::environment("app", "backend", "gone"), "B=2\n", Some(0), "").await.err().unwrap();
        assert_eq!(err.api_code(), Some(ErrorCode::NotFound));
        assert_eq!(v.draft(&NodePath::environment("app", "backend", "gone")).unwrap().unwrap().0, "B=2\n");
        return;
    }
    // The server stops mid-session: the save fails with a typed network error and the text is kept.
    e.stop_server().await;
    let text = "A=1\nTYPED=while the server was down\n";
    let err = v.save_level(&env_path(), text, Some(1), "A=1\n").await.err().unwrap();
    assert_eq!(err.api_code(), Some(ErrorCode::Network), "{err}");
    assert!(err.to_string().starts_with("Could not reach"), "{err}");
    assert_eq!(v.draft(&env_path()).unwrap().unwrap().0, text, "the text is kept as a draft");
}

async fn history(e: &Env) {
    let v = &e.vault;
    client_tree(v).await;
    for t in ["A=1\n", "A=2\n", "A=3\nB=1\n"] {
        save(v, &env_path(), t).await;
    }
    let page = v.history(&env_path(), 1, 25).await.unwrap();
    assert_eq!(page.meta.total, 3);
    assert_eq!(page.versions[0].attributes.action, "update");
    let oldest = &page.versions[2];
    let view = v.version("app", &oldest.id).await.unwrap();
    assert_eq!(view.text, "A=1\n");
    let changes = envdesk_core::diff::diff(
        &envdesk_core::dotenv::Document::parse(&view.text).unwrap().vars(),
        &envdesk_core::dotenv::Document::parse("A=3\nB=1\n").unwrap().vars(),
    );
    assert_eq!(envdesk_core::diff::summarize(&changes).added, 1);
    let rev = v.restore(&env_path(), &oldest.id, Some(3)).await.unwrap();
    assert_eq!(rev, Some(4));
    assert_eq!(v.read_node(&env_path()).await.unwrap().levels[2].text, "A=1\n");
    assert_eq!(
        v.restore(&env_path(), &oldest.id, Some(3)).await.unwrap_err().api_code(),
        Some(ErrorCode::RevisionConflict)
    );
    v.delete_version(&page.versions[1].id, false).await.unwrap();
    assert_eq!(v.history(&env_path(), 1, 25).await.unwrap().meta.total, 3);
    assert_eq!(v.purge(&env_path(), false).await.unwrap(), 3);
    assert_eq!(v.history(&env_path(), 1, 25).await.unwrap().meta.total, 0);
}

async fn import_export(e: &Env) {
    let v = &e.vault;
    client_tree(v).await;
    save(v, &NodePath::project("app"), "HOST=db\nURL=pg://${HOST}/x\n").await;
    save(v, &env_path(), "# env\nA=1\nB=2\n").await;
    let p = v.preview_import(&env_path(), br#"{"B": "two", "C": "new value"}"#).await.unwrap();
    assert_eq!((p.merge_summary.added, p.merge_summary.changed, p.merge_summary.removed), (1, 1, 0));
    assert_eq!((p.replace_summary.added, p.replace_summary.changed, p.replace_summary.removed), (1, 1, 1));
    assert_eq!(p.merged_text, "# env\nA=1\nB=two\nC='new value'\n", "merge keeps comments and order");
    assert!(matches!(
        v.apply_import(&env_path(), b"B=two\nC='new value'\n", ImportMode::Merge).await.unwrap(),
        SaveOutcome::Saved { .. }
    ));
    assert_eq!(v.read_node(&env_path()).await.unwrap().levels[2].text, "# env\nA=1\nB=two\nC='new value'\n");
    let into_empty = v.preview_import(&NodePath::target("app", "backend"), b"# from a file\nX=1\n").await.unwrap();
    assert_eq!(into_empty.merged_text, "# from a file\nX=1\n", "into an empty level, comments come along");
    let bad = v.preview_import(&env_path(), b"A: 1\n").await.err().unwrap();
    assert_eq!(bad.code(), "import_failed");
    assert!(bad.to_string().contains("line 1"));

    let level = v.export(&ExportSource::Level { path: env_path() }, Format::Env, false).await.unwrap();
    assert_eq!(level.as_slice(), b"# env\nA=1\nB=two\nC='new value'\n", "a level exports as written");
    let merged = v.export(&ExportSource::Merged { path: env_path() }, Format::Json, true).await.unwrap();
    let json: serde_json::Value = serde_json::from_slice(&merged).unwrap();
    assert_eq!(json["URL"], "pg://db/x", "templates resolved on request");
    let raw = v.export(&ExportSource::Merged { path: env_path() }, Format::Shell, false).await.unwrap();
    assert!(String::from_utf8_lossy(&raw).contains("export URL=\"pg://\\${HOST}/x\""));
    save(v, &NodePath::project("app"), "HOST=db\nURL=${URL2}\nURL2=${URL}\n").await;
    let err = v.export(&ExportSource::Merged { path: env_path() }, Format::Env, true).await.err().unwrap();
    assert_eq!(err.code(), "template_error");
    assert!(err.to_string().contains("URL"));
}

struct Counting(std::sync::Mutex<Vec<String>>);
impl Progress for Counting {
    fn progress(&self, stage: &str, _: usize, _: usize) {
        self.0.lock().unwrap().push(stage.to_owned());
    }
}

async fn rotation(e: &Env) {
    let v = &e.vault;
    client_tree(v).await;
    save(v, &NodePath::project("app"), "P=1\n").await;
    save(v, &env_path(), "E=1\n").await;
    save(v, &env_path(), "E=2\n").await;
    let old_first = v.history(&env_path(), 1, 25).await.unwrap().versions.last().unwrap().id.clone();
    let progress = Counting(Default::default());
    let out = v.rotate_client_key("app", NewProjectKey::Generate, &progress).await.unwrap();
    assert_eq!(out.blobs, 2);
    assert_eq!(out.key_version, 2);
    assert_eq!(out.versions, 3, "every version moved to the new key");
    assert!(out.key_to_back_up.is_some());
    assert!(progress.0.lock().unwrap().iter().any(|s| s == "submitting"));
    assert_eq!(v.read_node(&env_path()).await.unwrap().levels[2].text, "E=2\n");
    assert_eq!(v.version("app", &old_first).await.unwrap().text, "E=1\n");
    // A restarted app unlocks with the new key from the key store.
    let fresh = e.fresh_vault();
    fresh.unlock("app").await.unwrap();
    assert_eq!(fresh.read_node(&NodePath::project("app")).await.unwrap().levels[0].text, "P=1\n");
    assert!(!e.keys.names().iter().any(|n| n.ends_with(":pending")));
}

struct Sabotage<'a> {
    other: &'a Vault,
    done: std::sync::atomic::AtomicBool,
}

impl Progress for Sabotage<'_> {
    fn progress(&self, stage: &str, _: usize, _: usize) {
        if stage == "submitting" && !self.done.swap(true, std::sync::atomic::Ordering::SeqCst) {
            // Another writer creates a level the rotation did not see: the submission is incomplete.
            let other = self.other;
            tokio::task::block_in_place(|| {
                tokio::runtime::Handle::current().block_on(async {
                    let path = NodePath::target("app", "backend");
                    let node = other.read_node(&path).await.unwrap();
                    let l = node.levels.last().unwrap();
                    other.save_level(&path, "LATE=1\n", l.revision, &l.text).await.unwrap();
                })
            });
        }
    }
}

async fn rotation_interrupted(e: &Env) {
    let v = &e.vault;
    client_tree(v).await;
    save(v, &env_path(), "E=1\n").await;
    let other = e.other();
    other.unlock("app").await.unwrap();
    let sabotage = Sabotage { other: &other, done: Default::default() };
    let err = v.rotate_client_key("app", NewProjectKey::Generate, &sabotage).await.err().unwrap();
    assert_eq!(err.api_code(), Some(ErrorCode::ValidationFailed), "{err}");
    // Nothing changed: the old key still reads and writes everything, and is still current.
    let fresh = e.fresh_vault();
    fresh.unlock("app").await.unwrap();
    assert_eq!(fresh.read_node(&env_path()).await.unwrap().levels[2].text, "E=1\n");
    assert_eq!(fresh.read_node(&NodePath::target("app", "backend")).await.unwrap().levels[1].text, "LATE=1\n");
    assert_eq!(v.backend().key_history("app").await.unwrap().len(), 1);
    assert!(!e.keys.names().iter().any(|n| n.ends_with(":pending")), "the unused new key is dropped");
    save(v, &env_path(), "E=2\n").await;
    let _ = NoProgress;
}

async fn idle_lock(e: &Env) {
    let mut v = e.fresh_vault();
    client_tree(&v).await;
    v.set_idle_lock(Some(std::time::Duration::from_millis(50)));
    assert!(v.is_unlocked("app"));
    tokio::time::sleep(std::time::Duration::from_millis(80)).await;
    assert!(v.check_idle());
    assert!(!v.is_unlocked("app"), "keys are dropped after the idle time");
    assert_eq!(v.read_node(&env_path()).await.err().unwrap().code(), "locked");
}

/// What the lock screen asks for: each project a lock locked, with what protects its key — the key
/// store (a generated key, or a remembered passphrase that may be forgotten), a passphrase the user
/// types, or the server — and never key material.
async fn unlock_methods(e: &Env) {
    let v = &e.vault;
    let key = client_tree(v).await;
    v.create_project("pp", None, NewProjectKey::Passphrase(Zeroizing::new("correct horse battery staple".into())))
        .await
        .unwrap();
    v.create_project("srv", None, NewProjectKey::ServerManaged).await.unwrap();
    v.unlock("srv").await.unwrap();
    let method = |project: &str, protection, remembered_passphrase| UnlockMethod {
        project: project.into(),
        protection,
        remembered_passphrase,
    };
    assert!(v.unlock_methods(None).await.unwrap().is_empty(), "nothing was locked by a lock yet");

    v.lock_all();
    let all = v.unlock_methods(None).await.unwrap();
    assert_eq!(
        all,
        vec![
            method("app", Protection::Keychain, false),
            method("pp", Protection::Keychain, true),
            method("srv", Protection::Server, false),
        ],
        "by slug, as they were unlocked"
    );
    let first = v.unlock_methods(Some("srv")).await.unwrap();
    assert_eq!(first[0].project, "srv", "the project asked about comes first");
    assert_eq!(first.len(), 3);
    let shown = format!("{all:?} {}", serde_json::to_string(&all).unwrap());
    assert!(!shown.contains(key.as_str()) && !shown.contains("correct horse"), "no key material: {shown}");

    // A generated key is never forgotten; a remembered passphrase is, and then it is asked for.
    assert_eq!(v.forget_key("app").await.unwrap_err().code(), "invalid");
    assert_eq!(v.forget_key("srv").await.unwrap_err().code(), "invalid");
    assert_eq!(v.forget_key("pp").await.unwrap(), method("pp", Protection::Passphrase, false));
    assert_eq!(v.unlock_methods(Some("pp")).await.unwrap()[0], method("pp", Protection::Passphrase, false));
    assert_eq!(v.unlock("pp").await.unwrap_err().code(), "key_needed", "the passphrase is no longer remembered");

    // Unlocked again: no longer among what the lock locked.
    v.unlock("app").await.unwrap();
    let left: Vec<String> = v.unlock_methods(None).await.unwrap().into_iter().map(|m| m.project).collect();
    assert_eq!(left, vec!["pp", "srv"]);

    // Typed and not remembered: the next lock asks for it; a project a lock did not lock is looked up.
    v.unlock_with_key("pp", "correct horse battery staple", false).await.unwrap();
    v.lock_all();
    assert_eq!(v.unlock_methods(Some("pp")).await.unwrap()[0], method("pp", Protection::Passphrase, false));
    let fresh = e.fresh_vault();
    assert_eq!(fresh.unlock_methods(Some("app")).await.unwrap(), vec![method("app", Protection::Keychain, false)]);
    assert_eq!(fresh.unlock_methods(Some("pp")).await.unwrap(), vec![method("pp", Protection::Passphrase, false)]);
    assert_eq!(fresh.unlock_methods(Some("srv")).await.unwrap(), vec![method("srv", Protection::Server, false)]);
}
