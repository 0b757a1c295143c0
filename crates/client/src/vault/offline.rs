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
    /// part of the answer, not an error (an export decides).
    pub async fn snapshot(&self, path: &NodePath) -> Result<Snapshot> {
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
            let list: Vec<String> = node.resolution.errors.iter().map(|(k, e)| format!("{k} ({e})")).collect();
            node.wipe();
            return Err(ClientError::Template(list.join("; ")));
        }
        let schema_errors = self.schema_refusal(&node);
        let snapshot = Snapshot {
            path: path.clone(),
            vars: std::mem::take(&mut node.resolution.values),
            schema_errors,
            revisions: node.levels.iter().map(|l| (l.revision, l.updated_at.clone())).collect(),
            read_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            project_ulid: u.ulid.clone(),
            protection: u.protection,
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

/// A file's name: the first 16 bytes of SHA-256 of `parts` (joined by NUL), in hex. Names say nothing
/// of the connection or the environment.
fn hashed(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            h.update([0]);
        }
        h.update(p.as_bytes());
    }
    h.finalize().iter().take(16).map(|b| format!("{b:02x}")).collect()
}

fn connection_dir(data_dir: &Path, connection: &str) -> PathBuf {
    data_dir.join(OFFLINE_DIR).join(hashed(&[connection]))
}

/// What is stored in a file: a version and the sealed payload (`IV ‖ ciphertext ‖ tag`, base64).
#[derive(serde::Serialize, serde::Deserialize)]
struct CopyFile {
    v: u32,
    blob: String,
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

    fn file(&self, path: &NodePath) -> PathBuf {
        self.dir.join(format!("{}.json", hashed(&[&self.connection, &path.display()])))
    }

    fn aad(&self, path: &NodePath) -> Vec<u8> {
        format!("envdesk offline copy v1\0{}\0{}", self.connection, path.display()).into_bytes()
    }

    fn key(&self, create: bool) -> Result<Option<Zeroizing<[u8; 32]>>> {
        let name = names::offline_key(&self.connection);
        if let Some(stored) = self.keys.get(&name).map_err(ClientError::KeyStore)? {
            let bytes = Zeroizing::new(
                base64::Engine::decode(&base64::engine::general_purpose::STANDARD, stored.as_bytes())
                    .map_err(|_| ClientError::Invalid("the offline copies' key in the keychain is damaged".into()))?,
            );
            let key: [u8; 32] = bytes
                .as_slice()
                .try_into()
                .map_err(|_| ClientError::Invalid("the offline copies' key in the keychain is damaged".into()))?;
            return Ok(Some(Zeroizing::new(key)));
        }
        if !create {
            return Ok(None);
        }
        let key = crypto::random_bytes::<32>();
        let encoded = Zeroizing::new(crypto::b64(key.as_slice()));
        self.keys.set(&name, &encoded).map_err(ClientError::KeyStore)?;
        Ok(Some(key))
    }

    /// Whether this computer may still open a copy of that project without asking: a client key
    /// remembered in the keychain, or a server-managed project. A passphrase typed and not remembered
    /// is never enough to keep a copy.
    fn may_keep(&self, s: &Snapshot) -> Result<bool> {
        Ok(match s.protection {
            Protection::Server => true,
            Protection::Passphrase => false,
            Protection::Keychain => self
                .keys
                .get(&names::client_key(&self.connection, &s.project_ulid))
                .map_err(ClientError::KeyStore)?
                .is_some(),
        })
    }

    /// Keeps `s` as the offline copy of its environment, replacing the previous one (written beside it
    /// and renamed over it). Returns `false` when it may not be kept (see [`OfflineStore`]).
    pub fn keep(&self, s: &Snapshot) -> Result<bool> {
        if !self.may_keep(s)? {
            // A copy kept before the key was forgotten must not outlive that decision.
            let _ = std::fs::remove_file(self.file(&s.path));
            return Ok(false);
        }
        let key = self.key(true)?.ok_or_else(|| ClientError::Invalid("no key".into()))?;
        let plain = Zeroizing::new(serde_json::to_vec(s).map_err(|e| ClientError::Io(e.to_string()))?);
        let iv = crypto::random_bytes::<{ crypto::IV_LEN }>();
        let sealed = crypto::aes_gcm_seal(&key, &iv, &self.aad(&s.path), &plain);
        let file = CopyFile { v: 1, blob: crypto::b64(&sealed) };
        let bytes = serde_json::to_vec(&file).map_err(|e| ClientError::Io(e.to_string()))?;
        crate::local::private_dir(&self.dir)?;
        let target = self.file(&s.path);
        let tmp = target.with_extension(format!("{}.tmp", std::process::id()));
        super::drafts::write_private(&tmp, &bytes)?;
        std::fs::rename(&tmp, &target).inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })?;
        Ok(true)
    }

    /// The offline copy of `path`, if there is one this computer may open. A copy that was changed,
    /// moved from another environment, or whose key is gone is an error that says so.
    pub fn load(&self, path: &NodePath) -> Result<Option<Snapshot>> {
        let file = self.file(path);
        let meta = match std::fs::metadata(&file) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        if meta.len() > MAX_FILE_BYTES {
            return Err(self.damaged(path));
        }
        let bytes = std::fs::read(&file)?;
        let Some(key) = self.key(false)? else {
            return Err(ClientError::Invalid(format!(
                "The offline copy of {} cannot be opened: its key is no longer in the keychain.",
                path.display()
            )));
        };
        let s = self.open(&key, path, &bytes)?;
        if !self.may_keep(&s)? {
            return Err(ClientError::Invalid(format!(
                "The offline copy of {} is not used: the key of project `{}` is no longer remembered on this \
                 computer.",
                path.display(),
                path.project
            )));
        }
        Ok(Some(s))
    }

    fn damaged(&self, path: &NodePath) -> ClientError {
        ClientError::Invalid(format!(
            "The offline copy of {} is damaged or was changed; it is not used (it is replaced at the next \
             read from the server).",
            path.display()
        ))
    }

    /// Opens the bytes of a copy file as the copy of `path` (the fuzz target's entry).
    pub fn open(&self, key: &[u8; 32], path: &NodePath, bytes: &[u8]) -> Result<Snapshot> {
        let file: CopyFile = serde_json::from_slice(bytes).map_err(|_| self.damaged(path))?;
        if file.v != 1 {
            return Err(self.damaged(path));
        }
        let raw = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, file.blob.as_bytes())
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
pub fn forget_connection(data_dir: &Path, keys: &dyn KeyStore, connection: &str) -> Result<()> {
    match std::fs::remove_dir_all(connection_dir(data_dir, connection)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
        _ => {}
    }
    keys.delete(&names::offline_key(connection)).map_err(ClientError::KeyStore)
}
