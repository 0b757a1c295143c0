//! The app's commands through a test host: the command bodies (`commands::run`) over an `AppCore` with
//! a temp data directory, an in-memory key store and settings — no window.

use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;

use envdesk_api::NodePath;
use envdesk_app::app::args::{IpcPath, NewKey, Secret};
use envdesk_app::app::confirm::Answer;
use envdesk_app::app::core::{analyze, edit_text, AppCore, LOCAL};
use envdesk_app::app::dto::{DiffSource, NodeDto, SaveDto, TextEdit};
use envdesk_app::app::error::Code;
use envdesk_app::app::settings::{MemorySettings, Settings};
use envdesk_app::commands::{self as cmd, run, Ctx};
use envdesk_client::vault::{ExportSource, ImportMode};
use envdesk_client::MemoryKeyStore;
use envdesk_core::export::Format;
use envdesk_core::merge::LevelKind;

mod bindings;
mod commands;
mod key_history;
mod matrix;
#[cfg(target_os = "linux")]
mod notify;
mod search;
mod security;

fn host() -> (Ctx, tempfile::TempDir, Arc<MemoryKeyStore>) {
    let dir = tempfile::tempdir().unwrap();
    let keys = Arc::new(MemoryKeyStore::new());
    let core = AppCore::new(dir.path().join("data"), keys.clone(), Arc::new(MemorySettings::default()), 1000)
        .with_confirm(Arc::new(Answer(true)));
    (Ctx::headless(Arc::new(core)), dir, keys)
}

fn conn(c: &str) -> cmd::ConnRef {
    cmd::ConnRef { conn: c.into() }
}

async fn read(ctx: &Ctx, path: &NodePath) -> NodeDto {
    run::read_node(ctx, cmd::ReadNode { conn: LOCAL.into(), path: ipc(path), text_of: None, rows: 0 }).await.unwrap()
}

async fn save(ctx: &Ctx, path: &NodePath, text: &str, base_revision: Option<u64>, base_text: &str) -> SaveDto {
    let req = cmd::SaveLevel {
        conn: LOCAL.into(),
        path: ipc(path),
        text: text.into(),
        base_revision,
        base_text: base_text.into(),
        view: None,
    };
    run::save_level(ctx, req).await.unwrap()
}

/// A node path as the webview sends it.
fn ipc(p: &NodePath) -> IpcPath {
    IpcPath::try_from(p).unwrap()
}

fn env() -> NodePath {
    NodePath::environment("app", "backend", "production")
}

async fn tree(ctx: &Ctx) -> String {
    let created =
        run::create_project(ctx, cmd::CreateProject { conn: LOCAL.into(), name: "app".into(), key: NewKey::Generate })
            .await
            .unwrap();
    for (parent, name) in [(NodePath::project("app"), "backend"), (NodePath::target("app", "backend"), "production")] {
        run::create_child(ctx, cmd::CreateChild { conn: LOCAL.into(), parent: ipc(&parent), name: name.into() })
            .await
            .unwrap();
    }
    created.key_to_back_up.unwrap().expose().to_owned()
}

#[tokio::test]
async fn first_launch_is_an_empty_local_vault() {
    let (ctx, _dir, keys) = host();
    assert_eq!(ctx.core.connections()[0].id, LOCAL);
    assert!(run::list_projects(&ctx, conn(LOCAL)).await.unwrap().is_empty());
    assert!(
        keys.names().iter().any(|n| n.starts_with("local-vault:")),
        "the local vault keeps its secrets in the key store"
    );
}

