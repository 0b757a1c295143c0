//! The `Vault` service: everything the app does, over any [`Backend`], headless.
//!
//! Keys: a project is unlocked once (PBKDF2 runs then, never per request); its data key stays in
//! zeroizing memory until [`Vault::lock`], [`Vault::lock_all`] or the idle timeout. Nothing here knows
//! about Tauri; long operations report through [`Progress`].

mod activity;
mod drafts;
mod expiry;
mod history;
mod key_history;
mod levels;
mod matrix;
mod memo;
mod offline;
mod rotate;
mod search;
mod transfer;
mod tree;
mod views;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use envdesk_api::{Backend, KeyDescriptor, NodePath, SecretString};
use envdesk_core::crypto::{self, DataKey, ProjectKey};
use zeroize::Zeroizing;

use crate::error::{ClientError, Result};
use crate::keystore::{names, KeyStore};

pub use activity::audit_node;
pub use drafts::DraftInfo;
pub use expiry::{ExpiryAlert, ExpiryReport};
pub use history::{VersionView, VersionsPage};
pub use key_history::{
    KeyBlameView, KeyHistoryEvent, KeyHistoryView, KeyRestore, LevelBlame, SkippedVersion, VersionRef, CACHE_BYTES,
};
pub use levels::{merge_texts, resolve_conflict, Conflict, LevelView, NodeView, SaveOutcome, TextMerge};
pub use matrix::KeyMatrix;
#[doc(hidden)]
pub use memo::memo_entry_for_tests;
pub use offline::{forget_connection, OfflineStore, Snapshot, OFFLINE_DIR};
pub use rotate::RotationOutcome;
pub use search::{LevelName, SearchAnswer};
pub use transfer::{ExportSource, ImportMode, ImportPreview};
pub use tree::{CreatedProject, NewProjectKey, NodeInfo, MAX_PAGES};
pub use views::{
    problems_sentence, strict_message, MergedRow, MergedWindow, OpenedView, SchemaCheck, ViewId, EXPIRY_WARNING_DAYS,
    MAX_VIEWS, MAX_WINDOW,
};

/// How `Debug` shows text that may hold secrets: its length only.
pub(crate) struct Redacted(pub usize);

impl std::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<redacted, {} bytes>", self.0)
    }
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("connection", &self.connection)
            .field("drafts_dir", &self.drafts_dir)
            .finish_non_exhaustive()
    }
}

/// Reports the progress of long operations.
pub trait Progress: Send + Sync {
    /// `done` of `total` steps of `stage` are finished.
    fn progress(&self, stage: &str, done: usize, total: usize);
}

/// Progress nobody watches.
pub struct NoProgress;

impl Progress for NoProgress {
    fn progress(&self, _: &str, _: usize, _: usize) {}
}

/// How the vault behaves.
#[derive(Clone, Debug)]
pub struct VaultOptions {
    /// PBKDF2 iterations of keys this vault creates (600,000; tests use fewer).
    pub kdf_iterations: u32,
    /// Drop every key after this long without activity (`None`: never).
    pub idle_lock: Option<Duration>,
    /// How much decrypted text the views built from many levels may hold.
    pub limits: MemoryLimits,
    /// Schema checks (`@expires`, `@rotate-every`) run as if it were this day (tests); `None`: the
    /// local date.
    pub today: Option<chrono::NaiveDate>,
    /// Remember in the key store what PBKDF2 makes of a project key that comes from the key store or
    /// the server (`vault/memo.rs`): for a process that unlocks on every start (the command line),
    /// where two derivations (~170 ms) would be most of its time. The app unlocks once and does not.
    pub remember_derived: bool,
}

impl Default for VaultOptions {
    fn default() -> VaultOptions {
        VaultOptions {
            kdf_iterations: crypto::DEFAULT_ITERATIONS,
            idle_lock: Some(Duration::from_secs(15 * 60)),
            limits: MemoryLimits::default(),
            today: None,
            remember_derived: false,
        }
    }
}

/// The most decrypted text a view built from many levels or versions holds, against a hostile or
/// broken server (tests lower them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryLimits {
    /// One key matrix, every level once ([`matrix::MAX_MATRIX_BYTES`]).
    pub matrix_bytes: usize,
    /// The text a connection's search index takes in ([`search::MAX_INDEXED_TEXT`]).
    pub indexed_text: usize,
    /// The parsed versions one key history holds ([`key_history::MAX_HISTORY_BYTES`]).
    pub history_bytes: usize,
    /// The open views of nodes together ([`views::MAX_VIEWS_BYTES`]).
    pub views_bytes: usize,
}

