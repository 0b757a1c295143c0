//! Reading a node (every level decrypted, merged with provenance, templates resolved) and saving a
//! level (encrypt, store with `base_revision`; on a conflict, a three-way merge that asks only about
//! true conflicts). The user's text is never dropped: a failed save keeps it as a draft.

use envdesk_api::*;
use envdesk_core::crypto;
use envdesk_core::diff;
use envdesk_core::dotenv::Document;
use envdesk_core::merge::{self, LevelKind, MergedVar};
use envdesk_core::template::{self, Resolution};
use envdesk_core::Vars;

use super::{Managed, Unlocked, Vault};
use crate::error::{ClientError, Result};

/// One level of a node, decrypted.
#[derive(Clone, serde::Serialize)]
pub struct LevelView {
    /// Which level.
    pub kind: LevelKind,
    /// The node's slug.
    pub source: String,
    /// The text as the user wrote it (empty when the level holds nothing).
    pub text: String,
    /// Whether the level holds content.
    pub exists: bool,
    /// Writes so far (the `base_revision` of the next save). `None`: the server does not count
    /// revisions (upstream dotEnv Cloud), so a save re-reads the level first (see [`Vault::save_level`]).
    pub revision: Option<u64>,
    /// The level's id (for rotation).
    pub id: Option<String>,
    /// When it was last written.
    pub updated_at: Option<String>,
    /// Where the text does not parse (the table view waits until it does).
    pub parse_error: Option<String>,
}

/// A node: its levels, the merged result with provenance, and templates resolved.
#[derive(Clone, serde::Serialize)]
pub struct NodeView {
    /// The node.
    pub path: NodePath,
    /// Shallowest first.
    pub levels: Vec<LevelView>,
    /// Every key with the level it comes from and what it overrides.
    pub merged: Vec<MergedVar>,
    /// `${…}` resolved against the merged variables (values, and errors per key).
    #[serde(skip)]
    pub resolution: Resolution,
}

impl NodeView {
    /// Zeroizes what the read decrypted (the texts, the merged values, the resolved values).
    pub fn wipe(mut self) {
        use zeroize::Zeroize;
        for l in &mut self.levels {
            l.text.zeroize();
        }
        for m in &mut self.merged {
            m.value.zeroize();
            for o in &mut m.overrides {
                o.value.zeroize();
            }
        }
        for v in self.resolution.values.values_mut() {
            v.zeroize();
        }
    }
}

/// The outcome of a save.
pub enum SaveOutcome {
    /// Stored as this revision.
    Saved {
        /// The new revision (`None`: the server does not say).
        revision: Option<u64>,
    },
    /// Someone else saved first: merge and save again on `theirs_revision`.
    Conflict(Conflict),
}

/// A save that lost a race, with everything needed to finish it.
#[derive(Clone, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Conflict {
    /// The revision now stored (`None`: the server does not count revisions).
    pub theirs_revision: Option<u64>,
    /// The text now stored.
    pub theirs_text: String,
    /// The merge of both sides.
    pub merge: TextMerge,
}

/// A three-way merge of `.env` texts.
#[derive(Clone, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TextMerge {
    /// Our text with their changes applied: keys only they changed take their value, keys they added
    /// are appended, keys they removed are removed; conflicting keys keep our value until resolved.
    pub text: String,
    /// The keys both sides changed, differently.
    pub conflicts: Vec<diff::Conflict>,
    /// `false` when a side does not parse, so no key-wise merge was possible (`text` is ours).
    pub auto_merged: bool,
}

impl std::fmt::Debug for LevelView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LevelView")
            .field("kind", &self.kind)
            .field("source", &self.source)
            .field("text", &super::Redacted(self.text.len()))
            .field("exists", &self.exists)
            .field("revision", &self.revision)
            .field("id", &self.id)
            .field("parse_error", &self.parse_error.is_some())
            .finish()
    }
}

impl std::fmt::Debug for NodeView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeView")
            .field("path", &self.path)
            .field("levels", &self.levels)
            .field("merged", &self.merged.len())
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for SaveOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SaveOutcome::Saved { revision } => f.debug_struct("Saved").field("revision", revision).finish(),
            SaveOutcome::Conflict(c) => f.debug_tuple("Conflict").field(c).finish(),
        }
    }
}

