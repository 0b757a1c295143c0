//! The IPC commands: one per operation, each a few lines over [`AppCore`].
//!
//! What the webview sends is parsed by the argument types ([`crate::app::args`]): slugs, version ids
//! and node paths are checked while deserializing, secrets are zeroized when dropped, and no command
//! takes a filesystem path — files are chosen in native dialogs on this side (issue 10, holes 2, 3, 16).
//! Every command is `async`: Tauri runs a synchronous command on the main thread, where a panic would
//! take the app down; CPU work runs on a blocking thread through [`blocking`], where a panic becomes
//! an `internal` error (hole 17). `tests/app/commands.rs` checks both by reading this file.

use std::sync::Arc;

use envdesk_client::vault::{self, ImportMode};
use tauri::State;

use crate::app::args::{ExportSourceArg, ImportHandle, IpcPath, Secret, Slug, VersionId};
use crate::app::core::{analyze, edit_text as edit, AppCore};
use crate::app::dto::*;
use crate::app::error::{IpcError, IpcResult};
use crate::app::settings::{Connection, Settings};
use crate::dialogs;

type Core<'a> = State<'a, Arc<AppCore>>;

/// Runs CPU work of a command on a blocking thread; a panic in it is an `internal` error for the UI
/// (its message, which might quote a value, is not passed on).
pub async fn blocking<T: Send + 'static>(f: impl FnOnce() -> IpcResult<T> + Send + 'static) -> IpcResult<T> {
    tokio::task::spawn_blocking(f).await.unwrap_or_else(|_| {
        Err(IpcError::new("internal", "envdesk hit a bug doing that; nothing was changed. Please report it."))
    })
}

/// The UI has drawn its first screen (the tree): show the window, which starts hidden so that it never
/// flashes blank (Electron's "ready-to-show"). Logs the launch time at debug level (`envdesk::startup`;
/// bench/app-perf.mjs reads it).
#[tauri::command]
pub async fn ui_ready(window: tauri::WebviewWindow) {
    crate::show_window(&window, "interactive");
}

#[tauri::command]
pub async fn list_connections(core: Core<'_>) -> IpcResult<Vec<Connection>> {
    Ok(core.connections())
}

#[tauri::command]
pub async fn add_connection(
    core: Core<'_>,
    name: String,
    url: String,
    organization: String,
    token: Secret,
) -> IpcResult<Connection> {
    core.add_connection(&name, &url, &organization, &token).await
}

#[tauri::command]
pub async fn test_connection(core: Core<'_>, conn: String) -> IpcResult<envdesk_api::Organization> {
    core.test_connection(&conn).await
}

#[tauri::command]
pub async fn remove_connection(core: Core<'_>, conn: String) -> IpcResult<()> {
    core.remove_connection(&conn).await
}

#[tauri::command]
pub async fn list_projects(core: Core<'_>, conn: String) -> IpcResult<Vec<vault::NodeInfo>> {
    core.projects(&conn).await
}

#[tauri::command]
pub async fn list_targets(core: Core<'_>, conn: String, project: Slug) -> IpcResult<Vec<vault::NodeInfo>> {
    core.targets(&conn, &project).await
}

#[tauri::command]
pub async fn list_environments(
    core: Core<'_>,
    conn: String,
    project: Slug,
    target: Slug,
) -> IpcResult<Vec<vault::NodeInfo>> {
    core.environments(&conn, &project, &target).await
}

#[tauri::command]
pub async fn create_project(
    core: Core<'_>,
    conn: String,
    name: String,
    mode: String,
    passphrase: Option<Secret>,
) -> IpcResult<CreatedProjectDto> {
    core.create_project(&conn, &name, &mode, passphrase).await
}

#[tauri::command]
pub async fn create_child(core: Core<'_>, conn: String, parent: IpcPath, name: String) -> IpcResult<vault::NodeInfo> {
    core.create_child(&conn, &parent.node(), &name).await
}

