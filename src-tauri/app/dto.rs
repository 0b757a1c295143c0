//! What crosses IPC to the UI (serde; `ui/src/lib/bindings.ts` is generated from these). Decrypted text
//! crosses only for what the UI shows; keys and tokens never do, except a newly generated client key,
//! once, in [`CreatedProjectDto`], so the user can back it up. A type that carries plaintext has no
//! `Debug`, or one that redacts it (issue 10, hole 16). What the webview sends is parsed by the types of
//! [`super::args`].

use envdesk_api::NodePath;
use envdesk_client::vault::{self, Conflict, SaveOutcome};
use envdesk_client::Vault;
use envdesk_core::diff::{self, Change, DiffSummary};
use envdesk_core::dotenv::{CommentBlock, Document, Entry, Lint};
use envdesk_core::merge::LevelKind;

use super::args::{ImportHandle, IpcPath, Secret, VersionId};
use super::error::{Code, IpcError, IpcResult};

/// A project just created.
#[derive(serde::Serialize, ts_rs::TS)]
pub struct CreatedProjectDto {
    /// The project.
    pub project: vault::NodeInfo,
    /// A generated key to show once (absent for server-managed and passphrase projects).
    #[ts(type = "string | null")]
    pub key_to_back_up: Option<Secret>,
}

impl std::fmt::Debug for CreatedProjectDto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedProjectDto")
            .field("project", &self.project.slug)
            .field("key_to_back_up", &self.key_to_back_up)
            .finish()
    }
}

/// A parse error.
#[derive(Clone, serde::Serialize, PartialEq, Eq, Debug, ts_rs::TS)]
pub struct ParseErrorDto {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

/// The analysis of a text.
#[derive(Clone, serde::Serialize, ts_rs::TS)]
pub struct AnalysisDto {
    /// Where it does not parse.
    pub parse_error: Option<ParseErrorDto>,
    /// Lints with fixes.
    pub lints: Vec<Lint>,
    /// Entries for the table view.
    pub entries: Vec<Entry>,
    /// Comment lines as written, block by block, for the table view.
    pub comment_blocks: Vec<CommentBlock>,
}

/// One level of a node.
#[derive(Clone, serde::Serialize, ts_rs::TS)]
pub struct LevelDto {
    /// `project`, `target` or `environment`.
    pub kind: LevelKind,
    /// The node's slug.
    pub source: String,
    /// The text as written; `null` when not sent (ask `level_text`).
    pub text: Option<String>,
    /// Whether the level holds content.
    pub exists: bool,
    /// Its revision (base of the next save); `null` when the server does not count revisions (then
    /// a save re-reads the level first to catch a concurrent edit).
    pub revision: Option<u64>,
    /// Last write.
    pub updated_at: Option<String>,
    /// Where the text does not parse (its keys are then left out of the merge).
    pub parse_error: Option<String>,
}

/// A node as the UI shows it: the levels, and the text of the one edited (and of any that does not
/// parse), never the merged result — the UI asks for the rows it shows (`merged_rows`), so opening a
/// 5,000-key environment sends a few hundred kilobytes at most (docs/benchmarks.md, "The app").
#[derive(Clone, serde::Serialize, ts_rs::TS)]
pub struct NodeDto {
    /// The node.
    pub path: NodePath,
    /// The view to ask for rows, texts and live merges (`merged_rows`, `level_text`, `edit_view`).
    pub view: vault::ViewId,
    /// Keys in the merged result.
    pub keys: u32,
    /// Shallowest first.
    pub levels: Vec<LevelDto>,
    /// The first rows of the saved merged result, when asked for (`rows`).
    pub first: Option<vault::MergedWindow>,
}

impl From<(vault::OpenedView, Option<vault::MergedWindow>)> for NodeDto {
    fn from((v, first): (vault::OpenedView, Option<vault::MergedWindow>)) -> NodeDto {
        let levels = v
            .node
            .levels
            .into_iter()
            .map(|l| LevelDto {
                text: (l.kind == v.text_of || l.parse_error.is_some()).then_some(l.text),
                parse_error: l.parse_error,
                kind: l.kind,
                source: l.source,
                exists: l.exists,
                revision: l.revision,
                updated_at: l.updated_at,
            })
            .collect();
        NodeDto { path: v.node.path, view: v.id, keys: v.keys, levels, first }
    }
}

/// The outcome of a save: a revision, or a conflict to resolve.
#[derive(serde::Serialize, ts_rs::TS)]
pub struct SaveDto {
    /// The new revision.
    pub revision: Option<u64>,
    /// The conflict.
    pub conflict: Option<Conflict>,
    /// What breaks the node's schema in what was saved (issue 16): a warning, the save is done.
    pub schema_problems: Vec<envdesk_core::schema::Problem>,
}

impl From<SaveOutcome> for SaveDto {
    fn from(o: SaveOutcome) -> SaveDto {
        match o {
            SaveOutcome::Saved { revision } => SaveDto { revision, conflict: None, schema_problems: Vec::new() },
            SaveOutcome::Conflict(c) => SaveDto { revision: None, conflict: Some(c), schema_problems: Vec::new() },
        }
    }
}

/// A draft.
#[derive(serde::Serialize, ts_rs::TS)]
pub struct DraftDto {
    /// Its text.
    pub text: String,
    /// The revision it was based on (`null`: the server does not count revisions).
    pub base_revision: Option<u64>,
}

/// One side of a diff (sent by the webview: slugs and the version id are parsed).
#[derive(Clone, Debug, serde::Deserialize, serde::Serialize, PartialEq, Eq, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DiffSource {
    /// The deepest level of a path, alone.
    Level {
        /// The level.
        path: IpcPath,
    },
    /// What a node gets, merged.
    Merged {
        /// The node.
        path: IpcPath,
    },
    /// A version of a level.
    Version {
        /// The level.
        path: IpcPath,
        /// Version id.
        #[ts(type = "string")]
        id: VersionId,
    },
}

