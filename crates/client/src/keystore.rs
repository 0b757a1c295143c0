//! Where tokens and client keys live: the app implements [`KeyStore`] with the OS keychain; tests use
//! [`MemoryKeyStore`].

use std::collections::HashMap;
use std::sync::Mutex;

use zeroize::Zeroizing;

/// A store of secrets by name. Implementations must not log or print values.
pub trait KeyStore: Send + Sync {
    /// The secret stored under `name`.
    fn get(&self, name: &str) -> Result<Option<Zeroizing<String>>, String>;
    /// Stores `secret` under `name`, replacing any previous one.
    fn set(&self, name: &str, secret: &str) -> Result<(), String>;
    /// Removes `name` (no error when absent).
    fn delete(&self, name: &str) -> Result<(), String>;
}

/// Names of the entries, in one place.
pub mod names {
    /// A connection's API token.
    pub fn token(connection: &str) -> String {
        format!("token:{connection}")
    }
    /// The current client key of a project (by its ULID, stable across renames).
    pub fn client_key(connection: &str, project_ulid: &str) -> String {
        format!("client-key:{connection}:{project_ulid}")
    }
    /// A client key of an earlier key version (kept after a rotation to read old history).
    pub fn client_key_version(connection: &str, project_ulid: &str, version: u64) -> String {
        format!("client-key:{connection}:{project_ulid}:v{version}")
    }
    /// A new key during a rotation, until the server has accepted it.
    pub fn client_key_pending(connection: &str, project_ulid: &str) -> String {
        format!("client-key:{connection}:{project_ulid}:pending")
    }
    /// A marker (not a secret: its value is `client`) that this computer has opened the project as
    /// client-managed, kept whether or not its key is remembered: a server that later claims to hold
    /// the project's key is refused (`ClientError::ServerKeyRefused`).
    pub fn client_managed(connection: &str, project_ulid: &str) -> String {
        format!("client-managed:{connection}:{project_ulid}")
    }
    /// What PBKDF2 made of a project's key, remembered for processes that unlock on every start (the
    /// command line, `VaultOptions::remember_derived`): tied to the exact key and KDF settings it came
    /// from (see `vault/memo.rs`).
    pub fn derived(connection: &str, project_ulid: &str) -> String {
        format!("derived:{connection}:{project_ulid}")
    }
    /// The key of a connection's offline copies (the command line's last reads of environments,
    /// `vault/offline.rs`).
    pub fn offline_key(connection: &str) -> String {
        format!("offline-key:{connection}")
    }
    /// The digest of the newest offline copy of one environment (`name`: the copy's file name), so
    /// that an older genuine copy put back in its place is refused.
    pub fn offline_digest(connection: &str, name: &str) -> String {
        format!("offline-digest:{connection}:{name}")
    }
    /// The local vault's master key (wraps its server-managed keys).
    pub const LOCAL_MASTER_KEY: &str = "local-vault:master-key";
    /// The local vault's token.
    pub const LOCAL_TOKEN: &str = "local-vault:token";
}

/// An in-memory key store (tests; never for real use).
#[derive(Default)]
pub struct MemoryKeyStore {
    map: Mutex<HashMap<String, Zeroizing<String>>>,
}

impl MemoryKeyStore {
    /// An empty store.
    pub fn new() -> MemoryKeyStore {
        MemoryKeyStore::default()
    }
    /// Names present (for tests).
    pub fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.map.lock().unwrap_or_else(|e| e.into_inner()).keys().cloned().collect();
        v.sort();
        v
    }
}

impl KeyStore for MemoryKeyStore {
    fn get(&self, name: &str) -> Result<Option<Zeroizing<String>>, String> {
        Ok(self.map.lock().unwrap_or_else(|e| e.into_inner()).get(name).cloned())
    }
    fn set(&self, name: &str, secret: &str) -> Result<(), String> {
        self.map.lock().unwrap_or_else(|e| e.into_inner()).insert(name.to_owned(), Zeroizing::new(secret.to_owned()));
        Ok(())
    }
    fn delete(&self, name: &str) -> Result<(), String> {
        self.map.lock().unwrap_or_else(|e| e.into_inner()).remove(name);
        Ok(())
    }
}