#[tauri::command]
pub async fn rename_node(
    core: Core<'_>,
    conn: String,
    path: IpcPath,
    name: String,
    slug: Option<Slug>,
) -> IpcResult<vault::NodeInfo> {
    core.rename(&conn, &path.node(), &name, slug.as_deref()).await
}

#[tauri::command]
pub async fn delete_node(core: Core<'_>, conn: String, path: IpcPath, confirm: String) -> IpcResult<()> {
    core.delete_node(&conn, &path.node(), &confirm).await
}

#[tauri::command]
pub async fn save_key_backup(core: Core<'_>, project: Slug) -> IpcResult<Option<String>> {
    let Some(file) = dialogs::save_file("Save the key backup", &format!("{project}.envdesk-key.txt")).await else {
        return Ok(None);
    };
    core.save_backup_to(&file, &project)?;
    Ok(Some(file.display().to_string()))
}

#[tauri::command]
pub async fn dismiss_key_backup(core: Core<'_>) -> IpcResult<()> {
    core.dismiss_backup();
    Ok(())
}

/// Sends progress to the UI as `progress` events.
struct EmitProgress(tauri::AppHandle);

impl vault::Progress for EmitProgress {
    fn progress(&self, stage: &str, done: usize, total: usize) {
        use tauri::Emitter;
        let _ = self.0.emit("progress", ProgressDto { stage: stage.to_owned(), done, total });
    }
}

#[tauri::command]
pub async fn rotate_key(
    app: tauri::AppHandle,
    core: Core<'_>,
    conn: String,
    project: Slug,
    mode: String,
    passphrase: Option<Secret>,
) -> IpcResult<RotationDto> {
    core.rotate_key(&conn, &project, &mode, passphrase, &EmitProgress(app)).await
}

#[tauri::command]
pub async fn unlock(core: Core<'_>, conn: String, project: Slug) -> IpcResult<vault::KeyState> {
    core.unlock(&conn, &project).await
}

#[tauri::command]
pub async fn unlock_with_key(
    core: Core<'_>,
    conn: String,
    project: Slug,
    key: Secret,
    remember: bool,
) -> IpcResult<vault::KeyState> {
    core.unlock_with_key(&conn, &project, &key, remember).await
}

#[tauri::command]
pub async fn key_state(core: Core<'_>, conn: String, project: Slug) -> IpcResult<vault::KeyState> {
    core.key_state(&conn, &project).await
}

#[tauri::command]
pub async fn lock_all(core: Core<'_>) -> IpcResult<()> {
    core.lock_all().await;
    Ok(())
}

#[tauri::command]
pub async fn read_node(core: Core<'_>, conn: String, path: IpcPath) -> IpcResult<NodeDto> {
    core.read_node(&conn, &path.node()).await
}

#[tauri::command]
pub async fn save_level(
    core: Core<'_>,
    conn: String,
    path: IpcPath,
    text: String,
    base_revision: Option<u64>,
    base_text: String,
) -> IpcResult<SaveDto> {
    core.save_level(&conn, &path.node(), &text, base_revision, &base_text).await
}

#[tauri::command]
pub async fn analyze_text(text: String) -> IpcResult<AnalysisDto> {
    blocking(move || Ok(analyze(&text))).await
}

#[tauri::command]
pub async fn edit_text(text: String, edit_op: TextEdit) -> IpcResult<String> {
    blocking(move || edit(&text, &edit_op)).await
}

#[tauri::command]
pub async fn resolve_conflict(text: String, choices: Vec<(String, Option<String>)>) -> IpcResult<String> {
    blocking(move || Ok(vault::resolve_conflict(&text, &choices)?)).await
}

#[tauri::command]
pub async fn save_draft(
    core: Core<'_>,
    conn: String,
    path: IpcPath,
    text: String,
    base_revision: Option<u64>,
) -> IpcResult<()> {
    core.save_draft(&conn, &path.node(), &text, base_revision).await
}