impl DiffSource {
    /// The text of this side: a level alone, a node's merged result as `.env`, or a version.
    pub async fn text(&self, v: &Vault) -> IpcResult<String> {
        Ok(match self {
            DiffSource::Level { path } => {
                v.read_node(&path.node()).await?.levels.last().map(|l| l.text.clone()).unwrap_or_default()
            }
            DiffSource::Merged { path } => {
                let node = v.read_node(&path.node()).await?;
                let vars: envdesk_core::Vars = node.merged.into_iter().map(|m| (m.key, m.value)).collect();
                envdesk_core::export::export(&vars, envdesk_core::export::Format::Env)
                    .map_err(|e| IpcError::new(Code::ExportFailed, e.to_string()))?
            }
            DiffSource::Version { path, id } => v.version(path.project.as_str(), id.as_str()).await?.text,
        })
    }
}

/// Two texts and their key-wise diff.
#[derive(serde::Serialize, ts_rs::TS)]
pub struct DiffDto {
    /// Left text.
    pub a_text: String,
    /// Right text.
    pub b_text: String,
    /// Key-wise changes from left to right (empty when a side does not parse).
    pub changes: Vec<Change>,
    /// Counts.
    pub summary: DiffSummary,
}

impl DiffDto {
    /// Diffs two texts.
    pub fn new(a_text: String, b_text: String) -> DiffDto {
        let vars = |t: &str| Document::parse(t).map(|d| d.vars()).unwrap_or_default();
        let changes = diff::diff(&vars(&a_text), &vars(&b_text));
        let summary = diff::summarize(&changes);
        DiffDto { a_text, b_text, changes, summary }
    }
}

/// A table-view edit (its `Debug` shows keys, never values).
#[derive(Clone, serde::Deserialize, ts_rs::TS)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum TextEdit {
    /// Set a key's value (appended when new).
    Set {
        /// The key.
        key: String,
        /// The value.
        value: String,
    },
    /// Rename a key.
    Rename {
        /// Old name.
        from: String,
        /// New name.
        to: String,
    },
    /// Remove a key.
    Remove {
        /// The key.
        key: String,
    },
}

impl std::fmt::Debug for TextEdit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TextEdit::Set { key, .. } => f.debug_struct("Set").field("key", key).field("value", &"<redacted>").finish(),
            TextEdit::Rename { from, to } => f.debug_struct("Rename").field("from", from).field("to", to).finish(),
            TextEdit::Remove { key } => f.debug_struct("Remove").field("key", key).finish(),
        }
    }
}

