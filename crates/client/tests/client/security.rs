//! Issue 10, the client's holes: each test here failed before its fix. Normal answers come from a
//! real envdesk-server on 127.0.0.1:0; the answers no real server gives come from [`hostile`].

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use envdesk_api::*;
use envdesk_client::http::{HttpBackend, HttpConfig};
use envdesk_client::keystore::names;
use envdesk_client::local::open_local;
use envdesk_client::vault::{NewProjectKey, Progress};
use envdesk_client::{KeyStore, MemoryKeyStore, Vault};
use envdesk_core::crypto;
use zeroize::Zeroizing;

use crate::cases::{client_tree, env_path, save};
use crate::conformance;
use crate::harness::{http_backend, opts, Env, Kind, ITERS};
use crate::hostile::{self, Answer};

/// A vault of the same connection whose requests go to `url` (a hostile server in front of the
/// real one).
fn vault_via(e: &Env, url: &str) -> Vault {
    Vault::new(
        Arc::new(http_backend(url, &e.org, &e.token)),
        e.keys.clone(),
        e.vault.connection(),
        e.dir.path().join("drafts"),
        opts(),
    )
}

fn json<T: serde::Serialize>(status: u16, body: &T) -> Answer {
    Answer::Json(status, serde_json::to_vec(body).unwrap())
}

// Hole 3: ids and slugs are path segments, never path text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_ids_and_slugs_never_reach_another_route() {
    let e = Env::new(Kind::Http).await;
    let v = &e.vault;
    client_tree(v).await;
    save(v, &env_path(), "A=1\n").await;
    save(v, &env_path(), "A=2\n").await;
    let versions = v.history(&env_path(), 1, 25).await.unwrap().meta.total;
    let b = v.backend();
    for id in
        ["../../app", "../../app/backend", "5?force=true", "1?force=true", "1#x", "..", ".", "", "%2F", "1/restore"]
    {
        assert!(b.delete_version(id, false).await.is_err(), "{id:?}");
        assert!(v.delete_version(id, true).await.is_err(), "{id:?}");
        assert!(b.get_version(id).await.is_err(), "{id:?}");
        let restore = RestoreRequest { content: None, key_proof: None, base_revision: None };
        assert!(b.restore_version(id, restore).await.is_err(), "{id:?}");
    }
    let rename = || UpdateNode { name: Some("pwned".into()), ..Default::default() };
    for slug in
        ["..", ".", "", "app/backend", "app?x=1", "app#x", "%2F", "app%2Fbackend", "../app", "backend/..", "a/../.."]
    {
        assert!(b.delete_project(slug).await.is_err(), "{slug:?}");
        assert!(b.update_project(slug, rename()).await.is_err(), "{slug:?}");
        assert!(b.delete_target("app", slug).await.is_err(), "{slug:?}");
        assert!(b.delete_target(slug, "backend").await.is_err(), "{slug:?}");
        assert!(b.delete_environment("app", "backend", slug).await.is_err(), "{slug:?}");
        assert!(b.delete_environment("app", slug, "production").await.is_err(), "{slug:?}");
        assert!(b.read_secrets(&NodePath::target("app", slug), Default::default()).await.is_err(), "{slug:?}");
    }
    // Everything is still there, unchanged.
    assert_eq!(b.get_project("app").await.unwrap().attributes.name, "app");
    assert_eq!(v.environments("app", "backend").await.unwrap().len(), 1);
    assert_eq!(v.read_node(&env_path()).await.unwrap().levels[2].text, "A=2\n");
    assert_eq!(v.history(&env_path(), 1, 25).await.unwrap().meta.total, versions, "no version was deleted");
}

