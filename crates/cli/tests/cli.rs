//! envdesk-cli (issue 17): the library in-process on both backends (a local vault in a data directory
//! as the app leaves it, a real server on 127.0.0.1:0 named in the app's `settings.json`), and the
//! binary for what needs no keychain. The binary with the OS keychain (`run` passing variables, exit
//! statuses and signals, nothing on disk) is in the ignored tests at the end, which `scripts/e2e.sh`
//! runs inside a D-Bus session with GNOME Keyring (`cargo test -p envdesk-cli -- --ignored`).

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use envdesk_api::NodePath;
use envdesk_cli::{exit, Context, Side, Source};
use envdesk_client::keystore::names;
use envdesk_client::local::open_local;
use envdesk_client::vault::NewProjectKey;
use envdesk_client::{KeyStore, MemoryKeyStore, Vault, VaultOptions};
use envdesk_server::{Config, Db, MasterKey, Service, Synchronous};

const ITERS: u32 = 1000;
const BIN: &str = env!("CARGO_BIN_EXE_envdesk-cli");

/// The app's vault on a data directory (as the app leaves it): project `app` (client-managed, its key
/// remembered in `keys`), target `api`, environments `prod` and `staging`.
async fn app_left(data: &Path, keys: Arc<dyn KeyStore>) -> Vault {
    let local = open_local(data, keys.as_ref(), ITERS).unwrap();
    let opts = VaultOptions { kdf_iterations: ITERS, idle_lock: None, ..VaultOptions::default() };
    let v = Vault::new(Arc::new(local.backend), keys, "local", data.join("drafts"), opts);
    v.create_project("app", Some("app"), NewProjectKey::Generate).await.unwrap();
    v.unlock("app").await.unwrap();
    v.create_target("app", "api", Some("api")).await.unwrap();
    for e in ["prod", "staging"] {
        v.create_environment("app", "api", e, Some(e), None).await.unwrap();
    }
    save(&v, &NodePath::project("app"), "DB_HOST=db.internal\nURL=postgres://${DB_HOST}/app\nLOG=info\n").await;
    save(&v, &NodePath::environment("app", "api", "prod"), "LOG=warn\nSTRIPE_KEY=sk_live_cli_1\n").await;
    save(&v, &NodePath::environment("app", "api", "staging"), "BROKEN=${NOT_DEFINED:?must be set}\n").await;
    v
}

async fn save(v: &Vault, path: &NodePath, text: &str) {
    let node = v.read_node(path).await.unwrap();
    let level = node.levels.last().unwrap();
    v.save_level(path, text, level.revision, &level.text).await.unwrap();
}

async fn level_text(v: &Vault, path: &NodePath) -> String {
    v.read_node(path).await.unwrap().levels.last().unwrap().text.clone()
}

fn ctx(data: &Path, keys: Arc<dyn KeyStore>, interactive: bool) -> Context {
    Context { data_dir: data.to_owned(), keys, interactive }
}

