//! The whole behaviour of `docs/api.md`, independent of HTTP: the HTTP handlers and the app's local
//! vault both call it. Every method runs in one database transaction, so a failed request changes
//! nothing.

mod audit_log;
mod keys;
mod nodes;
mod secrets;
mod tokens;
mod versions;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use crate::db::Conn;
use chrono::{DateTime, SecondsFormat, Utc};
use envdesk_api::{Abilities, ApiError, ApiResult, ErrorCode, NodePath, StorageMode};
use envdesk_core::crypto::{self, DataKey, ProjectKey};
use zeroize::Zeroizing;

use crate::db::{Db, DbError};
use crate::store::{self, KeyRow, NodeIds, ProjectRow};

pub use audit_log::AuditQuery;
pub use tokens::{hash_token, NewToken};

/// The clock, injected so tests can move time (retention).
pub trait Clock: Send + Sync {
    /// Now, in UTC.
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// How the service behaves.
#[derive(Clone, Debug)]
pub struct Config {
    /// Versions older than this many days are locked (403 `version_locked`); `None` keeps all.
    pub retention_days: Option<u32>,
    /// PBKDF2 iterations of the server-managed keys this server creates (600,000; tests use fewer).
    pub kdf_iterations: u32,
    /// Accept `rotate-client-keys` without `key_proof` (the proof of the current key), as upstream
    /// does: the official SDK's `RotateClientKeys` sends none. Off by default, because without the
    /// proof a `key:rotate` token that does not know the key can replace every blob
    /// (`docs/decisions.md`, issue 10 hole 6). `envdesk-server serve --allow-unproven-rotation`.
    pub allow_unproven_rotation: bool,
    /// Record requests in the audit log (`crate::audit`); `serve` turns it on, the app's local
    /// vault leaves it off.
    pub audit: bool,
    /// Audit entries older than this many days are pruned (`None` keeps all).
    pub audit_retention_days: Option<u32>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            retention_days: None,
            kdf_iterations: crypto::DEFAULT_ITERATIONS,
            allow_unproven_rotation: false,
            audit: false,
            audit_retention_days: None,
        }
    }
}

/// The master key that wraps server-managed project keys (AES-256-GCM).
pub struct MasterKey(DataKey);

