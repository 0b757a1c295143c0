//! Version history: list, get, restore, delete one, purge.

use crate::db::Conn;
use chrono::{DateTime, Duration, Utc};
use envdesk_api::ability::*;
use envdesk_api::*;
use envdesk_core::crypto;

use super::keys::history_item;
use super::{check_base_revision, check_blob, check_page, check_proof, Caller, Service};
use crate::store::{self, VersionAction, VersionRow};

fn parse_id(id: &str) -> ApiResult<i64> {
    id.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| ApiError::not_found(format!("Version `{}`", super::name(id))))
}

/// A server-managed plaintext must be UTF-8 text (as on store, hole 19): decrypting reads hand it out
/// as text. 422 `validation_failed` on `field` otherwise.
fn utf8_text(plain: &[u8], field: &str) -> ApiResult<()> {
    std::str::from_utf8(plain).map(|_| ()).map_err(|_| {
        ApiError::validation(
            field,
            "The content decrypts, but not to UTF-8 text: envdesk stores `.env` text. Nothing was restored.",
        )
    })
}

impl Service {
    fn locked(&self, v: &VersionRow) -> bool {
        let Some(days) = self.config.retention_days else { return false };
        let Ok(created) = DateTime::parse_from_rfc3339(&v.created_at) else { return false };
        created.with_timezone(&Utc) < self.now() - Duration::days(i64::from(days))
    }

    fn check_retention(&self, v: &VersionRow) -> ApiResult<()> {
        if self.locked(v) {
            return Err(ApiError::new(
                ErrorCode::VersionLocked,
                "This version is older than the server's retention period and can no longer be read or restored.",
            )
            .with_details(serde_json::json!({
                "retention_days": self.config.retention_days,
                "version_created_at": v.created_at,
            })));
        }
        Ok(())
    }

    fn version_json(&self, v: &VersionRow) -> VersionAttributes {
        let locked = self.locked(v);
        VersionAttributes {
            action: v.action.as_str().to_owned(),
            size_bytes: v.size_bytes as u64,
            is_client_encrypted: Some(v.is_client),
            encryption_key_version: Some(v.key_version.to_string()),
            key_version: Some(v.key_version.to_string()),
            created_at: v.created_at.clone(),
            created_by: v.created_by_id.map(|id| CreatedBy {
                id: id as u64,
                name: v.created_by_name.clone().unwrap_or_else(|| "system".into()),
            }),
            locked,
            locked_reason: locked.then(|| "outside the retention period".into()),
            revision: Some(v.revision as u64),
        }
    }

    fn version_row(&self, c: &Conn<'_>, caller: &Caller, id: &str) -> ApiResult<VersionRow> {
        let n = parse_id(id)?;
        let v = store::version_in_org(c, caller.org_id, n)?
            .ok_or_else(|| ApiError::not_found(format!("Version `{}`", super::name(id))))?;
        if let Some(path) = store::node_slugs(c, &v.node)? {
            crate::audit::set_node(path);
        }
        Ok(v)
    }

    /// `POST /{org}/secrets/versions`: a level's history, newest first.
    pub fn list_versions(&self, caller: &Caller, req: ListVersionsRequest) -> ApiResult<Page<VersionItem>> {
        caller.require(SECRET_HISTORY)?;
        let (limit, offset) = check_page(req.page, req.per_page)?;
        self.db.read(|c| {
            let r = self.resolve(c, caller, &req.path)?;
            let (rows, total) = store::versions_of_node(c, &r.ids().node, limit, offset)?;
            Ok(Page::new(
                rows.iter()
                    .map(|v| Item {
                        kind: "secret-versions".into(),
                        id: v.id.to_string(),
                        attributes: self.version_json(v),
                    })
                    .collect(),
                PageMeta::new(req.page, limit, total),
            ))
        })
    }

    /// `GET /{org}/secrets/versions/{id}`.
    pub fn get_version(&self, caller: &Caller, id: &str) -> ApiResult<VersionDetail> {
        caller.require(SECRET_HISTORY)?;
        self.db.read(|c| {
            let v = self.version_row(c, caller, id)?;
            self.check_retention(&v)?;
            let key = store::key_version(c, v.project_id, v.key_version)?;
            Ok(VersionDetail {
                kind: "secret-versions".into(),
                id: v.id.to_string(),
                attributes: self.version_json(&v),
                content: v.content.clone(),
                key: key.map(|k| history_item(&k, caller.abilities.has(KEY_ROTATE))),
            })
        })
    }