#[tokio::test]
async fn run_gets_the_merged_resolved_variables_from_the_local_vault() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let keys: Arc<dyn KeyStore> = Arc::new(MemoryKeyStore::new());
    app_left(&data, keys.clone()).await;

    // A new process: the connections of the data directory, a vault of its own, the key from the keychain.
    let c = ctx(&data, keys.clone(), false);
    let all = envdesk_cli::connections(&data).unwrap();
    assert_eq!(all.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["local"], "no settings file: the local vault");
    let conn = envdesk_cli::find_connection(&all, None).unwrap();
    let v = envdesk_cli::open_vault(&c, &conn).unwrap();
    let path = envdesk_cli::parse_path("app/api/prod").unwrap();
    let read = envdesk_cli::read_environment(&c, &conn, &v, &path, Source::Auto, true).await.unwrap();
    assert!(read.warning.is_none());
    let vars = &read.snapshot.vars;
    let mut got: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("DB_HOST", "db.internal"),
            ("LOG", "warn"),
            ("STRIPE_KEY", "sk_live_cli_1"),
            ("URL", "postgres://db.internal/app")
        ]
    );
    assert!(!data.join(envdesk_client::vault::OFFLINE_DIR).exists(), "no offline copy of the local vault");

    // The child's environment: the environment's values win, unless the process's are kept.
    let process = [("LOG".into(), "from-shell".into()), ("PATH".into(), "/bin".into())];
    let env = envdesk_cli::child_env(process.clone(), vars, false);
    let get = |env: &[(std::ffi::OsString, std::ffi::OsString)], k: &str| {
        env.iter().find(|(a, _)| a == k).map(|(_, v)| v.to_string_lossy().into_owned())
    };
    assert_eq!((get(&env, "LOG").as_deref(), get(&env, "PATH").as_deref()), (Some("warn"), Some("/bin")));
    let env = envdesk_cli::child_env(process, vars, true);
    assert_eq!(get(&env, "LOG").as_deref(), Some("from-shell"));
    assert_eq!(get(&env, "STRIPE_KEY").as_deref(), Some("sk_live_cli_1"));

    // A value that does not resolve: refused (the program would get a wrong value), naming the key only.
    let staging = envdesk_cli::parse_path("app/api/staging").unwrap();
    let e = envdesk_cli::read_environment(&c, &conn, &v, &staging, Source::Auto, true).await.unwrap_err();
    assert_eq!(e.code, exit::UNUSABLE, "{}", e.message);
    assert!(e.message.contains("BROKEN"), "{}", e.message);

    // Not there: not found.
    let nope = envdesk_cli::parse_path("app/api/nope").unwrap();
    let e = envdesk_cli::read_environment(&c, &conn, &v, &nope, Source::Auto, true).await.unwrap_err();
    assert_eq!(e.code, exit::NOT_FOUND, "{}", e.message);

    // The tree, without unlocking anything.
    let fresh = envdesk_cli::open_vault(&c, &conn).unwrap();
    let tree = envdesk_cli::tree(&fresh).await.unwrap();
    assert_eq!(
        envdesk_cli::tree_text(&tree),
        "app  (client-managed)\n  app/api\n    app/api/prod\n    app/api/staging\n"
    );
    assert!(!fresh.is_unlocked("app"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_previews_checks_the_revision_and_merges_a_lost_race() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let keys: Arc<dyn KeyStore> = Arc::new(MemoryKeyStore::new());
    app_left(&data, keys.clone()).await;
    let c = ctx(&data, keys.clone(), false);
    let conn = envdesk_cli::find_connection(&envdesk_cli::connections(&data).unwrap(), None).unwrap();
    let v = envdesk_cli::open_vault(&c, &conn).unwrap();
    envdesk_cli::unlock(&c, &v, "app").await.unwrap();
    let path = envdesk_cli::parse_path("app/api/prod").unwrap();

    // Nothing to change: no preview; declined: nothing written.
    let r = envdesk_cli::push(&v, &path, b"LOG=warn\n", false, |_| panic!("no preview of nothing")).await.unwrap();
    assert_eq!(r, envdesk_cli::Pushed::Nothing);
    let r = envdesk_cli::push(&v, &path, b"NEW=1\n", false, |changes| {
        assert_eq!(envdesk_cli::change_lines(changes, false), ["+ NEW"], "keys only, no value");
        false
    })
    .await
    .unwrap();
    assert_eq!(r, envdesk_cli::Pushed::Declined);
    assert_eq!(level_text(&v, &path).await, "LOG=warn\nSTRIPE_KEY=sk_live_cli_1\n");

    // Someone saves another key between the preview and the save: merged key-wise, nothing lost.
    let other = envdesk_cli::open_vault(&c, &conn).unwrap();
    envdesk_cli::unlock(&c, &other, "app").await.unwrap();
    let r = envdesk_cli::push(&v, &path, b"NEW=1\nLOG=error\n", false, |_| {
        tokio::task::block_in_place(|| {
            tokio::runtime::Handle::current().block_on(save(&other, &path, "LOG=warn\nSTRIPE_KEY=sk_live_cli_2\n"))
        });
        true
    })
    .await
    .unwrap();
    assert_eq!(r, envdesk_cli::Pushed::Saved { revision: Some(3), merged: true });
    assert_eq!(level_text(&v, &path).await, "LOG=error\nSTRIPE_KEY=sk_live_cli_2\nNEW=1\n");

    // Both sides change the same key: nothing written, the keys named.
    let e = envdesk_cli::push(&v, &path, b"LOG=debug\n", false, |_| {
        tokio::task::block_in_place(|| {
            tokio::runtime::Handle::current().block_on(save(
                &other,
                &path,
                "LOG=trace\nSTRIPE_KEY=sk_live_cli_2\nNEW=1\n",
            ))
        });
        true
    })
    .await
    .unwrap_err();
    assert_eq!(e.code, exit::CONFLICT, "{}", e.message);
    assert!(e.message.contains("LOG") && !e.message.contains("trace") && !e.message.contains("debug"), "{}", e.message);
    assert_eq!(level_text(&v, &path).await, "LOG=trace\nSTRIPE_KEY=sk_live_cli_2\nNEW=1\n", "the other write stands");

    // Replace: the file becomes the level.
    let r = envdesk_cli::push(&v, &path, b"ONLY=1\n", true, |changes| {
        let lines = envdesk_cli::change_lines(changes, false);
        assert!(lines.contains(&"- STRIPE_KEY".to_owned()) && lines.contains(&"+ ONLY".to_owned()), "{lines:?}");
        true
    })
    .await
    .unwrap();
    assert!(matches!(r, envdesk_cli::Pushed::Saved { merged: false, .. }));
    assert_eq!(level_text(&v, &path).await, "ONLY=1\n");

    // diff: two environments, key by key, values masked unless asked for.
    let staging = envdesk_cli::parse_path("app/api/staging").unwrap();
    save(&v, &staging, "LOG=info\nONLY=2\n").await;
    let changes =
        envdesk_cli::diff_sides(&v, &Side::Merged(path.clone()), &Side::Merged(staging.clone())).await.unwrap();
    assert_eq!(envdesk_cli::change_lines(&changes, false), ["~ ONLY"]);
    assert_eq!(envdesk_cli::change_lines(&changes, true), ["~ ONLY: 1 → 2"]);

    // diff of versions: a revision of a level against the level now, or by version id.
    let side = |s: &str| envdesk_cli::parse_side(s).unwrap();
    assert_eq!(side("app/api/prod@r1"), Side::Revision(path.clone(), 1));
    assert_eq!(side("app/api/prod@level"), Side::Level(path.clone()));
    assert_eq!(side("app@id:12"), Side::Version(NodePath::project("app"), "12".into()));
    for bad in [
        "app@",
        "app@r",
        "app@x",
        "app@-1",
        "app@12",
        "app@id:0",
        "app@id:",
        "app@id:x",
        "app@r-1",
        "app@r1x",
        "app@id:99999999999999999999",
        "App@r1",
    ] {
        assert_eq!(envdesk_cli::parse_side(bad).unwrap_err().code, exit::USAGE, "{bad:?}");
    }
    let changes = envdesk_cli::diff_sides(&v, &side("app/api/prod@r1"), &side("app/api/prod@level")).await.unwrap();
    let mut lines = envdesk_cli::change_lines(&changes, true);
    lines.sort();
    assert_eq!(lines, ["+ ONLY=1", "- LOG=warn", "- STRIPE_KEY=sk_live_cli_1"]);
    // The level's own text, not the merged result: the project's keys are not in it.
    let changes = envdesk_cli::diff_sides(&v, &side("app/api/prod@level"), &side("app/api/prod")).await.unwrap();
    let mut lines = envdesk_cli::change_lines(&changes, false);
    lines.sort();
    assert_eq!(lines, ["+ DB_HOST", "+ LOG", "+ URL"]);
    let history = v.history(&path, 1, 100).await.unwrap();
    let first = history.versions.iter().find(|x| x.attributes.revision == Some(1)).unwrap().id.clone();
    let by_id = Side::Version(path.clone(), first);
    let changes = envdesk_cli::diff_sides(&v, &by_id, &side("app/api/prod@r1")).await.unwrap();
    assert!(envdesk_cli::change_lines(&changes, true).is_empty(), "the same version");
    let e = envdesk_cli::diff_sides(&v, &side("app/api/prod@r99"), &side("app/api/prod")).await.unwrap_err();
    assert_eq!(e.code, exit::NOT_FOUND, "{}", e.message);
    assert!(e.message.contains("no revision 99"), "{}", e.message);
    // Another level's version id is not this level's.
    let staging_id = v.history(&staging, 1, 1).await.unwrap().versions[0].id.clone();
    let e =
        envdesk_cli::diff_sides(&v, &Side::Version(path.clone(), staging_id), &side("app/api/prod")).await.unwrap_err();
    assert_eq!(e.code, exit::NOT_FOUND, "{}", e.message);
}

#[tokio::test]
async fn a_locked_project_without_a_terminal_says_how_to_unlock_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let keys = Arc::new(MemoryKeyStore::new());
    let v = app_left(&data, keys.clone()).await;
    // The key is not remembered on this computer any more.
    let ulid = v.projects().await.unwrap()[0].id.clone();
    keys.delete(&names::client_key("local", &ulid)).unwrap();
    let c = ctx(&data, keys.clone(), false);
    let fresh = envdesk_cli::open_vault(
        &c,
        &envdesk_cli::find_connection(&envdesk_cli::connections(&data).unwrap(), None).unwrap(),
    )
    .unwrap();
    let e = envdesk_cli::unlock(&c, &fresh, "app").await.unwrap_err();
    assert_eq!(e.code, exit::LOCKED, "{}", e.message);
    assert!(e.message.contains("No terminal") && e.message.contains("Remember on this computer"), "{}", e.message);
}