#[tokio::test]
async fn create_edit_save_and_read_back() {
    let (ctx, dir, _) = host();
    let key = tree(&ctx).await;
    assert_eq!(key.len(), 64);
    let backup = dir.path().join("key.txt");
    ctx.core.save_backup_to(&backup, "app").unwrap();
    assert!(std::fs::read_to_string(&backup).unwrap().contains(&key));
    assert_eq!(std::fs::metadata(&backup).unwrap().permissions().mode() & 0o777, 0o600);
    assert!(ctx.core.save_backup_to(&backup, "app").is_err(), "the key is forgotten after its backup");

    let node = read(&ctx, &env()).await;
    assert_eq!(node.levels.len(), 3);
    let text = "# db\nDB=prod # primary\nB=two words\n";
    let r = save(&ctx, &env(), text, Some(0), "").await;
    assert_eq!(r.revision, Some(1));
    let node = read(&ctx, &env()).await;
    assert_eq!(node.levels[2].text.as_deref(), Some(text));
    assert_eq!(node.levels[2].parse_error, None);
    assert_eq!(analyze(node.levels[2].text.as_deref().unwrap()).lints.len(), 1, "the unquoted space is linted");
    let rows = run::merged_rows(
        &ctx,
        cmd::MergedRows {
            conn: LOCAL.into(),
            view: node.view,
            offset: 0,
            limit: 10,
            filter: String::new(),
            live: false,
        },
    )
    .await
    .unwrap();
    assert_eq!(rows.rows[0].key, "DB");
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
    let (ctx, _dir, _) = host();
    tree(&ctx).await;
    save(&ctx, &env(), "A=1\n", Some(0), "").await;
    let stages = Stages(Default::default());
    let r = ctx.core.rotate_key(LOCAL, "app", NewKey::Generate, &stages).await.unwrap();
    assert_eq!((r.blobs, r.key_version), (1, 2));
    assert_eq!(r.key_to_back_up.as_ref().map(|k| k.expose().len()), Some(64));
    assert!(stages.0.lock().unwrap().contains(&"submitting".to_owned()));
    assert_eq!(read(&ctx, &env()).await.levels[2].text.as_deref(), Some("A=1\n"));
    let passphrase = NewKey::Passphrase { passphrase: Secret::new("x".repeat(32)) };
    let e = ctx.core.rotate_key(LOCAL, "app", passphrase, &stages).await.unwrap_err();
    assert_eq!(e.code, Code::BadKey, "a 32-byte passphrase is refused");
}

#[tokio::test]
async fn import_export_and_diff() {
    let (ctx, dir, _) = host();
    let core = &ctx.core;
    tree(&ctx).await;
    save(&ctx, &NodePath::project("app"), "A=1\nB=1\n", Some(0), "").await;
    save(&ctx, &env(), "B=2\n", Some(0), "").await;
    let file = dir.path().join("in.env");
    std::fs::write(&file, "C=3\n").unwrap();
    let chosen = core.choose_import(&file).unwrap();
    assert_eq!(chosen.name, "in.env");
    let p = core.preview_import(LOCAL, &env(), chosen.handle).await.unwrap();
    assert_eq!(p.merge_summary.added, 1);
    assert_eq!(core.apply_import(LOCAL, &env(), chosen.handle, ImportMode::Merge).await.unwrap().revision, Some(2));
    let out = dir.path().join("out.env");
    core.export_to(LOCAL, &ExportSource::Merged { path: env() }, Format::Env, false, false, &out).await.unwrap();
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "A=1\nB=2\nC=3\n");
    assert_eq!(std::fs::metadata(&out).unwrap().permissions().mode() & 0o777, 0o600, "exports are owner-only");
    let d = run::diff_sources(
        &ctx,
        cmd::DiffSources {
            conn: LOCAL.into(),
            a: DiffSource::Level { path: ipc(&NodePath::project("app")) },
            b: DiffSource::Merged { path: ipc(&env()) },
        },
    )
    .await
    .unwrap();
    assert_eq!((d.summary.added, d.summary.changed, d.summary.unchanged), (1, 1, 1));
}

#[tokio::test]
async fn typed_confirmation_and_settings() {
    let (ctx, _dir, _) = host();
    let core = &ctx.core;
    tree(&ctx).await;
    let e = core.delete_node(LOCAL, &ipc(&NodePath::project("app")), "nope").await.unwrap_err();
    assert_eq!(e.code, Code::ConfirmationRequired);
    core.delete_node(LOCAL, &ipc(&NodePath::project("app")), "app").await.unwrap();
    assert!(run::list_projects(&ctx, conn(LOCAL)).await.unwrap().is_empty());
    let bad = Settings { theme: "neon".into(), ..Settings::default() };
    assert_eq!(core.set_settings(bad).await.unwrap_err().code, Code::Invalid);
    let good = Settings { auto_lock_minutes: 5, ..Settings::default() };
    core.set_settings(good.clone()).await.unwrap();
    assert_eq!(core.settings(), good);
}