#[tauri::command]
pub async fn list_drafts(core: Core<'_>, conn: String) -> IpcResult<Vec<vault::DraftInfo>> {
    core.drafts(&conn).await
}

#[tauri::command]
pub async fn get_draft(core: Core<'_>, conn: String, path: IpcPath) -> IpcResult<Option<DraftDto>> {
    core.draft(&conn, &path.node()).await
}

#[tauri::command]
pub async fn discard_draft(core: Core<'_>, conn: String, path: IpcPath) -> IpcResult<()> {
    core.discard_draft(&conn, &path.node()).await
}

#[tauri::command]
pub async fn diff_sources(core: Core<'_>, conn: String, a: DiffSource, b: DiffSource) -> IpcResult<DiffDto> {
    core.diff(&conn, &a, &b).await
}

#[tauri::command]
pub async fn history(core: Core<'_>, conn: String, path: IpcPath, page: u32) -> IpcResult<vault::VersionsPage> {
    core.history(&conn, &path.node(), page).await
}

#[tauri::command]
pub async fn restore_version(
    core: Core<'_>,
    conn: String,
    path: IpcPath,
    id: VersionId,
    base_revision: Option<u64>,
) -> IpcResult<Option<u64>> {
    core.restore(&conn, &path.node(), &id, base_revision).await
}

#[tauri::command]
pub async fn delete_version(core: Core<'_>, conn: String, id: VersionId, force: bool) -> IpcResult<()> {
    core.delete_version(&conn, &id, force).await
}

#[tauri::command]
pub async fn purge_history(core: Core<'_>, conn: String, path: IpcPath, confirm: String) -> IpcResult<u64> {
    core.purge(&conn, &path.node(), &confirm).await
}

/// Shows the open dialog and reads the chosen file on this side; the UI gets an opaque handle and the
/// file's name, never its path.
#[tauri::command]
pub async fn choose_import_file(core: Core<'_>) -> IpcResult<Option<ImportChoiceDto>> {
    let Some(file) = dialogs::open_file().await else { return Ok(None) };
    let core = core.inner().clone();
    blocking(move || core.choose_import(&file)).await.map(Some)
}

#[tauri::command]
pub async fn preview_import(
    core: Core<'_>,
    conn: String,
    path: IpcPath,
    handle: ImportHandle,
) -> IpcResult<vault::ImportPreview> {
    core.preview_import(&conn, &path.node(), handle).await
}

#[tauri::command]
pub async fn apply_import(
    core: Core<'_>,
    conn: String,
    path: IpcPath,
    handle: ImportHandle,
    mode: ImportMode,
) -> IpcResult<SaveDto> {
    core.apply_import(&conn, &path.node(), handle, mode).await
}

/// Shows the save dialog and writes the export with owner-only permissions; returns where.
#[tauri::command]
pub async fn export_to_file(
    core: Core<'_>,
    conn: String,
    source: ExportSourceArg,
    format: String,
    resolve: bool,
) -> IpcResult<Option<String>> {
    let path = match &source {
        ExportSourceArg::Level { path } | ExportSourceArg::Merged { path } => path.node(),
    };
    let ext = format.parse::<envdesk_core::export::Format>().map(|f| f.extension()).unwrap_or("env");
    let name = format!("{}.{ext}", path.display().replace('/', "-"));
    let Some(file) = dialogs::save_file("Export (plaintext)", &name).await else { return Ok(None) };
    core.export_to(&conn, &source.source(), &format, resolve, &file).await?;
    Ok(Some(file.display().to_string()))
}

#[tauri::command]
pub async fn get_settings(core: Core<'_>) -> IpcResult<Settings> {
    Ok(core.settings())
}

#[tauri::command]
pub async fn set_settings(core: Core<'_>, settings: Settings) -> IpcResult<Settings> {
    core.set_settings(settings).await
}