#[tokio::test]
async fn no_local_vault_is_made_by_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let keys: Arc<dyn KeyStore> = Arc::new(MemoryKeyStore::new());
    let c = ctx(dir.path(), keys.clone(), false);
    let conn = envdesk_cli::find_connection(&envdesk_cli::connections(dir.path()).unwrap(), Some("local")).unwrap();
    let e = envdesk_cli::open_vault(&c, &conn).err().unwrap();
    assert_eq!(e.code, exit::NOT_FOUND);
    assert!(e.message.contains("open envdesk once"), "{}", e.message);
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none(), "nothing created");
    assert!(keys.get(names::LOCAL_MASTER_KEY).unwrap().is_none(), "no key made");
}

#[tokio::test]
async fn a_remote_connection_of_the_app_is_used_with_its_keychain_token() {
    let dir = tempfile::tempdir().unwrap();
    let keys: Arc<dyn KeyStore> = Arc::new(MemoryKeyStore::new());
    let (running, data) = team_server(dir.path(), &keys).await;
    let token = keys.get(&names::token("team-1")).unwrap().unwrap().to_string();
    keys.delete(&names::token("team-1")).unwrap();
    let c = ctx(&data, keys.clone(), false);
    let all = envdesk_cli::connections(&data).unwrap();
    assert_eq!(all.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["local", "team-1"]);
    let team = envdesk_cli::find_connection(&all, Some("team server")).unwrap();
    assert_eq!(envdesk_cli::find_connection(&all, Some("team-1")).unwrap(), team, "by id or name");
    let e = envdesk_cli::find_connection(&all, Some("nope")).unwrap_err();
    assert_eq!(e.code, exit::NOT_FOUND);
    assert!(e.message.contains("Local vault, Team server"), "{}", e.message);

    // The token is in the keychain, not the file: without it, a clear error.
    let e = envdesk_cli::open_vault(&c, &team).err().unwrap();
    assert_eq!(e.code, exit::LOCKED);
    assert!(e.message.contains("token of `Team server`"), "{}", e.message);
    // A token the server refuses: locked, saying what to do.
    keys.set(&names::token("team-1"), "edk_not_this_one").unwrap();
    let refused = envdesk_cli::open_vault(&c, &team).unwrap();
    let e = envdesk_cli::tree(&refused).await.unwrap_err();
    assert_eq!(e.code, exit::LOCKED, "{}", e.message);
    assert!(e.message.contains("add the connection again"), "{}", e.message);
    keys.set(&names::token("team-1"), &token).unwrap();
    let v = envdesk_cli::open_vault(&c, &team).unwrap();
    v.create_project("web", Some("web"), NewProjectKey::ServerManaged).await.unwrap();
    v.unlock("web").await.unwrap();
    v.create_target("web", "site", Some("site")).await.unwrap();
    v.create_environment("web", "site", "live", Some("live"), None).await.unwrap();
    save(&v, &NodePath::environment("web", "site", "live"), "API=https://api.example\n").await;

    let fresh = envdesk_cli::open_vault(&c, &team).unwrap();
    let path = envdesk_cli::parse_path("web/site/live").unwrap();
    let read = envdesk_cli::read_environment(&c, &team, &fresh, &path, Source::Server, true).await.unwrap();
    assert_eq!(read.snapshot.vars["API"].as_str(), "https://api.example");
    let tree = envdesk_cli::tree(&fresh).await.unwrap();
    assert_eq!(serde_json::to_value(&tree).unwrap()[0]["children"][0]["children"][0]["slug"], "live");

    // The server gone: unreachable, and (asked for the server only) no fallback.
    running.stop().await;
    let e = envdesk_cli::read_environment(&c, &team, &fresh, &path, Source::Server, true).await.unwrap_err();
    assert_eq!(e.code, exit::UNREACHABLE, "{}", e.message);
    assert!(e.unreachable);
}