/// The expiry warning (issue 16): a setting (1 to 365 days) that holds for open vaults at once, older
/// settings files read with it defaulted, the tree's report through its command, and the daily
/// notification: once a day, only from unlocked projects, never when turned off.
#[tokio::test]
async fn expiry_is_reported_for_the_tree_and_notified_once_a_day() {
    let (ctx, _dir, _) = host();
    let core = &ctx.core;
    tree(&ctx).await;
    let today = chrono::Local::now().date_naive();
    let soon = (today + chrono::Days::new(10)).format("%Y-%m-%d").to_string();
    let project = NodePath::project("app");
    let text = format!("# @expires: {soon}\nCERT=cert-value-1\n# @expires: 2020-01-01\nOLD=old-value-2\n");
    save(&ctx, &project, &text, Some(0), "").await;
    let report = run::expiry_report(&ctx, conn(LOCAL)).await.unwrap();
    let alerts: Vec<(String, u32, u32)> =
        report.alerts.iter().map(|a| (a.path.display(), a.expired, a.expiring)).collect();
    assert_eq!(alerts, [("app/backend/production".to_owned(), 1, 1)]);
    assert_eq!(report.alerts[0].first, "2020-01-01");

    // The window: 5 days leaves CERT out, at once for the open vault.
    let narrow = Settings { expiry_warning_days: 5, ..Settings::default() };
    core.set_settings(narrow).await.unwrap();
    let report = run::expiry_report(&ctx, conn(LOCAL)).await.unwrap();
    assert_eq!((report.warn_days, report.alerts[0].expired, report.alerts[0].expiring), (5, 1, 0));
    for days in [0, 366] {
        let bad = Settings { expiry_warning_days: days, ..Settings::default() };
        assert_eq!(core.set_settings(bad).await.unwrap_err().code, Code::Invalid, "{days}");
    }
    core.set_settings(Settings::default()).await.unwrap();

    // Once a day, and the day remembered.
    let (title, body) = core.expiry_notice("2030-01-01").await.expect("a notice");
    assert_eq!(title, "1 key expired, 1 key expiring soon");
    assert!(
        body.starts_with("app/backend/production: `OLD` expired on 2020-01-01; `CERT` expires in 10 days"),
        "{body}"
    );
    assert!(!body.contains("value-1") && !body.contains("value-2"), "no value: {body}");
    assert!(core.expiry_notice("2030-01-01").await.is_some(), "not shown yet: asked again");
    core.expiry_noticed("2030-01-01");
    assert_eq!(core.expiry_notice("2030-01-01").await, None, "the same day: once");
    // Turned off: none.
    core.set_settings(Settings { expiry_notifications: false, ..Settings::default() }).await.unwrap();
    assert_eq!(core.expiry_notice("2030-01-02").await, None);
    core.set_settings(Settings::default()).await.unwrap();
    // Locked: nothing is read, nothing said (and the day is not used up).
    run::lock_all(&ctx).await.unwrap();
    assert_eq!(core.expiry_notice("2030-01-02").await, None);
    let report = run::expiry_report(&ctx, conn(LOCAL)).await.unwrap();
    assert_eq!((report.alerts.len(), report.locked.clone()), (0, vec!["app".to_owned()]));
    run::unlock(
        &ctx,
        cmd::ProjectRef { conn: LOCAL.into(), project: envdesk_app::app::args::Slug::parse("app").unwrap() },
    )
    .await
    .unwrap();
    assert!(core.expiry_notice("2030-01-02").await.is_some(), "unlocked again, the day's notice comes");

    // Settings written by an older envdesk (without these fields) keep what they say.
    let old = Arc::new(MemorySettings::default());
    envdesk_app::app::settings::SettingsStore::set(
        old.as_ref(),
        "settings",
        serde_json::json!({"theme": "dark", "auto_lock_minutes": 3, "clipboard_clear_seconds": 0, "default_export_format": "json"}),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let older = AppCore::new(dir.path().join("data"), Arc::new(MemoryKeyStore::new()), old, 1000);
    let s = older.settings();
    assert_eq!(
        (s.theme.as_str(), s.auto_lock_minutes, s.expiry_warning_days, s.expiry_notifications),
        ("dark", 3, 14, true)
    );
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
    let (ctx, _dir, keys) = host();
    let core = &ctx.core;
    let (running, org, token, _sdir) = team_server().await;
    let bad = core.add_connection("Team", &running.url(), &org.id, &Secret::new("edk_wrong")).await.unwrap_err();
    assert_eq!(bad.code, Code::Unauthenticated);
    let c = core.add_connection("Team", &running.url(), &org.id, &Secret::new(token.token.as_str())).await.unwrap();
    assert!(keys.names().contains(&format!("token:{}", c.id)), "the token is in the key store");
    assert_eq!(run::test_connection(&ctx, conn(&c.id)).await.unwrap().id, org.id);
    run::create_project(
        &ctx,
        cmd::CreateProject { conn: c.id.clone(), name: "remote-app".into(), key: NewKey::Server },
    )
    .await
    .unwrap();
    assert_eq!(run::list_projects(&ctx, conn(&c.id)).await.unwrap()[0].slug, "remote-app");
    // envdesk-cli kept offline copies of this connection's environments: they go with it.
    let copies = envdesk_client::vault::OfflineStore::new(core.data_dir(), keys.clone(), &c.id);
    std::fs::create_dir_all(copies.dir()).unwrap();
    std::fs::write(copies.dir().join("copy.json"), "{}").unwrap();
    envdesk_client::KeyStore::set(keys.as_ref(), &envdesk_client::keystore::names::offline_key(&c.id), "k").unwrap();
    core.remove_connection(&c.id).await.unwrap();
    assert_eq!(core.connections().len(), 1);
    assert!(!keys.names().contains(&format!("token:{}", c.id)));
    assert!(!copies.dir().exists(), "the offline copies are removed");
    assert!(!keys.names().contains(&format!("offline-key:{}", c.id)), "and their key");
    running.stop().await;
}

#[test]
fn the_main_window_may_call_exactly_the_declared_commands() {
    let cap: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("capabilities/default.json").unwrap()).unwrap();
    assert_eq!(cap["windows"], serde_json::json!(["main"]));
    assert_eq!(cap["permissions"], serde_json::json!(["core:default", "commands"]), "the window gets the set");
    // The set build.rs generated from the command list: exactly the declared commands.
    let set = std::fs::read_to_string("permissions/commands.toml").unwrap();
    assert!(set.contains("identifier = \"commands\""));
    let granted: Vec<String> = set
        .lines()
        .filter_map(|l| l.trim().strip_prefix("\"allow-"))
        .map(|p| p.trim_end_matches("\",").replace('-', "_"))
        .collect();
    let mut declared: Vec<String> = envdesk_app::COMMANDS.iter().map(|s| s.to_string()).collect();
    let mut granted_sorted = granted.clone();
    declared.sort();
    granted_sorted.sort();
    assert_eq!(granted_sorted, declared);
    // build.rs read the same list from the source as the macro expanded.
    assert_eq!(envdesk_app::BUILD_COMMAND_NAMES.lines().collect::<Vec<_>>(), envdesk_app::COMMANDS);
    let lib = std::fs::read_to_string("src-tauri/lib.rs").unwrap();
    assert!(lib.contains(".invoke_handler(commands::handler())"), "the handler registers the list");
    let conf: serde_json::Value = serde_json::from_str(&std::fs::read_to_string("tauri.conf.json").unwrap()).unwrap();
    assert_eq!(conf["app"]["withGlobalTauri"], false);
    assert_eq!(conf["app"]["security"]["freezePrototype"], true);
    let csp = conf["app"]["security"]["csp"].as_str().unwrap();
    assert!(!csp.contains("http://") || csp.contains("http://ipc.localhost"), "no remote host in the CSP");
    assert!(!csp.contains("https:"), "no remote host in the CSP");
}