// Hole 8: plain http only for this computer, refused before any request.
#[test]
fn plain_http_only_for_this_computer() {
    let make = |url: &str| {
        HttpBackend::new(HttpConfig {
            base_url: url.into(),
            organization: "01ORG".into(),
            token: Zeroizing::new("edk_token".into()),
        })
    };
    for url in [
        "http://example.com",
        "http://10.0.0.5:8787",
        "http://192.168.1.2/api/v1",
        "http://localhost.example.com",
        "http://127.0.0.1.nip.io",
        "http://[::2]:80",
        "http://0.0.0.0:8787",
        "http://[::ffff:10.0.0.1]",
        "ftp://127.0.0.1",
        "127.0.0.1:8787",
    ] {
        let err = make(url).unwrap_err();
        assert_eq!(err.code, ErrorCode::ValidationFailed, "{url}");
        assert!(err.message.contains("https://"), "{url}: {}", err.message);
        assert!(!err.message.contains("edk_token"));
    }
    for url in [
        "http://localhost:8787",
        "http://LOCALHOST",
        "http://127.0.0.1:8787/",
        "http://127.9.8.7",
        "http://127.1:8787",
        "http://[::1]:8787/api/v1",
        "https://api.example.com",
        "https://example.com/prefix/",
    ] {
        assert!(make(url).is_ok(), "{url}");
    }
}

/// A hostile server in front of `e`'s real one that answers `…/{project}/encryption-key` with the
/// descriptor in `fake` (when set).
/// `(project, body of its encryption-key answer)`, when faked.
type FakeDescriptor = Arc<Mutex<Option<(String, Vec<u8>)>>>;

fn descriptor_faker(e: &Env) -> (hostile::Hostile, FakeDescriptor) {
    let fake: FakeDescriptor = Arc::default();
    let f = fake.clone();
    let h = hostile::start(e.url.clone(), move |r| match &*f.lock().unwrap() {
        Some((project, body)) if r.method == "GET" && r.path().ends_with(&format!("/{project}/encryption-key")) => {
            Answer::Json(200, body.clone())
        }
        _ => Answer::Forward,
    });
    (h, fake)
}

/// The real descriptor of `project`, changed by `change`, as the encryption-key answer's body.
async fn faked_descriptor(e: &Env, project: &str, change: impl FnOnce(&mut KeyDescriptor)) -> Vec<u8> {
    let mut resp = e.vault.backend().encryption_key(project).await.unwrap();
    let mut d = descriptor_of(&resp).unwrap();
    change(&mut d);
    resp.data.attributes.content = serde_json::to_string(&KeyEnvelope { key: d }).unwrap().into();
    serde_json::to_vec(&resp).unwrap()
}

// Hole 5: a descriptor's KDF settings are bounded, refused quickly with the setting named.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_kdf_settings_are_refused_quickly() {
    let e = Env::new(Kind::Http).await;
    e.vault.create_project("srv", None, NewProjectKey::ServerManaged).await.unwrap();
    client_tree(&e.vault).await;
    let (h, fake) = descriptor_faker(&e);
    let salt16 = crypto::b64(&[7u8; 16]);
    let huge_salt = crypto::b64(&vec![7u8; 1 << 20]);
    let cases: [(Option<i64>, &str, &str); 4] = [
        (Some(i64::from(u32::MAX)), &salt16, "key_check_iterations"),
        (Some(1), &salt16, "key_check_iterations"),
        (Some(i64::from(ITERS)), &huge_salt, "key_check_salt"),
        (Some(i64::from(ITERS)), "AAAA", "key_check_salt"),
    ];
    for project in ["srv", "app"] {
        for (iterations, salt, setting) in &cases {
            let body = faked_descriptor(&e, project, |d| {
                d.key_check_iterations = *iterations;
                d.key_check_salt = Some(salt.to_string());
            })
            .await;
            *fake.lock().unwrap() = Some((project.to_owned(), body));
            let v = vault_via(&e, &h.url);
            // u32::MAX iterations would take minutes: the refusal comes before any derivation.
            let err = v.unlock(project).await.unwrap_err();
            assert_eq!(err.code(), "bad_key", "{project} {setting}: {err}");
            assert!(err.to_string().contains(setting), "{project}: {err}");
            assert!(!v.is_unlocked(project));
        }
    }
}

/// CPU time consumed by the calling thread.
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec; CLOCK_THREAD_CPUTIME_ID exists on Linux and macOS.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0);
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

