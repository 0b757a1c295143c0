//! Secrets: the hierarchical read, retrieve, store and delete.

use std::collections::HashSet;

use crate::db::Conn;
use envdesk_api::ability::*;
use envdesk_api::*;
use envdesk_core::crypto;
use envdesk_core::dotenv::Document;
use envdesk_core::merge::{self, LevelKind};
use envdesk_core::Vars;
use indexmap::IndexMap;

use super::{check_base_revision, check_blob, check_proof, new_ulid, Caller, Resolved, Service};
use crate::store::{self, NodeIds, VersionAction};

/// One level as read from storage, on the way to the wire.
struct LevelRow {
    kind: LevelKind,
    source: String,
    row: Option<store::SecretRow>,
}

fn combo(message: &str) -> ApiError {
    ApiError::new(ErrorCode::InvalidParameterCombination, message)
}

fn levels_of(c: &Conn<'_>, r: &Resolved) -> ApiResult<Vec<LevelRow>> {
    let mut out = vec![LevelRow {
        kind: LevelKind::Project,
        source: r.project.slug.clone(),
        row: store::secret_by_node(c, &format!("p{}", r.project.id))?,
    }];
    if let Some(t) = &r.target {
        out.push(LevelRow {
            kind: LevelKind::Target,
            source: t.slug.clone(),
            row: store::secret_by_node(c, &format!("t{}", t.id))?,
        });
    }
    if let Some(e) = &r.env {
        out.push(LevelRow {
            kind: LevelKind::Environment,
            source: e.slug.clone(),
            row: store::secret_by_node(c, &format!("e{}", e.id))?,
        });
    }
    Ok(out)
}

fn parse_level(kind: LevelKind, text: &str) -> ApiResult<Document> {
    Document::parse(text).map_err(|e| {
        ApiError::validation(kind.as_str(), format!("The {} level is not valid .env text ({e}).", kind.as_str()))
    })
}