impl MasterKey {
    /// From base64 of 32 bytes (`ENVDESK_MASTER_KEY`, or the content of `--master-key-file`).
    pub fn from_base64(text: &str) -> Result<MasterKey, String> {
        use base64::Engine as _;
        let bytes = Zeroizing::new(
            base64::engine::general_purpose::STANDARD
                .decode(text.trim())
                .map_err(|_| "the master key is not base64".to_owned())?,
        );
        let arr: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| "the master key must be 32 bytes (base64 of 32 bytes)".to_owned())?;
        Ok(MasterKey(DataKey::from_bytes(arr)))
    }
    /// A fresh random master key, and its base64 (for `init` and tests).
    pub fn generate() -> (MasterKey, Zeroizing<String>) {
        let bytes = crypto::random_bytes::<32>();
        let b64 = Zeroizing::new(crypto::b64(bytes.as_ref()));
        (MasterKey(DataKey::from_bytes(*bytes)), b64)
    }
    /// The audit chain's key derived from this master key (`crate::audit::ChainKey`): what a
    /// database set up before migration 4 chained with, and what a new one starts with. Once stored
    /// ([`MasterKey::audit_chain_key`]), the stored key is the chain's, whatever the master key
    /// became since.
    pub fn chain_key(&self) -> crate::audit::ChainKey {
        crate::audit::ChainKey::from_master(self.0.expose())
    }

    /// The audit chain's key as `db` keeps it, wrapped under this master key (`server_secrets`).
    /// A database without one gets [`MasterKey::chain_key`], stored wrapped when `store` is set —
    /// once this master key has shown it opens the project keys already there and chained the log's
    /// newest entry, so a wrong key given to a database's first start after migration 4 is not taken
    /// as its own.
    ///
    /// `Err` (`server_keys_unavailable`) when this is not the database's master key: a server must
    /// not start with it (it would open no server-managed project, and chain under another key).
    pub fn audit_chain_key(&self, db: &Db, store: bool) -> ApiResult<crate::audit::ChainKey> {
        let stored = db.read(|c| {
            c.query_opt("SELECT audit_chain_key FROM server_secrets WHERE id = 1", &[], |r| {
                r.get::<String>("audit_chain_key")
            })
        })?;
        if let Some(wrapped) = stored {
            return self.open_chain_key(&wrapped);
        }
        let derived = self.chain_key();
        if !store {
            return Ok(derived);
        }
        let bytes = derived.expose().expect("a derived chain key is keyed");
        let wrapped = crypto::encrypt(&self.0, bytes);
        db.write(|c| {
            if let Some(row) = store::server_keys(c)?.first() {
                self.unwrap(row.wrapped_key.as_deref().unwrap_or_default()).map_err(|_| wrong_master_key())?;
            }
            // No project key to try (or none yet): the log's newest entry must have been chained
            // with this key's subkey (or unkeyed), else this is not the key the log was written with.
            if !crate::audit::newest_chained_with(c, &derived)? {
                return Err(wrong_master_key());
            }
            // Two replicas starting together: the first one's row stays.
            c.execute(
                "INSERT INTO server_secrets (id, audit_chain_key) VALUES (1, ?1) ON CONFLICT (id) DO NOTHING",
                crate::params![wrapped],
            )?;
            Ok::<_, ApiError>(())
        })?;
        // The stored row (this one's, or a replica's that came first).
        self.audit_chain_key(db, false)
    }

    fn open_chain_key(&self, wrapped: &str) -> ApiResult<crate::audit::ChainKey> {
        let bytes = crypto::decrypt(&self.0, wrapped).map_err(|_| wrong_master_key())?;
        let arr: [u8; 32] = bytes.as_slice().try_into().map_err(|_| ApiError::internal())?;
        Ok(crate::audit::ChainKey::from_bytes(arr))
    }
    fn wrap(&self, key: &ProjectKey) -> String {
        crypto::encrypt(&self.0, key.expose().as_bytes())
    }
    fn unwrap(&self, wrapped: &str) -> Result<ProjectKey, ApiError> {
        let text = crypto::decrypt_string(&self.0, wrapped).map_err(|_| {
            ApiError::new(
                ErrorCode::ServerKeysUnavailable,
                "The server's master key does not open this project's key; start the server with the master key it was created with.",
            )
        })?;
        ProjectKey::new(text.as_str()).map_err(|_| ApiError::internal())
    }
}

fn wrong_master_key() -> ApiError {
    ApiError::new(
        ErrorCode::ServerKeysUnavailable,
        "This master key does not open this database's keys: it is not the master key the database was set up with \
         (or last rotated to). Start with that key (--master-key-file or ENVDESK_MASTER_KEY).",
    )
}

/// Who is calling: a token of an organization.
#[derive(Clone, Debug)]
pub struct Caller {
    /// Token row id.
    pub token_id: i64,
    /// Token name (shown as a version's author).
    pub token_name: String,
    /// Organization row id.
    pub org_id: i64,
    /// Organization ULID, upper-case.
    pub org_ulid: String,
    /// Abilities of the token.
    pub abilities: Abilities,
}

impl Caller {
    /// 403 unless the token holds `ability`.
    pub fn require(&self, ability: &str) -> ApiResult<()> {
        crate::audit::note(|e| e.ability = Some(ability.to_owned()));
        if self.abilities.has(ability) {
            Ok(())
        } else {
            Err(ApiError::forbidden(ability))
        }
    }
    /// 404 unless `org` (from a path) is the token's organization (compared case-insensitively).
    pub fn check_org(&self, org: &str) -> ApiResult<()> {
        if org.eq_ignore_ascii_case(&self.org_ulid) {
            Ok(())
        } else {
            Err(ApiError::not_found(format!("Organization `{}`", name(org))))
        }
    }
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> ApiError {
        tracing::error!(error = %e, "storage failure");
        ApiError::internal()
    }
}