// Hole 5: PBKDF2 runs on the blocking pool, not on an async worker (here the only one).
#[test]
fn pbkdf2_runs_off_the_async_workers() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let e = Env::new(Kind::Http).await;
        e.vault.create_project("srv", None, NewProjectKey::ServerManaged).await.unwrap();
        let (h, fake) = descriptor_faker(&e);
        // A valid, slow descriptor: 5,000,000 iterations (the upper bound is 10,000,000).
        let body = faked_descriptor(&e, "srv", |d| {
            d.key_check_iterations = Some(5_000_000);
            d.key_check_salt = Some(crypto::b64(&[1u8; 16]));
        })
        .await;
        *fake.lock().unwrap() = Some(("srv".into(), body));
        let v = vault_via(&e, &h.url);
        // CPU time of this thread (the runtime's only worker), not wall-clock time: other tests and
        // other processes cannot change it. Inline, the unlock's two derivations (proof and data key)
        // would cost this thread at least what one derivation costs here.
        let one = {
            let before = thread_cpu();
            let _ = crypto::derive_data_key(&crypto::ProjectKey::new("x").unwrap(), &[1u8; 16], 5_000_000);
            thread_cpu() - before
        };
        let before = thread_cpu();
        v.unlock("srv").await.unwrap();
        let spent = thread_cpu() - before;
        assert!(spent * 4 < one, "the async worker itself spent {spent:?}; one derivation costs {one:?}");
    });
}

fn project_item(i: usize) -> Project {
    Project {
        kind: "projects".into(),
        id: format!("01PROJECT{i:017}"),
        attributes: ProjectAttributes {
            ulid: format!("01PROJECT{i:017}"),
            name: format!("p{i}"),
            slug: format!("p{i}"),
            description: None,
            secret_format: "env".into(),
            encryption_type: Some(StorageMode::Server),
            has_secrets: Some(false),
            target_count: Some(0),
            environment_count: Some(0),
            created_at: "2026-01-01T00:00:00Z".into(),
            updated_at: "2026-01-01T00:00:00Z".into(),
        },
    }
}

fn page_of(items: Vec<Project>, page: u32) -> Page<Project> {
    Page::new(items, PageMeta { current_page: page, per_page: 100, total: u64::MAX, last_page: u32::MAX })
}

fn lone_vault(url: &str, dir: &Path) -> Vault {
    Vault::new(
        Arc::new(http_backend(url, "01ORG", "edk_token")),
        Arc::new(MemoryKeyStore::new()),
        "hostile",
        dir.join("drafts"),
        opts(),
    )
}

