//! The app's commands through a test host: `AppCore` with a temp data directory, an in-memory key
//! store and settings — no window. (The IPC layer over it is one line per command.)

use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;

use envdesk_api::NodePath;
use envdesk_app::app::args::{IpcPath, Secret};
use envdesk_app::app::confirm::Answer;
use envdesk_app::app::core::{analyze, edit_text, AppCore, LOCAL};
use envdesk_app::app::dto::{DiffSource, TextEdit};
use envdesk_app::app::settings::{MemorySettings, Settings};
use envdesk_client::vault::{ExportSource, ImportMode};
use envdesk_client::MemoryKeyStore;

mod bindings;
mod commands;
mod security;

fn host() -> (AppCore, tempfile::TempDir, Arc<MemoryKeyStore>) {
    let dir = tempfile::tempdir().unwrap();
    let keys = Arc::new(MemoryKeyStore::new());
    let core = AppCore::new(dir.path().join("data"), keys.clone(), Arc::new(MemorySettings::default()), 1000)
        .with_confirm(Arc::new(Answer(true)));
    (core, dir, keys)
}

/// A node path as the webview sends it.
fn ipc(p: &NodePath) -> IpcPath {
    IpcPath::try_from(p).unwrap()
}

fn env() -> NodePath {
    NodePath::environment("app", "backend", "production")
}

async fn tree(core: &AppCore) -> String {
    let created = core.create_project(LOCAL, "app", "generate", None).await.unwrap();
    core.create_child(LOCAL, &NodePath::project("app"), "backend").await.unwrap();
    core.create_child(LOCAL, &NodePath::target("app", "backend"), "production").await.unwrap();
    created.key_to_back_up.unwrap().expose().to_owned()
}

#[tokio::test]
async fn first_launch_is_an_empty_local_vault() {
    let (core, _dir, keys) = host();
    assert_eq!(core.connections()[0].id, LOCAL);
    assert!(core.projects(LOCAL).await.unwrap().is_empty());
    assert!(
        keys.names().iter().any(|n| n.starts_with("local-vault:")),
        "the local vault keeps its secrets in the key store"
    );
}

#[tokio::test]
async fn create_edit_save_and_read_back() {
    let (core, dir, _) = host();
    let key = tree(&core).await;
    assert_eq!(key.len(), 64);
    let backup = dir.path().join("key.txt");
    core.save_backup_to(&backup, "app").unwrap();
    assert!(std::fs::read_to_string(&backup).unwrap().contains(&key));
    assert_eq!(std::fs::metadata(&backup).unwrap().permissions().mode() & 0o777, 0o600);
    assert!(core.save_backup_to(&backup, "app").is_err(), "the key is forgotten after its backup");

    let node = core.read_node(LOCAL, &env()).await.unwrap();
    assert_eq!(node.levels.len(), 3);
    let text = "# db\nDB=prod # primary\nB=two words\n";
    let r = core.save_level(LOCAL, &env(), text, Some(0), "").await.unwrap();
    assert_eq!(r.revision, Some(1));
    let node = core.read_node(LOCAL, &env()).await.unwrap();
    assert_eq!(node.levels[2].text, text);
    assert_eq!(node.levels[2].parse_error, None);
    assert_eq!(analyze(&node.levels[2].text).lints.len(), 1, "the unquoted space is linted");
    assert_eq!(node.merged[0].key, "DB");
    // A table edit changes only that value.
    let edited = edit_text(text, &TextEdit::Set { key: "DB".into(), value: "new-db".into() }).unwrap();
    assert_eq!(edited, "# db\nDB=new-db # primary\nB=two words\n");
    assert!(edit_text("A: 1", &TextEdit::Remove { key: "A".into() }).is_err());
    assert_eq!(analyze("A: 1\n").parse_error.unwrap().line, 1);
}

struct Stages(std::sync::Mutex<Vec<String>>);
impl envdesk_client::vault::Progress for Stages {
    fn progress(&self, stage: &str, _: usize, _: usize) {
        self.0.lock().unwrap().push(stage.to_owned());
    }
}

#[tokio::test]
async fn key_rotation_reports_progress_and_keeps_the_data() {
    let (core, _dir, _) = host();
    tree(&core).await;
    core.save_level(LOCAL, &env(), "A=1\n", Some(0), "").await.unwrap();
    let stages = Stages(Default::default());
    let r = core.rotate_key(LOCAL, "app", "generate", None, &stages).await.unwrap();
    assert_eq!((r.blobs, r.key_version), (1, 2));
    assert_eq!(r.key_to_back_up.as_ref().map(|k| k.expose().len()), Some(64));
    assert!(stages.0.lock().unwrap().contains(&"submitting".to_owned()));
    assert_eq!(core.read_node(LOCAL, &env()).await.unwrap().levels[2].text, "A=1\n");
    let e = core.rotate_key(LOCAL, "app", "passphrase", Some(Secret::new("x".repeat(32))), &stages).await.unwrap_err();
    assert_eq!(e.code, "bad_key", "a 32-byte passphrase is refused");
}