/// The service.
pub struct Service {
    db: Db,
    master: Option<MasterKey>,
    clock: Arc<dyn Clock>,
    config: Config,
    /// Data keys of server-managed key rows, derived once (PBKDF2 is slow by design).
    /// Keyed by the row id *and* its wrapped key: a row a rolled-back write group had inserted
    /// (SQLite group commit, `db/group.rs`) can be seen and cached by a later write of that group,
    /// and its id handed out again with another key.
    key_cache: Mutex<HashMap<(i64, String), Arc<DataKey>>>,
    /// Projects with a rotation running.
    rotating: Mutex<HashSet<i64>>,
    /// Entries of the audit log not written inside a change's transaction (`None`: no audit log,
    /// as in the app's local vault).
    audit: Option<crate::audit::Sink>,
    /// Why the master key given cannot serve this database ([`Service::check_master_key`]).
    master_error: Option<ApiError>,
}

/// A resolved node: the rows on its path. Their counts (`target_count`, `environment_count`,
/// `has_secrets`) are not read (`store::project_by_slug_uncounted`): never answer them from here.
pub(crate) struct Resolved {
    pub project: ProjectRow,
    pub target: Option<store::TargetRow>,
    pub env: Option<store::EnvRow>,
}

impl Resolved {
    pub(crate) fn ids(&self) -> NodeIds {
        let (node, target, environment) = match (&self.target, &self.env) {
            (Some(t), Some(e)) => (format!("e{}", e.id), Some(t.id), Some(e.id)),
            (Some(t), None) => (format!("t{}", t.id), Some(t.id), None),
            _ => (format!("p{}", self.project.id), None, None),
        };
        NodeIds { node, project: self.project.id, target, environment }
    }
    pub(crate) fn level(&self) -> &'static str {
        match (&self.target, &self.env) {
            (_, Some(_)) => "environment",
            (Some(_), None) => "target",
            _ => "project",
        }
    }
    pub(crate) fn source(&self) -> &str {
        match (&self.target, &self.env) {
            (_, Some(e)) => &e.slug,
            (Some(t), None) => &t.slug,
            _ => &self.project.slug,
        }
    }
    pub(crate) fn is_client(&self) -> bool {
        self.project.storage_mode == StorageMode::Client
    }
}

impl Service {
    /// A service over `db`.
    pub fn new(db: Db, master: Option<MasterKey>, config: Config) -> Service {
        Service::with_clock(db, master, config, Arc::new(SystemClock))
    }

    /// A service with an injected clock.
    pub fn with_clock(db: Db, master: Option<MasterKey>, config: Config, clock: Arc<dyn Clock>) -> Service {
        let mut master_error = None;
        if let Some(m) = &master {
            match m.audit_chain_key(&db, true) {
                Ok(k) => db.set_audit_key(k),
                Err(e) => master_error = Some(e),
            }
        }
        let audit = config.audit.then(|| crate::audit::Sink::start(db.clone(), config.audit_retention_days));
        Service {
            master,
            master_error,
            clock,
            config,
            key_cache: Mutex::new(HashMap::new()),
            rotating: Mutex::new(HashSet::new()),
            audit,
            db,
        }
    }