// Hole 14 and review: listings stop — on an empty page, on a page with more than asked, after 10,000
// pages, 100,000 items or 64 MiB of the items' text in all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listings_are_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let mode = Arc::new(Mutex::new("empty"));
    let (c, m) = (count.clone(), mode.clone());
    let h = hostile::start(None, move |r| {
        let n = c.fetch_add(1, Ordering::SeqCst) + 1;
        if n > 10_050 || !r.path().ends_with("/projects") {
            return Answer::Json(404, br#"{"error":"not_found","message":"stop"}"#.to_vec());
        }
        let page: u32 = r.target.split("page=").nth(1).and_then(|p| p.split('&').next()?.parse().ok()).unwrap_or(0);
        match *m.lock().unwrap() {
            "empty" => json(200, &page_of(Vec::new(), page)),
            "crowded" => json(200, &page_of((0..101).map(project_item).collect(), page)),
            // Full pages of 100 small items, far more pages than 100,000 items take.
            "full" if page <= 1_100 => json(200, &page_of((0..100).map(project_item).collect(), page)),
            // Pages of about 4 MB (100 names of 40,000 characters): 64 MiB is past after 17.
            "wide" if page <= 40 => {
                let items = (0..100)
                    .map(|i| {
                        let mut p = project_item(i);
                        p.attributes.name = "n".repeat(40_000);
                        p
                    })
                    .collect();
                json(200, &page_of(items, page))
            }
            "full" | "wide" => Answer::Json(404, br#"{"error":"not_found","message":"stop"}"#.to_vec()),
            _ => json(200, &page_of(vec![project_item(page as usize)], page)),
        }
    });
    let v = lone_vault(&h.url, dir.path());

    assert!(v.projects().await.unwrap().is_empty(), "an empty page ends the listing");
    assert_eq!(count.swap(0, Ordering::SeqCst), 1);

    *mode.lock().unwrap() = "crowded";
    let err = v.projects().await.unwrap_err();
    assert_eq!(err.api_code(), Some(ErrorCode::InvalidResponse), "{err}");
    assert_eq!(count.swap(0, Ordering::SeqCst), 1);

    *mode.lock().unwrap() = "endless";
    let err = v.projects().await.unwrap_err();
    assert_eq!(err.code(), "listing_too_large", "{err}");
    assert!(err.to_string().contains("10,000 pages"), "{err}");
    assert_eq!(count.swap(0, Ordering::SeqCst), 10_000);

    // A budget across pages: 100,000 items…
    *mode.lock().unwrap() = "full";
    let err = v.projects().await.unwrap_err();
    assert_eq!(err.code(), "listing_too_large", "{err}");
    assert!(err.to_string().contains("100,000 items"), "{err}");
    assert_eq!(count.swap(0, Ordering::SeqCst), 1_001, "stops at the page that goes past");

    // …and 64 MiB of the items' text.
    *mode.lock().unwrap() = "wide";
    let err = v.projects().await.unwrap_err();
    assert_eq!(err.code(), "listing_too_large", "{err}");
    assert!(err.to_string().contains("64 MiB"), "{err}");
    assert_eq!(count.swap(0, Ordering::SeqCst), 17, "stops at the page that goes past");
}

// Hole 14: an answer is read up to 64 MiB, whatever it declares.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_over_64_mib_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for declared in [true, false] {
        let h = hostile::start(None, move |_| Answer::Big { len: 65 << 20, declared });
        let err = lone_vault(&h.url, dir.path()).test_connection().await.unwrap_err();
        assert_eq!(err.api_code(), Some(ErrorCode::InvalidResponse), "{err}");
        assert!(err.to_string().contains("64 MiB"), "declared {declared}: {err}");
    }
}

fn local_vault(data: &Path, keys: &Arc<MemoryKeyStore>, drafts: &Path) -> envdesk_client::Result<Vault> {
    let local = open_local(data, keys.as_ref(), ITERS)?;
    Ok(Vault::new(Arc::new(local.backend), keys.clone(), "local", drafts.to_owned(), opts()))
}

// Hole 10: the local vault never replaces its key or its token behind the user's back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_vault_never_replaces_its_key_or_token() {
    let dir = tempfile::tempdir().unwrap();
    let (data, drafts) = (dir.path().join("data"), dir.path().join("drafts"));
    let keys = Arc::new(MemoryKeyStore::new());
    {
        let v = local_vault(&data, &keys, &drafts).unwrap();
        v.create_project("Billing", None, NewProjectKey::ServerManaged).await.unwrap();
        v.unlock("billing").await.unwrap();
        save(&v, &NodePath::project("billing"), "DB=secret\n").await;
    }
    let master = keys.get(names::LOCAL_MASTER_KEY).unwrap().unwrap();
    keys.delete(names::LOCAL_MASTER_KEY).unwrap();
    let err = local_vault(&data, &keys, &drafts).err().unwrap();
    assert_eq!(err.code(), "local_vault_key_missing", "{err}");
    let msg = err.to_string();
    assert!(msg.contains("local-vault:master-key") && msg.contains("move") && msg.contains("local-vault.db"), "{msg}");
    assert!(keys.get(names::LOCAL_MASTER_KEY).unwrap().is_none(), "no new key was made");
    // The entry restored: everything reads again.
    keys.set(names::LOCAL_MASTER_KEY, &master).unwrap();
    {
        let v = local_vault(&data, &keys, &drafts).unwrap();
        v.unlock("billing").await.unwrap();
        assert_eq!(v.read_node(&NodePath::project("billing")).await.unwrap().levels[0].text, "DB=secret\n");
    }
    // A token that does not open this database: stop, and say how to recover.
    let token = keys.get(names::LOCAL_TOKEN).unwrap().unwrap();
    keys.set(names::LOCAL_TOKEN, "edk_0000000000000000000000000000000000000000000000000000000000000000").unwrap();
    let err = local_vault(&data, &keys, &drafts).err().unwrap();
    assert_eq!(err.code(), "local_vault_token_mismatch", "{err}");
    assert!(err.to_string().contains("local-vault:token"), "{err}");
    assert!(!err.to_string().contains("edk_0000"), "no token in a message");
    assert_eq!(
        keys.get(names::LOCAL_TOKEN).unwrap().unwrap().as_str(),
        "edk_0000000000000000000000000000000000000000000000000000000000000000",
        "not replaced silently"
    );
    // The user removes the entry, as told: a new token, the same data.
    keys.delete(names::LOCAL_TOKEN).unwrap();
    let v = local_vault(&data, &keys, &drafts).unwrap();
    assert_ne!(keys.get(names::LOCAL_TOKEN).unwrap().unwrap().as_str(), token.as_str());
    v.unlock("billing").await.unwrap();
    assert_eq!(v.read_node(&NodePath::project("billing")).await.unwrap().levels[0].text, "DB=secret\n");
}