#[tokio::test]
async fn import_export_and_diff() {
    let (core, dir, _) = host();
    tree(&core).await;
    core.save_level(LOCAL, &NodePath::project("app"), "A=1\nB=1\n", Some(0), "").await.unwrap();
    core.save_level(LOCAL, &env(), "B=2\n", Some(0), "").await.unwrap();
    let file = dir.path().join("in.env");
    std::fs::write(&file, "C=3\n").unwrap();
    let chosen = core.choose_import(&file).unwrap();
    assert_eq!(chosen.name, "in.env");
    let p = core.preview_import(LOCAL, &env(), chosen.handle).await.unwrap();
    assert_eq!(p.merge_summary.added, 1);
    assert_eq!(core.apply_import(LOCAL, &env(), chosen.handle, ImportMode::Merge).await.unwrap().revision, Some(2));
    let out = dir.path().join("out.env");
    core.export_to(LOCAL, &ExportSource::Merged { path: env() }, "env", false, &out).await.unwrap();
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "A=1\nB=2\nC=3\n");
    assert_eq!(std::fs::metadata(&out).unwrap().permissions().mode() & 0o777, 0o600, "exports are owner-only");
    let d = core
        .diff(
            LOCAL,
            &DiffSource::Level { path: ipc(&NodePath::project("app")) },
            &DiffSource::Merged { path: ipc(&env()) },
        )
        .await
        .unwrap();
    assert_eq!((d.summary.added, d.summary.changed, d.summary.unchanged), (1, 1, 1));
}

#[tokio::test]
async fn typed_confirmation_and_settings() {
    let (core, _dir, _) = host();
    tree(&core).await;
    let e = core.delete_node(LOCAL, &NodePath::project("app"), "nope").await.unwrap_err();
    assert_eq!(e.code, "confirmation_required");
    core.delete_node(LOCAL, &NodePath::project("app"), "app").await.unwrap();
    assert!(core.projects(LOCAL).await.unwrap().is_empty());
    let bad = Settings { theme: "neon".into(), ..Settings::default() };
    assert_eq!(core.set_settings(bad).await.unwrap_err().code, "invalid");
    let good = Settings { auto_lock_minutes: 5, ..Settings::default() };
    core.set_settings(good.clone()).await.unwrap();
    assert_eq!(core.settings(), good);
}

/// A real envdesk-server on 127.0.0.1:0 with an organization "Team" and a token of every ability.
pub(crate) async fn team_server(
) -> (envdesk_server::Running, envdesk_api::Organization, envdesk_server::service::NewToken, tempfile::TempDir) {
    let sdir = tempfile::tempdir().unwrap();
    let db = envdesk_server::Db::open(&sdir.path().join("s.db"), envdesk_server::Synchronous::Normal).unwrap();
    let service = Arc::new(envdesk_server::Service::new(
        db,
        Some(envdesk_server::MasterKey::generate().0),
        envdesk_server::Config { retention_days: None, kdf_iterations: 1000, ..Default::default() },
    ));
    let org = service.create_organization("Team").unwrap();
    let token = service.create_token_for(&org.id, "app", &["*".into()]).unwrap();
    let running = envdesk_server::spawn(service, "127.0.0.1:0", None).await.unwrap();
    (running, org, token, sdir)
}

#[tokio::test]
async fn remote_connection_with_a_real_server() {
    let (core, _dir, keys) = host();
    let (running, org, token, _sdir) = team_server().await;
    let bad = core.add_connection("Team", &running.url(), &org.id, &Secret::new("edk_wrong")).await.unwrap_err();
    assert_eq!(bad.code, "unauthenticated");
    let c = core.add_connection("Team", &running.url(), &org.id, &Secret::new(token.token.as_str())).await.unwrap();
    assert!(keys.names().contains(&format!("token:{}", c.id)), "the token is in the key store");
    assert_eq!(core.test_connection(&c.id).await.unwrap().id, org.id);
    core.create_project(&c.id, "remote-app", "server", None).await.unwrap();
    assert_eq!(core.projects(&c.id).await.unwrap()[0].slug, "remote-app");
    core.remove_connection(&c.id).await.unwrap();
    assert_eq!(core.connections().len(), 1);
    assert!(!keys.names().contains(&format!("token:{}", c.id)));
    running.stop().await;
}

#[test]
fn the_main_window_may_call_exactly_the_declared_commands() {
    let cap: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("capabilities/default.json").unwrap()).unwrap();
    assert_eq!(cap["windows"], serde_json::json!(["main"]));
    let granted: Vec<String> = cap["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str())
        .filter_map(|p| p.strip_prefix("allow-"))
        .map(|p| p.replace('-', "_"))
        .collect();
    let mut declared: Vec<String> = envdesk_app::COMMANDS.iter().map(|s| s.to_string()).collect();
    let mut granted_sorted = granted.clone();
    declared.sort();
    granted_sorted.sort();
    assert_eq!(granted_sorted, declared);
    let lib = std::fs::read_to_string("src-tauri/lib.rs").unwrap();
    for c in envdesk_app::COMMANDS {
        assert!(lib.contains(&format!("commands::{c},")), "{c} is not registered in the handler");
    }
    let conf: serde_json::Value = serde_json::from_str(&std::fs::read_to_string("tauri.conf.json").unwrap()).unwrap();
    assert_eq!(conf["app"]["withGlobalTauri"], false);
    assert_eq!(conf["app"]["security"]["freezePrototype"], true);
    let csp = conf["app"]["security"]["csp"].as_str().unwrap();
    assert!(!csp.contains("http://") || csp.contains("http://ipc.localhost"), "no remote host in the CSP");
    assert!(!csp.contains("https:"), "no remote host in the CSP");
}