impl Default for MemoryLimits {
    fn default() -> MemoryLimits {
        MemoryLimits {
            matrix_bytes: matrix::MAX_MATRIX_BYTES,
            indexed_text: search::MAX_INDEXED_TEXT,
            history_bytes: key_history::MAX_HISTORY_BYTES,
            views_bytes: views::MAX_VIEWS_BYTES,
        }
    }
}

/// Who holds a project's key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Managed {
    /// The server.
    Server,
    /// This computer.
    Client,
}

impl From<envdesk_api::StorageMode> for Managed {
    fn from(m: envdesk_api::StorageMode) -> Managed {
        match m {
            envdesk_api::StorageMode::Server => Managed::Server,
            envdesk_api::StorageMode::Client => Managed::Client,
        }
    }
}

impl std::fmt::Debug for Unlocked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Unlocked")
            .field("ulid", &self.ulid)
            .field("managed", &self.managed)
            .field("key_version", &self.key_version)
            .finish_non_exhaustive()
    }
}

/// An unlocked project.
pub(crate) struct Unlocked {
    pub ulid: String,
    pub managed: Managed,
    pub key_version: u64,
    pub data: Arc<DataKey>,
    /// Client-managed: the proof sent with every write.
    pub proof: Option<Zeroizing<String>>,
    /// What unlocking it again asks for (the lock screen says so after a lock).
    pub protection: Protection,
    /// `Keychain`: what the key store remembers is a passphrase, not a generated key.
    pub remembered_passphrase: bool,
}

impl Unlocked {
    /// The proof as a request carries it.
    pub fn proof(&self) -> Option<SecretString> {
        self.proof.as_ref().map(|p| SecretString::new(p.as_str()))
    }
}

/// Runs `f` (PBKDF2: up to [`crypto::MAX_ITERATIONS`] rounds, over a second) on tokio's blocking
/// pool, never inline on an async worker where it would stall every other request.
pub(crate) async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| ClientError::Invalid("The key derivation stopped unexpectedly; nothing was changed.".into()))
}

/// The state of a project's key, for the UI.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct KeyState {
    /// Who holds the key.
    pub managed: Managed,
    /// Whether it is unlocked now.
    pub unlocked: bool,
    /// Key version.
    pub key_version: u64,
}

/// What protects a project's key on this computer, that is, what unlocking it asks for. Names no key
/// and holds none.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Protection {
    /// The key (or the passphrase it comes from) is remembered in the OS key store: reading it there
    /// unlocks (the OS may first ask for the keychain's own password).
    Keychain,
    /// A passphrase or key that this computer does not store: the user types it.
    Passphrase,
    /// The server holds the key; the connection's token (in the OS key store) is what opens it.
    Server,
}

/// What unlocking a project asks for, for the lock screen.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UnlockMethod {
    /// Project slug.
    pub project: String,
    /// What protects its key.
    pub protection: Protection,
    /// `keychain` only: what the key store remembers is a passphrase the user chose (anything but a
    /// generated key's 64 hexadecimal characters), which the user can type again: forgetting it
    /// (`forget_key`) loses nothing.
    pub remembered_passphrase: bool,
}