// Hole 12: the data directory is 0700; the database, its -wal and -shm, and drafts are 0600.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let dir = tempfile::tempdir().unwrap();
    let (data, drafts) = (dir.path().join("data"), dir.path().join("drafts"));
    let keys = Arc::new(MemoryKeyStore::new());
    let v = local_vault(&data, &keys, &drafts).unwrap();
    client_tree(&v).await;
    save(&v, &env_path(), "A=1\n").await;
    v.save_draft(&env_path(), "A=1\nB=2\n", Some(1)).unwrap();
    assert_eq!(mode(&data), 0o700);
    for f in ["local-vault.db", "local-vault.db-wal", "local-vault.db-shm"] {
        assert_eq!(mode(&data.join(f)), 0o600, "{f}");
    }
    assert_eq!(mode(&drafts), 0o700);
    let files: Vec<_> = std::fs::read_dir(&drafts).unwrap().map(|f| f.unwrap().path()).collect();
    assert_eq!(files.len(), 1);
    assert_eq!(mode(&files[0]), 0o600);
}

// Hole 11: a client-managed level the server sends in clear is refused; the per-key form still reads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unencrypted_client_managed_level_is_refused() {
    let e = Env::new(Kind::Http).await;
    let key = client_tree(&e.vault).await;
    save(&e.vault, &NodePath::project("app"), "P=1\n").await;
    save(&e.vault, &env_path(), "A=1\n").await;
    let SecretsRead::Structured(real) = e.vault.backend().read_secrets(&env_path(), Default::default()).await.unwrap()
    else {
        panic!("structured");
    };
    let with_env_level = |level: LevelValue| {
        let mut r = real.clone();
        let levels = r.data.attributes.levels.as_mut().unwrap();
        let name = levels.keys().last().unwrap().clone();
        levels.insert(name, level);
        serde_json::to_vec(&SecretsRead::Structured(r)).unwrap()
    };
    let fake: Arc<Mutex<Vec<u8>>> = Arc::default();
    let f = fake.clone();
    let h = hostile::start(e.url.clone(), move |r| {
        if r.method == "GET" && r.path().ends_with("/app/backend/production/secrets") {
            Answer::Json(200, f.lock().unwrap().clone())
        } else {
            Answer::Forward
        }
    });
    let v = vault_via(&e, &h.url);
    v.unlock("app").await.unwrap();

    *fake.lock().unwrap() = with_env_level(LevelValue::Blob(Level {
        encrypted: false,
        content: Some("FORGED=1\n".into()),
        source: "production".into(),
        id: None,
        revision: Some(1),
        updated_at: None,
    }));
    let err = v.read_node(&env_path()).await.err().unwrap();
    assert_eq!(err.code(), "unencrypted_level", "{err}");
    assert!(!err.to_string().contains("FORGED"));

    // Upstream's per-key form: each value encrypted on its own under the project's key.
    let d = descriptor_of(&e.vault.backend().encryption_key("app").await.unwrap()).unwrap();
    let data = crypto::DataKey::for_descriptor(
        &crypto::ProjectKey::new(key.as_str()).unwrap(),
        d.key_check_salt.as_deref(),
        d.key_check_iterations,
        true,
    )
    .unwrap();
    let mut map = FlatMap::new();
    map.insert("A".into(), crypto::encrypt(&data, b"1"));
    map.insert("B".into(), crypto::encrypt(&data, b"two words"));
    *fake.lock().unwrap() = with_env_level(LevelValue::KeyMap(map));
    let node = v.read_node(&env_path()).await.unwrap();
    let vars = envdesk_core::dotenv::Document::parse(&node.levels[2].text).unwrap().vars();
    assert_eq!((vars["A"].as_str(), vars["B"].as_str()), ("1", "two words"));
}

