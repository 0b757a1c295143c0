//! Offline copies (issue 17): the command line keeps the last successful read of an environment —
//! its variables as `run` and `export` use them — encrypted in the data directory, and uses it when
//! the server cannot be reached.
//!
//! - **What is kept:** a [`Snapshot`]: the merged variables with `${…}` resolved (what the program got),
//!   whether they broke the schema (so an offline export refuses as an online one), the levels'
//!   revisions (so `run --watch` restarts only on a real change once the server is back), and when.
//! - **Encryption:** AES-256-GCM under a random 256-bit key per connection, kept in the keychain
//!   ([`names::offline_key`]); the associated data binds each copy to its connection and path, so a
//!   copy moved to another name does not open. The files are 0600 in a 0700 directory.
//! - **Never weaker than the project:** a project unlocked with a passphrase this computer does not
//!   remember is not kept (the copy would open with the keychain alone); a copy of a project whose key
//!   is later forgotten does not open (its key must still be in the keychain). Removing the
//!   connection in the app removes its copies and their key ([`forget_connection`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use envdesk_api::NodePath;
use envdesk_core::crypto;
use envdesk_core::Vars;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

use super::{Protection, Vault};
use crate::error::{ClientError, Result};
use crate::keystore::{names, KeyStore};

/// The directory of the offline copies, in the data directory.
pub const OFFLINE_DIR: &str = "offline";

/// The most an offline copy file may hold (a 1,000-key environment is ~100 KB).
const MAX_FILE_BYTES: u64 = 16 << 20;

/// An environment as `run` and `export` use it, read at one moment.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Snapshot {
    /// The environment.
    pub path: NodePath,
    /// Its merged variables, `${…}` resolved, in the merged order.
    pub vars: Vars,
    /// Why it breaks its schema (keys and problems, never values); `None` when it does not.
    pub schema_errors: Option<String>,
    /// Each level's revision and time as stored (what `run --watch` compares).
    pub revisions: Vec<(Option<u64>, Option<String>)>,
    /// When it was read (RFC 3339).
    pub read_at: String,
    /// The project's ULID (the keychain entry of its key is looked for by it).
    project_ulid: String,
    /// What unlocked the project when it was read.
    protection: Protection,
    /// Whether `schema_errors` was checked (a copy is kept only then).
    #[serde(skip)]
    schema_checked: bool,
}

impl Drop for Snapshot {
    fn drop(&mut self) {
        for (_, v) in self.vars.iter_mut() {
            v.zeroize();
        }
    }
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("path", &self.path)
            .field("vars", &self.vars.len())
            .field("schema_errors", &self.schema_errors)
            .field("revisions", &self.revisions)
            .field("read_at", &self.read_at)
            .finish_non_exhaustive()
    }
}

impl Vault {
    /// Reads `path` (an environment; its project unlocked) as `run` and `export` use it: every level
    /// must parse and every `${…}` resolve, else the error says which. Whether it breaks its schema is
    /// part of the answer when `check_schema` (an export decides), not an error; without it
    /// `schema_errors` is `None` unchecked (`run` from the local vault, which keeps no copy, skips the
    /// check's cost), and such a snapshot is never kept.
    pub async fn snapshot(&self, path: &NodePath, check_schema: bool) -> Result<Snapshot> {
        let u = self.unlocked(&path.project)?;
        let mut node = self.read_node(path).await?;
        if let Some(bad) = node.levels.iter().find(|l| l.parse_error.is_some()) {
            let level = bad.kind.as_str().to_owned();
            let error = envdesk_core::dotenv::Document::parse(&bad.text).err();
            node.wipe();
            return Err(match error {
                Some(error) => ClientError::Parse { level, error },
                None => ClientError::Invalid(format!("the {level} level does not parse")),
            });
        }
        if !node.resolution.errors.is_empty() {
            // Key names only: a `${VAR:?message}`'s message is part of a stored value.
            let keys: Vec<&str> = node.resolution.errors.keys().map(String::as_str).collect();
            let message = keys.join(", ");
            node.wipe();
            return Err(ClientError::Template(message));
        }
        let schema_errors = if check_schema { self.schema_refusal(&node) } else { None };
        let snapshot = Snapshot {
            path: path.clone(),
            vars: std::mem::take(&mut node.resolution.values),
            schema_errors,
            revisions: node.levels.iter().map(|l| (l.revision, l.updated_at.clone())).collect(),
            read_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            project_ulid: u.ulid.clone(),
            protection: u.protection,
            schema_checked: check_schema,
        };
        node.wipe();
        Ok(snapshot)
    }
}

