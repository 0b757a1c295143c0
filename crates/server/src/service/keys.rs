//! Encryption keys: descriptor, history, server-managed rotation, client-managed rotation and the
//! re-encryption of history.

use std::collections::HashMap;

use envdesk_api::ability::*;
use envdesk_api::*;
use envdesk_core::crypto::{self, KeyCheck, ProjectKey};

use super::{check_blob, Caller, Service};
use crate::store::{self, KeyRow, VersionAction};

/// A key row as history shows it; `key_check` only for callers who may rotate (a hardening: for a
/// 32-byte passphrase the proof is the data key).
pub(crate) fn history_item(k: &KeyRow, with_check: bool) -> KeyHistoryItem {
    KeyHistoryItem {
        version: k.version.to_string(),
        managed: k.managed,
        key_check: if with_check { k.key_check.clone().map(SecretString::from) } else { None },
        key_check_salt: k.key_check_salt.clone(),
        key_check_iterations: k.key_check_iterations,
        is_active: Some(k.is_active),
        created_at: Some(k.created_at.clone()),
        rotated_at: k.rotated_at.clone(),
    }
}

fn client_managed_rotation() -> ApiError {
    ApiError::new(
        ErrorCode::ClientManagedEncryption,
        "This project is client-managed: rotate its key from the client (rotate-client-keys).",
    )
}

fn undecryptable_stored(ulid: &str) -> ApiError {
    ApiError::new(
        ErrorCode::UndecryptableContent,
        format!(
            "The stored blob `{ulid}` does not decrypt under its key, so it cannot be re-encrypted; restore an earlier version of that level or store it again. Nothing was changed."
        ),
    )
}

impl Service {
    /// `GET /{org}/{project}/encryption-key`.
    pub fn encryption_key(&self, caller: &Caller, project: &str) -> ApiResult<EncryptionKeyResponse> {
        caller.require(KEY_RETRIEVE)?;
        let (p, k) = self.db.read(|c| {
            let r = self.resolve(c, caller, &NodePath::project(project))?;
            let k = self.active_key(c, &r.project)?;
            Ok::<_, ApiError>((r.project, k))
        })?;
        let key = if k.managed == StorageMode::Server {
            Some(SecretString::new(self.server_key(&k)?.expose()))
        } else {
            None
        };
        let descriptor = KeyDescriptor {
            managed: k.managed,
            key,
            version: k.version as u64,
            created_at: Some(k.created_at.clone()),
            key_check_salt: k.key_check_salt.clone(),
            key_check_iterations: k.key_check_iterations,
        };
        let content: SecretString =
            serde_json::to_string(&KeyEnvelope { key: descriptor }).map_err(|_| ApiError::internal())?.into();
        Ok(Data {
            data: Item {
                kind: "encryption_keys".into(),
                id: format!("{}-v{}", p.ulid, k.version),
                attributes: EncryptionKeyAttributes { format: "json".into(), encrypted: false, content },
            },
        })
    }

    /// `GET /{org}/{project}/encryption-key/history`: active first, never key material.
    pub fn key_history(&self, caller: &Caller, project: &str) -> ApiResult<Vec<KeyHistoryItem>> {
        caller.require(KEY_RETRIEVE)?;
        let with_check = caller.abilities.has(KEY_ROTATE);
        self.db.read(|c| {
            let r = self.resolve(c, caller, &NodePath::project(project))?;
            Ok(store::keys(c, r.project.id)?.iter().map(|k| history_item(k, with_check)).collect())
        })
    }