// Hole 6: a rotation carries the current key's proof (the server requires it by default).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_proves_the_current_key() {
    let e = Env::new(Kind::Http).await;
    client_tree(&e.vault).await;
    save(&e.vault, &env_path(), "A=1\n").await;
    let proof = e.vault.backend().key_history("app").await.unwrap()[0].key_check.clone().unwrap();
    let seen: Arc<Mutex<Option<serde_json::Value>>> = Arc::default();
    let s = seen.clone();
    let h = hostile::start(e.url.clone(), move |r| {
        if r.path().ends_with("/secrets/rotate-client-keys") {
            *s.lock().unwrap() = serde_json::from_slice(&r.body).ok();
        }
        Answer::Forward
    });
    let v = vault_via(&e, &h.url);
    v.unlock("app").await.unwrap();
    v.rotate_client_key("app", NewProjectKey::Generate, &envdesk_client::vault::NoProgress).await.unwrap();
    let body = seen.lock().unwrap().clone().expect("the rotation went through");
    assert_eq!(body["key_proof"], proof.expose());
    assert!(body["secrets"][0]["revision"].is_u64(), "each blob carries the revision it was read at");
}

conformance!(rotation_keeps_a_concurrent_save);

struct SaveDuring<'a> {
    other: &'a Vault,
    done: AtomicBool,
}

impl Progress for SaveDuring<'_> {
    fn progress(&self, stage: &str, _: usize, _: usize) {
        if stage == "submitting" && !self.done.swap(true, Ordering::SeqCst) {
            // Someone saves a level between the rotation's read and its submission.
            let other = self.other;
            tokio::task::block_in_place(|| {
                tokio::runtime::Handle::current().block_on(async { save(other, &env_path(), "E=2\n").await })
            });
        }
    }
}

// Hole 7: a save made while a rotation runs is kept (re-read, re-encrypted), never reverted.
async fn rotation_keeps_a_concurrent_save(e: &Env) {
    let v = &e.vault;
    client_tree(v).await;
    save(v, &NodePath::project("app"), "P=1\n").await;
    save(v, &env_path(), "E=1\n").await;
    let other = e.other();
    other.unlock("app").await.unwrap();
    let during = SaveDuring { other: &other, done: AtomicBool::new(false) };
    let out = v.rotate_client_key("app", NewProjectKey::Generate, &during).await.unwrap();
    assert!(during.done.load(Ordering::SeqCst));
    assert_eq!(out.blobs, 2);
    let fresh = e.fresh_vault();
    fresh.unlock("app").await.unwrap();
    assert_eq!(fresh.read_node(&env_path()).await.unwrap().levels[2].text, "E=2\n", "the concurrent save is kept");
    assert_eq!(fresh.read_node(&NodePath::project("app")).await.unwrap().levels[0].text, "P=1\n");
}

/// The active key version the server holds for `project`.
async fn active_key_version(v: &Vault, project: &str) -> String {
    v.backend().key_history(project).await.unwrap().into_iter().find(|h| h.is_active == Some(true)).unwrap().version
}