    /// `Err` when the master key this service was given is not its database's (or the database
    /// could not be read to tell): a server or a command must stop there, before any request.
    pub fn check_master_key(&self) -> ApiResult<()> {
        match &self.master_error {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }

    /// Wraps every server-managed project key again under `new` (the master key this service holds
    /// unwraps them first), in one transaction, and checks each under `new` before committing.
    /// Returns how many keys were wrapped again. Servers must then restart with `new`.
    pub fn rewrap_master_key(&self, new: &MasterKey) -> ApiResult<u64> {
        let old = self.master.as_ref().ok_or_else(|| {
            ApiError::new(ErrorCode::ServerKeysUnavailable, "The current master key is needed to wrap the keys again.")
        })?;
        self.check_master_key()?;
        let chain = old.audit_chain_key(&self.db, false)?;
        let chain_bytes = chain.expose().expect("a stored chain key is keyed");
        self.db.write(|c| {
            // The audit chain keeps its key: wrapped again, so the chain verifies under the new
            // master key from its first entry.
            let wrapped = crypto::encrypt(&new.0, chain_bytes);
            if new.open_chain_key(&wrapped)?.expose() != Some(chain_bytes) {
                return Err(ApiError::internal());
            }
            c.execute(
                "INSERT INTO server_secrets (id, audit_chain_key) VALUES (1, ?1)
                 ON CONFLICT (id) DO UPDATE SET audit_chain_key = excluded.audit_chain_key",
                crate::params![wrapped],
            )?;
            let rows = store::server_keys(c)?;
            for row in &rows {
                let key = old.unwrap(row.wrapped_key.as_deref().unwrap_or_default()).map_err(|_| {
                    ApiError::new(
                        ErrorCode::ServerKeysUnavailable,
                        format!(
                            "Key {} of project {} does not open with the current master key; nothing was changed.",
                            row.version, row.project_id
                        ),
                    )
                })?;
                let wrapped = new.wrap(&key);
                if new.unwrap(&wrapped)?.expose() != key.expose() {
                    return Err(ApiError::internal());
                }
                store::set_wrapped_key(c, row.id, &wrapped)?;
            }
            crate::audit::note(|e| e.version = Some(format!("{} project keys", rows.len())));
            Ok(rows.len() as u64)
        })
    }

    /// Whether requests are recorded in the audit log.
    pub fn audits(&self) -> bool {
        self.audit.is_some()
    }

    /// Queues an entry of the audit log (one not written inside a change's transaction).
    pub fn audit_push(&self, e: crate::audit::Entry) {
        if let Some(a) = &self.audit {
            a.push(e);
        }
    }

    /// Audit entries waiting to be written (`None` without an audit log).
    pub fn audit_queued(&self) -> Option<usize> {
        self.audit.as_ref().map(crate::audit::Sink::queued)
    }

    /// Writes every queued entry of the audit log now.
    pub fn audit_flush(&self) {
        if let Some(a) = &self.audit {
            a.flush();
        }
    }

    /// The database (for the CLI and tests).
    pub fn db(&self) -> &Db {
        &self.db
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub(crate) fn now_str(&self) -> String {
        ts(self.now())
    }

    pub(crate) fn master(&self) -> ApiResult<&MasterKey> {
        self.master.as_ref().ok_or_else(|| {
            ApiError::new(
                ErrorCode::ServerKeysUnavailable,
                "This server has no master key, so it cannot hold server-managed keys; use a client-managed project or start the server with ENVDESK_MASTER_KEY.",
            )
        })
    }

    /// Resolves a path to its rows; 404 names the deepest missing node.
    pub(crate) fn resolve(&self, c: &Conn<'_>, caller: &Caller, path: &NodePath) -> ApiResult<Resolved> {
        crate::audit::set_node(match (&path.target, &path.environment) {
            (Some(t), Some(e)) => format!("{}/{t}/{e}", path.project),
            (Some(t), None) => format!("{}/{t}", path.project),
            _ => path.project.clone(),
        });
        // Uncounted: the path's rows, without the counts of a listing (never shown from here).
        let project = store::project_by_slug_uncounted(c, caller.org_id, &path.project)?
            .ok_or_else(|| ApiError::not_found(format!("Project `{}`", name(&path.project))))?;
        if path.environment.is_some() && path.target.is_none() {
            return Err(ApiError::validation("target", "An environment needs its target."));
        }
        let target = match &path.target {
            Some(t) => Some(
                store::target_by_slug_uncounted(c, project.id, t)?
                    .ok_or_else(|| ApiError::not_found(format!("Target `{}/{}`", name(&path.project), name(t))))?,
            ),
            None => None,
        };
        let env = match (&path.environment, &target) {
            (Some(e), Some(t)) => Some(store::env_by_slug(c, t.id, e)?.ok_or_else(|| {
                ApiError::not_found(format!("Environment `{}/{}/{}`", name(&path.project), t.slug, name(e)))
            })?),
            _ => None,
        };
        Ok(Resolved { project, target, env })
    }

    /// The data key of a server-managed key row (cached).
    pub(crate) fn server_data_key(&self, key: &KeyRow) -> ApiResult<Arc<DataKey>> {
        let wrapped = key.wrapped_key.as_deref().ok_or_else(ApiError::internal)?;
        let cache_key = (key.id, wrapped.to_owned());
        if let Some(k) = self.key_cache.lock().unwrap_or_else(|e| e.into_inner()).get(&cache_key) {
            return Ok(k.clone());
        }
        let project_key = self.master()?.unwrap(wrapped)?;
        let dk = DataKey::for_descriptor(&project_key, key.key_check_salt.as_deref(), key.key_check_iterations, false)
            .map_err(|_| ApiError::internal())?;
        let dk = Arc::new(dk);
        self.key_cache.lock().unwrap_or_else(|e| e.into_inner()).insert(cache_key, dk.clone());
        Ok(dk)
    }

    /// The data key of a project's server-managed key `version` (cached like [`Self::server_data_key`]).
    pub(crate) fn server_data_key_of(&self, c: &Conn<'_>, project: i64, version: i64) -> ApiResult<Arc<DataKey>> {
        let row = store::key_version(c, project, version)?.ok_or_else(ApiError::internal)?;
        self.server_data_key(&row)
    }

    /// The raw key string of a server-managed key row (for the descriptor).
    pub(crate) fn server_key(&self, key: &KeyRow) -> ApiResult<ProjectKey> {
        let wrapped = key.wrapped_key.as_deref().ok_or_else(ApiError::internal)?;
        self.master()?.unwrap(wrapped)
    }

    pub(crate) fn active_key(&self, c: &Conn<'_>, project: &ProjectRow) -> ApiResult<KeyRow> {
        store::active_key(c, project.id)?.ok_or_else(ApiError::internal)
    }

    /// Marks a project as rotating for the duration of `f` (409 `rotation_in_progress` meanwhile).
    /// The mark is a guard's: it goes when `f` returns or panics (issue 10, hole 15).
    pub(crate) fn rotating<T>(&self, project: i64, f: impl FnOnce() -> ApiResult<T>) -> ApiResult<T> {
        if !self.rotating.lock().unwrap_or_else(|e| e.into_inner()).insert(project) {
            return Err(rotation_in_progress());
        }
        let _mark = RotatingMark { set: &self.rotating, project };
        f()
    }

    pub(crate) fn is_rotating(&self, project: i64) -> bool {
        self.rotating.lock().unwrap_or_else(|e| e.into_inner()).contains(&project)
    }
}

/// Removes a project's rotation mark when dropped (also while unwinding).
struct RotatingMark<'a> {
    set: &'a Mutex<HashSet<i64>>,
    project: i64,
}

impl Drop for RotatingMark<'_> {
    fn drop(&mut self) {
        self.set.lock().unwrap_or_else(|e| e.into_inner()).remove(&self.project);
    }
}