    /// `POST /{org}/{project}/encryption-key/rotate`: a new random key; current blobs re-encrypted in
    /// the same transaction; history moved too with `re_encrypt`.
    pub fn rotate_key(&self, caller: &Caller, project: &str, req: RotateRequest) -> ApiResult<RotateResponse> {
        caller.require(KEY_ROTATE)?;
        let master = self.master()?;
        // Look the project up before any key is derived: a request that cannot succeed costs no
        // PBKDF2 (issue 10, hole 23).
        let project_id = self.db.read(|c| {
            let r = self.resolve(c, caller, &NodePath::project(project))?;
            if r.is_client() {
                return Err(client_managed_rotation());
            }
            Ok::<_, ApiError>(r.project.id)
        })?;
        let new_key = ProjectKey::generate();
        let check = KeyCheck::with_iterations(&new_key, self.config.kdf_iterations);
        let wrapped = master.wrap(&new_key);
        let new_dk = crypto::DataKey::for_descriptor(
            &new_key,
            Some(&check.key_check_salt),
            Some(i64::from(check.key_check_iterations)),
            false,
        )
        .map_err(|_| ApiError::internal())?;
        let now = self.now_str();
        self.rotating(project_id, || {
            self.db.write(|c| {
                let r = self.resolve(c, caller, &NodePath::project(project))?;
                if r.is_client() {
                    return Err(client_managed_rotation());
                }
                let old = self.active_key(c, &r.project)?;
                let version = old.version + 1;
                let key_id = store::insert_key(
                    c,
                    r.project.id,
                    &store::NewKey {
                        version,
                        managed: StorageMode::Server,
                        wrapped_key: Some(&wrapped),
                        key_check: None,
                        key_check_salt: Some(&check.key_check_salt),
                        key_check_iterations: Some(i64::from(check.key_check_iterations)),
                    },
                    &now,
                )?;
                let mut reencrypted = 0;
                for s in store::secrets_of_project(c, r.project.id)? {
                    let Some(blob) = &s.content else { continue };
                    let dk = self.server_data_key_of(c, r.project.id, s.key_version)?;
                    let plain = crypto::decrypt(&dk, blob).map_err(|_| undecryptable_stored(&s.ulid))?;
                    let blob = crypto::encrypt(&new_dk, &plain);
                    let rev = store::update_secret(c, s.id, Some(&blob), version, &now)?;
                    let ids = store::node_ids(c, &s.node, r.project.id)?;
                    self.record(c, &ids, VersionAction::Rotate, Some(&blob), version, false, rev, caller, &now)?;
                    reencrypted += 1;
                }
                if req.history_policy == Some(HistoryPolicy::ReEncrypt) {
                    for v in store::versions_of_project(c, r.project.id)? {
                        if v.key_version == version {
                            continue;
                        }
                        let Some(blob) = &v.content else { continue };
                        let dk = self.server_data_key_of(c, r.project.id, v.key_version)?;
                        let plain = crypto::decrypt(&dk, blob).map_err(|_| ApiError::internal())?;
                        store::set_version_content(c, v.id, &crypto::encrypt(&new_dk, &plain), version)?;
                    }
                }
                Ok(RotateResponse {
                    message: "The encryption key was rotated.".into(),
                    data: RotatedKey {
                        key: Item {
                            kind: "encryption_keys".into(),
                            id: format!("{}-v{version}", r.project.ulid),
                            attributes: RotatedKeyAttributes {
                                id: Some(key_id as u64),
                                version: Some(version.to_string()),
                                managed: StorageMode::Server,
                                created_at: Some(now.clone()),
                                key_check_salt: Some(check.key_check_salt.clone()),
                                key_check_iterations: Some(i64::from(check.key_check_iterations)),
                                re_encrypted: Some(reencrypted),
                            },
                        },
                    },
                })
            })
        })
    }