/// A team server on 127.0.0.1:0 named in the app's `settings.json` as connection `team-1`, its token
/// in `keys`.
async fn team_server(dir: &Path, keys: &Arc<dyn KeyStore>) -> (envdesk_server::Running, std::path::PathBuf) {
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    let db = Db::open(&dir.join("server.db"), Synchronous::Normal).unwrap();
    let service = Arc::new(Service::new(
        db,
        Some(MasterKey::generate().0),
        Config { retention_days: None, kdf_iterations: ITERS, ..Config::default() },
    ));
    let org = service.create_organization("Team").unwrap();
    let token = service.create_token_for(&org.id, "cli", &["*".into()]).unwrap().token.to_string();
    let running = envdesk_server::spawn(service, "127.0.0.1:0", None).await.unwrap();
    // The app's settings file: its other settings beside the connections are not the command line's.
    let settings = serde_json::json!({
        "settings": {"theme": "dark"},
        "connections": [{"id": "team-1", "name": "Team server", "url": running.url(), "organization": org.id}],
    });
    std::fs::write(data.join("settings.json"), settings.to_string()).unwrap();
    keys.set(&names::token("team-1"), &token).unwrap();
    (running, data)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_offline_copy_is_kept_encrypted_used_when_the_server_is_away_and_never_weaker_than_the_project() {
    let dir = tempfile::tempdir().unwrap();
    let memory = Arc::new(MemoryKeyStore::new());
    let keys: Arc<dyn KeyStore> = memory.clone();
    let (running, data) = team_server(dir.path(), &keys).await;
    let c = ctx(&data, keys.clone(), false);
    let team = envdesk_cli::find_connection(&envdesk_cli::connections(&data).unwrap(), Some("team-1")).unwrap();
    let app = envdesk_cli::open_vault(&c, &team).unwrap();
    // `web`: server-managed; `pay`: client-managed, its key remembered; `vault`: a passphrase that this
    // computer does not remember.
    app.create_project("web", Some("web"), NewProjectKey::ServerManaged).await.unwrap();
    app.create_project("pay", Some("pay"), NewProjectKey::Generate).await.unwrap();
    let phrase = "correct horse battery staple offline";
    app.create_project("vault", Some("vault"), NewProjectKey::Passphrase(phrase.to_owned().into())).await.unwrap();
    for p in ["web", "pay", "vault"] {
        app.unlock(p).await.unwrap();
        app.create_target(p, "site", Some("site")).await.unwrap();
        app.create_environment(p, "site", "live", Some("live"), None).await.unwrap();
        save(&app, &NodePath::environment(p, "site", "live"), &format!("API=https://{p}.example\n")).await;
    }
    let live = |p: &str| NodePath::environment(p, "site", "live");
    let vault_ulid = app.projects().await.unwrap().into_iter().find(|p| p.slug == "vault").unwrap().id;
    keys.delete(&names::client_key("team-1", &vault_ulid)).unwrap();
    let pay_ulid = app.projects().await.unwrap().into_iter().find(|p| p.slug == "pay").unwrap().id;

    // A read from the server keeps a copy: encrypted (no value in plain text on disk).
    let cli = envdesk_cli::open_vault(&c, &team).unwrap();
    for p in ["web", "pay"] {
        let read = envdesk_cli::read_environment(&c, &team, &cli, &live(p), Source::Auto, true).await.unwrap();
        assert_eq!(read.warning, None);
        assert_eq!(read.snapshot.vars["API"], format!("https://{p}.example"));
    }
    let offline = data.join(envdesk_client::vault::OFFLINE_DIR);
    assert!(files_holding(&offline, "example").is_empty());
    assert!(keys.get(&names::offline_key("team-1")).unwrap().is_some(), "its key is in the keychain");
    #[cfg(unix)]
    for f in walk(&offline) {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&f).unwrap().permissions().mode() & 0o077, 0, "{f:?} private");
    }
    assert_eq!(walk(&offline).len(), 2);
    // A project opened with a typed passphrase is not kept (its copy would open with the keychain alone).
    cli.unlock_with_key("vault", phrase, false).await.unwrap();
    let read = envdesk_cli::read_environment(&c, &team, &cli, &live("vault"), Source::Auto, true).await.unwrap();
    assert_eq!(read.snapshot.vars["API"], "https://vault.example");
    assert_eq!(walk(&offline).len(), 2, "no copy of a passphrase-only project");

    // --offline: the copy, even with the server there (the server has moved on meanwhile).
    save(&app, &live("web"), "API=https://web-2.example\n").await;
    let read = envdesk_cli::read_environment(&c, &team, &cli, &live("web"), Source::OfflineCopy, true).await.unwrap();
    assert_eq!(read.snapshot.vars["API"], "https://web.example");
    assert!(read.warning.as_deref().unwrap().contains("--offline: using the copy of web/site/live read"));
    let blobs = || -> Vec<(std::path::PathBuf, serde_json::Value)> {
        walk(&offline)
            .into_iter()
            .map(|f| {
                let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&f).unwrap()).unwrap();
                (f, v["blob"].clone())
            })
            .collect()
    };
    let before = blobs();
    let old_copies: Vec<Vec<u8>> = walk(&offline).iter().map(|f| std::fs::read(f).unwrap()).collect();
    let read = envdesk_cli::read_environment(&c, &team, &cli, &live("web"), Source::Auto, true).await.unwrap();
    assert_eq!(read.snapshot.vars["API"], "https://web-2.example", "the server first");
    // An unchanged environment read again is not sealed again (only its time renewed); a changed one is.
    envdesk_cli::read_environment(&c, &team, &cli, &live("pay"), Source::Auto, true).await.unwrap();
    let after = blobs();
    let changed: Vec<usize> = (0..2).filter(|&i| before[i].1 != after[i].1).collect();
    assert_eq!(changed.len(), 1, "only web's copy sealed again");
    let (web_copy, web_old) = (before[changed[0]].0.clone(), old_copies[changed[0]].clone());
    // The server says an environment is gone: its copy goes too.
    app.create_environment("web", "site", "old", Some("old"), None).await.unwrap();
    let old = NodePath::environment("web", "site", "old");
    envdesk_cli::read_environment(&c, &team, &cli, &old, Source::Auto, true).await.unwrap();
    assert_eq!(walk(&offline).len(), 3);
    app.delete_node(&old).await.unwrap();
    let e = envdesk_cli::read_environment(&c, &team, &cli, &old, Source::Auto, true).await.unwrap_err();
    assert_eq!(e.code, exit::NOT_FOUND, "{}", e.message);
    assert_eq!(walk(&offline).len(), 2, "the copy of a deleted environment is removed");

    // The server gone: each copy used, with a warning that says so and how old it is.
    running.stop().await;
    let away = envdesk_cli::open_vault(&c, &team).unwrap();
    for (p, want) in [("web", "https://web-2.example"), ("pay", "https://pay.example")] {
        let read = envdesk_cli::read_environment(&c, &team, &away, &live(p), Source::Auto, true).await.unwrap();
        assert_eq!(read.snapshot.vars["API"], want);
        let w = read.warning.unwrap();
        assert!(w.contains("cannot be reached") && w.contains("offline copy") && w.contains("ago"), "{w}");
    }
    // --online refuses it; no copy at all says so.
    let e = envdesk_cli::read_environment(&c, &team, &away, &live("web"), Source::Server, true).await.unwrap_err();
    assert_eq!(e.code, exit::UNREACHABLE, "{}", e.message);
    let e = envdesk_cli::read_environment(&c, &team, &away, &live("vault"), Source::Auto, true).await.unwrap_err();
    assert_eq!(e.code, exit::UNREACHABLE, "{}", e.message);
    assert!(e.message.contains("no offline copy of vault/site/live"), "{}", e.message);

    // A copy moved to another environment's name, or changed, is refused.
    let store = envdesk_client::vault::OfflineStore::new(&data, keys.clone(), "team-1");
    assert!(store.load(&live("web")).unwrap().is_some());
    let (first_file, second_file) = (walk(&offline)[0].clone(), walk(&offline)[1].clone());
    let saved = std::fs::read(&first_file).unwrap();
    std::fs::copy(&second_file, &first_file).unwrap();
    let mut refused = 0;
    for p in ["web", "pay"] {
        if let Err(e) = envdesk_cli::read_environment(&c, &team, &away, &live(p), Source::Auto, true).await {
            assert!(e.message.contains("is damaged, was changed"), "{}", e.message);
            refused += 1;
        }
    }
    assert_eq!(refused, 1, "the copy under the other name is refused, the original still opens");
    std::fs::write(&first_file, &saved).unwrap();
    // One character of the sealed part changed (the time beside it is not sealed: it only dates the
    // warning).
    let mut file: serde_json::Value = serde_json::from_slice(&saved).unwrap();
    let mut blob: Vec<char> = file["blob"].as_str().unwrap().chars().collect();
    let i = blob.len() / 2;
    blob[i] = if blob[i] == 'A' { 'B' } else { 'A' };
    file["blob"] = blob.into_iter().collect::<String>().into();
    std::fs::write(&first_file, file.to_string()).unwrap();
    let results = [
        envdesk_cli::read_environment(&c, &team, &away, &live("web"), Source::Auto, true).await.err(),
        envdesk_cli::read_environment(&c, &team, &away, &live("pay"), Source::Auto, true).await.err(),
    ];
    assert_eq!(results.iter().filter(|e| e.is_some()).count(), 1, "one copy changed, one refused");
    std::fs::write(&first_file, &saved).unwrap();
    // An older genuine copy put back in place of the newest: refused (its digest is not the keychain's).
    let newest = std::fs::read(&web_copy).unwrap();
    std::fs::write(&web_copy, &web_old).unwrap();
    let e = envdesk_cli::read_environment(&c, &team, &away, &live("web"), Source::Auto, true).await.unwrap_err();
    assert!(e.message.contains("replaced by an older one"), "{}", e.message);
    std::fs::write(&web_copy, &newest).unwrap();
    let read = envdesk_cli::read_environment(&c, &team, &away, &live("web"), Source::Auto, true).await.unwrap();
    assert_eq!(read.snapshot.vars["API"], "https://web-2.example");
    // Not a regular file (a pipe would hang a reader): refused, never waited on.
    std::fs::remove_file(&web_copy).unwrap();
    nix::unistd::mkfifo(&web_copy, nix::sys::stat::Mode::S_IRUSR | nix::sys::stat::Mode::S_IWUSR).unwrap();
    let e = envdesk_cli::read_environment(&c, &team, &away, &live("web"), Source::Auto, true).await.unwrap_err();
    assert!(e.message.contains("offline copy"), "{}", e.message);
    std::fs::remove_file(&web_copy).unwrap();
    std::fs::write(&web_copy, &newest).unwrap();

    // A project whose key is forgotten here: its copy is not used any more.
    keys.delete(&names::client_key("team-1", &pay_ulid)).unwrap();
    let e = envdesk_cli::read_environment(&c, &team, &away, &live("pay"), Source::Auto, true).await.unwrap_err();
    assert!(e.message.contains("no longer remembered"), "{}", e.message);

    // Removing the connection (the app) removes the copies and their key.
    envdesk_client::vault::forget_connection(&data, keys.as_ref(), "team-1").unwrap();
    assert!(walk(&offline).is_empty());
    assert!(keys.get(&names::offline_key("team-1")).unwrap().is_none());
    assert!(!memory.names().iter().any(|n| n.starts_with("offline-")), "{:?}", memory.names());
    let e = envdesk_cli::read_environment(&c, &team, &away, &live("web"), Source::OfflineCopy, true).await.unwrap_err();
    assert_eq!(e.code, exit::NOT_FOUND, "{}", e.message);
}