/// One set of error codes: every code the client names (`ClientError::code`, `ErrorCode::as_str`) is
/// the same string as the app's `Code` it maps to, so the UI's exhaustive switch sees what the client
/// meant. (The maps are exhaustive `match`es: a new variant does not compile until it has a code.)
#[test]
fn the_apps_error_codes_are_the_clients() {
    use envdesk_api::{ApiError, ErrorCode};
    use envdesk_client::ClientError;
    use envdesk_core::crypto::CryptoError;
    let parse = envdesk_core::dotenv::Document::parse("A: 1\n").unwrap_err();
    let export = envdesk_core::export::ExportError::KeyNotAllowed { key: "A".into(), format: Format::Env, reason: "x" };
    let s = || "x".to_owned();
    let all = [
        ClientError::Locked { project: s() },
        ClientError::KeyNeeded { project: s() },
        ClientError::WrongKey { project: s() },
        ClientError::Crypto { what: s(), source: CryptoError::NotBase64 },
        ClientError::BadKey(CryptoError::NotBase64),
        ClientError::Parse { level: s(), error: parse },
        ClientError::Import(s()),
        ClientError::Export(export),
        ClientError::Template(s()),
        ClientError::OldKeyUnavailable { key_version: s(), hint: "" },
        ClientError::UnknownVersionKey { version: s() },
        ClientError::KeyStore(s()),
        ClientError::Io(s()),
        ClientError::LocalVaultKeyMissing { path: "/x".into() },
        ClientError::LocalVaultTokenMismatch { path: "/x".into() },
        ClientError::Unencrypted { project: s(), level: s() },
        ClientError::RotationOutcomeUnknown { project: s(), cause: s() },
        ClientError::ListingTooLarge { limit: s() },
        ClientError::RotationUnsupported { project: s(), level: s() },
        ClientError::ServerKeyRefused { project: s() },
        ClientError::Invalid(s()),
    ];
    for e in &all {
        assert_eq!(Code::from(e).as_str(), e.code(), "{e:?}");
    }
    let client_side = [ErrorCode::Network, ErrorCode::Timeout, ErrorCode::InvalidResponse, ErrorCode::Unknown];
    for c in ErrorCode::SERVER.into_iter().chain(client_side) {
        let e = ClientError::Api(ApiError::new(c, "m"));
        assert_eq!(Code::from(&e).as_str(), c.as_str(), "{c:?}");
        assert_eq!(Code::from(&e).as_str(), e.code());
    }
}