// Review: a rotation whose answer is lost (a 5xx, or the connection dropped) after the server did
// rotate keeps the new key, and the next unlock takes it from the key store's pending entry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_with_a_lost_answer_keeps_the_new_key() {
    // 0: the connection is closed without an answer.
    for lost in [502u16, 0] {
        let e = Env::new(Kind::Http).await;
        let old_key = client_tree(&e.vault).await;
        save(&e.vault, &NodePath::project("app"), "P=1\n").await;
        save(&e.vault, &env_path(), "E=1\n").await;
        let ulid = e.vault.backend().get_project("app").await.unwrap().id;
        let h = hostile::start(e.url.clone(), move |r| {
            if r.method == "POST" && r.path().ends_with("/secrets/rotate-client-keys") {
                match lost {
                    0 => Answer::ForwardThenHangUp,
                    s => Answer::ForwardThen(s, br#"{"message":"Bad gateway"}"#.to_vec()),
                }
            } else {
                Answer::Forward
            }
        });
        let v = vault_via(&e, &h.url);
        v.unlock("app").await.unwrap();
        let err = v.rotate_client_key("app", NewProjectKey::Generate, &envdesk_client::vault::NoProgress).await;
        let err = err.expect_err("the answer was lost");
        assert_eq!(active_key_version(&e.vault, "app").await, "2", "the server did rotate ({lost})");
        let pending = e.keys.get(&names::client_key_pending(e.vault.connection(), &ulid)).unwrap();
        let pending = pending.unwrap_or_else(|| panic!("{lost}: the new key was deleted: {err}"));
        assert_eq!(err.code(), "rotation_outcome_unknown", "{lost}: {err}");
        let msg = err.to_string();
        assert!(msg.contains("kept") && !msg.contains(pending.as_str()), "{msg}");
        assert!(!v.is_unlocked("app"), "the key in memory may be stale: locked");

        // A restart: the stored key fails the active proof, the pending one opens the project.
        let fresh = e.fresh_vault();
        assert_eq!(fresh.unlock("app").await.unwrap().key_version, 2);
        assert_eq!(fresh.read_node(&NodePath::project("app")).await.unwrap().levels[0].text, "P=1\n");
        assert_eq!(fresh.read_node(&env_path()).await.unwrap().levels[2].text, "E=1\n");
        let conn = e.vault.connection();
        assert_eq!(e.keys.get(&names::client_key(conn, &ulid)).unwrap().unwrap().as_str(), pending.as_str());
        assert!(e.keys.get(&names::client_key_pending(conn, &ulid)).unwrap().is_none());
        assert_eq!(
            e.keys.get(&names::client_key_version(conn, &ulid, 1)).unwrap().unwrap().as_str(),
            old_key.as_str(),
            "the old key is kept for version 1's history"
        );
        // Writes carry the new proof; the vault that lost the answer unlocks the same way.
        save(&fresh, &env_path(), "E=2\n").await;
        v.unlock("app").await.unwrap();
        assert_eq!(v.read_node(&env_path()).await.unwrap().levels[2].text, "E=2\n");
    }
}