/// Every file under `dir` (none when it does not exist).
fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut out = Vec::new();
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

#[test]
fn paths_and_the_envdesk_file_are_parsed_at_the_boundary() {
    assert_eq!(envdesk_cli::parse_path("app/api/prod").unwrap(), NodePath::environment("app", "api", "prod"));
    assert_eq!(envdesk_cli::parse_path("app").unwrap(), NodePath::project("app"));
    for bad in ["", "app/../x", "app/api/prod/more", "App/api", "app//prod", "a?b"] {
        assert_eq!(envdesk_cli::parse_path(bad).unwrap_err().code, exit::USAGE, "{bad:?}");
    }

    let dir = tempfile::tempdir().unwrap();
    let deep = dir.path().join("service/src");
    std::fs::create_dir_all(&deep).unwrap();
    assert_eq!(envdesk_cli::find_dot_envdesk(&deep).unwrap(), None);
    std::fs::write(dir.path().join(".envdesk"), "# which environment\nenvironment=app/api/prod\nconnection=Team\n")
        .unwrap();
    let found = envdesk_cli::find_dot_envdesk(&deep).unwrap().unwrap();
    assert_eq!(found.file, dir.path().join(".envdesk"), "the nearest one above");
    assert_eq!((found.environment.as_deref(), found.connection.as_deref()), (Some("app/api/prod"), Some("Team")));
    // One that another user put there is ignored (another user's /tmp/.envdesk must not pick it).
    std::fs::write(deep.join(".envdesk"), "environment=evil/x/y\n").unwrap();
    if std::os::unix::fs::chown(deep.join(".envdesk"), Some(54_321), None).is_ok() {
        let found = envdesk_cli::find_dot_envdesk(&deep).unwrap().unwrap();
        assert_eq!(found.file, dir.path().join(".envdesk"), "another user's file is skipped");
    }
    std::fs::remove_file(deep.join(".envdesk")).unwrap();
    std::fs::write(deep.join(".envdesk"), "enviroment=app/api/prod\n").unwrap();
    let e = envdesk_cli::find_dot_envdesk(&deep).unwrap_err();
    assert_eq!(e.code, exit::USAGE);
    assert!(e.message.contains("unknown setting `enviroment`"), "{}", e.message);
}