/// `lock_project` (issue 12's new operation, added through the one command list): one project's key
/// leaves memory, the others stay open.
#[tokio::test]
async fn lock_one_project() {
    let (ctx, _dir, _) = host();
    tree(&ctx).await;
    run::create_project(&ctx, cmd::CreateProject { conn: LOCAL.into(), name: "other".into(), key: NewKey::Generate })
        .await
        .unwrap();
    let project =
        |p: &str| cmd::ProjectRef { conn: LOCAL.into(), project: envdesk_app::app::args::Slug::parse(p).unwrap() };
    run::lock_project(&ctx, project("app")).await.unwrap();
    assert!(!run::key_state(&ctx, project("app")).await.unwrap().unlocked);
    assert!(run::key_state(&ctx, project("other")).await.unwrap().unlocked);
    assert!(envdesk_app::COMMANDS.contains(&"lock_project"));
}

#[tokio::test]
async fn a_write_from_the_diff_keeps_the_users_draft_of_that_level() {
    let (ctx, _dir, _keys) = host();
    tree(&ctx).await;
    let saved = save(&ctx, &env(), "A=1\n", Some(0), "").await;
    let node = || cmd::NodeRef { conn: LOCAL.into(), path: ipc(&env()) };
    let draft = |text: &str| cmd::SaveDraft {
        conn: LOCAL.into(),
        path: ipc(&env()),
        text: text.into(),
        base_revision: saved.revision,
    };
    run::save_draft(&ctx, draft("A=1\nMINE=typed\n")).await.unwrap();
    let write = |text: &str, base: Option<u64>, base_text: &str| cmd::SaveLevel {
        conn: LOCAL.into(),
        path: ipc(&env()),
        text: text.into(),
        base_revision: base,
        base_text: base_text.into(),
        view: None,
    };
    // Written: the draft of the user's own typing stays (a save would have discarded it).
    let w = run::write_level(&ctx, write("A=1\nB=2\n", saved.revision, "A=1\n")).await.unwrap();
    assert!(w.conflict.is_none());
    let kept = run::get_draft(&ctx, node()).await.unwrap().unwrap();
    assert_eq!(kept.text, "A=1\nMINE=typed\n");
    // Refused for a stale revision: nothing written, and the draft is not replaced by the diff's text.
    let refused = run::write_level(&ctx, write("A=1\n", saved.revision, "A=1\n")).await.unwrap();
    assert!(refused.conflict.is_some(), "the revision check holds");
    assert_eq!(run::get_draft(&ctx, node()).await.unwrap().unwrap().text, "A=1\nMINE=typed\n");
    assert!(read(&ctx, &env()).await.levels.iter().any(|l| l.text.as_deref() == Some("A=1\nB=2\n")));
}