    /// `POST /{org}/{project}/secrets/rotate-client-keys`: every current blob replaced with the new
    /// key's, atomically, or nothing changes.
    pub fn rotate_client_keys(
        &self,
        caller: &Caller,
        project: &str,
        req: RotateClientKeysRequest,
    ) -> ApiResult<RotateClientKeysResponse> {
        caller.require(KEY_ROTATE)?;
        super::check_kdf(&req.key_check_salt, req.key_check_iterations)?;
        if crypto::decode_salt(req.key_check.expose()).map(|s| s.len()).unwrap_or(0) != 32 {
            return Err(ApiError::validation("key_check", "The key proof must be base64 of 32 bytes."));
        }
        for s in &req.secrets {
            check_blob("secrets", &s.content)?;
        }
        let project_id =
            self.db.read(|c| Ok::<_, ApiError>(self.resolve(c, caller, &NodePath::project(project))?.project.id))?;
        let now = self.now_str();
        self.rotating(project_id, || {
            self.db.write(|c| {
                let r = self.resolve(c, caller, &NodePath::project(project))?;
                if !r.is_client() {
                    return Err(ApiError::new(
                        ErrorCode::InvalidParameterCombination,
                        "This project is server-managed: rotate with POST encryption-key/rotate.",
                    ));
                }
                let old = self.active_key(c, &r.project)?;
                match req.key_proof.as_ref().map(SecretString::expose) {
                    Some(proof) => super::check_proof(&old, Some(proof))?,
                    None if self.config.allow_unproven_rotation => {}
                    None => {
                        return Err(ApiError::new(
                            ErrorCode::KeyProofRequired,
                            "Send key_proof, the proof of the current key: this server rotates a client-managed key only for a client that knows it. (The official SDK's RotateClientKeys sends no proof; the server's operator can accept such rotations with `envdesk-server serve --allow-unproven-rotation`.) Nothing was changed.",
                        ));
                    }
                }
                let current: Vec<_> =
                    store::secrets_of_project(c, r.project.id)?.into_iter().filter(|s| s.content.is_some()).collect();
                let mut given: HashMap<&str, &str> = HashMap::new();
                for s in &req.secrets {
                    if given.insert(s.id.as_str(), s.content.as_str()).is_some() {
                        return Err(ApiError::validation("secrets", format!("The blob `{}` is given twice.", super::name(&s.id))));
                    }
                }
                if let Some(extra) = req.secrets.iter().find(|s| !current.iter().any(|c| c.ulid == s.id)) {
                    return Err(ApiError::validation(
                        "secrets",
                        format!("`{}` is not a current blob of this project.", super::name(&extra.id)),
                    ));
                }
                if let Some(missing) = current.iter().find(|c| !given.contains_key(c.ulid.as_str())) {
                    return Err(ApiError::validation(
                        "secrets",
                        format!(
                            "Every current blob must be re-encrypted; `{}` is missing. Nothing was changed.",
                            missing.ulid
                        ),
                    ));
                }
                // A blob re-encrypted from a stale read would silently revert a save made since
                // (issue 10, hole 7): with `revision`, every blob must still be at the revision it was
                // read at, or the whole rotation is refused.
                for s in &req.secrets {
                    let Some(read_at) = s.revision else { continue };
                    let Some(cur) = current.iter().find(|c| c.ulid == s.id) else { continue };
                    if read_at as i64 != cur.revision {
                        return Err(ApiError::new(
                            ErrorCode::RevisionConflict,
                            format!(
                                "The blob `{}` changed since it was read (revision {read_at}, now {}): re-read that level, re-encrypt it and rotate again. Nothing was changed.",
                                cur.ulid, cur.revision
                            ),
                        )
                        .with_details(serde_json::json!({ "id": cur.ulid, "current_revision": cur.revision })));
                    }
                }
                let version = old.version + 1;
                store::insert_key(
                    c,
                    r.project.id,
                    &store::NewKey {
                        version,
                        managed: StorageMode::Client,
                        wrapped_key: None,
                        key_check: Some(req.key_check.expose()),
                        key_check_salt: Some(&req.key_check_salt),
                        key_check_iterations: Some(req.key_check_iterations),
                    },
                    &now,
                )?;
                for s in &current {
                    let blob = given[s.ulid.as_str()].trim();
                    let ids = store::node_ids(c, &s.node, r.project.id)?;
                    // Every replaced blob stays recoverable: when the level's newest version is not
                    // the blob being replaced (it was stored with `no_backup`), it is kept as a
                    // version under the old key first, which re-encrypt-history then offers.
                    let newest = store::versions_of_node(c, &s.node, 1, 0)?.0.into_iter().next();
                    if newest.and_then(|v| v.content) != s.content {
                        let old_blob = s.content.as_deref();
                        self.record(c, &ids, VersionAction::Update, old_blob, s.key_version, true, s.revision, caller, &now)?;
                    }
                    let rev = store::update_secret(c, s.id, Some(blob), version, &now)?;
                    self.record(c, &ids, VersionAction::Rotate, Some(blob), version, true, rev, caller, &now)?;
                }
                Ok(RotateClientKeysResponse {
                    success: true,
                    message: format!("{} secrets re-encrypted under key version {version}.", current.len()),
                    data: CountData { count: current.len() as u64, key_version: Some(version as u64) },
                })
            })
        })
    }