#[test]
fn the_binary_checks_its_arguments_before_any_keychain() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        Command::new(BIN)
            .args(args)
            .current_dir(dir.path())
            .env("ENVDESK_DATA_DIR", dir.path().join("data"))
            .env("ENVDESK_KEYRING_SERVICE", "dev.envdesk.cli-test.never-used")
            .output()
            .unwrap()
    };
    // No environment named and no .envdesk file: a usage error saying what to do.
    let out = run(&["run", "--", "true"]);
    assert_eq!(out.status.code(), Some(exit::USAGE));
    assert!(String::from_utf8_lossy(&out.stderr).contains(".envdesk"), "{}", String::from_utf8_lossy(&out.stderr));
    let out = run(&["run", "--env", "app/../etc", "--", "true"]);
    assert_eq!(out.status.code(), Some(exit::USAGE), "{}", String::from_utf8_lossy(&out.stderr));
    let out = run(&["export", "--env", "app/api/prod", "--format", "xml"]);
    assert_eq!(out.status.code(), Some(exit::USAGE), "{}", String::from_utf8_lossy(&out.stderr));
    // The connections need no keychain.
    let out = run(&["connections", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list[0]["id"], "local");
}

// ---- With the OS keychain (a Secret Service): run by scripts/e2e.sh inside a D-Bus session. ----