/// The outcome of a key rotation.
#[derive(serde::Serialize, ts_rs::TS)]
pub struct RotationDto {
    /// Current blobs re-encrypted.
    pub blobs: u64,
    /// History versions re-encrypted.
    pub versions: u64,
    /// The new key version.
    pub key_version: u64,
    /// A generated key to show once.
    #[ts(type = "string | null")]
    pub key_to_back_up: Option<Secret>,
}

/// A file chosen for import: an opaque handle for `preview_import` / `apply_import` and the file's
/// name to show. Its path and content stay on the Rust side.
#[derive(Clone, Debug, serde::Serialize, ts_rs::TS)]
pub struct ImportChoiceDto {
    /// What to pass to `preview_import` and `apply_import`.
    pub handle: ImportHandle,
    /// The file's name (without its directory), to show.
    pub name: String,
}

/// A file dropped on the window, sent to the UI as the `file-dropped` event: read on the Rust side and
/// named by a handle, like a file chosen in the open dialog (its path never reaches the page), or why it
/// was refused.
#[derive(Clone, Debug, serde::Serialize, ts_rs::TS)]
pub struct DroppedFileDto {
    /// The file, ready for `preview_import` / `apply_import`.
    pub file: Option<ImportChoiceDto>,
    /// Why the drop was refused (a folder, several files, too large, unreadable).
    pub error: Option<super::error::IpcError>,
}

impl From<super::error::IpcResult<ImportChoiceDto>> for DroppedFileDto {
    fn from(r: super::error::IpcResult<ImportChoiceDto>) -> Self {
        match r {
            Ok(file) => DroppedFileDto { file: Some(file), error: None },
            Err(error) => DroppedFileDto { file: None, error: Some(error) },
        }
    }
}

/// Progress of a long operation, sent to the UI as the `progress` event.
#[derive(Clone, serde::Serialize, ts_rs::TS)]
pub struct ProgressDto {
    /// What is being done.
    pub stage: String,
    /// Steps done.
    pub done: usize,
    /// Steps in all.
    pub total: usize,
}

impl std::fmt::Debug for RotationDto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RotationDto")
            .field("blobs", &self.blobs)
            .field("versions", &self.versions)
            .field("key_version", &self.key_version)
            .field("key_to_back_up", &self.key_to_back_up)
            .finish()
    }
}

/// One entry of a server connection's audit log, as the Activity view shows it (metadata only).
#[derive(Clone, Debug, serde::Serialize, ts_rs::TS)]
pub struct ActivityEntry {
    /// The entry's id.
    pub id: String,
    /// RFC 3339: when the request came.
    pub at: String,
    /// `secret.read`, `secret.updated`, `key.rotated`, `authz.access_denied`, …
    pub event: String,
    /// `success`, `denied` or `failed`.
    pub outcome: String,
    /// The error code of a refusal or failure.
    pub error: Option<String>,
    /// The token's name.
    pub token: Option<String>,
    /// The token's id.
    pub token_id: Option<String>,
    /// The ability checked.
    pub ability: Option<String>,
    /// `project[/target[/environment]]`.
    pub node: Option<String>,
    /// A version id, or a revision (`rev 4`).
    pub version: Option<String>,
    /// The client's address.
    pub client: Option<String>,
}

impl From<envdesk_api::AuditItem> for ActivityEntry {
    fn from(i: envdesk_api::AuditItem) -> ActivityEntry {
        let a = i.attributes;
        ActivityEntry {
            id: i.id,
            at: a.at,
            event: a.event,
            outcome: a.outcome,
            error: a.error,
            token_id: a.token.as_ref().map(|t| t.id.clone()),
            token: a.token.and_then(|t| t.name),
            ability: a.ability,
            node: a.node,
            version: a.version,
            client: a.client,
        }
    }
}

/// A page of the Activity view.
#[derive(Clone, Debug, serde::Serialize, ts_rs::TS)]
pub struct ActivityPage {
    /// Newest first.
    pub entries: Vec<ActivityEntry>,
    /// This page (from 1).
    pub page: u32,
    /// The last page (at least 1).
    pub last_page: u32,
    /// Entries matching, in all pages.
    #[ts(type = "number")]
    pub total: u64,
}
