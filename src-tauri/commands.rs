//! The IPC commands, each declared once, in [`ipc_commands!`] below: its request type, its answer type
//! and its body. From that one list come
//!
//! - the Tauri command functions and their registration ([`handler`]);
//! - [`COMMANDS`], from which `build.rs` (reading this file) generates an `allow-<command>` permission
//!   each, and which `tests/app/main.rs` compares with the main window's capability;
//! - the TypeScript wrappers ([`typescript`]): `commands.<camelName>(request)` in `ui/src/lib/bindings.ts`,
//!   typed with the request and answer types; `tests/app/bindings.rs` fails when that file drifts.
//!
//! Each command takes one typed request (a struct below, or nothing) and returns a typed answer or an
//! [`IpcError`]. What the webview sends is parsed by the field types ([`crate::app::args`]): slugs,
//! version ids and node paths are checked while deserializing, secrets are zeroized when dropped, and no
//! command takes a filesystem path — files are chosen in native dialogs on this side (issue 10, holes 2,
//! 3, 16). Every command is `async` (the macro writes no other kind): Tauri runs a synchronous command on
//! the main thread, where a panic would take the app down; CPU work runs on a blocking thread through
//! [`blocking`], where a panic becomes an `internal` error (hole 17).
//!
//! Adding an operation: a request struct and an entry here, the call in the UI — and the logic, if new,
//! in envdesk-client's `Vault` (or [`AppCore`] when it is the app's own state).

use std::sync::Arc;

use envdesk_api::Organization;
use envdesk_client::vault::{self, ImportMode, KeyState, NoProgress, NodeInfo, UnlockMethod};
use envdesk_core::export::Format;
use envdesk_core::merge::LevelKind;
use serde::Deserialize;
use ts_rs::TS;

use crate::app::args::{
    ActivityKind, Day, ExportSourceArg, ImportHandle, IpcPath, NewKey, PageNumber, SearchQuery, Secret, Slug, VersionId,
};
use crate::app::core::{analyze, edit_text as edit, AppCore};
use crate::app::dto::*;
use crate::app::error::{IpcError, IpcResult};
use crate::app::key_history::KeyName;
use crate::app::settings::{Connection, Settings};
use crate::dialogs;

/// What a command body gets besides its request: the app's state, and the app handle when it runs in
/// the app (tests run the bodies headless through [`run`]).
pub struct Ctx {
    /// The app's state.
    pub core: Arc<AppCore>,
    /// The running app (events, windows); `None` in tests.
    pub app: Option<tauri::AppHandle>,
}

impl Ctx {
    /// A context without a window (tests).
    pub fn headless(core: Arc<AppCore>) -> Ctx {
        Ctx { core, app: None }
    }
}

/// Runs CPU work of a command on a blocking thread; a panic in it is an `internal` error for the UI
/// (its message, which might quote a value, is not passed on).
pub async fn blocking<T: Send + 'static>(f: impl FnOnce() -> IpcResult<T> + Send + 'static) -> IpcResult<T> {
    tokio::task::spawn_blocking(f).await.unwrap_or_else(|_| Err(IpcError::internal()))
}

/// Runs an operation that both waits on the network and computes for long (opening a node, search,
/// the key matrix, the expiry scan: parse, resolve and check every level of a project) on the blocking
/// pool, driven there to its end: a slow one no longer holds one of the async workers (two on a
/// two-core machine) that the auto-lock timer and every other request share.
pub async fn off_workers<T: Send + 'static>(
    f: impl std::future::Future<Output = IpcResult<T>> + Send + 'static,
) -> IpcResult<T> {
    let runtime = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || runtime.block_on(f)).await.unwrap_or_else(|_| Err(IpcError::internal()))
}

/// Sends progress to the UI as `progress` events.
struct EmitProgress(tauri::AppHandle);

impl vault::Progress for EmitProgress {
    fn progress(&self, stage: &str, done: usize, total: usize) {
        use tauri::Emitter;
        let _ = self.0.emit("progress", ProgressDto { stage: stage.to_owned(), done, total });
    }
}