/// A local vault made with the real keychain under a throw-away service name, as the app would.
async fn keychain_vault(dir: &Path, test: &str) -> (std::path::PathBuf, String) {
    let service = format!("dev.envdesk.cli-test.{test}.{}", std::process::id());
    let keys: Arc<dyn KeyStore> = Arc::new(envdesk_client::keychain::Keychain::new(&service));
    let data = dir.join("data");
    app_left(&data, keys).await;
    (data, service)
}

fn cli(data: &Path, service: &str, cwd: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.current_dir(cwd).env("ENVDESK_DATA_DIR", data).env("ENVDESK_KEYRING_SERVICE", service).env("LOG", "from-shell");
    c
}

/// Every file under `dir` that holds `needle` in plain text.
fn files_holding(dir: &Path, needle: &str) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_holding(&p, needle));
        } else if std::fs::read(&p).unwrap_or_default().windows(needle.len()).any(|w| w == needle.as_bytes()) {
            out.push(p);
        }
    }
    out
}

#[tokio::test]
#[ignore = "needs a Secret Service: scripts/e2e.sh runs it"]
async fn run_passes_variables_status_and_signals_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (data, service) = keychain_vault(dir.path(), "run").await;
    let work = dir.path().join("project");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::write(work.join(".envdesk"), "environment=app/api/prod\n").unwrap();

    // The child sees the variables (the environment's value wins over the shell's).
    let out = cli(&data, &service, &work)
        .args(["run", "--", "sh", "-c", "printf '%s|%s|%s' \"$STRIPE_KEY\" \"$URL\" \"$LOG\""])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "sk_live_cli_1|postgres://db.internal/app|warn");
    let out = cli(&data, &service, &work)
        .args(["run", "--keep-existing", "--", "sh", "-c", "printf %s \"$LOG\""])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "from-shell");

    // The exit status and a signal are the program's own.
    let out = cli(&data, &service, &work).args(["run", "--", "sh", "-c", "exit 7"]).output().unwrap();
    assert_eq!(out.status.code(), Some(7));
    let out = cli(&data, &service, &work).args(["run", "--", "sh", "-c", "kill -TERM $$"]).output().unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(out.status.signal(), Some(15), "{:?}", out.status);
    let out = cli(&data, &service, &work).args(["run", "--", "no-such-program-envdesk"]).output().unwrap();
    assert_eq!(out.status.code(), Some(exit::NOT_FOUND_PROGRAM));

    // Nothing in plain text on disk, in the data directory or the project's.
    assert!(files_holding(dir.path(), "sk_live_cli_1").is_empty(), "{:?}", files_holding(dir.path(), "sk_live_cli_1"));

    // Export: standard output, or a file private to the user.
    let out = cli(&data, &service, &work).args(["export", "--format", "json"]).output().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["STRIPE_KEY"], "sk_live_cli_1");
    let file = work.join("out.env");
    let out = cli(&data, &service, &work).args(["pull", "-o", "out.env"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    assert!(std::fs::read_to_string(&file).unwrap().contains("STRIPE_KEY=sk_live_cli_1"));

    // ls and history, as JSON for scripts.
    let out = cli(&data, &service, &work).args(["ls", "--json"]).output().unwrap();
    let tree: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(tree[0]["slug"], "app");
    let out = cli(&data, &service, &work).args(["history", "app/api/prod", "--json"]).output().unwrap();
    let versions: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(versions.as_array().map(Vec::len), Some(1), "{versions}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("sk_live"), "no value in the history");

    // The command line's keychain (one Secret Service session for its reads) reads what keyring wrote.
    let session = envdesk_client::keychain::SessionKeychain::new(&service);
    let keys = envdesk_client::keychain::Keychain::new(&service);
    for name in [names::LOCAL_MASTER_KEY, names::LOCAL_TOKEN, "no-such-entry"] {
        assert_eq!(session.get(name).unwrap(), keys.get(name).unwrap(), "{name}");
    }
    assert!(session.get(names::LOCAL_TOKEN).unwrap().is_some());
    // Clean up the throw-away keychain entries.
    for name in [names::LOCAL_MASTER_KEY, names::LOCAL_TOKEN] {
        keys.delete(name).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Secret Service: scripts/e2e.sh runs it"]
async fn run_watch_restarts_the_program_when_the_environment_changes() {
    let dir = tempfile::tempdir().unwrap();
    let (data, service) = keychain_vault(dir.path(), "watch").await;
    let starts = dir.path().join("starts.txt");
    let script = format!("echo \"$LOG\" >> '{}'; exec sleep 60", starts.display());
    let mut child = cli(&data, &service, dir.path())
        .args(["run", "--watch", "--watch-seconds", "1", "--env", "app/api/prod", "--", "sh", "-c", &script])
        .spawn()
        .unwrap();
    let lines = || std::fs::read_to_string(&starts).unwrap_or_default().lines().map(str::to_owned).collect::<Vec<_>>();
    let wait_for = |n: usize| {
        let until = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while lines().len() < n && std::time::Instant::now() < until {
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        lines()
    };
    assert_eq!(wait_for(1), ["warn"]);
    // Another writer changes the environment: the program is stopped and started with the new value.
    let keys: Arc<dyn KeyStore> = Arc::new(envdesk_client::keychain::Keychain::new(&service));
    let local = open_local(&data, keys.as_ref(), ITERS).unwrap();
    let v = Vault::new(Arc::new(local.backend), keys, "local", data.join("drafts"), VaultOptions::default());
    v.unlock("app").await.unwrap();
    save(&v, &NodePath::environment("app", "api", "prod"), "LOG=error\nSTRIPE_KEY=sk_live_cli_1\n").await;
    assert_eq!(wait_for(2), ["warn", "error"]);
    // A SIGTERM to envdesk-cli reaches the program; envdesk-cli ends with its status.
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), nix::sys::signal::Signal::SIGTERM).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(128 + 15), "{status:?}");
    let keys = envdesk_client::keychain::Keychain::new(&service);
    for name in [names::LOCAL_MASTER_KEY, names::LOCAL_TOKEN] {
        keys.delete(name).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Secret Service: scripts/e2e.sh runs it"]
async fn the_binary_runs_from_the_offline_copy_when_the_server_is_away() {
    let dir = tempfile::tempdir().unwrap();
    let service = format!("dev.envdesk.cli-test.offline.{}", std::process::id());
    let keys: Arc<dyn KeyStore> = Arc::new(envdesk_client::keychain::Keychain::new(&service));
    let (running, data) = team_server(dir.path(), &keys).await;
    let c = ctx(&data, keys.clone(), false);
    let team = envdesk_cli::find_connection(&envdesk_cli::connections(&data).unwrap(), Some("team-1")).unwrap();
    let app = envdesk_cli::open_vault(&c, &team).unwrap();
    app.create_project("web", Some("web"), NewProjectKey::ServerManaged).await.unwrap();
    app.unlock("web").await.unwrap();
    app.create_target("web", "site", Some("site")).await.unwrap();
    app.create_environment("web", "site", "live", Some("live"), None).await.unwrap();
    save(&app, &NodePath::environment("web", "site", "live"), "API=https://web.example\n").await;
    let run = |extra: &[&str]| {
        let mut args = vec!["--conn", "Team server", "run", "--env", "web/site/live"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--", "sh", "-c", "printf %s \"$API\""]);
        cli(&data, &service, dir.path()).args(&args).output().unwrap()
    };
    let out = run(&["--offline"]);
    assert_eq!(out.status.code(), Some(exit::NOT_FOUND), "no copy yet: {}", String::from_utf8_lossy(&out.stderr));
    let out = run(&[]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "https://web.example", "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));

    running.stop().await;
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "https://web.example");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot be reached") && err.contains("offline copy of web/site/live"), "{err}");
    let out = run(&["--online"]);
    assert_eq!(out.status.code(), Some(exit::UNREACHABLE), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty());
    let out = cli(&data, &service, dir.path())
        .args(["--conn", "team-1", "export", "--env", "web/site/live", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["API"], "https://web.example");
    assert!(files_holding(dir.path(), "web.example").iter().all(|f| f.ends_with("server.db")));

    let keychain = envdesk_client::keychain::Keychain::new(&service);
    envdesk_client::vault::forget_connection(&data, &keychain, "team-1").unwrap();
    keychain.delete(&names::token("team-1")).unwrap();
}