/// Issue 14, part 4: `read_node` sends the levels and the text of one; the webview asks for windows of
/// the merged rows, another level's text and the live merge of an edit; a lock closes the view, and
/// the webview is told so by its own code.
#[tokio::test]
async fn a_node_is_a_view_whose_rows_are_asked_for() {
    let (ctx, _dir, _) = host();
    tree(&ctx).await;
    let target = NodePath::target("app", "backend");
    save(&ctx, &target, "A=target\nB=target\n", Some(0), "").await;
    save(&ctx, &env(), "B=env\nC=${A}-c\n", Some(0), "").await;
    let node = read(&ctx, &env()).await;
    assert_eq!(node.keys, 3);
    let texts: Vec<Option<&str>> = node.levels.iter().map(|l| l.text.as_deref()).collect();
    assert_eq!(texts, [None, None, Some("B=env\nC=${A}-c\n")]);
    let json = serde_json::to_string(&node).unwrap();
    assert!(!json.contains("target\\n") && !json.contains("\"merged\""), "no other level, no merged rows: {json}");
    assert!(node.first.is_none());
    // The first rows come with the node when asked for (one request for the table on screen).
    let with_rows =
        run::read_node(&ctx, cmd::ReadNode { conn: LOCAL.into(), path: ipc(&env()), text_of: None, rows: 2 })
            .await
            .unwrap();
    let first = with_rows.first.unwrap();
    assert_eq!((first.total, first.rows.len(), first.rows[0].key.as_str()), (3, 2, "A"));
    let rows = |filter: &str, offset: u32, limit: u32| cmd::MergedRows {
        conn: LOCAL.into(),
        view: node.view,
        offset,
        limit,
        filter: filter.into(),
        live: true,
    };
    let w = run::merged_rows(&ctx, rows("", 1, 5)).await.unwrap();
    let got: Vec<(&str, &str, Option<&str>)> =
        w.rows.iter().map(|r| (r.key.as_str(), r.value.as_str(), r.resolved.as_deref())).collect();
    assert_eq!(got, [("B", "env", None), ("C", "${A}-c", Some("target-c"))]);
    assert_eq!((w.total, w.offset), (3, 1));
    assert_eq!(run::merged_rows(&ctx, rows("c", 0, 5)).await.unwrap().total, 1);
    let level = |level| cmd::LevelText { conn: LOCAL.into(), view: node.view, level };
    assert_eq!(run::level_text(&ctx, level(LevelKind::Target)).await.unwrap(), "A=target\nB=target\n");
    // The text of another level comes with the node when asked for.
    let t = run::read_node(
        &ctx,
        cmd::ReadNode { conn: LOCAL.into(), path: ipc(&env()), text_of: Some(LevelKind::Target), rows: 0 },
    )
    .await
    .unwrap();
    assert_eq!(t.levels[1].text.as_deref(), Some("A=target\nB=target\n"));
    assert_eq!(t.levels[2].text, None);
    // Two reads are two views: the first is still open.
    assert_eq!(run::merged_rows(&ctx, rows("", 0, 5)).await.unwrap().total, 3);
    let edit = |text: Option<&str>| cmd::EditView {
        conn: LOCAL.into(),
        view: t.view,
        level: LevelKind::Environment,
        text: text.map(str::to_owned),
        seq: 1,
    };
    assert_eq!(run::edit_view(&ctx, edit(Some("A=live\nC=${A}-c\n"))).await.unwrap(), 3);
    let key = |name: &str| cmd::MergedKey {
        conn: LOCAL.into(),
        view: t.view,
        name: envdesk_app::app::key_history::KeyName::parse(name).unwrap(),
        live: true,
    };
    let c = run::merged_key(&ctx, key("C")).await.unwrap().unwrap();
    assert_eq!(c.resolved.as_deref(), Some("live-c"), "templates resolve live");
    assert_eq!(run::merged_key(&ctx, key("B")).await.unwrap().unwrap().value, "target");
    run::edit_view(&ctx, edit(None)).await.unwrap();
    assert_eq!(run::merged_key(&ctx, key("B")).await.unwrap().unwrap().value, "env");
    // Closed by the webview: gone.
    run::close_view(&ctx, cmd::CloseView { conn: LOCAL.into(), view: node.view }).await.unwrap();
    assert_eq!(run::merged_rows(&ctx, rows("", 0, 5)).await.unwrap_err().code, Code::ViewClosed);
    // A lock closes it.
    run::lock_all(&ctx).await.unwrap();
    let e = run::merged_key(&ctx, key("B")).await.unwrap_err();
    assert_eq!(e.code, Code::ViewClosed);
}