    /// `POST /{org}/secrets/versions/{id}/restore`: the version's content becomes current (a new
    /// version records it; history is append-only).
    pub fn restore_version(&self, caller: &Caller, id: &str, req: RestoreRequest) -> ApiResult<RestoreResponse> {
        caller.require(SECRET_RESTORE)?;
        if let Some(content) = &req.content {
            check_blob("content", content)?;
        }
        let now = self.now_str();
        self.db.write(|c| {
            let v = self.version_row(c, caller, id)?;
            // The retention gate runs before any key logic.
            self.check_retention(&v)?;
            let project = store::project_by_id(c, v.project_id)?.ok_or_else(ApiError::internal)?;
            let is_client = project.storage_mode == StorageMode::Client;
            let active = self.active_key(c, &project)?;
            let content = if let Some(given) = &req.content {
                if is_client {
                    check_proof(&active, req.key_proof.as_ref().map(SecretString::expose))?;
                } else {
                    let dk = self.server_data_key(&active)?;
                    let plain = crypto::decrypt(&dk, given).map_err(|_| {
                        ApiError::new(ErrorCode::UndecryptableContent, "The content does not decrypt under the current key.")
                    })?;
                    utf8_text(&plain, "content")?;
                }
                given.trim().to_owned()
            } else {
                let Some(old) = v.content.clone() else {
                    return Err(ApiError::validation("version", "This version is empty; there is nothing to restore."));
                };
                if is_client {
                    if v.key_version != active.version {
                        return Err(ApiError::new(
                            ErrorCode::ContentRequiredForOldKey,
                            "This version is encrypted under an older key: decrypt it with that key, re-encrypt it with the current key and send it as content with key_proof.",
                        ));
                    }
                    old
                } else {
                    // The same check as store (hole 19): a stored row written before it, or by hand,
                    // must not become a current level that no decrypting read can answer.
                    let old_dk = self.server_data_key_of(c, v.project_id, v.key_version)?;
                    let text = crypto::decrypt(&old_dk, &old).map_err(|_| {
                        ApiError::new(
                            ErrorCode::UndecryptableContent,
                            format!("Version {} does not decrypt under its key; it cannot be restored.", v.id),
                        )
                    })?;
                    utf8_text(&text, "version")?;
                    if v.key_version == active.version {
                        old
                    } else {
                        crypto::encrypt(&*self.server_data_key(&active)?, &text)
                    }
                }
            };
            let ids = store::node_ids(c, &v.node, v.project_id)?;
            let existing = store::secret_by_node(c, &ids.node)?;
            let current = existing.as_ref().map_or(0, |s| s.revision);
            check_base_revision(req.base_revision, current)?;
            let (ulid, revision) = match existing {
                Some(s) => (s.ulid.clone(), store::update_secret(c, s.id, Some(&content), active.version, &now)?),
                None => {
                    let ulid = super::new_ulid();
                    store::insert_secret(c, &ulid, &ids, Some(&content), active.version, &now)?;
                    (ulid, 1)
                }
            };
            self.record(c, &ids, VersionAction::Restore, Some(&content), active.version, is_client, revision, caller, &now)?;
            Ok(RestoreResponse {
                data: RestoreData {
                    kind: "secrets".into(),
                    secret_id: ulid,
                    restored_from: v.id.to_string(),
                    revision: Some(revision as u64),
                },
                message: format!("Version {} restored.", v.id),
            })
        })
    }

    /// `DELETE /{org}/secrets/versions/{id}`.
    pub fn delete_version(&self, caller: &Caller, id: &str, force: bool) -> ApiResult<()> {
        caller.require(SECRET_PURGE)?;
        self.db.write(|c| {
            let v = self.version_row(c, caller, id)?;
            if !force && v.content.is_some() {
                let deleted = store::secret_by_node(c, &v.node)?.is_none_or(|s| s.content.is_none());
                if deleted && store::count_content_versions(c, &v.node)? == 1 {
                    return Err(ApiError::new(
                        ErrorCode::VersionProtected,
                        "This is the only copy of a deleted level's content; delete it with force=true if you mean it.",
                    ));
                }
            }
            store::delete_version(c, v.id)?;
            Ok(())
        })
    }

    /// `POST /{org}/secrets/versions/purge`.
    pub fn purge_versions(&self, caller: &Caller, req: PurgeRequest) -> ApiResult<PurgeResponse> {
        caller.require(SECRET_PURGE)?;
        if !req.confirmed {
            return Err(ApiError::new(
                ErrorCode::ConfirmationRequired,
                "Purging history cannot be undone: send confirmed=true.",
            ));
        }
        self.db.write(|c| {
            let n = match req.scope {
                PurgeScope::Level => {
                    let r = self.resolve(c, caller, &req.path)?;
                    store::purge_node(c, &r.ids().node)?
                }
                PurgeScope::Project => {
                    let r = self.resolve(c, caller, &NodePath::project(&req.path.project))?;
                    store::purge_project(c, r.project.id)?
                }
            };
            Ok(PurgeResponse { data: PurgeData { purged_count: n as u64 }, message: format!("{n} versions purged.") })
        })
    }
}
