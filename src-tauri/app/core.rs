//! `AppCore`: what is the app's own, without Tauri — settings, connections and the registry of open
//! vaults (opened on first use, locked when idle), native confirmations of destructive operations, the
//! file chosen for import, the key waiting for backup. Commands reach the `Vault` through
//! [`AppCore::vault`] and call it directly; only operations that need this state are methods here.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use envdesk_api::NodePath;
use envdesk_client::http::{HttpBackend, HttpConfig};
use envdesk_client::keystore::names;
use envdesk_client::local::open_local;
use envdesk_client::vault::{self, ExportSource, ImportMode};
use envdesk_client::{KeyStore, Vault, VaultOptions};
use envdesk_core::dotenv::Document;
use envdesk_core::export::Format;
use serde_json::json;
use tokio::sync::RwLock;
use zeroize::Zeroizing;

use super::args::{ImportHandle, IpcPath, NewKey, Secret, VersionId};
use super::confirm::{Confirm, Refuse};
use super::dto::*;
use super::error::{Code, IpcError, IpcResult};
use super::settings::{Connection, Settings, SettingsStore, MAX_EXPIRY_WARNING_DAYS};

/// The local vault's connection id.
pub const LOCAL: &str = "local";

/// The settings entry that remembers the day of the last expiry notification (`YYYY-MM-DD`).
const LAST_EXPIRY_NOTICE: &str = "last_expiry_notice";

/// The largest file `choose_import` reads (8 MiB): far above any real `.env` or JSON file (a server
/// takes 1 MiB request bodies), small enough that a wrong choice (a disk image) cannot exhaust memory.
pub const MAX_IMPORT_BYTES: u64 = 8 << 20;

/// A file chosen for import: read once, when chosen, so that the preview and the import see the same
/// bytes. Plaintext: dropped on import, on lock and when another file is chosen.
struct ImportChoice {
    handle: ImportHandle,
    bytes: Zeroizing<Vec<u8>>,
}

/// The app's state.
pub struct AppCore {
    data_dir: PathBuf,
    keys: Arc<dyn KeyStore>,
    settings: Arc<dyn SettingsStore>,
    vaults: RwLock<HashMap<String, Arc<Vault>>>,
    kdf_iterations: u32,
    /// A generated key waiting to be backed up (shown once; saved to a file on request).
    pending_backup: Mutex<Option<Zeroizing<String>>>,
    /// Last activity per open vault. The idle lock is applied here, with the auto-lock setting read
    /// when it is checked, so a changed setting holds for open vaults at once (issue 10, hole 9); the
    /// vaults themselves are opened without an idle limit.
    activity: Mutex<HashMap<String, Instant>>,
    /// Asks before destructive operations (a native dialog in the app).
    confirm: Arc<dyn Confirm>,
    /// The file chosen for import, if any.
    import: Mutex<Option<ImportChoice>>,
    next_import: AtomicU64,
}

fn parse_format(f: &str) -> IpcResult<Format> {
    f.parse::<Format>().map_err(|e| IpcError::invalid(e.to_string()))
}

impl AppCore {
    /// The state for a data directory, a key store and a settings store.
    pub fn new(
        data_dir: PathBuf,
        keys: Arc<dyn KeyStore>,
        settings: Arc<dyn SettingsStore>,
        kdf_iterations: u32,
    ) -> AppCore {
        AppCore {
            data_dir,
            keys,
            settings,
            vaults: RwLock::new(HashMap::new()),
            kdf_iterations,
            pending_backup: Mutex::new(None),
            activity: Mutex::new(HashMap::new()),
            confirm: Arc::new(Refuse),
            import: Mutex::new(None),
            next_import: AtomicU64::new(1),
        }
    }

    /// How destructive operations are confirmed (without one, they are refused).
    pub fn with_confirm(mut self, confirm: Arc<dyn Confirm>) -> AppCore {
        self.confirm = confirm;
        self
    }