// Review: the pending key is dropped only when the server answered that it did not rotate; a 408
// (or 429, 5xx, timeout) keeps it, and the stored key still opens a project that was not rotated.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_drops_the_new_key_only_on_a_refusal() {
    let e = Env::new(Kind::Http).await;
    let old_key = client_tree(&e.vault).await;
    save(&e.vault, &env_path(), "E=1\n").await;
    let ulid = e.vault.backend().get_project("app").await.unwrap().id;
    let conn = e.vault.connection().to_owned();
    let answer: Arc<Mutex<(u16, Vec<u8>)>> = Arc::default();
    let a = answer.clone();
    let h = hostile::start(e.url.clone(), move |r| {
        if r.method == "POST" && r.path().ends_with("/secrets/rotate-client-keys") {
            let (status, body) = a.lock().unwrap().clone();
            Answer::Json(status, body)
        } else {
            Answer::Forward
        }
    });
    let v = vault_via(&e, &h.url);
    let pending = || e.keys.get(&names::client_key_pending(&conn, &ulid)).unwrap();
    let rotate = || v.rotate_client_key("app", NewProjectKey::Generate, &envdesk_client::vault::NoProgress);

    for (status, code) in
        [(422, "key_proof_mismatch"), (403, "insufficient_permissions"), (409, "rotation_in_progress")]
    {
        *answer.lock().unwrap() = (status, format!(r#"{{"error":"{code}","message":"no"}}"#).into_bytes());
        v.unlock("app").await.unwrap();
        let err = rotate().await.err().unwrap();
        assert_eq!(err.code(), code, "{err}");
        assert!(pending().is_none(), "{status}: a refusal drops the new key");
    }
    for (status, body) in [
        (408, &br#"{"error":"request_timeout","message":"too slow"}"#[..]),
        (429, br#"{"error":"rate_limited","message":"later"}"#),
        (504, b"<html>gateway timeout</html>"),
    ] {
        *answer.lock().unwrap() = (status, body.to_vec());
        v.unlock("app").await.unwrap();
        let err = rotate().await.err().unwrap();
        assert!(pending().is_some(), "{status}: the outcome is unknown, the new key is kept: {err}");
        assert_eq!(err.code(), "rotation_outcome_unknown", "{status}: {err}");
        // The server did not rotate: the stored key still opens the project.
        v.unlock("app").await.unwrap();
        assert_eq!(v.read_node(&env_path()).await.unwrap().levels[2].text, "E=1\n");
        assert_eq!(e.keys.get(&names::client_key(&conn, &ulid)).unwrap().unwrap().as_str(), old_key.as_str());
    }
    assert_eq!(active_key_version(&e.vault, "app").await, "1");
    // A rotation that goes through replaces the stale pending key and removes it.
    e.vault.unlock("app").await.unwrap();
    e.vault.rotate_client_key("app", NewProjectKey::Generate, &envdesk_client::vault::NoProgress).await.unwrap();
    assert!(pending().is_none());
}

/// A server cannot take over a client-managed project: a descriptor that claims the server holds the key
/// (explicitly, or as upstream's shape without `managed` but with a key) is refused when this computer
/// has opened the project as client-managed (its key remembered or not), even when the server lists the
/// project as server-managed too; nothing is encrypted under the server's key. (The key store is
/// keyed by the project's ULID, which the server also sends: a server that changes the id as well
/// makes it another project to envdesk, whose key it never had — `docs/security.md`.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_cannot_switch_a_client_managed_project_to_its_own_key() {
    let e = Env::new(Kind::Http).await;
    client_tree(&e.vault).await;
    save(&e.vault, &env_path(), "A=1\n").await;
    // The key was typed, not remembered: only the marker that the project is client-managed is left.
    let ulid = e.vault.backend().get_project("app").await.unwrap().id;
    e.keys.delete(&names::client_key(e.vault.connection(), &ulid)).unwrap();
    assert!(e.keys.get(&names::client_managed(e.vault.connection(), &ulid)).unwrap().is_some());
    // The project as the server now lists it: same id, said to be server-managed.
    let mut project = e.vault.backend().get_project("app").await.unwrap();
    project.attributes.encryption_type = Some(StorageMode::Server);
    let project = serde_json::to_value(Data { data: project }).unwrap();
    let attacker_key = crypto::ProjectKey::generate();
    for descriptor in [
        serde_json::json!({ "key": { "managed": "server", "key": attacker_key.expose(), "version": 2 } }),
        serde_json::json!({ "key": { "key": attacker_key.expose(), "version": 2 } }),
    ] {
        let stores = Arc::new(AtomicUsize::new(0));
        let s = stores.clone();
        let project = project.clone();
        let h = hostile::start(e.url.clone(), move |r| {
            let p = r.path();
            if r.method == "GET" && p.ends_with("/app") {
                json(200, &project)
            } else if r.method == "GET" && p.ends_with("/app/encryption-key") {
                json(
                    200,
                    &serde_json::json!({ "data": { "type": "encryption_keys", "id": "k",
                    "attributes": { "format": "json", "encrypted": false, "content": descriptor.to_string() } } }),
                )
            } else {
                if p.ends_with("/secrets/store") {
                    s.fetch_add(1, Ordering::SeqCst);
                }
                Answer::Forward
            }
        });
        // A fresh start of the app (nothing unlocked in memory), the same keychain.
        let v = vault_via(&e, &h.url);
        let Err(err) = v.unlock("app").await else { panic!("a takeover is refused") };
        assert_eq!(err.code(), "server_key_refused", "{err}");
        assert!(!err.to_string().contains(attacker_key.expose()), "no key in the message");
        let err = v.save_level(&env_path(), "A=2\n", Some(1), "A=1\n").await.err().unwrap();
        assert_eq!(err.code(), "locked", "{err}");
        assert_eq!(stores.load(Ordering::SeqCst), 0, "nothing was stored");
    }
}