impl std::fmt::Debug for Conflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conflict")
            .field("theirs_revision", &self.theirs_revision)
            .field("theirs_text", &super::Redacted(self.theirs_text.len()))
            .field("merge", &self.merge)
            .finish()
    }
}

impl std::fmt::Debug for TextMerge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let keys: Vec<&str> = self.conflicts.iter().map(|c| c.key.as_str()).collect();
        f.debug_struct("TextMerge")
            .field("text", &super::Redacted(self.text.len()))
            .field("conflicting_keys", &keys)
            .field("auto_merged", &self.auto_merged)
            .finish()
    }
}

/// The content blob of the first level that has one.
pub(crate) fn first_blob(r: &SecretsRead) -> Option<String> {
    let SecretsRead::Structured(s) = r else { return None };
    s.data.attributes.levels.as_ref()?.values().find_map(|l| match l {
        LevelValue::Blob(b) if b.encrypted => b.content.clone(),
        LevelValue::KeyMap(m) => m.values().next().cloned(),
        _ => None,
    })
}

/// The level a wire name names (`project`, `target`, `environment`).
fn kind_of(name: &str) -> Option<LevelKind> {
    [LevelKind::Project, LevelKind::Target, LevelKind::Environment].into_iter().find(|k| k.as_str() == name)
}

/// The kind of the deepest level of `path`.
pub(crate) fn kind_of_path(path: &NodePath) -> LevelKind {
    match (&path.target, &path.environment) {
        (None, _) => LevelKind::Project,
        (Some(_), None) => LevelKind::Target,
        (Some(_), Some(_)) => LevelKind::Environment,
    }
}

/// At most 40 characters of a name a server sent, for a message.
fn shown(name: &str) -> String {
    name.chars().take(40).collect()
}

fn decrypt_text(u: &Unlocked, blob: &str, what: &str) -> Result<String> {
    crypto::decrypt_string(&u.data, blob)
        .map(|t| t.as_str().to_owned())
        .map_err(|source| ClientError::Crypto { what: what.to_owned(), source })
}

/// The conflict of saving `ours` (edited from `base`) over the level as stored now.
fn conflict_with(stored: &LevelView, base: &str, ours: &str) -> Conflict {
    Conflict {
        theirs_revision: stored.revision,
        theirs_text: stored.text.clone(),
        merge: merge_texts(base, ours, &stored.text),
    }
}