    /// Asks the user through the native confirmation; an error when they say no.
    pub(crate) async fn confirmed(&self, title: &str, message: &str) -> IpcResult<()> {
        if self.confirm.confirm(title, message).await {
            Ok(())
        } else {
            Err(IpcError::new(Code::Cancelled, "Cancelled: nothing was changed."))
        }
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    // ---------------------------------------------------------------- settings and connections

    /// The settings (defaults where unset).
    pub fn settings(&self) -> Settings {
        self.settings.get("settings").and_then(|v| serde_json::from_value(v).ok()).unwrap_or_default()
    }

    /// Stores the settings; the auto-lock time holds for open vaults from the next check on
    /// ([`AppCore::check_idle`] reads it).
    pub async fn set_settings(&self, s: Settings) -> IpcResult<Settings> {
        if !["system", "light", "dark"].contains(&s.theme.as_str()) {
            return Err(IpcError::invalid("The theme must be system, light or dark."));
        }
        parse_format(&s.default_export_format)?;
        if !(1..=MAX_EXPIRY_WARNING_DAYS).contains(&s.expiry_warning_days) {
            return Err(IpcError::invalid(format!(
                "The expiry warning is 1 to {MAX_EXPIRY_WARNING_DAYS} days before the date."
            )));
        }
        self.settings.set("settings", json!(s)).map_err(|e| IpcError::new(Code::IoError, e))?;
        for v in self.vaults.read().await.values() {
            v.set_expiry_warning_days(s.expiry_warning_days);
        }
        Ok(s)
    }

    /// The daily expiry notification (issue 16): its title and text when notifications are on, none was
    /// shown `today` yet ([`AppCore::expiry_noticed`]), and keys are expired or expiring in an unlocked
    /// project of an open connection. It reads only what the user has unlocked, and does not
    /// count as activity (the auto-lock still comes).
    pub async fn expiry_notice(&self, today: &str) -> Option<(String, String)> {
        if !self.settings().expiry_notifications {
            return None;
        }
        if self.settings.get(LAST_EXPIRY_NOTICE).and_then(|v| v.as_str().map(str::to_owned)).as_deref() == Some(today) {
            return None;
        }
        // Not through `vault()`: that would count as activity.
        let open: Vec<Arc<Vault>> = self.vaults.read().await.values().cloned().collect();
        let mut report = vault::ExpiryReport { warn_days: self.settings().expiry_warning_days, ..Default::default() };
        for v in open {
            if !v.any_unlocked() {
                continue;
            }
            // A connection that cannot be read now (offline) is left out.
            if let Ok(r) = v.expiry_report().await {
                report.alerts.extend(r.alerts);
            }
        }
        report.summary()
    }

    /// Remembers that the expiry notification of `today` was shown ([`AppCore::expiry_notice`] then
    /// says nothing more that day).
    pub fn expiry_noticed(&self, today: &str) {
        if let Err(e) = self.settings.set(LAST_EXPIRY_NOTICE, json!(today)) {
            tracing::warn!(error = %e, "the day of the expiry notification could not be remembered");
        }
    }

    /// The auto-lock time in force (`None`: never).
    pub fn idle_limit(&self) -> Option<Duration> {
        match self.settings().auto_lock_minutes {
            0 => None,
            m => Some(Duration::from_secs(u64::from(m) * 60)),
        }
    }

    fn remotes(&self) -> Vec<Connection> {
        self.settings.get("connections").and_then(|v| serde_json::from_value(v).ok()).unwrap_or_default()
    }

    /// The local vault first, then the remote connections.
    pub fn connections(&self) -> Vec<Connection> {
        let mut out = vec![Connection {
            id: LOCAL.into(),
            name: "Local vault".into(),
            url: LOCAL.into(),
            organization: String::new(),
        }];
        out.extend(self.remotes());
        out
    }

    /// Adds a server after checking that the token works; the token goes to the keychain.
    pub async fn add_connection(
        &self,
        name: &str,
        url: &str,
        organization: &str,
        token: &Secret,
    ) -> IpcResult<Connection> {
        let token = token.expose();
        if name.trim().is_empty() || token.trim().is_empty() || organization.trim().is_empty() {
            return Err(IpcError::invalid("Give a name, the organization id and a token."));
        }
        let backend = HttpBackend::new(HttpConfig {
            base_url: url.trim().to_owned(),
            organization: organization.trim().to_owned(),
            token: Zeroizing::new(token.trim().to_owned()),
        })?;
        let org = envdesk_api::Backend::organization(&backend).await?;
        if !org.id.eq_ignore_ascii_case(organization.trim()) {
            return Err(IpcError::invalid("That token belongs to another organization."));
        }
        let id = format!("conn-{}", chrono::Utc::now().timestamp_millis());
        self.keys.set(&names::token(&id), token.trim()).map_err(|e| IpcError::new(Code::KeychainError, e))?;
        let c = Connection { id, name: name.trim().into(), url: url.trim().into(), organization: org.id };
        let mut list = self.remotes();
        list.push(c.clone());
        self.settings.set("connections", json!(list)).map_err(|e| IpcError::new(Code::IoError, e))?;
        Ok(c)
    }

    /// Removes a remote connection and its token (the local vault stays), once the user confirms.
    pub async fn remove_connection(&self, id: &str) -> IpcResult<()> {
        if id == LOCAL {
            return Err(IpcError::invalid("The local vault is always there."));
        }
        let conn = self
            .remotes()
            .into_iter()
            .find(|c| c.id == id)
            .ok_or_else(|| IpcError::new(Code::NotFound, "No such connection."))?;
        self.confirmed(
            "Remove the connection?",
            &format!(
                "Remove the connection “{}” ({})? Its token is deleted from the keychain, and so are \
                 the command line's offline copies of its environments; unsaved drafts of it stay on \
                 this computer.",
                bounded(&conn.name),
                bounded(&conn.url)
            ),
        )
        .await?;
        let list: Vec<Connection> = self.remotes().into_iter().filter(|c| c.id != id).collect();
        self.settings.set("connections", json!(list)).map_err(|e| IpcError::new(Code::IoError, e))?;
        let _ = self.keys.delete(&names::token(id));
        // envdesk-cli's offline copies of its environments (and their key) go with it.
        if let Err(e) = envdesk_client::vault::forget_connection(&self.data_dir, self.keys.as_ref(), id) {
            tracing::warn!("the offline copies of a removed connection could not all be removed: {e}");
        }
        // Locked as it goes: a command still holding the vault would otherwise keep its keys, index and
        // cache, out of reach of lock-all and the idle lock.
        if let Some(v) = self.vaults.write().await.remove(id) {
            v.lock_all();
        }
        self.activity.lock().unwrap_or_else(|e| e.into_inner()).remove(id);
        Ok(())
    }

    /// Records activity on a connection; when it was idle past the auto-lock time, its keys are
    /// dropped first.
    fn touch(&self, id: &str, v: &Vault) {
        let now = Instant::now();
        let last = self.activity.lock().unwrap_or_else(|e| e.into_inner()).insert(id.to_owned(), now);
        if let (Some(limit), Some(last)) = (self.idle_limit(), last) {
            if now.saturating_duration_since(last) >= limit {
                v.lock_all();
                self.forget_import();
            }
        }
    }

    /// The vault of a connection, opened on first use.
    pub async fn vault(&self, id: &str) -> IpcResult<Arc<Vault>> {
        if let Some(v) = self.vaults.read().await.get(id) {
            self.touch(id, v);
            return Ok(v.clone());
        }
        let mut map = self.vaults.write().await;
        if let Some(v) = map.get(id) {
            self.touch(id, v);
            return Ok(v.clone());
        }
        // No idle limit in the vault: `AppCore` applies the current setting (`check_idle`, `touch`).
        let opts = VaultOptions { kdf_iterations: self.kdf_iterations, idle_lock: None, ..Default::default() };
        let drafts = self.data_dir.join("drafts");
        let backend: Arc<dyn envdesk_api::Backend> = if id == LOCAL {
            let data = self.data_dir.clone();
            let keys = self.keys.clone();
            let iters = self.kdf_iterations;
            let local = tokio::task::spawn_blocking(move || open_local(&data, keys.as_ref(), iters))
                .await
                .map_err(|_| IpcError::new(Code::Internal, "The local vault could not open."))??;
            Arc::new(local.backend)
        } else {
            let c = self
                .remotes()
                .into_iter()
                .find(|c| c.id == id)
                .ok_or_else(|| IpcError::new(Code::NotFound, "No such connection."))?;
            let token =
                self.keys.get(&names::token(id)).map_err(|e| IpcError::new(Code::KeychainError, e))?.ok_or_else(
                    || {
                        IpcError::new(
                            Code::KeyNeeded,
                            "This connection's token is not in the keychain; remove it and add it again.",
                        )
                    },
                )?;
            Arc::new(HttpBackend::new(HttpConfig { base_url: c.url, organization: c.organization, token })?)
        };
        let v = Arc::new(Vault::new(backend, self.keys.clone(), id, drafts, opts));
        v.set_expiry_warning_days(self.settings().expiry_warning_days);
        map.insert(id.to_owned(), v.clone());
        self.activity.lock().unwrap_or_else(|e| e.into_inner()).insert(id.to_owned(), Instant::now());
        Ok(v)
    }

    /// Applies the auto-lock setting as it is now: locks the connections idle for longer. Returns
    /// whether any key was dropped.
    pub async fn check_idle(&self) -> bool {
        self.check_idle_at(Instant::now()).await
    }

    /// [`AppCore::check_idle`] as if it were `now` (tests move the clock).
    pub async fn check_idle_at(&self, now: Instant) -> bool {
        let Some(limit) = self.idle_limit() else { return false };
        // A connection locked for idleness leaves the activity map until it is used again, so it is
        // locked (and reported) once per idle period.
        let idle: Vec<String> = {
            let mut activity = self.activity.lock().unwrap_or_else(|e| e.into_inner());
            let idle: Vec<String> = activity
                .iter()
                .filter(|(_, last)| now.saturating_duration_since(**last) >= limit)
                .map(|(id, _)| id.clone())
                .collect();
            for id in &idle {
                activity.remove(id);
            }
            idle
        };
        if idle.is_empty() {
            return false;
        }
        let vaults = self.vaults.read().await;
        for id in &idle {
            if let Some(v) = vaults.get(id) {
                v.lock_all();
            }
        }
        self.forget_import();
        true
    }

    /// Locks every key of every connection (and forgets a file chosen for import).
    pub async fn lock_all(&self) {
        for v in self.vaults.read().await.values() {
            v.lock_all();
        }
        self.forget_import();
    }

    // ---------------------------------------------------------------- tree

    /// Creates a project. A generated key is returned once, for the user to back up.
    pub async fn create_project(&self, conn: &str, name: &str, key: NewKey) -> IpcResult<CreatedProjectDto> {
        let created = self.vault(conn).await?.create_project(name, None, key.into()).await?;
        let backup = created.key_to_back_up.as_ref().map(|k| Secret::new(k.as_str()));
        *self.pending_backup.lock().unwrap_or_else(|e| e.into_inner()) = created.key_to_back_up;
        Ok(CreatedProjectDto { project: created.info, key_to_back_up: backup })
    }

    /// The key waiting for backup, to write to a file (then forgotten).
    pub fn take_backup(&self) -> Option<Zeroizing<String>> {
        self.pending_backup.lock().unwrap_or_else(|e| e.into_inner()).take()
    }

    /// Forgets the key waiting for backup.
    pub fn dismiss_backup(&self) {
        self.pending_backup.lock().unwrap_or_else(|e| e.into_inner()).take();
    }

    /// Deletes a node; `confirm` must be its slug (typed by the user).
    /// The user confirms natively too: the page's typed confirmation is the page's own (hole 18).
    pub async fn delete_node(&self, conn: &str, path: &IpcPath, confirm: &str) -> IpcResult<()> {
        let slug = path.leaf();
        let path = &path.node();
        if confirm != slug {
            return Err(IpcError::new(Code::ConfirmationRequired, format!("Type `{slug}` to delete it.")));
        }
        let v = self.vault(conn).await?;
        let what = match (&path.target, &path.environment) {
            (None, _) => "project, its targets, environments, secrets and history",
            (Some(_), None) => "target, its environments, secrets and history",
            (Some(_), Some(_)) => "environment, its secrets and history",
        };
        self.confirmed("Delete for good?", &format!("Delete `{}` — the {what}? This cannot be undone.", bounded(slug)))
            .await?;
        Ok(v.delete_node(path).await?)
    }

    // ---------------------------------------------------------------- keys

    /// Rotates a client-managed project's key (`generate` or `passphrase`), reporting progress; a
    /// generated key is returned once for backup.
    pub async fn rotate_key(
        &self,
        conn: &str,
        project: &str,
        key: NewKey,
        progress: &dyn vault::Progress,
    ) -> IpcResult<RotationDto> {
        let out = self.vault(conn).await?.rotate_client_key(project, key.into(), progress).await?;
        let backup = out.key_to_back_up.as_ref().map(|k| Secret::new(k.as_str()));
        *self.pending_backup.lock().unwrap_or_else(|e| e.into_inner()) = out.key_to_back_up;
        Ok(RotationDto {
            blobs: out.blobs,
            versions: out.versions,
            key_version: out.key_version,
            key_to_back_up: backup,
        })
    }

    // ---------------------------------------------------------------- history

    /// Deletes a version; with `force` (the only copy of a deleted level's content), once the user
    /// confirms natively.
    pub async fn delete_version(&self, conn: &str, id: &VersionId, force: bool) -> IpcResult<()> {
        let v = self.vault(conn).await?;
        if force {
            self.confirmed(
                "Delete the only copy?",
                &format!("Version {id} is the only copy of its content. Delete it for good?"),
            )
            .await?;
        }
        Ok(v.delete_version(id.as_str(), force).await?)
    }

    /// Purges a level's history; `confirm` must be the level's slug, and the user confirms natively.
    pub async fn purge(&self, conn: &str, path: &IpcPath, confirm: &str) -> IpcResult<u64> {
        let slug = path.leaf();
        let path = &path.node();
        if confirm != slug {
            return Err(IpcError::new(Code::ConfirmationRequired, format!("Type `{slug}` to purge its history.")));
        }
        let v = self.vault(conn).await?;
        self.confirmed(
            "Purge the history?",
            &format!("Every earlier version of `{slug}` is deleted for good. The current content stays."),
        )
        .await?;
        Ok(v.purge(path, false).await?)
    }

    // ---------------------------------------------------------------- import and export

    /// Reads the file the user chose in the native open dialog and issues the handle the webview names
    /// it by (it never sees the path). Replaces an earlier choice.
    pub fn choose_import(&self, file: &Path) -> IpcResult<ImportChoiceDto> {
        use std::io::Read;
        let f = std::fs::File::open(file)?;
        // Room for the whole file up front: no reallocation leaves a copy of it behind.
        let len = f.metadata().map(|m| m.len()).unwrap_or(0).min(MAX_IMPORT_BYTES) + 1;
        let mut bytes = Zeroizing::new(Vec::with_capacity(len as usize));
        f.take(MAX_IMPORT_BYTES + 1).read_to_end(&mut bytes)?;
        if bytes.len() as u64 > MAX_IMPORT_BYTES {
            return Err(IpcError::new(
                Code::ImportFailed,
                format!(
                    "That file is larger than {} MiB; a .env or JSON file to import is far smaller.",
                    MAX_IMPORT_BYTES >> 20
                ),
            ));
        }
        let handle = ImportHandle(self.next_import.fetch_add(1, Ordering::Relaxed));
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        *self.import.lock().unwrap_or_else(|e| e.into_inner()) = Some(ImportChoice { handle, bytes });
        Ok(ImportChoiceDto { handle, name })
    }

    /// A file dropped on the window (Tauri's drag-drop event, whose paths stay on this side): read like
    /// a file chosen in the open dialog ([`Self::choose_import`]: the same limit, a new handle). One
    /// regular file; a folder, several files or a device are refused with a message to show.
    pub fn drop_import(&self, paths: &[PathBuf]) -> IpcResult<ImportChoiceDto> {
        let refuse = |m: &str| Err(IpcError::new(Code::ImportFailed, m));
        match paths {
            [] => refuse("Nothing was dropped that can be imported: drop a .env or JSON file."),
            [file] => match std::fs::metadata(file) {
                Ok(m) if m.is_file() => self.choose_import(file),
                Ok(m) if m.is_dir() => refuse("That is a folder: drop one .env or JSON file from it."),
                Ok(_) => refuse("That is not a regular file: drop a .env or JSON file."),
                Err(e) => Err(e.into()),
            },
            _ => refuse("Several files were dropped: drop one .env or JSON file at a time."),
        }
    }

    /// The bytes of the file chosen under `handle`.
    fn import_bytes(&self, handle: ImportHandle) -> IpcResult<Zeroizing<Vec<u8>>> {
        match &*self.import.lock().unwrap_or_else(|e| e.into_inner()) {
            Some(c) if c.handle == handle => Ok(c.bytes.clone()),
            _ => Err(IpcError::new(
                Code::Invalid,
                "No file is chosen for import (or it was forgotten): choose the file again.",
            )),
        }
    }

    /// Forgets the file chosen for import.
    fn forget_import(&self) {
        self.import.lock().unwrap_or_else(|e| e.into_inner()).take();
    }

    /// What importing the chosen file would change.
    pub async fn preview_import(
        &self,
        conn: &str,
        path: &NodePath,
        handle: ImportHandle,
    ) -> IpcResult<vault::ImportPreview> {
        let bytes = self.import_bytes(handle)?;
        Ok(self.vault(conn).await?.preview_import(path, &bytes).await?)
    }

    /// Imports the chosen file into a level (the file is forgotten once it is saved).
    pub async fn apply_import(
        &self,
        conn: &str,
        path: &NodePath,
        handle: ImportHandle,
        mode: ImportMode,
    ) -> IpcResult<SaveDto> {
        let bytes = self.import_bytes(handle)?;
        let out = SaveDto::from(self.vault(conn).await?.apply_import(path, &bytes, mode).await?);
        let mut import = self.import.lock().unwrap_or_else(|e| e.into_inner());
        if import.as_ref().is_some_and(|c| c.handle == handle) {
            *import = None;
        }
        Ok(out)
    }

    /// Writes an export to `file` with owner-only permissions.
    pub async fn export_to(
        &self,
        conn: &str,
        source: &ExportSource,
        format: Format,
        resolve: bool,
        schema_confirmed: bool,
        file: &Path,
    ) -> IpcResult<()> {
        let bytes = self.export_bytes(conn, source, format, resolve, schema_confirmed).await?;
        write_private(file, &bytes)?;
        Ok(())
    }

    /// The bytes of an export, checked (the schema of a merged environment unless `schema_confirmed`,
    /// the format's read-back), before any file is asked for.
    pub async fn export_bytes(
        &self,
        conn: &str,
        source: &ExportSource,
        format: Format,
        resolve: bool,
        schema_confirmed: bool,
    ) -> IpcResult<Zeroizing<Vec<u8>>> {
        Ok(self.vault(conn).await?.export_checked(source, format, resolve, schema_confirmed).await?)
    }

    /// Writes the pending key backup to `file` (owner-only) and forgets it.
    pub fn save_backup_to(&self, file: &Path, project: &str) -> IpcResult<()> {
        let key = self.take_backup().ok_or_else(|| IpcError::invalid("There is no key waiting to be backed up."))?;
        let text = Zeroizing::new(format!(
            "# envdesk client key of project `{project}`. Anyone with this key can read its secrets.\n{}\n",
            key.as_str()
        ));
        write_private(file, text.as_bytes())?;
        Ok(())
    }
}

/// At most 80 characters of a user-given name in a confirmation.
fn bounded(s: &str) -> String {
    const MAX: usize = 80;
    if s.chars().count() <= MAX {
        s.to_owned()
    } else {
        format!("{}…", s.chars().take(MAX).collect::<String>())
    }
}

/// Writes a file only its owner can read and write (0600), replacing any file there.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let _ = std::fs::remove_file(path);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Analysis of a text being edited: parse error, lints with fixes, entries for the table.
pub fn analyze(text: &str) -> AnalysisDto {
    analyze_in(text, &[], envdesk_core::merge::LevelKind::Environment)
}

/// [`analyze`] of a level of kind `own` whose node's levels `above` declare a schema (issue 16): the
/// values are checked against their keys' `@type` as those levels and this one say.
pub fn analyze_in(
    text: &str,
    above: &[(envdesk_core::merge::LevelKind, &envdesk_core::schema::LevelSchema)],
    own: envdesk_core::merge::LevelKind,
) -> AnalysisDto {
    match Document::parse(text) {
        Ok(doc) => AnalysisDto {
            parse_error: None,
            lints: doc.lint_in(above, own),
            entries: with_node_schema(doc.entries(), &doc, above, own),
            comment_blocks: doc.comment_blocks(),
        },
        Err(e) => AnalysisDto {
            parse_error: Some(ParseErrorDto { line: e.line(), column: e.column(), message: e.message() }),
            lints: Vec::new(),
            entries: Vec::new(),
            comment_blocks: Vec::new(),
        },
    }
}

/// The table's entries with what the whole node's schema says of each key (the levels above and this
/// one), not only this level's own annotations: types usually live at the project, values below.
fn with_node_schema(
    mut entries: Vec<envdesk_core::dotenv::Entry>,
    doc: &Document,
    above: &[(envdesk_core::merge::LevelKind, &envdesk_core::schema::LevelSchema)],
    own: envdesk_core::merge::LevelKind,
) -> Vec<envdesk_core::dotenv::Entry> {
    if above.iter().all(|(_, s)| s.keys.is_empty()) {
        return entries;
    }
    let level = envdesk_core::schema::level_schema(doc);
    let schema = envdesk_core::schema::Schema::of_levels(above.iter().copied().chain([(own, &level)]));
    // The line that sets each key only: a level may assign one key hundreds of thousands of times, and
    // a copy of a long `@description` per line ran the app out of memory. Overridden lines keep what
    // is written directly above them.
    for e in entries.iter_mut().filter(|e| !e.overridden) {
        if let Some(k) = schema.key(&e.key) {
            e.schema = Some(k.schema.clone());
        }
    }
    entries
}

/// An edit from the table view, applied to the text so that only the bytes it must change, change.
pub fn edit_text(text: &str, edit: &TextEdit) -> IpcResult<String> {
    let mut doc =
        Document::parse(text).map_err(|e| IpcError::new(Code::ParseError, format!("Fix the text first: {e}")))?;
    let r = match edit {
        TextEdit::Set { key, value } => doc.set(key, value),
        TextEdit::Rename { from, to } => doc.rename(from, to),
        TextEdit::Remove { key } => {
            doc.remove(key);
            Ok(())
        }
    };
    r.map_err(|e| IpcError::invalid(e.to_string()))?;
    Ok(doc.to_string())
}