/// Whether a remembered secret has the form of a generated key (64 hexadecimal characters) rather
/// than a passphrase the user chose.
fn is_generated_key(key: &str) -> bool {
    key.len() == 64 && key.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The protection of a key read from (or just written to) the key store.
pub(crate) fn remembered(key: &str) -> (Protection, bool) {
    (Protection::Keychain, !is_generated_key(key))
}

/// The service for one connection.
pub struct Vault {
    pub(crate) backend: Arc<dyn Backend>,
    pub(crate) keys: Arc<dyn KeyStore>,
    pub(crate) connection: String,
    pub(crate) drafts_dir: PathBuf,
    pub(crate) opts: VaultOptions,
    unlocked: Mutex<HashMap<String, Arc<Unlocked>>>,
    /// The projects a [`Vault::lock_all`] locked and that were not unlocked since, with what unlocking
    /// each asks for (the lock screen asks for it; no key is kept).
    locked_by_lock: Mutex<BTreeMap<String, UnlockMethod>>,
    /// Counts locks: an unlock that was under way when a lock came does not keep its key.
    lock_epoch: std::sync::atomic::AtomicU64,
    last_activity: Mutex<Instant>,
    /// The search index of the unlocked projects (in memory only; see `search.rs`).
    search: search::Search,
    /// Parsed versions for the history of one key (`key_history.rs`); emptied on lock.
    key_cache: key_history::VersionCache,
    /// Days before an `@expires` date from which a key is "expiring soon" (the app's setting).
    expiry_warning_days: std::sync::atomic::AtomicU32,
    /// Open views of nodes (`views.rs`); dropped on lock.
    views: views::Views,
}

impl Vault {
    /// A vault over `backend` for the connection `connection` (an id used for key-store names and
    /// drafts); drafts are kept under `drafts_dir`.
    pub fn new(
        backend: Arc<dyn Backend>,
        keys: Arc<dyn KeyStore>,
        connection: &str,
        drafts_dir: PathBuf,
        opts: VaultOptions,
    ) -> Vault {
        Vault {
            backend,
            keys,
            connection: connection.to_owned(),
            drafts_dir,
            opts,
            unlocked: Mutex::new(HashMap::new()),
            locked_by_lock: Mutex::new(BTreeMap::new()),
            lock_epoch: std::sync::atomic::AtomicU64::new(0),
            last_activity: Mutex::new(Instant::now()),
            search: Default::default(),
            key_cache: Default::default(),
            views: Default::default(),
            expiry_warning_days: std::sync::atomic::AtomicU32::new(views::EXPIRY_WARNING_DAYS),
        }
    }

    /// Days before an `@expires` date from which a key is "expiring soon" in every check from now on.
    pub fn set_expiry_warning_days(&self, days: u32) {
        self.expiry_warning_days.store(days, std::sync::atomic::Ordering::Relaxed);
    }

    /// See [`Vault::set_expiry_warning_days`].
    pub fn expiry_warning_days(&self) -> u32 {
        self.expiry_warning_days.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The backend.
    pub fn backend(&self) -> &Arc<dyn Backend> {
        &self.backend
    }

    /// The connection id.
    pub fn connection(&self) -> &str {
        &self.connection
    }

    /// Checks that the connection works: the token's organization.
    pub async fn test_connection(&self) -> Result<envdesk_api::Organization> {
        Ok(self.backend.organization().await?)
    }

    /// Records activity; locks everything first when the idle timeout has passed.
    pub fn touch(&self) {
        self.check_idle();
        *self.last_activity.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
    }

    /// Locks everything when idle for longer than the timeout; returns whether it did.
    pub fn check_idle(&self) -> bool {
        let Some(limit) = self.opts.idle_lock else { return false };
        let idle = self.last_activity.lock().unwrap_or_else(|e| e.into_inner()).elapsed();
        if idle >= limit && !self.unlocked.lock().unwrap_or_else(|e| e.into_inner()).is_empty() {
            self.lock_all();
            return true;
        }
        false
    }

    /// Changes the idle timeout.
    pub fn set_idle_lock(&mut self, limit: Option<Duration>) {
        self.opts.idle_lock = limit;
    }

    /// Drops one project's key.
    pub fn lock(&self, project: &str) {
        self.lock_epoch.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.unlocked.lock().unwrap_or_else(|e| e.into_inner()).remove(project);
        self.search_forget(project);
        self.key_cache.clear_project(project);
        self.views.forget(Some(project));
    }

    /// Drops every key, noting what unlocking each project again asks for ([`Vault::unlock_methods`]).
    pub fn lock_all(&self) {
        self.lock_epoch.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.key_cache.clear();
        let dropped: Vec<(String, Arc<Unlocked>)> =
            self.unlocked.lock().unwrap_or_else(|e| e.into_inner()).drain().collect();
        self.views.forget(None);
        self.search_forget_all();
        let mut noted = self.locked_by_lock.lock().unwrap_or_else(|e| e.into_inner());
        for (project, u) in dropped {
            let method = UnlockMethod {
                project: project.clone(),
                protection: u.protection,
                remembered_passphrase: u.remembered_passphrase,
            };
            noted.insert(project, method);
        }
    }

    /// What unlocking asks for: `project`'s first (when given), then every other project that a
    /// [`Vault::lock_all`] locked and that was not unlocked since, by slug. Only `project`, when it is
    /// not among those, is looked up (the server for who holds the key, the key store for whether it
    /// holds it — which may make the OS ask for the keychain's password); the others were noted when
    /// they were unlocked. Never a key.
    pub async fn unlock_methods(&self, project: Option<&str>) -> Result<Vec<UnlockMethod>> {
        let noted: Vec<UnlockMethod> =
            self.locked_by_lock.lock().unwrap_or_else(|e| e.into_inner()).values().cloned().collect();
        let mut out = Vec::with_capacity(noted.len() + 1);
        if let Some(project) = project {
            match noted.iter().find(|m| m.project == project) {
                Some(m) => out.push(m.clone()),
                None => out.push(self.unlock_method(project).await?),
            }
        }
        out.extend(noted.into_iter().filter(|m| Some(m.project.as_str()) != project));
        Ok(out)
    }

    /// What unlocking `project` asks for, as things are now.
    async fn unlock_method(&self, project: &str) -> Result<UnlockMethod> {
        let (protection, remembered_passphrase) = match self.unlocked(project) {
            Ok(u) => (u.protection, u.remembered_passphrase),
            Err(_) => match self.key_state(project).await?.managed {
                Managed::Server => (Protection::Server, false),
                Managed::Client => {
                    let p = self.backend.get_project(project).await?;
                    let stored = match self.keystore_get(&names::client_key(&self.connection, p.ulid()))? {
                        Some(key) => Some(key),
                        // A rotation whose answer was lost: `unlock` tries the pending key.
                        None => self.keystore_get(&names::client_key_pending(&self.connection, p.ulid()))?,
                    };
                    match stored {
                        Some(key) => remembered(&key),
                        None => (Protection::Passphrase, false),
                    }
                }
            },
        };
        Ok(UnlockMethod { project: project.to_owned(), protection, remembered_passphrase })
    }

    /// The key store entries [`Vault::forget_key`] would remove (the key and a pending key of a
    /// rotation whose answer was lost), or why nothing may be forgotten: checked before the user is
    /// asked, so a question is never put for something that would be refused.
    pub async fn forgettable(&self, project: &str) -> Result<Vec<String>> {
        if self.key_state(project).await?.managed != Managed::Client {
            return Err(ClientError::Invalid(format!(
                "The server holds the key of `{project}`; there is nothing to forget on this computer."
            )));
        }
        let p = self.backend.get_project(project).await?;
        let mut names = Vec::new();
        for name in
            [names::client_key(&self.connection, p.ulid()), names::client_key_pending(&self.connection, p.ulid())]
        {
            if let Some(stored) = self.keystore_get(&name)? {
                if is_generated_key(&stored) {
                    return Err(ClientError::Invalid(format!(
                        "The key of `{project}` was generated, not chosen: it may exist nowhere else, so it \
                         stays in the keychain."
                    )));
                }
                names.push(name);
            }
        }
        // What PBKDF2 made of it, if a command line remembered that (`memo.rs`).
        let derived = names::derived(&self.connection, p.ulid());
        if self.keystore_get(&derived)?.is_some() {
            names.push(derived);
        }
        Ok(names)
    }

    /// Forgets the passphrase a client-managed project's key is remembered as on this computer: the
    /// entry leaves the key store and the key leaves memory, so unlocking the project asks for the
    /// passphrase again. Only a passphrase the user chose (see [`UnlockMethod::remembered_passphrase`]):
    /// a generated key may exist nowhere else, and forgetting it could lose the project for good, so
    /// it is refused (`invalid`), as for a server-managed project. Keys of earlier key versions (kept
    /// to read old history) and the marker that the project is client-managed stay.
    pub async fn forget_key(&self, project: &str) -> Result<UnlockMethod> {
        for name in self.forgettable(project).await? {
            self.keys.delete(&name).map_err(ClientError::KeyStore)?;
        }
        self.lock(project);
        let method = UnlockMethod {
            project: project.to_owned(),
            protection: Protection::Passphrase,
            remembered_passphrase: false,
        };
        let mut noted = self.locked_by_lock.lock().unwrap_or_else(|e| e.into_inner());
        if noted.contains_key(project) {
            noted.insert(project.to_owned(), method.clone());
        }
        Ok(method)
    }

    /// Whether any project is unlocked.
    pub fn any_unlocked(&self) -> bool {
        !self.unlocked.lock().unwrap_or_else(|e| e.into_inner()).is_empty()
    }

    /// Whether `project` is unlocked.
    pub fn is_unlocked(&self, project: &str) -> bool {
        self.unlocked.lock().unwrap_or_else(|e| e.into_inner()).contains_key(project)
    }

    pub(crate) fn unlocked(&self, project: &str) -> Result<Arc<Unlocked>> {
        self.touch();
        self.unlocked
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(project)
            .cloned()
            .ok_or_else(|| ClientError::Locked { project: project.to_owned() })
    }

    fn remember(&self, project: &str, u: Unlocked) -> Arc<Unlocked> {
        let u = Arc::new(u);
        self.unlocked.lock().unwrap_or_else(|e| e.into_inner()).insert(project.to_owned(), u.clone());
        self.locked_by_lock.lock().unwrap_or_else(|e| e.into_inner()).remove(project);
        u
    }

    pub(crate) fn keystore_get(&self, name: &str) -> Result<Option<Zeroizing<String>>> {
        self.keys.get(name).map_err(ClientError::KeyStore)
    }

    pub(crate) fn keystore_set(&self, name: &str, secret: &str) -> Result<()> {
        self.keys.set(name, secret).map_err(ClientError::KeyStore)
    }

    async fn descriptor(&self, project: &str) -> Result<KeyDescriptor> {
        let mut resp = self.backend.encryption_key(project).await?;
        // The envelope holds a server-managed key: a `SecretString`, wiped when dropped after parsing.
        let content = std::mem::take(&mut resp.data.attributes.content);
        let parsed = serde_json::from_str::<envdesk_api::KeyEnvelope>(content.expose()).map(|e| e.key);
        parsed.map_err(|_| {
            ClientError::Api(envdesk_api::ApiError::new(
                envdesk_api::ErrorCode::InvalidResponse,
                "The server's key descriptor is not readable.",
            ))
        })
    }

    /// Unlocks `project`: a server-managed key comes from the server; a client-managed key from the
    /// key store (else [`ClientError::KeyNeeded`]). Checked against the proof and an existing blob.
    pub async fn unlock(&self, project: &str) -> Result<KeyState> {
        let epoch = self.lock_epoch.load(std::sync::atomic::Ordering::SeqCst);
        let state = self.unlock_now(project).await?;
        self.unless_locked_since(epoch, project)?;
        Ok(state)
    }

    /// A lock came while `project` was being unlocked (the key derivation takes a while): the key it
    /// just remembered leaves memory again, and the unlock is reported as locked.
    fn unless_locked_since(&self, epoch: u64, project: &str) -> Result<()> {
        if self.lock_epoch.load(std::sync::atomic::Ordering::SeqCst) != epoch {
            self.unlocked.lock().unwrap_or_else(|e| e.into_inner()).remove(project);
            return Err(ClientError::Locked { project: project.to_owned() });
        }
        Ok(())
    }

    async fn unlock_now(&self, project: &str) -> Result<KeyState> {
        if let Ok(u) = self.unlocked(project) {
            return Ok(KeyState { managed: u.managed, unlocked: true, key_version: u.key_version });
        }
        let mut d = self.descriptor(project).await?;
        let p = self.backend.get_project(project).await?;
        if d.is_client() {
            let stored = self.keystore_get(&names::client_key(&self.connection, p.ulid()))?;
            let first = match &stored {
                Some(key) => {
                    let how = remembered(key);
                    let key = ProjectKey::new(key.as_str()).map_err(ClientError::BadKey)?;
                    self.unlock_client(project, p.ulid(), &d, key, how).await
                }
                None => Err(ClientError::KeyNeeded { project: project.to_owned() }),
            };
            match first {
                Err(e @ (ClientError::WrongKey { .. } | ClientError::KeyNeeded { .. })) => {
                    self.unlock_pending(project, p.ulid(), &d, stored, e).await?;
                }
                other => other?,
            }
        } else {
            // A server-managed descriptor for a project this computer knows as client-managed is a
            // takeover, whatever the server says (a hostile or compromised server, or a descriptor
            // without `managed` but with a key): never encrypt under a key the server chose.
            let ulid = p.ulid();
            let known_client = p.attributes.encryption_type == Some(envdesk_api::StorageMode::Client)
                || self.keystore_get(&names::client_managed(&self.connection, ulid))?.is_some()
                || self.keystore_get(&names::client_key(&self.connection, ulid))?.is_some()
                || self.keystore_get(&names::client_key_pending(&self.connection, ulid))?.is_some();
            if known_client {
                return Err(ClientError::ServerKeyRefused { project: project.to_owned() });
            }
            let raw = d.key.take().ok_or_else(|| {
                ClientError::Api(envdesk_api::ApiError::new(
                    envdesk_api::ErrorCode::InvalidResponse,
                    "The server did not send the project's key.",
                ))
            })?;
            let key = ProjectKey::new(raw.expose()).map_err(ClientError::BadKey)?;
            // Bounds first (cheap, on this thread), then PBKDF2 on the blocking pool.
            if let Some(salt) = d.key_check_salt.as_deref().filter(|s| !s.is_empty()) {
                crypto::kdf_params(salt, d.key_check_iterations).map_err(ClientError::BadKey)?;
            }
            let (salt, iters) = (d.key_check_salt.clone(), d.key_check_iterations);
            let memo = self.opts.remember_derived.then(|| {
                memo::fingerprint(key.expose(), salt.as_deref().unwrap_or_default().as_bytes(), iters.unwrap_or(0))
            });
            let raw_key = Zeroizing::new(key.expose().to_owned());
            let data = match memo.as_deref().and_then(|fp| self.memo_get(ulid, fp, &raw_key)) {
                Some((_, data)) => data,
                None => {
                    let data = blocking(move || DataKey::for_descriptor(&key, salt.as_deref(), iters, false))
                        .await?
                        .map_err(ClientError::BadKey)?;
                    if let Some(fp) = &memo {
                        self.memo_set(ulid, fp, &raw_key, None, &data);
                    }
                    data
                }
            };
            self.remember(
                project,
                Unlocked {
                    ulid: p.ulid().to_owned(),
                    managed: Managed::Server,
                    key_version: d.version,
                    data: Arc::new(data),
                    proof: None,
                    protection: Protection::Server,
                    remembered_passphrase: false,
                },
            );
        }
        Ok(KeyState { managed: d.managed.into(), unlocked: true, key_version: d.version })
    }

    /// Unlocks a client-managed project with a key or passphrase the user typed; with `remember`, the
    /// key goes to the key store. A wrong key is refused before anything is written.
    pub async fn unlock_with_key(&self, project: &str, key: &str, remember: bool) -> Result<KeyState> {
        let epoch = self.lock_epoch.load(std::sync::atomic::Ordering::SeqCst);
        let state = self.unlock_with_key_now(project, key, remember).await?;
        self.unless_locked_since(epoch, project)?;
        Ok(state)
    }

    async fn unlock_with_key_now(&self, project: &str, key: &str, remember: bool) -> Result<KeyState> {
        let d = self.descriptor(project).await?;
        if !d.is_client() {
            return self.unlock_now(project).await;
        }
        let p = self.backend.get_project(project).await?;
        let key = ProjectKey::new(key).map_err(ClientError::BadKey)?;
        let how = if remember { remembered(key.expose()) } else { (Protection::Passphrase, false) };
        self.unlock_client(project, p.ulid(), &d, key.duplicate(), how).await?;
        if remember {
            self.keystore_set(&names::client_key(&self.connection, p.ulid()), key.expose())?;
        }
        Ok(KeyState { managed: Managed::Client, unlocked: true, key_version: d.version })
    }

    /// The stored key does not open `project` (or there is none): a rotation whose answer was lost
    /// may have switched it to the pending key. If that one opens it, it becomes the project's key
    /// (stored first, then the pending entry removed; the key it replaces is kept for the previous key
    /// version's history). Otherwise `failed`, the stored key's error, stands.
    async fn unlock_pending(
        &self,
        project: &str,
        ulid: &str,
        d: &KeyDescriptor,
        stored: Option<Zeroizing<String>>,
        failed: ClientError,
    ) -> Result<()> {
        let pending_name = names::client_key_pending(&self.connection, ulid);
        let Some(pending) = self.keystore_get(&pending_name)? else { return Err(failed) };
        let Ok(key) = ProjectKey::new(pending.as_str()) else { return Err(failed) };
        match self.unlock_client(project, ulid, d, key, remembered(&pending)).await {
            Ok(()) => {}
            Err(ClientError::WrongKey { .. }) => return Err(failed),
            Err(e) => return Err(e),
        }
        if let Some(old) = stored {
            // The version before the active one (from the key history when this token may read it).
            let previous = match self.backend.key_history(project).await {
                Ok(h) => h.iter().filter_map(|h| h.version.parse::<u64>().ok()).filter(|v| *v < d.version).max(),
                Err(_) => None,
            }
            .unwrap_or(d.version.saturating_sub(1));
            let name = names::client_key_version(&self.connection, ulid, previous);
            if previous > 0 && self.keystore_get(&name)?.is_none() {
                self.keystore_set(&name, &old)?;
            }
        }
        self.keystore_set(&names::client_key(&self.connection, ulid), &pending)?;
        let _ = self.keys.delete(&pending_name);
        Ok(())
    }

    /// Unlocks with `key`; `how`: what unlocking asks for again (protection, remembered passphrase).
    async fn unlock_client(
        &self,
        project: &str,
        ulid: &str,
        d: &KeyDescriptor,
        key: ProjectKey,
        how: (Protection, bool),
    ) -> Result<()> {
        let salt_b64 = d.key_check_salt.as_deref().ok_or(ClientError::BadKey(crypto::CryptoError::MissingSalt))?;
        // Bounds first: a hostile descriptor must not stall the unlock or weaken the proof.
        let (salt, iters) = crypto::kdf_params(salt_b64, d.key_check_iterations).map_err(ClientError::BadKey)?;
        // PBKDF2 twice (proof and data key) on the blocking pool — or what it made of this very key
        // before, when this process remembers it (only for a generated key from the key store: a
        // passphrase's fingerprint would be a fast hash of it).
        let memo = (self.opts.remember_derived && how == (Protection::Keychain, false))
            .then(|| memo::fingerprint(key.expose(), &salt, i64::from(iters)));
        let mut remembered = memo.as_deref().and_then(|fp| self.memo_get(ulid, fp, key.expose()));
        let (proof, data, from_memo) = loop {
            let from_memo = matches!(remembered, Some((Some(_), _)));
            let (proof, data) = match remembered.take() {
                Some((Some(proof), data)) => (proof, data),
                _ => {
                    let (k, salt) = (key.duplicate(), salt.clone());
                    blocking(move || {
                        let proof = Zeroizing::new(crypto::key_proof(&k, &salt, iters));
                        (proof, crypto::derive_data_key(&k, &salt, iters))
                    })
                    .await?
                }
            };
            // A remembered derivation that fails a check is dropped and the key derived again: the key
            // may be right, and it decides.
            match self.check_client_key(project, d, &proof, &data).await {
                Ok(()) => {
                    if let (Some(fp), false) = (&memo, from_memo) {
                        self.memo_set(ulid, fp, key.expose(), Some(&proof), &data);
                    }
                    break (proof, data, from_memo);
                }
                Err(_) if from_memo => self.memo_forget(ulid),
                Err(e) => return Err(e),
            }
        };
        // Remembered whether or not the key is: this project's key is held on this computer (already
        // written when the remembered derivation was: not written again on every start).
        if !from_memo {
            self.keystore_set(&names::client_managed(&self.connection, ulid), "client")?;
        }
        self.remember(
            project,
            Unlocked {
                ulid: ulid.to_owned(),
                managed: Managed::Client,
                key_version: d.version,
                data: Arc::new(data),
                proof: Some(proof),
                protection: how.0,
                remembered_passphrase: how.1,
            },
        );
        Ok(())
    }

    /// Checks a client-managed project's derived key: its proof against the key history (when this
    /// token may read it), and — a proof covers only 32 bytes of the key — by decrypting an existing
    /// blob.
    async fn check_client_key(&self, project: &str, d: &KeyDescriptor, proof: &str, data: &DataKey) -> Result<()> {
        if let Ok(history) = self.backend.key_history(project).await {
            if let Some(expected) = envdesk_api::active_key(&history, Some(d.version))
                .and_then(|h| h.key_check.as_ref().map(SecretString::expose))
            {
                if !crypto::proofs_equal(proof, expected) {
                    return Err(ClientError::WrongKey { project: project.to_owned() });
                }
            }
        }
        if let Some(blob) = self.any_blob(project).await? {
            if crypto::decrypt(data, &blob).is_err() {
                return Err(ClientError::WrongKey { project: project.to_owned() });
            }
        }
        Ok(())
    }

    /// Some current blob of the project (project level first, then the first written target or
    /// environment), to confirm a key.
    async fn any_blob(&self, project: &str) -> Result<Option<String>> {
        let path = NodePath::project(project);
        if let Some(b) = levels::first_blob(&self.backend.read_secrets(&path, Default::default()).await?) {
            return Ok(Some(b));
        }
        for t in self.all_targets(project).await?.into_iter().take(20) {
            for e in self.all_environments(project, &t.slug).await?.into_iter().take(20) {
                let r = self
                    .backend
                    .read_secrets(&NodePath::environment(project, &t.slug, &e.slug), Default::default())
                    .await?;
                if let Some(b) = levels::first_blob(&r) {
                    return Ok(Some(b));
                }
            }
            let r = self.backend.read_secrets(&NodePath::target(project, &t.slug), Default::default()).await?;
            if let Some(b) = levels::first_blob(&r) {
                return Ok(Some(b));
            }
        }
        Ok(None)
    }

    /// The key state of a project without unlocking it.
    pub async fn key_state(&self, project: &str) -> Result<KeyState> {
        if let Ok(u) = self.unlocked(project) {
            return Ok(KeyState { managed: u.managed, unlocked: true, key_version: u.key_version });
        }
        let p = self.backend.get_project(project).await?;
        let managed = match p.attributes.encryption_type {
            Some(mode) => mode.into(),
            // Not said in the project (upstream's SDK answers): the key descriptor says.
            None => self.descriptor(project).await?.managed.into(),
        };
        Ok(KeyState { managed, unlocked: false, key_version: 0 })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use envdesk_core::merge::LevelKind;

    const SECRET: &str = "hunter2-secret-value";

    fn level() -> LevelView {
        LevelView {
            kind: LevelKind::Environment,
            source: "production".into(),
            text: format!("PASSWORD={SECRET}\n"),
            exists: true,
            revision: Some(3),
            id: Some("01LEVEL".into()),
            updated_at: None,
            parse_error: None,
        }
    }

    #[test]
    fn debug_never_shows_plaintext_keys_or_tokens() {
        let merge = TextMerge {
            text: SECRET.into(),
            conflicts: vec![envdesk_core::diff::Conflict {
                key: "PASSWORD".into(),
                base: Some(SECRET.into()),
                ours: Some(SECRET.into()),
                theirs: Some(SECRET.into()),
            }],
            auto_merged: true,
        };
        let conflict = Conflict { theirs_revision: Some(4), theirs_text: SECRET.into(), merge: merge.clone() };
        let shown = [
            format!("{:?}", level()),
            format!("{:?}", SaveOutcome::Conflict(conflict.clone())),
            format!("{conflict:?}"),
            format!("{merge:?}"),
            format!("{:?}", VersionView { id: "1".into(), attributes: serde_json::from_value(serde_json::json!({"action": "update", "size_bytes": 1, "is_client_encrypted": true, "created_at": "x", "encryption_key_version": "1"})).unwrap_or_else(|_| panic!("attributes")), text: SECRET.into() }),
            format!("{:?}", NewProjectKey::Passphrase(Zeroizing::new(SECRET.into()))),
            format!(
                "{:?}",
                RotationOutcome { blobs: 1, versions: 2, key_version: 3, key_to_back_up: Some(Zeroizing::new(SECRET.into())) }
            ),
            format!(
                "{:?}",
                crate::http::HttpConfig {
                    base_url: "https://x".into(),
                    organization: "o".into(),
                    token: Zeroizing::new(SECRET.into())
                }
            ),
            format!("{:?}", Unlocked { ulid: "u".into(), managed: Managed::Client, key_version: 1, data: Arc::new(DataKey::from_bytes([1; 32])), proof: Some(Zeroizing::new(SECRET.into())), protection: Protection::Keychain, remembered_passphrase: true }),
        ];
        for s in &shown {
            assert!(!s.contains(SECRET), "{s}");
        }
        assert!(shown[0].contains("revision: Some(3)") && shown[0].contains("redacted"), "{}", shown[0]);
        assert!(shown[3].contains("PASSWORD"), "keys are names, not secrets: {}", shown[3]);
    }
}
