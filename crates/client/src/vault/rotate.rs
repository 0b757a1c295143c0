//! Client-managed key rotation: every current blob re-encrypted and submitted at once (the server
//! replaces all or nothing), then the history re-encrypted in batches.

use std::collections::BTreeMap;
use std::sync::Arc;

use envdesk_api::*;
use envdesk_core::crypto::{self, DataKey, ProjectKey};
use zeroize::Zeroizing;

use super::tree::{new_key_check, MAX_PAGES};
use super::{Managed, NewProjectKey, Progress, Protection, Unlocked, Vault};
use crate::error::{ClientError, Result};
use crate::keystore::names;

/// The outcome of a rotation.
pub struct RotationOutcome {
    /// Current blobs re-encrypted.
    pub blobs: u64,
    /// History versions re-encrypted.
    pub versions: u64,
    /// The new key version.
    pub key_version: u64,
    /// A generated key, to show once.
    pub key_to_back_up: Option<Zeroizing<String>>,
}

impl std::fmt::Debug for RotationOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RotationOutcome")
            .field("blobs", &self.blobs)
            .field("versions", &self.versions)
            .field("key_version", &self.key_version)
            .field("key_to_back_up", &self.key_to_back_up.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// Whether a failed rotate-client-keys request was refused for certain: the server answered with a
/// 4xx error other than 408 (it gave up on the request, whose write may still run) and 429. Only then
/// did it replace nothing, and only then is the pending key deleted. Anything else — no answer, our
/// own 30 s timeout, 408, 429, a 5xx, an answer that is not the API's, a code this version does not
/// know — leaves the outcome unknown.
fn definitely_refused(e: &ApiError) -> bool {
    use ErrorCode::*;
    match e.code {
        RequestTimeout | RateLimited | Internal | Network | Timeout | InvalidResponse | Unknown => false,
        c => (400..500).contains(&c.status()),
    }
}

/// Level id → `(revision as read, blob)`.
type BlobsRead = BTreeMap<String, (Option<u64>, String)>;

/// How often a rotation is submitted when levels keep changing under it (each time re-reading them).
const MAX_ROTATION_ATTEMPTS: u32 = 5;

impl Vault {
    /// Every current blob of a project: level id → `(revision, blob)` as read (`None`: the server
    /// does not count revisions). A level holding content without an id — or as a per-key map — is
    /// refused ([`ClientError::RotationUnsupported`]): the rotation would leave it under the old key.
    async fn current_blobs(&self, project: &str, progress: &dyn Progress) -> Result<BlobsRead> {
        let mut blobs = BTreeMap::new();
        let mut read = |path: NodePath, r: SecretsRead| -> Result<()> {
            let SecretsRead::Structured(s) = r else { return Ok(()) };
            // Only the node's own level, by its name (shallower ones are read on their own); a server
            // may write the levels in any order.
            let Some(level) = s.data.attributes.levels.unwrap_or_default().shift_remove(path.level()) else {
                return Ok(());
            };
            match level {
                LevelValue::Blob(Level { content: None, .. }) => Ok(()),
                LevelValue::KeyMap(m) if m.is_empty() => Ok(()),
                LevelValue::Blob(Level { id: Some(id), content: Some(c), revision, .. }) => {
                    blobs.insert(id, (revision, c));
                    Ok(())
                }
                _ => Err(ClientError::RotationUnsupported { project: project.to_owned(), level: path.display() }),
            }
        };
        let p = NodePath::project(project);
        read(p.clone(), self.backend.read_secrets(&p, Default::default()).await?)?;
        let targets = self.all_targets(project).await?;
        for (i, t) in targets.iter().enumerate() {
            progress.progress("reading", i, targets.len());
            let p = NodePath::target(project, &t.slug);
            read(p.clone(), self.backend.read_secrets(&p, Default::default()).await?)?;
            for e in self.all_environments(project, &t.slug).await? {
                let p = NodePath::environment(project, &t.slug, &e.slug);
                read(p.clone(), self.backend.read_secrets(&p, Default::default()).await?)?;
            }
        }
        Ok(blobs)
    }

    /// Rotates a client-managed project's key. The old key is kept in the key store (to read history
    /// that is not yet re-encrypted); the new one becomes current only once the server accepted it.
    /// Until then it is the project's pending key in the key store: deleted when the server refused
    /// the rotation, kept when the outcome is unknown ([`ClientError::RotationOutcomeUnknown`]; the
    /// project is then locked, and [`Vault::unlock`] takes the pending key if it is the one that holds).
    pub async fn rotate_client_key(
        &self,
        project: &str,
        new_key: NewProjectKey,
        progress: &dyn Progress,
    ) -> Result<RotationOutcome> {
        let u = self.unlocked(project)?;
        if u.managed != Managed::Client {
            return Err(ClientError::Invalid(
                "Only client-managed keys are rotated from here; the server rotates its own.".into(),
            ));
        }
        let (key, generated) = match new_key {
            NewProjectKey::Generate => (ProjectKey::generate(), true),
            NewProjectKey::Passphrase(p) => {
                (ProjectKey::from_passphrase(p.as_str()).map_err(ClientError::BadKey)?, false)
            }
            NewProjectKey::ServerManaged => {
                return Err(ClientError::Invalid("A rotation keeps the project client-managed.".into()))
            }
        };
        let (key, mut check, new_data) = new_key_check(key, self.opts.kdf_iterations).await?;
        // The current key's proof goes with the rotation: the server refuses one without it (hole 6).
        let current_proof = u.proof.clone().ok_or_else(|| {
            ClientError::Invalid("The project's current key proof is missing; lock and unlock it, then retry.".into())
        })?;
        let mut read = self.current_blobs(project, progress).await?;
        // Level id → (revision, blob read, blob re-encrypted): a retry re-encrypts only what changed.
        let mut done: BTreeMap<String, (Option<u64>, String, String)> = BTreeMap::new();
        // Keep the new key before the server switches to it, so it can never be lost.
        self.keystore_set(&names::client_key_pending(&self.connection, &u.ulid), key.expose())?;
        let old_key = self.keystore_get(&names::client_key(&self.connection, &u.ulid))?;
        let mut attempt = 0;
        let resp = loop {
            attempt += 1;
            let secrets = match self.reencrypt_blobs(&u, &new_data, &read, &mut done, progress) {
                Ok(s) => s,
                Err(e) => {
                    let _ = self.keys.delete(&names::client_key_pending(&self.connection, &u.ulid));
                    return Err(e);
                }
            };
            progress.progress("submitting", 0, 1);
            let resp = self
                .backend
                .rotate_client_keys(
                    project,
                    RotateClientKeysRequest {
                        secrets,
                        key_check: check.key_check.as_str().into(),
                        key_check_salt: check.key_check_salt.clone(),
                        key_check_iterations: i64::from(check.key_check_iterations),
                        history_policy: None,
                        key_proof: Some(current_proof.as_str().into()),
                    },
                )
                .await;
            match resp {
                Ok(r) if !r.success => {
                    // A 2xx that says it failed contradicts itself: the outcome is unknown.
                    self.lock(project);
                    return Err(ClientError::RotationOutcomeUnknown {
                        project: project.to_owned(),
                        cause: "the server answered success: false".to_owned(),
                    });
                }
                Ok(r) => break r,
                // A level was saved after we read it: the server replaced nothing. Re-read, re-encrypt
                // what changed, and submit again — a concurrent save is never reverted (hole 7).
                Err(e) if e.code == ErrorCode::RevisionConflict && attempt < MAX_ROTATION_ATTEMPTS => {
                    progress.progress("re-reading", attempt as usize, MAX_ROTATION_ATTEMPTS as usize);
                    match self.current_blobs(project, progress).await {
                        Ok(r) => read = r,
                        Err(e) => {
                            let _ = self.keys.delete(&names::client_key_pending(&self.connection, &u.ulid));
                            return Err(e);
                        }
                    }
                }
                Err(e) if definitely_refused(&e) => {
                    let _ = self.keys.delete(&names::client_key_pending(&self.connection, &u.ulid));
                    return Err(e.into());
                }
                // No answer, or one that does not say the server did nothing: it may have switched
                // to the new key (its own timeout does not stop a running write). Keep the pending
                // key, and forget the key in memory: the next unlock finds out which key holds.
                Err(e) => {
                    self.lock(project);
                    return Err(ClientError::RotationOutcomeUnknown { project: project.to_owned(), cause: e.message });
                }
            }
        };
        // [ext] key_version; a server that does not say it (upstream) is asked for its descriptor.
        let new_version = match resp.data.key_version {
            Some(v) => v,
            None => self.descriptor(project).await.map(|d| d.version).unwrap_or(u.key_version + 1),
        };
        if let Some(old) = old_key {
            self.keystore_set(&names::client_key_version(&self.connection, &u.ulid, u.key_version), &old)?;
        }
        self.keystore_set(&names::client_key(&self.connection, &u.ulid), key.expose())?;
        let _ = self.keys.delete(&names::client_key_pending(&self.connection, &u.ulid));
        let new_proof = Zeroizing::new(std::mem::take(&mut check.key_check));
        let new_data = Arc::new(new_data);
        self.remember(
            project,
            Unlocked {
                ulid: u.ulid.clone(),
                managed: Managed::Client,
                key_version: new_version,
                data: new_data.clone(),
                proof: Some(new_proof.clone()),
                protection: Protection::Keychain,
                remembered_passphrase: super::remembered(key.expose()).1,
            },
        );
        // History, in batches, from the old key (or older ones kept in the key store).
        let mut versions = 0;
        for _ in 0..MAX_PAGES {
            let pending = self.backend.reencrypt_pending(project, 100).await?;
            if pending.data.is_empty() {
                break;
            }
            let total = versions as usize + pending.data.len() + pending.meta.remaining as usize;
            progress.progress("re-encrypting history", versions as usize, total);
            let mut batch = Vec::new();
            for v in &pending.data {
                let old = if v.key_version == u.key_version.to_string() {
                    u.data.clone()
                } else {
                    match self.old_data_key(project, &u.ulid, &v.key_version).await {
                        Ok(k) => k,
                        Err(_) => continue,
                    }
                };
                if let Ok(plain) = crypto::decrypt(&old, &v.content) {
                    batch.push(ReEncryptedVersion { id: v.id, content: crypto::encrypt(&new_data, &plain) });
                }
            }
            if batch.is_empty() {
                // Nothing in this batch opens with the keys we have: stop rather than loop.
                break;
            }
            let r = self
                .backend
                .reencrypt_submit(project, ReEncryptRequest { versions: batch, key_proof: new_proof.as_str().into() })
                .await?;
            versions += r.data.updated;
            if r.data.remaining == 0 {
                break;
            }
        }
        progress.progress("done", 1, 1);
        Ok(RotationOutcome {
            blobs: resp.data.count,
            versions,
            key_version: new_version,
            key_to_back_up: generated.then(|| Zeroizing::new(key.expose().to_owned())),
        })
    }

    /// The blobs of `read` under the new key, each with the revision it was read at; blobs already
    /// re-encrypted at the same revision and content are reused.
    fn reencrypt_blobs(
        &self,
        u: &Unlocked,
        new_data: &DataKey,
        read: &BlobsRead,
        done: &mut BTreeMap<String, (Option<u64>, String, String)>,
        progress: &dyn Progress,
    ) -> Result<Vec<ReEncryptedSecret>> {
        let mut secrets = Vec::with_capacity(read.len());
        for (i, (id, (revision, blob))) in read.iter().enumerate() {
            progress.progress("re-encrypting", i, read.len());
            let content = match done.get(id) {
                Some((r, b, new)) if r == revision && b == blob => new.clone(),
                _ => {
                    let plain = crypto::decrypt(&u.data, blob)
                        .map_err(|source| ClientError::Crypto { what: format!("level {id}"), source })?;
                    let new = crypto::encrypt(new_data, &plain);
                    done.insert(id.clone(), (*revision, blob.clone(), new.clone()));
                    new
                }
            };
            secrets.push(ReEncryptedSecret { id: id.clone(), content, revision: *revision });
        }
        Ok(secrets)
    }

    async fn old_data_key(&self, project: &str, ulid: &str, version: &str) -> Result<Arc<DataKey>> {
        let v: u64 = version.parse().map_err(|_| ClientError::Invalid("bad key version".into()))?;
        let Some(stored) = self.keystore_get(&names::client_key_version(&self.connection, ulid, v))? else {
            return Err(ClientError::OldKeyUnavailable { key_version: version.to_owned(), hint: "" });
        };
        let history = self.backend.key_history(project).await?;
        let h = history
            .iter()
            .find(|h| h.version == version)
            .ok_or(ClientError::OldKeyUnavailable { key_version: version.to_owned(), hint: "" })?;
        let key = ProjectKey::new(stored.as_str()).map_err(ClientError::BadKey)?;
        Ok(Arc::new(super::history::old_data_key(key, h).await?))
    }
}