/// Three-way merge of `.env` texts (see [`TextMerge`]).
pub fn merge_texts(base: &str, ours: &str, theirs: &str) -> TextMerge {
    let (Ok(b), Ok(o), Ok(t)) = (Document::parse(base), Document::parse(ours), Document::parse(theirs)) else {
        return TextMerge { text: ours.to_owned(), conflicts: Vec::new(), auto_merged: false };
    };
    let (bv, ov, tv) = (b.vars(), o.vars(), t.vars());
    let m = diff::merge3(&bv, &ov, &tv);
    let mut doc = o;
    // Keys come from parsed documents, so they are valid; unchanged values are left as written.
    let _ = doc.set_many(m.merged.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    for k in ov.keys() {
        if !m.merged.contains_key(k) && !m.conflicts.iter().any(|c| &c.key == k) {
            doc.remove(k);
        }
    }
    TextMerge { text: doc.to_string(), conflicts: m.conflicts, auto_merged: true }
}

/// Applies the user's choice for each conflicting key (`None` removes the key) to a merged text.
pub fn resolve_conflict(merged_text: &str, choices: &[(String, Option<String>)]) -> Result<String> {
    let mut doc = Document::parse(merged_text).map_err(|error| ClientError::Parse { level: "merged".into(), error })?;
    for (k, v) in choices {
        match v {
            Some(v) => doc.set(k, v).map_err(|e| ClientError::Invalid(e.to_string()))?,
            None => {
                doc.remove(k);
            }
        }
    }
    Ok(doc.to_string())
}

impl Vault {
    /// Reads a node: every level on its path decrypted, the merge and the templates.
    pub async fn read_node(&self, path: &NodePath) -> Result<NodeView> {
        let mut levels = self.read_levels(path).await?;
        let mut parsed: Vec<(LevelKind, Vars)> = Vec::new();
        for l in &mut levels {
            match Document::parse(&l.text) {
                Ok(d) => parsed.push((l.kind, d.vars())),
                Err(e) => {
                    l.parse_error = Some(e.to_string());
                    parsed.push((l.kind, Vars::new()));
                }
            }
        }
        let refs: Vec<(LevelKind, &Vars)> = parsed.iter().map(|(k, v)| (*k, v)).collect();
        let merged = merge::merge(&refs);
        let vars: Vars = merged.iter().map(|m| (m.key.clone(), m.value.clone())).collect();
        let resolution = template::resolve(&vars);
        let node = NodeView { path: path.clone(), levels, merged, resolution };
        self.search_read(&node);
        Ok(node)
    }

    /// Each level's revision and time as stored on `path`'s path, shallowest first (what
    /// `envdesk-cli run --watch` compares on every poll): read and decrypted, the texts wiped at once —
    /// nothing parsed, merged or resolved.
    pub async fn level_revisions(&self, path: &NodePath) -> Result<Vec<(Option<u64>, Option<String>)>> {
        let mut levels = self.read_levels(path).await?;
        let out = levels.iter().map(|l| (l.revision, l.updated_at.clone())).collect();
        for l in &mut levels {
            zeroize::Zeroize::zeroize(&mut l.text);
        }
        Ok(out)
    }

    /// Every level on `path`'s path, decrypted, shallowest first — the texts only (no parse, merge or
    /// templates: `parse_error` is not set). What a view that parses the texts itself needs (the matrix).
    pub(crate) async fn read_levels(&self, path: &NodePath) -> Result<Vec<LevelView>> {
        let u = self.unlocked(&path.project)?;
        let read = self.backend.read_secrets(path, SecretsQuery::default()).await?;
        let SecretsRead::Structured(resp) = read else {
            return Err(ClientError::Invalid("The server answered a bare map to a structured read.".into()));
        };
        let mut levels: Vec<LevelView> = Vec::new();
        let deepest = kind_of_path(path);
        for (name, value) in resp.data.attributes.levels.unwrap_or_default() {
            // Levels are taken by name, whatever order the server writes them in (a Go map or a sorted
            // dict comes out `environment, project, target`); an unknown name, a level deeper than the
            // path or a level given twice is not the API's answer.
            let kind = kind_of(&name).filter(|k| *k <= deepest).ok_or_else(|| {
                ClientError::Invalid(format!("The server answered a level `{}` this path does not have.", shown(&name)))
            })?;
            if levels.iter().any(|l| l.kind == kind) {
                return Err(ClientError::Invalid(format!("The server answered the {name} level twice.")));
            }
            let view = match value {
                LevelValue::Blob(l) => {
                    let text = match (&l.content, l.encrypted) {
                        (Some(c), true) => decrypt_text(&u, c, &format!("the {name} level"))?,
                        // Only a server that holds the key can send a level in clear: for a key held
                        // here, the server could only have forged it.
                        (Some(_), false) if u.managed == Managed::Client => {
                            return Err(ClientError::Unencrypted { project: path.project.clone(), level: name });
                        }
                        (Some(c), false) => c.clone(),
                        (None, _) => String::new(),
                    };
                    LevelView {
                        kind,
                        source: l.source,
                        exists: l.content.is_some(),
                        text,
                        revision: l.revision,
                        id: l.id,
                        updated_at: l.updated_at,
                        parse_error: None,
                    }
                }
                // Upstream's documented alternative: each value encrypted on its own.
                LevelValue::KeyMap(m) => {
                    let mut values = Vec::with_capacity(m.len());
                    for (k, blob) in &m {
                        values.push((
                            k.as_str(),
                            zeroize::Zeroizing::new(decrypt_text(&u, blob, &format!("`{k}` of the {name} level"))?),
                        ));
                    }
                    let doc = Document::from_vars(values.iter().map(|(k, v)| (*k, v.as_str())))
                        .map_err(|e| ClientError::Invalid(e.to_string()))?;
                    LevelView {
                        kind,
                        source: name.clone(),
                        exists: !m.is_empty(),
                        text: doc.to_string(),
                        revision: None,
                        id: None,
                        updated_at: None,
                        parse_error: None,
                    }
                }
            };
            levels.push(view);
        }
        // A level the server left out (upstream may omit an empty one) is shown empty, so every level
        // of the path can be edited.
        for (kind, slug) in [
            (LevelKind::Project, Some(&path.project)),
            (LevelKind::Target, path.target.as_ref()),
            (LevelKind::Environment, path.environment.as_ref()),
        ] {
            if let Some(slug) = slug.filter(|_| !levels.iter().any(|l| l.kind == kind)) {
                levels.push(LevelView {
                    kind,
                    source: slug.clone(),
                    text: String::new(),
                    exists: false,
                    revision: None,
                    id: None,
                    updated_at: None,
                    parse_error: None,
                });
            }
        }
        levels.sort_by_key(|l| l.kind);
        Ok(levels)
    }

    /// Saves the deepest level of `path`: `text` exactly as written, on top of `base_revision` (the
    /// revision it was read at) whose text was `base_text`. On a conflict nothing is stored and the
    /// merge is returned; on any failure the text is kept as a draft (and the error returned).
    ///
    /// `base_revision: None` means the server does not count revisions (upstream ignores
    /// `base_revision`), so it cannot refuse a stale save. Then the level is read again first and
    /// compared with `base_text`: if someone else changed it since, this is a conflict like a 409 and
    /// nothing is written. Between that read and the write a race remains; the UI says so for such a
    /// server (`docs/decisions.md`, "Reading upstream's answers").
    pub async fn save_level(
        &self,
        path: &NodePath,
        text: &str,
        base_revision: Option<u64>,
        base_text: &str,
    ) -> Result<SaveOutcome> {
        let outcome = self.try_save_level(path, text, base_revision, base_text).await;
        match &outcome {
            Ok(SaveOutcome::Saved { .. }) => {
                self.search_saved(path, text);
                self.discard_draft(path)
            }
            // Keep the user's text whatever went wrong (a failed draft write is reported, unless the
            // save already failed: then its own error says more).
            Ok(SaveOutcome::Conflict(_)) => self.save_draft(path, text, base_revision)?,
            Err(_) => {
                let _ = self.save_draft(path, text, base_revision);
            }
        }
        outcome
    }

    /// Writes a level the user did not type (the diff's "set in" and its undo): the revision check of
    /// [`Vault::save_level`], but no draft is written or discarded — a draft there holds the user's own
    /// unsaved text of that level, which this write must not replace or drop.
    pub async fn write_level(
        &self,
        path: &NodePath,
        text: &str,
        base_revision: Option<u64>,
        base_text: &str,
    ) -> Result<SaveOutcome> {
        let outcome = self.try_save_level(path, text, base_revision, base_text).await?;
        if let SaveOutcome::Saved { .. } = outcome {
            self.search_saved(path, text);
        }
        Ok(outcome)
    }

    async fn try_save_level(
        &self,
        path: &NodePath,
        text: &str,
        base_revision: Option<u64>,
        base_text: &str,
    ) -> Result<SaveOutcome> {
        let u = self.unlocked(&path.project)?;
        if base_revision.is_none() {
            let stored = self.stored_level(path).await?;
            if stored.text != base_text {
                return Ok(SaveOutcome::Conflict(conflict_with(&stored, base_text, text)));
            }
        }
        let req = StoreRequest {
            path: path.clone(),
            content: crypto::encrypt(&u.data, text.as_bytes()),
            key_proof: u.proof(),
            no_backup: false,
            base_revision,
        };
        match self.backend.store(req).await {
            Ok(r) => Ok(SaveOutcome::Saved { revision: r.data.revision }),
            Err(e) if e.code == ErrorCode::RevisionConflict => {
                let stored = self.stored_level(path).await?;
                Ok(SaveOutcome::Conflict(conflict_with(&stored, base_text, text)))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The deepest level of `path` as stored now, found by its kind (`read_node` gives every level of
    /// the path, in order, whatever the server's order or omissions).
    async fn stored_level(&self, path: &NodePath) -> Result<LevelView> {
        let kind = kind_of_path(path);
        let node = self.read_node(path).await?;
        node.levels
            .into_iter()
            .find(|l| l.kind == kind)
            .ok_or_else(|| ClientError::Invalid("That level does not exist.".into()))
    }

    /// Clears a level (a backup version is kept).
    /// `base_revision: None` (a server that does not count revisions): sent without one; the backup
    /// version the server keeps is what protects a concurrent edit then.
    pub async fn clear_level(&self, path: &NodePath, base_revision: Option<u64>) -> Result<()> {
        self.touch();
        self.backend
            .delete_secrets(DeleteRequest { path: path.clone(), no_backup: false, confirmed: false, base_revision })
            .await?;
        self.search_saved(path, "");
        Ok(())
    }
}
