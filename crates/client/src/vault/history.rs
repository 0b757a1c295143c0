//! History of a level: list, view, restore (re-encrypting versions under an old client key), delete
//! one, purge.

use envdesk_api::*;
use envdesk_core::crypto::{self, DataKey, ProjectKey};

use super::{Managed, Vault};
use crate::error::{ClientError, Result};
use crate::keystore::names;

/// A page of versions.
#[derive(Clone, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct VersionsPage {
    /// Newest first.
    pub versions: Vec<VersionItem>,
    /// Pagination.
    pub meta: PageMeta,
}

/// One version, decrypted.
#[derive(Clone, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct VersionView {
    /// Version id.
    pub id: String,
    /// Its fields (action, size, author, time, key version, locked).
    pub attributes: VersionAttributes,
    /// Its text.
    pub text: String,
}

/// The data key of an earlier key version: its descriptor's KDF settings checked first (a hostile
/// history cannot stall or weaken anything), PBKDF2 on the blocking pool.
pub(crate) async fn old_data_key(key: ProjectKey, h: &KeyHistoryItem) -> Result<DataKey> {
    let salt = h.key_check_salt.clone().ok_or(ClientError::BadKey(crypto::CryptoError::MissingSalt))?;
    let (salt, iters) = crypto::kdf_params(&salt, h.key_check_iterations).map_err(ClientError::BadKey)?;
    super::blocking(move || crypto::derive_data_key(&key, &salt, iters)).await
}

impl std::fmt::Debug for VersionView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VersionView")
            .field("id", &self.id)
            .field("attributes", &self.attributes)
            .field("text", &super::Redacted(self.text.len()))
            .finish()
    }
}

impl std::fmt::Debug for VersionsPage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VersionsPage").field("versions", &self.versions.len()).field("meta", &self.meta).finish()
    }
}

/// The key version a version's blob is under: from its attributes, else from its key descriptor.
fn blob_key_version(v: &VersionDetail) -> Option<String> {
    v.attributes
        .blob_key_version()
        .map(str::to_owned)
        .or_else(|| v.key.as_ref().map(|k| k.version.clone()).filter(|k| !k.is_empty()))
}

impl Vault {
    /// A page of the history of `path`'s level, newest first.
    pub async fn history(&self, path: &NodePath, page: u32, per_page: u32) -> Result<VersionsPage> {
        self.touch();
        let p = self.backend.list_versions(ListVersionsRequest { path: path.clone(), page, per_page }).await?;
        Ok(VersionsPage { versions: p.data, meta: p.meta })
    }

    /// The data key a version is encrypted under: the current one, or an older client key kept in the
    /// key store after a rotation.
    async fn key_for_version(&self, project: &str, key_version: &str) -> Result<std::sync::Arc<DataKey>> {
        let u = self.unlocked(project)?;
        if key_version == u.key_version.to_string() {
            return Ok(u.data.clone());
        }
        if u.managed == Managed::Server {
            return Err(ClientError::OldKeyUnavailable {
                key_version: key_version.to_owned(),
                hint: "; the server keeps it: restore the version to read it",
            });
        }
        let v: u64 = key_version.parse().map_err(|_| ClientError::Invalid("bad key version".into()))?;
        let stored = self.keystore_get(&names::client_key_version(&self.connection, &u.ulid, v))?;
        let history = self.backend.key_history(project).await?;
        let (Some(stored), Some(h)) = (stored, history.iter().find(|h| h.version == key_version)) else {
            return Err(ClientError::OldKeyUnavailable {
                key_version: key_version.to_owned(),
                hint: "; unlock with that key to read this version",
            });
        };
        let key = ProjectKey::new(stored.as_str()).map_err(ClientError::BadKey)?;
        Ok(std::sync::Arc::new(old_data_key(key, h).await?))
    }

    /// A version's text.
    pub async fn version(&self, project: &str, id: &str) -> Result<VersionView> {
        self.touch();
        let v = self.backend.get_version(id).await?;
        let text = match &v.content {
            None => String::new(),
            Some(blob) => {
                let decrypted = match blob_key_version(&v) {
                    Some(kv) => crypto::decrypt_string(&*self.key_for_version(project, &kv).await?, blob),
                    // The answer names no key version (upstream may omit it): only the current key is
                    // tried; AES-GCM tells a wrong key apart, so nothing wrong is ever shown.
                    None => Ok(crypto::decrypt_string(&self.unlocked(project)?.data, blob)
                        .map_err(|_| ClientError::UnknownVersionKey { version: id.to_owned() })?),
                };
                decrypted
                    .map_err(|source| ClientError::Crypto { what: format!("version {id}"), source })?
                    .as_str()
                    .to_owned()
            }
        };
        Ok(VersionView { id: v.id, attributes: v.attributes, text })
    }

    /// Restores a version as the level's current content (a new version records it). A client-managed
    /// version under an old key is decrypted here and re-encrypted with the current key.
    ///
    /// Returns the level's new revision, `None` when the server does not count revisions. When a
    /// client-managed version's key version is not said, it is restored only if the current key opens
    /// it (then it is restored as is).
    pub async fn restore(&self, path: &NodePath, id: &str, base_revision: Option<u64>) -> Result<Option<u64>> {
        let u = self.unlocked(&path.project)?;
        let v = self.backend.get_version(id).await?;
        let mut req = RestoreRequest { content: None, key_proof: None, base_revision };
        let key_version = blob_key_version(&v);
        if u.managed == Managed::Client && key_version.is_none() {
            // Nothing says which key the blob is under: restore it only if the current key opens it,
            // or the level would become unreadable (`UnknownVersionKey` otherwise).
            self.version(&path.project, id).await?;
        }
        let old_key = key_version.is_some_and(|kv| kv != u.key_version.to_string());
        if u.managed == Managed::Client && old_key {
            let text = zeroize::Zeroizing::new(self.version(&path.project, id).await?.text);
            req.content = Some(crypto::encrypt(&u.data, text.as_bytes()));
            req.key_proof = u.proof();
        }
        let r = self.backend.restore_version(id, req).await?;
        self.discard_draft(path);
        Ok(r.data.revision)
    }

    /// Deletes one version (`force` for the only copy of a deleted level).
    pub async fn delete_version(&self, id: &str, force: bool) -> Result<()> {
        self.touch();
        Ok(self.backend.delete_version(id, force).await?)
    }

    /// Purges the history of a level (or of the whole project). Returns how many versions went.
    pub async fn purge(&self, path: &NodePath, whole_project: bool) -> Result<u64> {
        self.touch();
        let scope = if whole_project { PurgeScope::Project } else { PurgeScope::Level };
        Ok(self
            .backend
            .purge_versions(PurgeRequest { path: path.clone(), scope, confirmed: true })
            .await?
            .data
            .purged_count)
    }
}