/// Issue 16 through the app's commands: a project-level `@required @type: port` key; staging with
/// `PORT=abc` is linted against the project's schema (error at its line), the merged view names the
/// problem; production without it says the key is missing; a strict project refuses the save and
/// keeps nothing, a fixed text saves; an export of a broken environment is refused unless confirmed.
#[tokio::test]
async fn the_schema_is_linted_checked_on_save_and_gates_exports() {
    let (ctx, dir, _) = host();
    tree(&ctx).await;
    let project = NodePath::project("app");
    let schema = "# @schema: strict\n# @description: Where it listens\n# @required @type: port\nPORT=\n";
    save(&ctx, &project, schema, Some(0), "").await;

    // The editor's lints of the environment, against the project's schema (through the view).
    let node = read(&ctx, &env()).await;
    let analyze_env = |text: &str| {
        let req =
            cmd::AnalyzeLevel { conn: LOCAL.into(), view: node.view, level: LevelKind::Environment, text: text.into() };
        run::analyze_level(&ctx, req)
    };
    let lint = analyze_env("A=1\nPORT=abc\n").await.unwrap();
    let typed: Vec<(usize, String)> = lint
        .lints
        .iter()
        .filter(|l| l.code == envdesk_core::dotenv::LintCode::SchemaType)
        .map(|l| (l.line, l.message.clone()))
        .collect();
    assert_eq!(typed, [(2, "`PORT` is not a port number (1 to 65535) (`@type: port`)".to_owned())]);
    // The table's entries carry the node's schema on the line that sets each key, not on the lines a
    // later one overrides (a copy per repeated line once ran the app out of memory).
    let twice = analyze_env("PORT=1\nPORT=2\nPORT=8080\n").await.unwrap();
    let typed: Vec<(bool, bool)> = twice
        .entries
        .iter()
        .map(|e| (e.overridden, e.schema.as_ref().is_some_and(|s| s.value_type.is_some())))
        .collect();
    assert_eq!(typed, [(true, false), (true, false), (false, true)]);
    assert!(
        analyze("PORT=abc\n").lints.iter().all(|l| l.code != envdesk_core::dotenv::LintCode::SchemaType),
        "alone, no schema"
    );

    // The environment's merged view: PORT, declared empty at the project, is in the result, empty, and says so.
    let rows = run::merged_rows(
        &ctx,
        cmd::MergedRows {
            conn: LOCAL.into(),
            view: node.view,
            offset: 0,
            limit: 100,
            filter: String::new(),
            live: false,
        },
    )
    .await
    .unwrap();
    assert_eq!(rows.schema_errors, 1);
    assert_eq!(rows.missing.len(), 0, "the project declares PORT empty: it is in the result, empty");
    let port = rows.rows.iter().find(|r| r.key == "PORT").unwrap();
    assert_eq!(port.problems[0].message, "`PORT` is required (by the project level) and empty");
    assert_eq!(port.description.as_deref(), Some("Where it listens"));

    // Strict: a save that breaks the schema is refused, nothing written.
    let req = |text: &str| cmd::SaveLevel {
        conn: LOCAL.into(),
        path: ipc(&env()),
        text: text.into(),
        base_revision: Some(0),
        base_text: String::new(),
        view: Some(node.view),
    };
    let e = run::save_level(&ctx, req("PORT=abc\n")).await.err().unwrap();
    assert_eq!(e.code, Code::SchemaViolation);
    assert!(e.message.contains("`PORT` is not a port number") && !e.message.contains("abc"), "{}", e.message);
    assert_eq!(read(&ctx, &env()).await.levels.last().unwrap().revision, Some(0), "nothing was written");
    // The diff's "set in" (a write without a view) is checked the same way.
    let e = run::write_level(&ctx, cmd::SaveLevel { view: None, ..req("PORT=abc\n") }).await.err().unwrap();
    assert_eq!(e.code, Code::SchemaViolation, "{}", e.message);
    // So is a save without a view (the matrix's "add here", a resolved conflict).
    let e = run::save_level(&ctx, cmd::SaveLevel { view: None, ..req("PORT=abc\n") }).await.err().unwrap();
    assert_eq!(e.code, Code::SchemaViolation, "{}", e.message);
    assert_eq!(read(&ctx, &env()).await.levels.last().unwrap().revision, Some(0), "nothing was written");
    let saved = run::save_level(&ctx, req("PORT=8080\n")).await.unwrap();
    assert_eq!((saved.revision, saved.schema_problems.len()), (Some(1), 0));

    // Not strict: the save is done, and says what breaks.
    let lax_text = schema.replace("# @schema: strict\n", "") + "# @type: bool\nDEBUG=maybe\n";
    let node = read(&ctx, &project).await;
    let lax = run::save_level(
        &ctx,
        cmd::SaveLevel {
            conn: LOCAL.into(),
            path: ipc(&project),
            text: lax_text.clone(),
            base_revision: Some(1),
            base_text: schema.into(),
            view: Some(node.view),
        },
    )
    .await
    .unwrap();
    assert_eq!(lax.revision, Some(2));
    assert_eq!(lax.schema_problems.len(), 1, "{:?}", lax.schema_problems);

    // An export of an environment that breaks its schema asks first.
    let out = dir.path().join("out.env");
    let merged = ExportSource::Merged { path: env() };
    let e = ctx.core.export_to(LOCAL, &merged, Format::Env, false, false, &out).await.err().unwrap();
    assert_eq!(e.code, Code::SchemaViolation);
    assert!(!out.exists(), "nothing written");
    ctx.core.export_to(LOCAL, &merged, Format::Env, false, true, &out).await.unwrap();
    assert!(std::fs::read_to_string(&out).unwrap().contains("DEBUG=maybe"));

    // A `.env.example` as a schema: its keys become `@required` at the level, its values are not taken.
    let example = dir.path().join(".env.example");
    std::fs::write(&example, "PORT=placeholder-port\nSTRIPE_KEY=sk_placeholder\n").unwrap();
    let chosen = ctx.core.choose_import(&example).unwrap();
    let p = ctx.core.preview_import(LOCAL, &env(), chosen.handle).await.unwrap();
    assert_eq!(
        (p.schema.added.clone(), p.schema.annotated.clone()),
        (vec!["STRIPE_KEY".to_owned()], vec!["PORT".to_owned()])
    );
    let saved = ctx.core.apply_import(LOCAL, &env(), chosen.handle, ImportMode::Schema).await.unwrap();
    assert_eq!(saved.revision, Some(2));
    let text = read(&ctx, &env()).await.levels.last().unwrap().text.clone().unwrap_or_default();
    assert_eq!(text, "# @required\nPORT=8080\n\n# @required\nSTRIPE_KEY=\n");

    // Strict, with a key that has expired: a save that adds no error is not blocked by it (the one
    // rotating the key included); one that adds an error still is.
    // (Written while the project is not strict: a strict one refuses a key that has already expired.)
    let expired = format!("{lax_text}# @expires: 2020-01-01\nOLD_TOKEN=x\n");
    save(&ctx, &project, &expired, Some(2), &lax_text).await;
    let refused = cmd::SaveLevel {
        conn: LOCAL.into(),
        path: ipc(&project),
        text: format!("# @schema: strict\n{expired}# @expires: 2020-01-01\nOLDER=y\n"),
        base_revision: Some(3),
        base_text: expired.clone(),
        view: None,
    };
    assert_eq!(run::save_level(&ctx, refused).await.err().unwrap().code, Code::SchemaViolation);
    let p_text = format!("# @schema: strict\n{expired}");
    save(&ctx, &project, &p_text, Some(3), &expired).await;
    let node = read(&ctx, &env()).await;
    let env_req = |t: &str| cmd::SaveLevel {
        conn: LOCAL.into(),
        path: ipc(&env()),
        text: t.into(),
        base_revision: Some(2),
        base_text: text.clone(),
        view: Some(node.view),
    };
    let e = run::save_level(&ctx, env_req(&format!("{text}EXTRA=1\nPORT=no\n"))).await.err().unwrap();
    assert_eq!(e.code, Code::SchemaViolation);
    let ok = run::save_level(&ctx, env_req(&format!("{text}STRIPE_KEY=sk\n"))).await.unwrap();
    assert_eq!(ok.revision, Some(3));
    assert!(
        ok.schema_problems.iter().any(|p| p.key == "OLD_TOKEN"),
        "the expired key is still said: {:?}",
        ok.schema_problems
    );
    // An import that breaks a strict project's schema is refused as a save is, nothing written.
    let bad = dir.path().join("bad.env");
    std::fs::write(&bad, "PORT=no-port\n").unwrap();
    let chosen = ctx.core.choose_import(&bad).unwrap();
    let e = ctx.core.apply_import(LOCAL, &env(), chosen.handle, ImportMode::Merge).await.err().unwrap();
    assert_eq!(e.code, Code::SchemaViolation, "{}", e.message);
    assert!(!e.message.contains("no-port"), "{}", e.message);
    assert_eq!(read(&ctx, &env()).await.levels.last().unwrap().revision, Some(3), "nothing written");
}