/// Checks a key descriptor's KDF settings sent by a client (create-project, rotate-client-keys) with
/// core's range ([`crypto::kdf_params`]: iterations 1,000 to 10,000,000, salt 8 to 64 bytes), so no
/// client of this server is handed a descriptor it would refuse (issue 10, hole 5). 422
/// `validation_failed` naming the field.
pub(crate) fn check_kdf(salt: &str, iterations: i64) -> ApiResult<()> {
    let iterations_error = || {
        ApiError::validation(
            "key_check_iterations",
            format!(
                "key_check_iterations must be between {} and {} (upstream's default is {}).",
                crypto::MIN_ITERATIONS,
                crypto::MAX_ITERATIONS,
                crypto::DEFAULT_ITERATIONS
            ),
        )
    };
    if iterations <= 0 {
        return Err(iterations_error());
    }
    match crypto::kdf_params(salt, Some(iterations)) {
        Ok(_) => Ok(()),
        Err(crypto::CryptoError::IterationsOutOfRange { .. }) => Err(iterations_error()),
        Err(_) => Err(ApiError::validation(
            "key_check_salt",
            format!("key_check_salt must be base64 of {} to {} bytes.", crypto::MIN_SALT_LEN, crypto::MAX_SALT_LEN),
        )),
    }
}

