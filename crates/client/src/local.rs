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

fn keystore_err(e: String) -> ClientError {
    ClientError::KeyStore(e)
}

/// Opens (creating on first use) the local vault in `data_dir`.
pub fn open_local(data_dir: &Path, keys: &dyn KeyStore, kdf_iterations: u32) -> Result<LocalVault> {
    std::fs::create_dir_all(data_dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(data_dir, std::fs::Permissions::from_mode(0o700));
    }
    let path = data_dir.join("local-vault.db");
    let master = match keys.get(names::LOCAL_MASTER_KEY).map_err(keystore_err)? {
        Some(b64) => MasterKey::from_base64(&b64).map_err(ClientError::KeyStore)?,
        None => {
            let (master, b64) = MasterKey::generate();
            keys.set(names::LOCAL_MASTER_KEY, &b64).map_err(keystore_err)?;
            master
        }
    };
    let db = Db::open(&path, Synchronous::Full).map_err(|e| ClientError::Io(e.to_string()))?;
    let service = Arc::new(Service::new(db, Some(master), Config { retention_days: None, kdf_iterations }));
    let org = match service.organizations()?.into_iter().next() {
        Some(o) => o,
        None => service.create_organization("Local vault")?,
    };
    let token = match keys.get(names::LOCAL_TOKEN).map_err(keystore_err)? {
        Some(t) if service.authenticate(&t).is_ok() => t,
        _ => {
            let t = service.create_token_for(&org.id, "local vault", &["*".to_owned()])?;
            keys.set(names::LOCAL_TOKEN, &t.token).map_err(keystore_err)?;
            t.token
        }
    };
    let backend = ServiceBackend::for_token(service.clone(), &token)?;
    Ok(LocalVault { service, backend, path })
}