    /// `POST …/secrets/re-encrypt-history/pending`.
    pub fn reencrypt_pending(&self, caller: &Caller, project: &str, limit: u32) -> ApiResult<PendingResponse> {
        caller.require(KEY_ROTATE)?;
        let limit = limit.clamp(1, 500);
        self.db.read(|c| {
            let r = self.resolve(c, caller, &NodePath::project(project))?;
            if self.is_rotating(r.project.id) {
                return Err(super::rotation_in_progress());
            }
            if !r.is_client() {
                return Err(ApiError::new(
                    ErrorCode::InvalidParameterCombination,
                    "This project is server-managed: rotate with history_policy=re_encrypt instead.",
                ));
            }
            let active = self.active_key(c, &r.project)?;
            let (rows, total) = store::pending_versions(c, r.project.id, active.version, limit)?;
            let n = rows.len() as u64;
            Ok(PendingResponse {
                data: rows
                    .into_iter()
                    .filter_map(|v| {
                        v.content.map(|content| PendingVersion {
                            id: v.id as u64,
                            content,
                            key_version: v.key_version.to_string(),
                        })
                    })
                    .collect(),
                meta: RemainingMeta { remaining: total.saturating_sub(n) },
            })
        })
    }

    /// `POST …/secrets/re-encrypt-history`.
    pub fn reencrypt_submit(
        &self,
        caller: &Caller,
        project: &str,
        req: ReEncryptRequest,
    ) -> ApiResult<ReEncryptResponse> {
        caller.require(KEY_ROTATE)?;
        for v in &req.versions {
            check_blob("versions", &v.content)?;
        }
        self.db.write(|c| {
            let r = self.resolve(c, caller, &NodePath::project(project))?;
            if self.is_rotating(r.project.id) {
                return Err(super::rotation_in_progress());
            }
            if !r.is_client() {
                return Err(ApiError::new(ErrorCode::InvalidParameterCombination, "This project is server-managed."));
            }
            let active = self.active_key(c, &r.project)?;
            if let Err(e) = super::check_proof(&active, Some(req.key_proof.expose())) {
                // A proof of an older key means a rotation happened since the client read its batch.
                let older = store::keys(c, r.project.id)?
                    .into_iter()
                    .filter(|k| !k.is_active)
                    .any(|k| k.key_check.as_deref().is_some_and(|kc| crypto::proofs_equal(req.key_proof.expose(), kc)));
                if older {
                    return Err(ApiError::new(
                        ErrorCode::KeyVersionConflict,
                        "The key was rotated since this batch was read; fetch the pending versions again.",
                    ));
                }
                return Err(e);
            }
            let mut updated = 0;
            for v in &req.versions {
                let row = store::version_in_org(c, caller.org_id, v.id as i64)?
                    .filter(|row| row.project_id == r.project.id)
                    .ok_or_else(|| {
                        ApiError::validation("versions", format!("Version {} is not in this project.", v.id))
                    })?;
                if row.key_version == active.version {
                    continue;
                }
                store::set_version_content(c, row.id, v.content.trim(), active.version)?;
                updated += 1;
            }
            let (_, remaining) = store::pending_versions(c, r.project.id, active.version, 1)?;
            Ok(ReEncryptResponse { data: ReEncryptData { updated, remaining } })
        })
    }
}