/// Keys of `doc` that pass `filters` (tags from `# @tags:` above the winning assignment).
fn filter_vars(doc: &Document, vars: &Vars, filters: &Filters) -> Vars {
    if filters.is_empty() {
        return vars.clone();
    }
    let tags: IndexMap<String, Vec<String>> = if filters.tags.is_empty() {
        IndexMap::new()
    } else {
        doc.entries().into_iter().filter(|e| !e.overridden).map(|e| (e.key, e.tags)).collect()
    };
    let search = filters.search.as_deref().map(str::to_lowercase);
    // Sets, built once per request: a request may name ~150,000 keys or tags in its 1 MiB, and a scan of
    // them per stored key held a database reader for minutes.
    let names: HashSet<&str> = filters.names.iter().map(String::as_str).collect();
    let wanted_tags: HashSet<String> = filters.tags.iter().map(|t| t.to_ascii_lowercase()).collect();
    vars.iter()
        .filter(|(k, _)| names.is_empty() || names.contains(k.as_str()))
        .filter(|(k, _)| search.as_deref().is_none_or(|s| k.to_lowercase().contains(s)))
        .filter(|(k, _)| {
            wanted_tags.is_empty()
                || tags.get(*k).is_some_and(|t| t.iter().any(|t| wanted_tags.contains(&t.to_ascii_lowercase())))
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

impl Service {
    /// Decrypts the levels of a server-managed project.
    fn decrypt_levels(&self, c: &Conn<'_>, r: &Resolved, levels: &[LevelRow]) -> ApiResult<Vec<Option<String>>> {
        let mut out = Vec::with_capacity(levels.len());
        for l in levels {
            let Some(row) = &l.row else {
                out.push(None);
                continue;
            };
            let Some(blob) = &row.content else {
                out.push(None);
                continue;
            };
            // Stored content never makes a read fail with 500 (issue 10, hole 19): a row that does not
            // decrypt, or decrypts to something other than UTF-8 text (written before the store
            // checked it), is a 422 that names the level.
            let level = l.kind.as_str();
            let dk = self.server_data_key_of(c, r.project.id, row.key_version)?;
            let plain = crypto::decrypt(&dk, blob).map_err(|_| {
                ApiError::new(
                    ErrorCode::UndecryptableContent,
                    format!("The stored {level} level (`{}`) does not decrypt under its key; restore an earlier version or store it again.", l.source),
                )
            })?;
            let text = std::str::from_utf8(&plain).map_err(|_| {
                ApiError::validation(
                    level,
                    format!("The stored {level} level (`{}`) is not UTF-8 text; restore an earlier version or store it again.", l.source),
                )
            })?;
            out.push(Some(text.to_owned()));
        }
        Ok(out)
    }

    /// `GET /{org}/{path}/secrets`.
    pub fn read_secrets(
        &self,
        caller: &Caller,
        path: &NodePath,
        q: SecretsQuery,
        api_path: &str,
    ) -> ApiResult<SecretsRead> {
        caller.require(SECRET_READ)?;
        if q.decrypt {
            caller.require(SECRET_DECRYPT)?;
        }
        if q.raw && !(q.decrypt && q.merge == MergeMode::True) {
            return Err(combo("raw=true needs decrypt=true and merge=true."));
        }
        if q.merge != MergeMode::False && !q.decrypt {
            return Err(combo("merge needs decrypt=true (the server merges only what it decrypts)."));
        }
        self.db.read(|c| {
            let r = self.resolve(c, caller, path)?;
            if q.merge != MergeMode::False && r.is_client() {
                return Err(combo(
                    "This project is client-managed: the server cannot decrypt or merge it; merge locally.",
                ));
            }
            let levels = levels_of(c, &r)?;
            let plain = if q.decrypt && !r.is_client() { Some(self.decrypt_levels(c, &r, &levels)?) } else { None };
            let merged = match (&plain, q.merge) {
                (Some(texts), MergeMode::True | MergeMode::Both) => {
                    let mut parsed = Vec::new();
                    for (l, t) in levels.iter().zip(texts) {
                        let vars = match t {
                            Some(t) => parse_level(l.kind, t)?.vars(),
                            None => Vars::new(),
                        };
                        parsed.push((l.kind, vars));
                    }
                    let refs: Vec<(LevelKind, &Vars)> = parsed.iter().map(|(k, v)| (*k, v)).collect();
                    Some(merge::merged_vars(&refs))
                }
                _ => None,
            };
            if q.raw {
                return Ok(SecretsRead::Raw(merged.unwrap_or_default()));
            }
            let encrypted = plain.is_none();
            let level_map = (q.merge != MergeMode::True).then(|| {
                levels
                    .iter()
                    .enumerate()
                    .map(|(i, l)| {
                        let content = match &plain {
                            Some(p) => p[i].clone(),
                            None => l.row.as_ref().and_then(|r| r.content.clone()),
                        };
                        (
                            l.kind.as_str().to_owned(),
                            LevelValue::Blob(Level {
                                encrypted,
                                content,
                                source: l.source.clone(),
                                id: l.row.as_ref().map(|r| r.ulid.clone()),
                                revision: Some(l.row.as_ref().map_or(0, |r| r.revision as u64)),
                                updated_at: l.row.as_ref().map(|r| r.updated_at.clone()),
                            }),
                        )
                    })
                    .collect()
            });
            Ok(SecretsRead::Structured(SecretsResponse {
                data: SecretsData {
                    kind: "secrets".into(),
                    attributes: SecretsAttributes {
                        encrypted,
                        format: "hierarchical".into(),
                        levels: level_map,
                        merged,
                    },
                },
                meta: SecretsMeta {
                    api_path: api_path.to_owned(),
                    format: "hierarchical".into(),
                    hierarchy: Hierarchy {
                        project: path.project.clone(),
                        target: path.target.clone(),
                        environment: path.environment.clone(),
                    },
                    timestamp: self.now_str(),
                },
            }))
        })
    }

    /// `POST /{org}/secrets/retrieve`.
    pub fn retrieve(&self, caller: &Caller, req: RetrieveRequest, api_path: &str) -> ApiResult<RetrieveResponse> {
        let filters = req.filters.clone().unwrap_or_default();
        match req.action {
            RetrieveAction::Read => {
                if !filters.is_empty() {
                    return Err(combo("filters need action=decrypt: the server cannot filter ciphertext."));
                }
                let q = SecretsQuery { decrypt: false, merge: req.merge, raw: req.raw };
                match self.read_secrets(caller, &req.path, q, api_path)? {
                    SecretsRead::Structured(s) => Ok(RetrieveResponse::Read(s)),
                    SecretsRead::Raw(m) => Ok(RetrieveResponse::Raw(m)),
                }
            }
            RetrieveAction::KeyRetrieve => {
                crate::audit::note(|e| e.event = "key.accessed".into());
                Ok(RetrieveResponse::Key(self.encryption_key(caller, &req.path.project)?))
            }
            RetrieveAction::Decrypt => {
                caller.require(SECRET_DECRYPT)?;
                self.db.read(|c| {
                    let r = self.resolve(c, caller, &req.path)?;
                    if r.is_client() {
                        return Err(combo(
                            "This project is client-managed: the server cannot decrypt it; read the ciphertext and decrypt locally.",
                        ));
                    }
                    let levels = levels_of(c, &r)?;
                    let texts = self.decrypt_levels(c, &r, &levels)?;
                    let mut per_level = Vec::new();
                    for (l, t) in levels.iter().zip(&texts) {
                        let doc = match t {
                            Some(t) => parse_level(l.kind, t)?,
                            None => Document::new(),
                        };
                        let vars = doc.vars();
                        per_level.push((l.kind, filter_vars(&doc, &vars, &filters), vars, doc));
                    }
                    // Merge everything, then filter, so a filter never changes which level wins.
                    let refs: Vec<(LevelKind, &Vars)> = per_level.iter().map(|(k, _, v, _)| (*k, v)).collect();
                    let merged = merge::merge(&refs);
                    let secrets: Vars = merged
                        .into_iter()
                        .filter(|m| {
                            per_level.iter().any(|(k, f, _, _)| *k == m.source && f.contains_key(&m.key))
                        })
                        .map(|m| (m.key, m.value))
                        .collect();
                    if req.raw {
                        return Ok(RetrieveResponse::Raw(secrets));
                    }
                    let levels_out = (req.merge != MergeMode::True).then(|| {
                        per_level.iter().map(|(k, f, _, _)| (k.as_str().to_owned(), f.clone())).collect()
                    });
                    Ok(RetrieveResponse::Decrypted(Data {
                        data: DecryptedData { kind: "secrets".into(), secrets, levels: levels_out },
                    }))
                })
            }
        }
    }

    /// `POST /{org}/secrets/store`.
    pub fn store(&self, caller: &Caller, req: StoreRequest) -> ApiResult<StoreResponse> {
        caller.require(SECRET_WRITE)?;
        check_blob("content", &req.content)?;
        let content = req.content.trim().to_owned();
        let now = self.now_str();
        self.db.write(|c| {
            let r = self.resolve(c, caller, &req.path)?;
            let key = self.active_key(c, &r.project)?;
            if r.is_client() {
                check_proof(&key, req.key_proof.as_ref().map(SecretString::expose))?;
            } else {
                let dk = self.server_data_key(&key)?;
                let Ok(plain) = crypto::decrypt(&dk, &content) else {
                    return Err(ApiError::new(
                        ErrorCode::UndecryptableContent,
                        "The content does not decrypt under this project's key; encrypt it with the key from GET encryption-key.",
                    ));
                };
                // Decrypting reads hand the plaintext out as text: refuse what could never be read back.
                if std::str::from_utf8(&plain).is_err() {
                    return Err(ApiError::validation(
                        "content",
                        "The content decrypts, but not to UTF-8 text: envdesk stores `.env` text. Nothing was stored.",
                    ));
                }
            }
            if self.is_rotating(r.project.id) {
                return Err(super::rotation_in_progress());
            }
            let ids = r.ids();
            let existing = store::secret_by_node(c, &ids.node)?;
            let current = existing.as_ref().map_or(0, |s| s.revision);
            check_base_revision(req.base_revision, current)?;
            let (id, ulid, revision, was_empty) = match &existing {
                Some(s) => {
                    let rev = store::update_secret(c, s.id, Some(&content), key.version, &now)?;
                    (s.id, s.ulid.clone(), rev, s.content.is_none())
                }
                None => {
                    let ulid = new_ulid();
                    let id = store::insert_secret(c, &ulid, &ids, Some(&content), key.version, &now)?;
                    (id, ulid, 1, true)
                }
            };
            let _ = id;
            if !req.no_backup {
                self.record(c, &ids, if was_empty { VersionAction::Create } else { VersionAction::Update }, Some(&content), key.version, r.is_client(), revision, caller, &now)?;
            }
            Ok(StoreResponse {
                data: StoreData {
                    kind: "secrets".into(),
                    level: r.level().into(),
                    source: r.source().into(),
                    bytes: content.len() as u64,
                    id: Some(ulid),
                    revision: Some(revision as u64),
                },
                message: "Secrets stored successfully.".into(),
            })
        })
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn record(
        &self,
        c: &Conn<'_>,
        ids: &NodeIds,
        action: VersionAction,
        content: Option<&str>,
        key_version: i64,
        is_client: bool,
        revision: i64,
        caller: &Caller,
        now: &str,
    ) -> ApiResult<i64> {
        crate::audit::note(|e| {
            e.version = Some(format!("rev {revision}"));
            if action == VersionAction::Create && e.event == "secret.updated" {
                e.event = "secret.created".into();
            }
        });
        Ok(store::insert_version(
            c,
            ids,
            &store::NewVersion {
                action,
                content,
                key_version,
                is_client,
                revision,
                created_by: Some((caller.token_id, &caller.token_name)),
            },
            now,
        )?)
    }

    /// `POST /{org}/secrets/delete`.
    pub fn delete_secrets(&self, caller: &Caller, req: DeleteRequest) -> ApiResult<()> {
        caller.require(SECRET_WRITE)?;
        if req.no_backup {
            caller.require(SECRET_PURGE)?;
            if !req.confirmed {
                return Err(ApiError::new(
                    ErrorCode::ConfirmationRequired,
                    "Deleting without a backup purges the level's history: send confirmed=true.",
                ));
            }
        }
        let now = self.now_str();
        self.db.write(|c| {
            let r = self.resolve(c, caller, &req.path)?;
            let ids = r.ids();
            let existing = store::secret_by_node(c, &ids.node)?;
            let current = existing.as_ref().map_or(0, |s| s.revision);
            check_base_revision(req.base_revision, current)?;
            let Some(s) = existing else { return Ok(()) };
            if req.no_backup {
                store::purge_node(c, &ids.node)?;
                store::delete_secret_row(c, s.id)?;
                return Ok(());
            }
            if s.content.is_none() {
                return Ok(());
            }
            let rev = store::update_secret(c, s.id, None, s.key_version, &now)?;
            self.record(
                c,
                &ids,
                VersionAction::Delete,
                s.content.as_deref(),
                s.key_version,
                r.is_client(),
                rev,
                caller,
                &now,
            )?;
            Ok(())
        })
    }
}