/// `save_level` → `saveLevel`.
fn camel(name: &str) -> String {
    let mut out = String::new();
    let mut up = false;
    for c in name.chars() {
        if c == '_' {
            up = true;
        } else if up {
            out.push(c.to_ascii_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The one list of commands (see the module doc). Each entry:
/// `/// doc` `async fn name(ctx[, req: Request]) -> Answer { body }`, where the body returns
/// `IpcResult<Answer>`.
macro_rules! ipc_commands {
    ($(
        $(#[doc = $doc:literal])*
        async fn $name:ident($ctx:ident $(, $req:ident : $rt:ty)?) -> $resp:ty $body:block
    )*) => {
        /// The command bodies, callable without Tauri (tests).
        pub mod run {
            #[allow(unused_imports)]
            use super::*;
            $(
                $(#[doc = $doc])*
                pub async fn $name($ctx: &Ctx $(, $req: $rt)?) -> IpcResult<$resp> $body
            )*
        }

        $(
            $(#[doc = $doc])*
            #[tauri::command]
            pub async fn $name(
                core: tauri::State<'_, Arc<AppCore>>,
                app: tauri::AppHandle,
                $($req: $rt)?
            ) -> IpcResult<$resp> {
                let ctx = Ctx { core: core.inner().clone(), app: Some(app) };
                run::$name(&ctx $(, $req)?).await
            }
        )*

        /// Every command, by name.
        pub const COMMANDS: &[&str] = &[$(stringify!($name)),*];

        /// The handler that registers every command.
        pub fn handler() -> impl Fn(tauri::ipc::Invoke<tauri::Wry>) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$($name),*]
        }

        /// The TypeScript declarations of every request type.
        pub fn request_declarations(cfg: &ts_rs::Config) -> Vec<String> {
            #[allow(unused_mut)]
            let mut out = Vec::new();
            $($( let _ = stringify!($req); out.push(<$rt as TS>::decl(cfg)); )?)*
            out.sort();
            out.dedup();
            out
        }

        /// The TypeScript wrappers: `export const commands = { camelName: (req) => call<Answer>(…) }`.
        pub fn typescript(cfg: &ts_rs::Config) -> String {
            let mut out = String::from("export const commands = {\n");
            $(
                let docs: &[&str] = &[$($doc),*];
                out.push_str("  /**");
                for d in docs {
                    out.push_str("\n   *");
                    out.push_str(d);
                }
                out.push_str("\n   */\n");
                let resp = <$resp as TS>::name(cfg);
                let name = camel(stringify!($name));
                let (param, arg) = ipc_commands!(@param cfg $($rt)?);
                out.push_str(&format!(
                    "  {name}: ({param}) => call<{resp}>('{}', {arg}),\n",
                    stringify!($name)
                ));
            )*
            out.push_str("};\n");
            out
        }
    };
    (@param $cfg:ident) => {
        (String::new(), "{}".to_owned())
    };
    (@param $cfg:ident $rt:ty) => {
        (format!("req: {}", <$rt as TS>::name($cfg)), "{ req }".to_owned())
    };
}

// ---------------------------------------------------------------- requests

/// A connection.
#[derive(Debug, Deserialize, TS)]
pub struct ConnRef {
    /// Connection id (`local` for the local vault).
    pub conn: String,
}

/// A project of a connection.
#[derive(Debug, Deserialize, TS)]
pub struct ProjectRef {
    /// Connection id.
    pub conn: String,
    /// Project slug.
    pub project: Slug,
}

/// A target of a project.
#[derive(Debug, Deserialize, TS)]
pub struct TargetRef {
    /// Connection id.
    pub conn: String,
    /// Project slug.
    pub project: Slug,
    /// Target slug.
    pub target: Slug,
}

/// A page of a server connection's audit log, filtered (every filter optional).
#[derive(Debug, Deserialize, TS)]
pub struct ActivityQuery {
    /// Connection id.
    pub conn: String,
    /// A project, target or environment, and what is under it.
    #[serde(default)]
    pub node: Option<IpcPath>,
    /// Which entries.
    #[serde(default)]
    pub kind: Option<ActivityKind>,
    /// One token (its id, as the entries name it; never the token itself).
    #[serde(default)]
    #[ts(type = "number | null")]
    pub token_id: Option<u64>,
    /// From this day on (UTC).
    #[serde(default)]
    pub from: Option<Day>,
    /// Up to this day, included (UTC).
    #[serde(default)]
    pub to: Option<Day>,
    /// The page (50 entries each).
    pub page: PageNumber,
}

/// A node (project, target or environment) of a connection.
#[derive(Debug, Deserialize, TS)]
pub struct NodeRef {
    /// Connection id.
    pub conn: String,
    /// The node.
    pub path: IpcPath,
}

/// A destructive operation on a node, with the slug the user typed to confirm it.
#[derive(Debug, Deserialize, TS)]
pub struct ConfirmedNode {
    /// Connection id.
    pub conn: String,
    /// The node.
    pub path: IpcPath,
    /// What the user typed: must be the node's slug.
    pub confirm: String,
}

/// `add_connection`.
#[derive(Debug, Deserialize, TS)]
pub struct AddConnection {
    /// Display name.
    pub name: String,
    /// The server's address.
    pub url: String,
    /// Organization ULID.
    pub organization: String,
    /// API token (goes to the keychain).
    #[ts(type = "string")]
    pub token: Secret,
}

/// `create_project`.
#[derive(Debug, Deserialize, TS)]
pub struct CreateProject {
    /// Connection id.
    pub conn: String,
    /// Display name.
    pub name: String,
    /// Who holds the key, and which.
    pub key: NewKey,
}

/// `create_child`: a target under a project, or an environment under a target.
#[derive(Debug, Deserialize, TS)]
pub struct CreateChild {
    /// Connection id.
    pub conn: String,
    /// The parent.
    pub parent: IpcPath,
    /// Display name.
    pub name: String,
}

/// `rename_node`.
#[derive(Debug, Deserialize, TS)]
pub struct RenameNode {
    /// Connection id.
    pub conn: String,
    /// The node.
    pub path: IpcPath,
    /// New display name.
    pub name: String,
    /// New slug (derived from the name when absent).
    #[serde(default)]
    pub slug: Option<Slug>,
}

/// `save_key_backup`.
#[derive(Debug, Deserialize, TS)]
pub struct KeyBackup {
    /// The project the key is of (names the file).
    pub project: Slug,
}

/// `rotate_key`.
#[derive(Debug, Deserialize, TS)]
pub struct RotateKey {
    /// Connection id.
    pub conn: String,
    /// Project slug.
    pub project: Slug,
    /// The new key (`generate` or `passphrase`).
    pub key: NewKey,
}

/// `unlock_methods`.
#[derive(Debug, Deserialize, TS)]
pub struct UnlockMethods {
    /// Connection id.
    pub conn: String,
    /// The project asked about first (the one of the node that was open), if any.
    pub project: Option<Slug>,
}

/// `unlock_with_key`.
#[derive(Debug, Deserialize, TS)]
pub struct UnlockWithKey {
    /// Connection id.
    pub conn: String,
    /// Project slug.
    pub project: Slug,
    /// The key or passphrase typed.
    #[ts(type = "string")]
    pub key: Secret,
    /// Keep it in the keychain.
    pub remember: bool,
}

/// `read_node`: a node, opened as a view whose rows the webview asks for.
#[derive(Debug, Deserialize, TS)]
pub struct ReadNode {
    /// Connection id.
    pub conn: String,
    /// The node.
    pub path: IpcPath,
    /// The level whose text to send (the one being edited); the deepest when absent.
    #[serde(default)]
    pub text_of: Option<LevelKind>,
    /// The first rows of the merged result to send with it (0: none; at most 1,000), so the table on
    /// screen needs no second request.
    #[serde(default)]
    pub rows: u32,
}

/// `merged_rows`: a window of a view's merged result.
#[derive(Debug, Deserialize, TS)]
pub struct MergedRows {
    /// Connection id.
    pub conn: String,
    /// The view (from `read_node`).
    pub view: vault::ViewId,
    /// The first row (among the keys matching `filter`).
    pub offset: u32,
    /// How many rows (at most 1,000 are sent).
    pub limit: u32,
    /// Only keys whose name contains this (ignoring case); empty: every key.
    pub filter: String,
    /// The live result while a level is edited (`edit_view`); else the saved one.
    pub live: bool,
}

/// `merged_key`: one key of a view's merged result.
#[derive(Debug, Deserialize, TS)]
pub struct MergedKey {
    /// Connection id.
    pub conn: String,
    /// The view.
    pub view: vault::ViewId,
    /// The variable's name.
    pub name: KeyName,
    /// From the live result while a level is edited; else the saved one.
    pub live: bool,
}

/// `level_text`: the text of one level of a view, as read.
#[derive(Debug, Deserialize, TS)]
pub struct LevelText {
    /// Connection id.
    pub conn: String,
    /// The view.
    pub view: vault::ViewId,
    /// Which level.
    pub level: LevelKind,
}

/// `edit_view`: a level of a view as typed, for the live merged result.
#[derive(Debug, Deserialize, TS)]
pub struct EditView {
    /// Connection id.
    pub conn: String,
    /// The view.
    pub view: vault::ViewId,
    /// The level being edited.
    pub level: LevelKind,
    /// Its text as typed (`null`: back to the saved text).
    pub text: Option<String>,
    /// Increases with every edit the webview sends: an older one arriving late is ignored.
    pub seq: u64,
}

/// `close_view`: a view the webview no longer shows.
#[derive(Debug, Deserialize, TS)]
pub struct CloseView {
    /// Connection id.
    pub conn: String,
    /// The view.
    pub view: vault::ViewId,
}

/// `save_level`.
#[derive(Debug, Deserialize, TS)]
pub struct SaveLevel {
    /// Connection id.
    pub conn: String,
    /// The level (the deepest part of the path).
    pub path: IpcPath,
    /// The text to store, as written.
    pub text: String,
    /// The revision the text was read at (`null`: the server does not count revisions).
    pub base_revision: Option<u64>,
    /// The text as it was read (the base of a three-way merge).
    pub base_text: String,
    /// The open view the level was edited in: the save is checked against the node's schema there
    /// (issue 16) — refused when the project is strict, else answered with what breaks it.
    #[serde(default)]
    #[ts(optional)]
    pub view: Option<vault::ViewId>,
}

/// `search`: every unlocked project of a connection.
#[derive(Debug, Deserialize, TS)]
pub struct Search {
    /// Connection id.
    pub conn: String,
    /// What the user typed.
    pub query: SearchQuery,
    /// Search comments too.
    pub comments: bool,
    /// Search values too (a hit says only that the value matches).
    pub values: bool,
}

/// A text alone.
#[derive(Debug, Deserialize, TS)]
pub struct Text {
    /// The text.
    pub text: String,
}

/// `analyze_level`: a level of an open view, as typed.
#[derive(Debug, Deserialize, TS)]
pub struct AnalyzeLevel {
    /// Connection id.
    pub conn: String,
    /// The view (from `read_node`).
    pub view: vault::ViewId,
    /// Which level the text is.
    pub level: LevelKind,
    /// The text as typed.
    pub text: String,
}

/// `edit_text`.
#[derive(Debug, Deserialize, TS)]
pub struct EditText {
    /// The text.
    pub text: String,
    /// The edit from the table view.
    pub edit: TextEdit,
}

/// `resolve_conflict`.
#[derive(Debug, Deserialize, TS)]
pub struct ResolveConflict {
    /// The merged text.
    pub text: String,
    /// Per conflicting key, the value chosen (`null` removes the key).
    pub choices: Vec<(String, Option<String>)>,
}

/// `save_draft`.
#[derive(Debug, Deserialize, TS)]
pub struct SaveDraft {
    /// Connection id.
    pub conn: String,
    /// The level.
    pub path: IpcPath,
    /// The unsaved text.
    pub text: String,
    /// The revision it is based on.
    pub base_revision: Option<u64>,
}

/// `diff_sources`.
#[derive(Debug, Deserialize, TS)]
pub struct DiffSources {
    /// Connection id.
    pub conn: String,
    /// Left side.
    pub a: DiffSource,
    /// Right side.
    pub b: DiffSource,
}

/// `history`.
#[derive(Debug, Deserialize, TS)]
pub struct HistoryPage {
    /// Connection id.
    pub conn: String,
    /// The level.
    pub path: IpcPath,
    /// Page, from 1.
    pub page: u32,
}

/// `restore_version`.
#[derive(Debug, Deserialize, TS)]
pub struct RestoreVersion {
    /// Connection id.
    pub conn: String,
    /// The level.
    pub path: IpcPath,
    /// The version.
    #[ts(type = "string")]
    pub id: VersionId,
    /// The level's revision as shown.
    pub base_revision: Option<u64>,
}

/// `key_history`.
#[derive(Debug, Deserialize, TS)]
pub struct KeyRef {
    /// Connection id.
    pub conn: String,
    /// The level (the deepest of the path).
    pub path: IpcPath,
    /// The variable's name.
    pub name: KeyName,
}

/// `key_value_at`.
#[derive(Debug, Deserialize, TS)]
pub struct KeyAtVersion {
    /// Connection id.
    pub conn: String,
    /// The level.
    pub path: IpcPath,
    /// The variable's name.
    pub name: KeyName,
    /// One of the level's versions.
    #[ts(type = "string")]
    pub version: VersionId,
}

/// `restore_key_value`.
#[derive(Debug, Deserialize, TS)]
pub struct RestoreKeyValue {
    /// Connection id.
    pub conn: String,
    /// The level.
    pub path: IpcPath,
    /// The variable's name.
    pub name: KeyName,
    /// The version whose value is restored.
    #[ts(type = "string")]
    pub version: VersionId,
    /// The level's revision as shown (a level changed since is a `revision_conflict`).
    pub base_revision: Option<u64>,
}

/// `delete_version`.
#[derive(Debug, Deserialize, TS)]
pub struct DeleteVersion {
    /// Connection id.
    pub conn: String,
    /// The version.
    #[ts(type = "string")]
    pub id: VersionId,
    /// Delete even the only copy of a deleted level (asks natively first).
    pub force: bool,
}

/// `preview_import`.
#[derive(Debug, Deserialize, TS)]
pub struct PreviewImport {
    /// Connection id.
    pub conn: String,
    /// The level.
    pub path: IpcPath,
    /// The chosen file.
    pub handle: ImportHandle,
}

/// `apply_import`.
#[derive(Debug, Deserialize, TS)]
pub struct ApplyImport {
    /// Connection id.
    pub conn: String,
    /// The level.
    pub path: IpcPath,
    /// The chosen file.
    pub handle: ImportHandle,
    /// Merge into the level, or replace it.
    pub mode: ImportMode,
}

/// `export_to_file`.
#[derive(Debug, Deserialize, TS)]
pub struct ExportToFile {
    /// Connection id.
    pub conn: String,
    /// What to export.
    pub source: ExportSourceArg,
    /// The format.
    pub format: Format,
    /// Resolve `${…}` templates first.
    pub resolve: bool,
    /// Export an environment that breaks its schema all the same (the user was asked).
    #[serde(default)]
    #[ts(optional)]
    pub schema_confirmed: Option<bool>,
}

/// `matrix_cell_value`: one cell of the key matrix.
#[derive(Debug, Deserialize, TS)]
pub struct MatrixCell {
    /// Connection id.
    pub conn: String,
    /// The cell's level (its node).
    pub path: IpcPath,
    /// The key's name.
    pub name: KeyName,
}

// ---------------------------------------------------------------- the commands

ipc_commands! {
    /// The UI has drawn its first screen (the tree): show the window, which starts hidden so that it
    /// never flashes blank (Electron's "ready-to-show"). Logs the launch time at debug level
    /// (`envdesk::startup`; bench/app-perf.mjs reads it).
    async fn ui_ready(ctx) -> () {
        if let Some(window) = ctx.app.as_ref().and_then(|a| tauri::Manager::get_webview_window(a, "main")) {
            crate::show_window(&window, "interactive");
        }
        Ok(())
    }

    /// The local vault first, then the remote connections.
    async fn list_connections(ctx) -> Vec<Connection> {
        Ok(ctx.core.connections())
    }

    /// Adds a server after checking that the token works; the token goes to the keychain.
    async fn add_connection(ctx, req: AddConnection) -> Connection {
        ctx.core.add_connection(&req.name, &req.url, &req.organization, &req.token).await
    }

    /// Checks a connection: its organization.
    async fn test_connection(ctx, req: ConnRef) -> Organization {
        Ok(ctx.core.vault(&req.conn).await?.test_connection().await?)
    }

    /// Removes a remote connection and its token, once the user confirms natively.
    async fn remove_connection(ctx, req: ConnRef) -> () {
        ctx.core.remove_connection(&req.conn).await
    }

    /// The projects of a connection.
    async fn list_projects(ctx, req: ConnRef) -> Vec<NodeInfo> {
        Ok(ctx.core.vault(&req.conn).await?.projects().await?)
    }

    /// The targets of a project.
    async fn list_targets(ctx, req: ProjectRef) -> Vec<NodeInfo> {
        Ok(ctx.core.vault(&req.conn).await?.targets(&req.project).await?)
    }

    /// The environments of a target.
    async fn list_environments(ctx, req: TargetRef) -> Vec<NodeInfo> {
        Ok(ctx.core.vault(&req.conn).await?.environments(&req.project, &req.target).await?)
    }

    /// Creates a project; a generated key is returned once, for the user to back up.
    async fn create_project(ctx, req: CreateProject) -> CreatedProjectDto {
        ctx.core.create_project(&req.conn, &req.name, req.key).await
    }

    /// Creates a target under a project, or an environment under a target.
    async fn create_child(ctx, req: CreateChild) -> NodeInfo {
        let v = ctx.core.vault(&req.conn).await?;
        let parent = req.parent.node();
        Ok(match &parent.target {
            None => v.create_target(&parent.project, &req.name, None).await?,
            Some(t) => v.create_environment(&parent.project, t, &req.name, None, None).await?,
        })
    }

    /// Renames a node (and its slug).
    async fn rename_node(ctx, req: RenameNode) -> NodeInfo {
        Ok(ctx.core.vault(&req.conn).await?.rename(&req.path.node(), &req.name, req.slug.as_deref()).await?)
    }

    /// Deletes a node: the typed slug, then a native confirmation.
    async fn delete_node(ctx, req: ConfirmedNode) -> () {
        ctx.core.delete_node(&req.conn, &req.path, &req.confirm).await
    }

    /// Writes the key waiting for backup to a file the user chooses (owner-only); returns where.
    async fn save_key_backup(ctx, req: KeyBackup) -> Option<String> {
        let name = format!("{}.envdesk-key.txt", req.project);
        let Some(file) = dialogs::save_file("Save the key backup", &name).await else { return Ok(None) };
        ctx.core.save_backup_to(&file, &req.project)?;
        Ok(Some(file.display().to_string()))
    }

    /// Forgets the key waiting for backup.
    async fn dismiss_key_backup(ctx) -> () {
        ctx.core.dismiss_backup();
        Ok(())
    }

    /// Rotates a client-managed project's key, reporting progress as `progress` events.
    async fn rotate_key(ctx, req: RotateKey) -> RotationDto {
        match &ctx.app {
            Some(app) => ctx.core.rotate_key(&req.conn, &req.project, req.key, &EmitProgress(app.clone())).await,
            None => ctx.core.rotate_key(&req.conn, &req.project, req.key, &NoProgress).await,
        }
    }

    /// Unlocks a project with the keychain (client-managed) or the server (server-managed).
    async fn unlock(ctx, req: ProjectRef) -> KeyState {
        Ok(ctx.core.vault(&req.conn).await?.unlock(&req.project).await?)
    }

    /// Unlocks a project with a key or passphrase the user typed.
    async fn unlock_with_key(ctx, req: UnlockWithKey) -> KeyState {
        let v = ctx.core.vault(&req.conn).await?;
        Ok(v.unlock_with_key(&req.project, req.key.expose(), req.remember).await?)
    }

    /// What unlocking asks for (the lock screen): the project given first, then the others a lock
    /// locked and not unlocked since; whether the OS keychain, a passphrase or the server protects
    /// each key. Never key material.
    async fn unlock_methods(ctx, req: UnlockMethods) -> Vec<UnlockMethod> {
        Ok(ctx.core.vault(&req.conn).await?.unlock_methods(req.project.as_deref()).await?)
    }

    /// Forgets a remembered passphrase of a client-managed project on this computer (after a native
    /// confirmation); unlocking it then asks for the passphrase. A generated key is never forgotten.
    async fn forget_key(ctx, req: ProjectRef) -> UnlockMethod {
        let v = ctx.core.vault(&req.conn).await?;
        // What would be refused is refused before the question is put.
        v.forgettable(&req.project).await?;
        let what = format!(
            "Forget the passphrase of “{}” on this computer? Unlocking it will then ask for the passphrase.",
            req.project
        );
        ctx.core.confirmed("Forget the passphrase?", &what).await?;
        Ok(v.forget_key(&req.project).await?)
    }

    /// A project's key state, without unlocking it.
    async fn key_state(ctx, req: ProjectRef) -> KeyState {
        Ok(ctx.core.vault(&req.conn).await?.key_state(&req.project).await?)
    }

    /// Locks one project: its key leaves memory; reading it again asks for what protects the key.
    async fn lock_project(ctx, req: ProjectRef) -> () {
        ctx.core.vault(&req.conn).await?.lock(&req.project);
        Ok(())
    }

    /// Locks every key of every connection.
    async fn lock_all(ctx) -> () {
        ctx.core.lock_all().await;
        Ok(())
    }

    /// A node, opened as a view: its levels (revision, parse error; the text of the level asked for
    /// and of any level that does not parse) and how many keys its merged result has. The decrypted
    /// rest stays in Rust: the webview asks for the rows it shows (`merged_rows`).
    async fn read_node(ctx, req: ReadNode) -> NodeDto {
        let v = ctx.core.vault(&req.conn).await?;
        off_workers(async move {
            let opened = v.open_view(&req.path.node(), req.text_of).await?;
            let first = if req.rows > 0 { Some(v.view_rows(opened.id, 0, req.rows, "", false)?) } else { None };
            Ok(NodeDto::from((opened, first)))
        })
        .await
    }

    /// A window of a view's merged result (the live result while a level is edited): keys with the
    /// level each comes from, what it overrides and `${…}` resolved.
    async fn merged_rows(ctx, req: MergedRows) -> vault::MergedWindow {
        let v = ctx.core.vault(&req.conn).await?;
        blocking(move || Ok(v.view_rows(req.view, req.offset, req.limit, &req.filter, req.live)?)).await
    }

    /// One key of a view's merged result, if it has it.
    async fn merged_key(ctx, req: MergedKey) -> Option<vault::MergedRow> {
        Ok(ctx.core.vault(&req.conn).await?.view_key(req.view, req.name.as_str(), req.live)?)
    }

    /// The text of one level of a view, as it was read (the base of its next save).
    async fn level_text(ctx, req: LevelText) -> String {
        Ok(ctx.core.vault(&req.conn).await?.view_level_text(req.view, req.level)?)
    }

    /// A level of a view as typed (`null`: as saved): the view's rows become the live merged result.
    /// Answers how many keys it has.
    async fn edit_view(ctx, req: EditView) -> u32 {
        let v = ctx.core.vault(&req.conn).await?;
        blocking(move || Ok(v.view_edit(req.view, req.level, req.text.as_deref(), req.seq)?)).await
    }

    /// Closes a view the webview no longer shows: its decrypted data leaves memory now.
    async fn close_view(ctx, req: CloseView) -> () {
        ctx.core.vault(&req.conn).await?.close_view(req.view);
        Ok(())
    }

    /// Searches every unlocked project of the connection (key names; comments and values when asked):
    /// hits grouped project → target → environment, never a value; the projects still locked.
    async fn search(ctx, req: Search) -> vault::SearchAnswer {
        let opts = envdesk_core::search::SearchOptions { comments: req.comments, values: req.values };
        let v = ctx.core.vault(&req.conn).await?;
        off_workers(async move { Ok(v.search(req.query.as_str(), opts).await?) }).await
    }

    /// Saves a level; a save that lost a race answers the conflict to resolve.
    async fn save_level(ctx, req: SaveLevel) -> SaveDto {
        let v = ctx.core.vault(&req.conn).await?;
        let check = match req.view {
            Some(view) => {
                let node = req.path.node();
                let kind = match (&node.target, &node.environment) {
                    (None, _) => LevelKind::Project,
                    (Some(_), None) => LevelKind::Target,
                    (Some(_), Some(_)) => LevelKind::Environment,
                };
                // A view closed meanwhile (a lock, evicted): the node is read again for the check.
                match v.view_check(view, kind, &req.text) {
                    Err(envdesk_client::ClientError::ViewClosed) => {
                        v.strict_refusal(&req.path.node(), &req.text).await?;
                        vault::SchemaCheck::default()
                    }
                    other => other?,
                }
            }
            // Without a view (the matrix's "add here", a resolved conflict): the node is read again.
            None => {
                v.strict_refusal(&req.path.node(), &req.text).await?;
                vault::SchemaCheck::default()
            }
        };
        if check.strict && !check.introduced.is_empty() {
            return Err(envdesk_client::ClientError::SchemaViolation(vault::strict_message(&check.introduced)).into());
        }
        let mut saved: SaveDto = v.save_level(&req.path.node(), &req.text, req.base_revision, &req.base_text).await?.into();
        if saved.conflict.is_none() {
            saved.schema_problems = check.problems;
        }
        Ok(saved)
    }

    /// Writes a level from the diff ("set in …" and its undo): checked against the revision like a
    /// save, but no draft is written or discarded (a draft of that level is the user's own text).
    async fn write_level(ctx, req: SaveLevel) -> SaveDto {
        let v = ctx.core.vault(&req.conn).await?;
        // Without a view: the node is read again to check a strict project's schema.
        v.strict_refusal(&req.path.node(), &req.text).await?;
        Ok(v.write_level(&req.path.node(), &req.text, req.base_revision, &req.base_text).await?.into())
    }

    /// A text's parse error, lints and entries (for the editor and the table).
    async fn analyze_text(_ctx, req: Text) -> AnalysisDto {
        blocking(move || Ok(analyze(&req.text))).await
    }

    /// [`analyze_text`] of a level of an open view: values are also checked against the schema the
    /// levels above it and the text itself declare (`# @type: …`, issue 16).
    async fn analyze_level(ctx, req: AnalyzeLevel) -> AnalysisDto {
        let above = ctx.core.vault(&req.conn).await?.view_schema_above(req.view, req.level)?;
        blocking(move || {
            let refs: Vec<(LevelKind, &envdesk_core::schema::LevelSchema)> = above.iter().map(|(k, s)| (*k, s)).collect();
            Ok(crate::app::core::analyze_in(&req.text, &refs, req.level))
        })
        .await
    }

    /// Applies a table-view edit to a text, changing only the bytes it must.
    async fn edit_text(_ctx, req: EditText) -> String {
        blocking(move || edit(&req.text, &req.edit)).await
    }

    /// Applies the user's choices to the conflicting keys of a merged text.
    async fn resolve_conflict(_ctx, req: ResolveConflict) -> String {
        blocking(move || Ok(vault::resolve_conflict(&req.text, &req.choices)?)).await
    }

    /// Keeps unsaved text as an encrypted draft.
    async fn save_draft(ctx, req: SaveDraft) -> () {
        Ok(ctx.core.vault(&req.conn).await?.save_draft(&req.path.node(), &req.text, req.base_revision)?)
    }

    /// The drafts of a connection (no text).
    async fn list_drafts(ctx, req: ConnRef) -> Vec<vault::DraftInfo> {
        Ok(ctx.core.vault(&req.conn).await?.drafts())
    }

    /// A draft's text and base revision.
    async fn get_draft(ctx, req: NodeRef) -> Option<DraftDto> {
        let draft = ctx.core.vault(&req.conn).await?.draft(&req.path.node())?;
        Ok(draft.map(|(text, base_revision)| DraftDto { text, base_revision }))
    }

    /// Forgets a draft.
    async fn discard_draft(ctx, req: NodeRef) -> () {
        ctx.core.vault(&req.conn).await?.discard_draft(&req.path.node());
        Ok(())
    }

    /// Two sources side by side with their key-wise diff (both read at once).
    async fn diff_sources(ctx, req: DiffSources) -> DiffDto {
        let v = ctx.core.vault(&req.conn).await?;
        let (a, b) = tokio::try_join!(req.a.text(&v), req.b.text(&v))?;
        Ok(DiffDto::new(a, b))
    }

    /// A page (of 50) of a level's history, newest first.
    async fn history(ctx, req: HistoryPage) -> vault::VersionsPage {
        Ok(ctx.core.vault(&req.conn).await?.history(&req.path.node(), req.page, 50).await?)
    }

    /// Restores a version as the level's current content; answers the new revision, if counted.
    async fn restore_version(ctx, req: RestoreVersion) -> Option<u64> {
        let v = ctx.core.vault(&req.conn).await?;
        Ok(v.restore(&req.path.node(), req.id.as_str(), req.base_revision).await?)
    }

    /// A page of a server connection's audit log, newest first (50 entries a page). The local vault,
    /// or a server without one, answers `not_found`; a token without `audit:read`, `forbidden`.
    async fn activity(ctx, req: ActivityQuery) -> ActivityPage {
        let query = envdesk_api::AuditLogQuery {
            from: req.from.map(Day::start),
            to: req.to.map(Day::end),
            node: req.node.as_ref().map(|p| vault::audit_node(&p.node())),
            token: req.token_id.map(|t| t.to_string()),
            event: req.kind.map(|k| k.event().to_owned()),
            page: envdesk_api::PageRequest { page: req.page.get(), per_page: 50 },
        };
        let page = ctx.core.vault(&req.conn).await?.audit_log(&query).await?;
        Ok(ActivityPage {
            page: page.meta.current_page,
            last_page: page.meta.last_page.max(1),
            total: page.meta.total,
            entries: page.data.into_iter().map(ActivityEntry::from).collect(),
        })
    }

    /// The newest recorded read of a level (a read of it or of a node under it), when the connection
    /// keeps an audit log the token may read; `null` when none is recorded.
    async fn last_read(ctx, req: NodeRef) -> Option<ActivityEntry> {
        Ok(ctx.core.vault(&req.conn).await?.last_read(&req.path.node()).await?.map(ActivityEntry::from))
    }

    /// The versions of a level in which one key's value changed, newest first (no value).
    async fn key_history(ctx, req: KeyRef) -> vault::KeyHistoryView {
        Ok(ctx.core.vault(&req.conn).await?.key_history(&req.path.node(), req.name.as_str()).await?)
    }

    /// For each key of a level, the version that set its current value (no value).
    async fn level_blame(ctx, req: NodeRef) -> vault::LevelBlame {
        Ok(ctx.core.vault(&req.conn).await?.blame(&req.path.node()).await?)
    }

    /// One key's value in one version of a level (`null`: absent there), when the user reveals it.
    async fn key_value_at(ctx, req: KeyAtVersion) -> Option<String> {
        let v = ctx.core.vault(&req.conn).await?;
        Ok(v.key_value_at(&req.path.node(), req.name.as_str(), req.version.as_str()).await?)
    }

    /// Sets one key of a level to its value in a version (removes it if absent there), other keys
    /// untouched, with the revision check.
    async fn restore_key_value(ctx, req: RestoreKeyValue) -> vault::KeyRestore {
        let v = ctx.core.vault(&req.conn).await?;
        Ok(v.restore_key_value(&req.path.node(), req.name.as_str(), req.version.as_str(), req.base_revision).await?)
    }

    /// Deletes a version (the only copy of a deleted level only with `force`, confirmed natively).
    async fn delete_version(ctx, req: DeleteVersion) -> () {
        ctx.core.delete_version(&req.conn, &req.id, req.force).await
    }

    /// Purges a level's history: the typed slug, then a native confirmation. Answers how many went.
    async fn purge_history(ctx, req: ConfirmedNode) -> u64 {
        ctx.core.purge(&req.conn, &req.path, &req.confirm).await
    }

    /// Shows the open dialog and reads the chosen file on this side; the UI gets an opaque handle and
    /// the file's name, never its path.
    async fn choose_import_file(ctx) -> Option<ImportChoiceDto> {
        let Some(file) = dialogs::open_file(ctx.app.as_ref()).await else { return Ok(None) };
        let core = ctx.core.clone();
        blocking(move || core.choose_import(&file)).await.map(Some)
    }

    /// What importing the chosen file would change.
    async fn preview_import(ctx, req: PreviewImport) -> vault::ImportPreview {
        ctx.core.preview_import(&req.conn, &req.path.node(), req.handle).await
    }

    /// Imports the chosen file into a level.
    async fn apply_import(ctx, req: ApplyImport) -> SaveDto {
        ctx.core.apply_import(&req.conn, &req.path.node(), req.handle, req.mode).await
    }

    /// Checks the export (a merged environment that breaks its schema is refused unless confirmed),
    /// then shows the save dialog and writes it with owner-only permissions; returns where.
    async fn export_to_file(ctx, req: ExportToFile) -> Option<String> {
        let confirmed = req.schema_confirmed.unwrap_or(false);
        // Checked first (and dropped: no plaintext waits while the dialog is open), built again after
        // it — so a lock that came meanwhile writes nothing.
        drop(ctx.core.export_bytes(&req.conn, &req.source.source(), req.format, req.resolve, confirmed).await?);
        let name = format!("{}.{}", req.source.path().node().display().replace('/', "-"), req.format.extension());
        let Some(file) = dialogs::save_file("Export (plaintext)", &name).await else { return Ok(None) };
        ctx.core.export_to(&req.conn, &req.source.source(), req.format, req.resolve, confirmed, &file).await?;
        Ok(Some(file.display().to_string()))
    }

    /// The key matrix of a project: one row per key, one column per level, each cell's state without
    /// its value; a locked project answers the names of its nodes and no rows.
    async fn key_matrix(ctx, req: ProjectRef) -> vault::KeyMatrix {
        let v = ctx.core.vault(&req.conn).await?;
        off_workers(async move { Ok(v.key_matrix(&req.project).await?) }).await
    }

    /// The value of one cell of the key matrix (`null` when the key has none there).
    async fn matrix_cell_value(ctx, req: MatrixCell) -> Option<String> {
        let v = ctx.core.vault(&req.conn).await?;
        Ok(v.matrix_value(&req.path.node(), req.name.as_str()).await?.map(|value| value.as_str().to_owned()))
    }

    /// Shows the save dialog and writes the key matrix's presence (never a value) as CSV, owner-only;
    /// returns where. A locked project is refused (it has no rows to write).
    async fn export_matrix_csv(ctx, req: ProjectRef) -> Option<String> {
        let m = ctx.core.vault(&req.conn).await?.key_matrix(&req.project).await?;
        if m.locked {
            return Err(envdesk_client::ClientError::Locked { project: req.project.to_string() }.into());
        }
        let name = format!("{}-key-matrix.csv", req.project);
        let Some(file) = dialogs::save_file("Export the key matrix (CSV)", &name).await else { return Ok(None) };
        crate::app::core::write_private(&file, m.csv().as_bytes())?;
        Ok(Some(file.display().to_string()))
    }

    /// The environments of the connection's unlocked projects with keys expired or expiring soon (the
    /// tree's badges); locked projects are listed, not read.
    async fn expiry_report(ctx, req: ConnRef) -> vault::ExpiryReport {
        let v = ctx.core.vault(&req.conn).await?;
        off_workers(async move { Ok(v.expiry_report().await?) }).await
    }

    /// The settings (defaults where unset).
    async fn get_settings(ctx) -> Settings {
        Ok(ctx.core.settings())
    }

    /// Stores the settings; they hold at once.
    async fn set_settings(ctx, req: Settings) -> Settings {
        ctx.core.set_settings(req).await
    }
}