pub(crate) fn rotation_in_progress() -> ApiError {
    ApiError::new(
        ErrorCode::RotationInProgress,
        "A key rotation is running for this project; try again when it is done.",
    )
}

/// RFC 3339 with microseconds, UTC.
pub fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Input echoed in a message, bounded: at most `max` characters, then `…` (issue 10, hole 21: a
/// million-character project name came back in a million-character 404).
pub fn shown(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_owned(),
        Some((i, _)) => format!("{}…", &s[..i]),
    }
}

/// [`shown`] with the bound of names and ids: 100 characters.
pub(crate) fn name(s: &str) -> String {
    shown(s, 100)
}

pub(crate) fn new_ulid() -> String {
    ulid::Ulid::new().to_string()
}

/// A blob must be base64 of at least IV + tag.
pub(crate) fn check_blob(field: &str, content: &str) -> ApiResult<()> {
    use base64::Engine as _;
    match base64::engine::general_purpose::STANDARD.decode(content.trim()) {
        Err(_) => Err(ApiError::validation(field, "The content must be base64 of IV ‖ ciphertext ‖ tag.")),
        Ok(b) if b.len() < crypto::IV_LEN + crypto::TAG_LEN => {
            Err(ApiError::validation(field, "The content is too short to be an encrypted blob (at least 28 bytes)."))
        }
        Ok(_) => Ok(()),
    }
}

/// Compares a proof with a key row's proof in constant time.
pub(crate) fn check_proof(key: &KeyRow, proof: Option<&str>) -> ApiResult<()> {
    let expected = key
        .key_check
        .as_deref()
        .ok_or_else(|| ApiError::new(ErrorCode::KeyProofRequired, "This project has no key proof configured."))?;
    let proof = proof.ok_or_else(|| {
        ApiError::new(ErrorCode::KeyProofRequired, "This project is client-managed: send key_proof with every write.")
    })?;
    if crypto::proofs_equal(proof, expected) {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::KeyProofMismatch,
            "The key proof does not match: the key is wrong. Nothing was stored.",
        ))
    }
}

/// 409 `revision_conflict` when the client's `base_revision` is not the level's current revision.
pub(crate) fn check_base_revision(base: Option<u64>, current: i64) -> ApiResult<()> {
    match base {
        Some(b) if b as i64 != current => Err(revision_conflict(current)),
        _ => Ok(()),
    }
}

fn revision_conflict(current: i64) -> ApiError {
    ApiError::new(
        ErrorCode::RevisionConflict,
        "This level changed since you read it; reload it, merge, and save again.",
    )
    .with_details(serde_json::json!({ "current_revision": current }))
}

pub(crate) fn check_page(page: u32, per_page: u32) -> ApiResult<(u32, u64)> {
    if page < 1 {
        return Err(ApiError::validation("page", "The page must be at least 1."));
    }
    if !(1..=100).contains(&per_page) {
        return Err(ApiError::validation("per_page", "per_page must be between 1 and 100."));
    }
    Ok((per_page, u64::from(page - 1) * u64::from(per_page)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panicking_rotation_releases_its_mark() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("t.db"), crate::db::Synchronous::Normal).unwrap();
        let s = Service::new(db, None, Config::default());
        let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            s.rotating(7, || -> ApiResult<()> { panic!("a bug in the middle of a rotation") })
        }));
        assert!(out.is_err());
        assert!(!s.is_rotating(7), "the mark went with the panic");
        assert!(s.rotating(7, || Ok(())).is_ok(), "the next rotation may run");
    }

    #[test]
    fn echoes_are_bounded() {
        assert_eq!(shown("abc", 100), "abc");
        let long = "é".repeat(500);
        let s = name(&long);
        assert_eq!(s.chars().count(), 101);
        assert!(s.ends_with('…'));
    }
}
