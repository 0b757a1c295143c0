//! The local vault: the server's service in-process on a SQLite file in the app's data directory —
//! no network, no account. Created on first use with its own organization and token; its token and
//! its master key (which wraps server-managed project keys) live in the [`KeyStore`], so the file on
//! disk holds only ciphertext.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use envdesk_server::{Config, Db, MasterKey, Service, ServiceBackend, Synchronous};

use crate::error::{ClientError, Result};
use crate::keystore::{names, KeyStore};

/// An open local vault.
pub struct LocalVault {
    /// The service (shared by every backend handle).
    pub service: Arc<Service>,
    /// The service seen by the vault's own token.
    pub backend: ServiceBackend,
    /// The database file.
    pub path: PathBuf,
}

impl std::fmt::Debug for LocalVault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalVault").field("path", &self.path).finish_non_exhaustive()
    }
}

fn keystore_err(e: String) -> ClientError {
    ClientError::KeyStore(e)
}

/// The database file's name in the data directory.
pub const DB_FILE: &str = "local-vault.db";

/// Creates `dir` (and its parents) and makes it private to the user (0700).
pub(crate) fn private_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir)?;
    Ok(())
}

/// Makes the database and SQLite's companions (`-wal`, `-shm`, `-journal`) private (0600), creating
/// the database file 0600 first so it is never readable by others, not even for a moment. SQLite
/// creates its companions with the database file's mode.
fn private_db_files(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        std::fs::OpenOptions::new().create(true).append(true).mode(0o600).open(path)?;
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            match std::fs::set_permissions(&name, std::fs::Permissions::from_mode(0o600)) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                other => other?,
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Opens (creating on first use) the local vault in `data_dir`.
///
/// Never replaces a key: when the database exists but the keychain has no master key, it stops with
/// [`ClientError::LocalVaultKeyMissing`] (a new key could not open the projects in it); and when the
/// keychain's token does not open the database, with [`ClientError::LocalVaultTokenMismatch`]. A new
/// token is made only when the keychain holds none (first use, or after the user removed the entry
/// as that error says); it is logged.
pub fn open_local(data_dir: &Path, keys: &dyn KeyStore, kdf_iterations: u32) -> Result<LocalVault> {
    private_dir(data_dir)?;
    let path = data_dir.join(DB_FILE);
    let existed = path.exists();
    let master = match keys.get(names::LOCAL_MASTER_KEY).map_err(keystore_err)? {
        Some(b64) => MasterKey::from_base64(&b64).map_err(ClientError::KeyStore)?,
        None if existed => return Err(ClientError::LocalVaultKeyMissing { path: path.clone() }),
        None => {
            let (master, b64) = MasterKey::generate();
            keys.set(names::LOCAL_MASTER_KEY, &b64).map_err(keystore_err)?;
            master
        }
    };
    private_db_files(&path)?;
    let db = Db::open(&path, Synchronous::Full).map_err(|e| ClientError::Io(e.to_string()))?;
    private_db_files(&path)?;
    let service =
        Arc::new(Service::new(db, Some(master), Config { retention_days: None, kdf_iterations, ..Config::default() }));
    let org = match service.organizations()?.into_iter().next() {
        Some(o) => o,
        None => service.create_organization("Local vault")?,
    };
    let token = match keys.get(names::LOCAL_TOKEN).map_err(keystore_err)? {
        Some(t) if service.authenticate(&t).is_ok() => t,
        Some(_) => return Err(ClientError::LocalVaultTokenMismatch { path: path.clone() }),
        None => {
            let t = service.create_token_for(&org.id, "local vault", &["*".to_owned()])?;
            keys.set(names::LOCAL_TOKEN, &t.token).map_err(keystore_err)?;
            if existed {
                tracing::warn!("local vault: no token in the keychain; a new one was made for {}", path.display());
            }
            t.token
        }
    };
    private_db_files(&path)?;
    let backend = ServiceBackend::for_token(service.clone(), &token)?;
    Ok(LocalVault { service, backend, path })
}