/// The offline copies of one connection.
pub struct OfflineStore {
    dir: PathBuf,
    keys: Arc<dyn KeyStore>,
    connection: String,
}

fn connection_dir(data_dir: &Path, connection: &str) -> PathBuf {
    let mut h = Sha256::new();
    h.update(connection.as_bytes());
    let name: String = h.finalize().iter().take(16).map(|b| format!("{b:02x}")).collect();
    data_dir.join(OFFLINE_DIR).join(name)
}

/// What is stored in a file: a version, the sealed payload (`IV ‖ ciphertext ‖ tag`, base64), and when
/// the server last confirmed it (not sealed: a copy read again unchanged is not sealed again, and this
/// time only says how old the warning calls it).
#[derive(serde::Serialize, serde::Deserialize)]
struct CopyFile {
    v: u32,
    blob: String,
    #[serde(default)]
    confirmed_at: Option<String>,
}

/// What a copy holds that a later read can change (everything but the time).
fn same_content(a: &Snapshot, b: &Snapshot) -> bool {
    a.path == b.path
        && a.vars.iter().eq(b.vars.iter())
        && a.schema_errors == b.schema_errors
        && a.revisions == b.revisions
        && a.project_ulid == b.project_ulid
        && a.protection == b.protection
}

fn digest(blob: &str) -> String {
    Sha256::digest(blob.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

impl OfflineStore {
    /// The copies of `connection` under `data_dir`.
    pub fn new(data_dir: &Path, keys: Arc<dyn KeyStore>, connection: &str) -> OfflineStore {
        OfflineStore { dir: connection_dir(data_dir, connection), keys, connection: connection.to_owned() }
    }

    /// The directory of this connection's copies.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A copy's name: HMAC-SHA-256 of the path under the copies' key, so that a name says nothing of
    /// the environment (its slugs cannot be guessed and confirmed from it).
    fn name(&self, key: &[u8; 32], path: &NodePath) -> String {
        use hmac::{Hmac, Mac};
        let Ok(mut m) = Hmac::<Sha256>::new_from_slice(key) else { return String::new() };
        m.update(b"envdesk offline copy name\0");
        m.update(path.display().as_bytes());
        m.finalize().into_bytes().iter().take(16).map(|b| format!("{b:02x}")).collect()
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.json"))
    }

    fn aad(&self, path: &NodePath) -> Vec<u8> {
        format!("envdesk offline copy v1\0{}\0{}", self.connection, path.display()).into_bytes()
    }

    fn key(&self) -> Result<Option<Zeroizing<[u8; 32]>>> {
        let Some(stored) = self.keys.get(&names::offline_key(&self.connection)).map_err(ClientError::KeyStore)? else {
            return Ok(None);
        };
        let damaged = || ClientError::Invalid("The offline copies' key in the keychain is damaged.".into());
        let bytes = Zeroizing::new(
            base64::Engine::decode(&base64::engine::general_purpose::STANDARD, stored.as_bytes())
                .map_err(|_| damaged())?,
        );
        let key: [u8; 32] = bytes.as_slice().try_into().map_err(|_| damaged())?;
        Ok(Some(Zeroizing::new(key)))
    }

    /// The copies' key, made on first use. Read back after it is stored: of two commands making it at
    /// once, both then seal under the one the keychain kept.
    fn key_or_new(&self) -> Result<Zeroizing<[u8; 32]>> {
        if let Some(k) = self.key()? {
            return Ok(k);
        }
        let fresh = crypto::random_bytes::<32>();
        let encoded = Zeroizing::new(crypto::b64(fresh.as_slice()));
        self.keys.set(&names::offline_key(&self.connection), &encoded).map_err(ClientError::KeyStore)?;
        self.key()?.ok_or_else(|| ClientError::KeyStore("the offline copies' key was not kept".into()))
    }

    /// Whether this computer may still open a copy of that project without asking: the connection is
    /// still the app's (its token in the keychain), and the project's key is a client key remembered in
    /// the keychain or the server's. A passphrase typed and not remembered is never enough.
    fn may_keep(&self, s: &Snapshot) -> Result<bool> {
        let has = |name: String| self.keys.get(&name).map(|v| v.is_some()).map_err(ClientError::KeyStore);
        if !has(names::token(&self.connection))? {
            return Ok(false);
        }
        Ok(match s.protection {
            Protection::Server => true,
            Protection::Passphrase => false,
            Protection::Keychain => has(names::client_key(&self.connection, &s.project_ulid))?,
        })
    }

    /// Keeps `s` as the offline copy of its environment, replacing the previous one (written beside it
    /// and renamed over it). A copy whose content is unchanged is not sealed again (only its time is
    /// renewed); a new one's digest goes to the keychain, so that an older genuine copy put back in its
    /// place is refused. Returns `false` when it may not be kept (see [`OfflineStore`]).
    pub fn keep(&self, s: &Snapshot) -> Result<bool> {
        if !s.schema_checked {
            return Err(ClientError::Invalid("an offline copy is kept only with its schema checked".into()));
        }
        if !self.may_keep(s)? {
            // A copy kept before the key was forgotten must not outlive that decision.
            self.remove(&s.path)?;
            return Ok(false);
        }
        let key = self.key_or_new()?;
        let name = self.name(&key, &s.path);
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let unchanged = match self.read_file(&name) {
            Ok(Some(file)) => self
                .open_checked(&key, &name, &s.path, &file)
                .ok()
                .filter(|old| same_content(old, s))
                .map(|_| file.blob),
            _ => None,
        };
        let (blob, sealed_again) = match unchanged {
            Some(blob) => (blob, false),
            None => {
                let plain = Zeroizing::new(serde_json::to_vec(s).map_err(|e| ClientError::Io(e.to_string()))?);
                let iv = crypto::random_bytes::<{ crypto::IV_LEN }>();
                (crypto::b64(&crypto::aes_gcm_seal(&key, &iv, &self.aad(&s.path), &plain)), true)
            }
        };
        let file = CopyFile { v: 1, blob, confirmed_at: Some(now) };
        let bytes = serde_json::to_vec(&file).map_err(|e| ClientError::Io(e.to_string()))?;
        crate::local::private_dir(&self.dir)?;
        let target = self.file(&name);
        let tmp = target.with_extension(format!("{}.tmp", std::process::id()));
        super::drafts::write_private(&tmp, &bytes)?;
        std::fs::rename(&tmp, &target).inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })?;
        if sealed_again {
            self.keys
                .set(&names::offline_digest(&self.connection, &name), &digest(&file.blob))
                .map_err(ClientError::KeyStore)?;
        }
        Ok(true)
    }

    /// Removes the copy of `path`, if any (the server said it is gone, or no longer this token's).
    pub fn remove(&self, path: &NodePath) -> Result<()> {
        let Some(key) = self.key()? else { return Ok(()) };
        let name = self.name(&key, path);
        match std::fs::remove_file(self.file(&name)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
            _ => {}
        }
        self.keys.delete(&names::offline_digest(&self.connection, &name)).map_err(ClientError::KeyStore)
    }

    /// The file `name`, read once through one handle: a regular file (not a link, a pipe or a device)
    /// of at most `MAX_FILE_BYTES`.
    fn read_file(&self, name: &str) -> Result<Option<CopyFile>> {
        use std::io::Read;
        let mut opts = std::fs::OpenOptions::new();
        opts.read(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            // Never through a symbolic link, never blocking on a pipe put in its place.
            opts.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
        }
        let f = match opts.open(self.file(name)) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(_) => return Err(self.damaged_named()),
        };
        if !f.metadata()?.is_file() {
            return Err(self.damaged_named());
        }
        let mut bytes = Vec::new();
        f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(self.damaged_named());
        }
        serde_json::from_slice(&bytes).map(Some).map_err(|_| self.damaged_named())
    }

    fn damaged_named(&self) -> ClientError {
        ClientError::Invalid(
            "An offline copy is damaged or was changed; it is not used (it is replaced at the next read from \
             the server)."
                .into(),
        )
    }

    /// The offline copy of `path`, if there is one this computer may open, and when the server last
    /// confirmed it. A copy that was changed, moved from another environment, replaced by an older one,
    /// or whose key is gone is an error that says so.
    pub fn load(&self, path: &NodePath) -> Result<Option<(Snapshot, String)>> {
        let Some(key) = self.key()? else { return Ok(None) };
        let name = self.name(&key, path);
        let Some(file) = self.read_file(&name)? else { return Ok(None) };
        let s = self.open_checked(&key, &name, path, &file).map_err(|_| self.damaged(path))?;
        if !self.may_keep(&s)? {
            return Err(ClientError::Invalid(format!(
                "The offline copy of {} is not used: the key of project `{}` is no longer remembered on this \
                 computer.",
                path.display(),
                path.project
            )));
        }
        let confirmed = file.confirmed_at.filter(|c| *c > s.read_at).unwrap_or_else(|| s.read_at.clone());
        Ok(Some((s, confirmed)))
    }

    /// [`OfflineStore::open`], and the copy is the newest this computer sealed (its digest is the one
    /// in the keychain).
    fn open_checked(&self, key: &[u8; 32], name: &str, path: &NodePath, file: &CopyFile) -> Result<Snapshot> {
        let expected = self
            .keys
            .get(&names::offline_digest(&self.connection, name))
            .map_err(ClientError::KeyStore)?
            .ok_or_else(|| self.damaged(path))?;
        if !crypto::proofs_equal(expected.as_str(), &digest(&file.blob)) {
            return Err(self.damaged(path));
        }
        self.open_blob(key, path, &file.blob)
    }

    fn damaged(&self, path: &NodePath) -> ClientError {
        ClientError::Invalid(format!(
            "The offline copy of {} is damaged, was changed or replaced by an older one; it is not used (it is \
             replaced at the next read from the server).",
            path.display()
        ))
    }

    /// Opens the bytes of a copy file as the copy of `path` (what the fuzz target drives; the digest
    /// check of [`OfflineStore::load`] comes on top).
    pub fn open(&self, key: &[u8; 32], path: &NodePath, bytes: &[u8]) -> Result<Snapshot> {
        let file: CopyFile = serde_json::from_slice(bytes).map_err(|_| self.damaged(path))?;
        if file.v != 1 {
            return Err(self.damaged(path));
        }
        self.open_blob(key, path, &file.blob)
    }

    fn open_blob(&self, key: &[u8; 32], path: &NodePath, blob: &str) -> Result<Snapshot> {
        let raw = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, blob.as_bytes())
            .map_err(|_| self.damaged(path))?;
        if raw.len() < crypto::IV_LEN {
            return Err(self.damaged(path));
        }
        let (iv, rest) = raw.split_at(crypto::IV_LEN);
        let plain =
            Zeroizing::new(crypto::aes_gcm_open(key, iv, &self.aad(path), rest).map_err(|_| self.damaged(path))?);
        let s: Snapshot = serde_json::from_slice(&plain).map_err(|_| self.damaged(path))?;
        if s.path != *path {
            return Err(self.damaged(path));
        }
        Ok(s)
    }
}

/// Removes every offline copy of `connection` and their key (the app, when it removes a connection).
/// The key goes first: whatever then fails to be removed can no longer be opened.
pub fn forget_connection(data_dir: &Path, keys: &dyn KeyStore, connection: &str) -> Result<()> {
    let key = keys.delete(&names::offline_key(connection)).map_err(ClientError::KeyStore);
    let dir = connection_dir(data_dir, connection);
    let mut digests = Ok(());
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for e in entries.flatten() {
            let file = e.file_name();
            if let Some(name) = file.to_str().and_then(|n| n.strip_suffix(".json")) {
                if let Err(e) = keys.delete(&names::offline_digest(connection, name)) {
                    digests = Err(ClientError::KeyStore(e));
                }
            }
        }
    }
    let files = match std::fs::remove_dir_all(&dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
        _ => Ok(()),
    };
    key.and(digests).and(files)
}
