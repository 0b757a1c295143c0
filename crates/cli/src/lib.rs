//! envdesk in a terminal (issue 17): the same connections, keychain entries and local vault as the app,
//! through the same `Vault` — `run` a program with an environment's secrets in its environment (nothing
//! written to disk), `export` an environment, `ls` the tree, `history` of a level. What each command
//! does, the exit codes and the `.envdesk` file: `docs/cli.md`.
#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use envdesk_api::NodePath;
use envdesk_client::http::{HttpBackend, HttpConfig};
use envdesk_client::keystore::names;
use envdesk_client::local::{open_local, DB_FILE};
use envdesk_client::vault::{OfflineStore, Snapshot};
use envdesk_client::{ClientError, KeyStore, Vault, VaultOptions};
use zeroize::Zeroizing;

/// The app's identifier: its data directory's name and its keychain service.
pub const APP_ID: &str = "dev.envdesk.app";

/// The file in a project directory that names the environment (and connection) of `run` there.
pub const DOT_ENVDESK: &str = ".envdesk";

/// Exit codes (docs/cli.md). `run` exits with the program's own status otherwise.
pub mod exit {
    /// Something else went wrong (the message says what).
    pub const FAILED: i32 = 1;
    /// The command line is wrong (clap's code too).
    pub const USAGE: i32 = 2;
    /// No such connection, project, target, environment or version.
    pub const NOT_FOUND: i32 = 3;
    /// The project is locked and cannot be unlocked here (no key in the keychain, no terminal).
    pub const LOCKED: i32 = 4;
    /// The server could not be reached, or answered with an error of its own.
    pub const UNREACHABLE: i32 = 5;
    /// The environment cannot be used as it is: a level does not parse, a `${…}` does not resolve,
    /// or (export) it breaks its schema.
    pub const UNUSABLE: i32 = 6;
    /// `push`: the level changed since the preview and the same keys were changed on both sides;
    /// nothing was written.
    pub const CONFLICT: i32 = 7;
    /// `run`: the program could not be started (not found).
    pub const NOT_FOUND_PROGRAM: i32 = 127;
    /// `run`: the program could not be started (not executable).
    pub const NOT_EXECUTABLE: i32 = 126;
}

/// A failure, with the exit code it maps to. The message never holds a value or a key.
#[derive(Debug)]
pub struct CliError {
    /// What went wrong, in a sentence a person can act on.
    pub message: String,
    /// The exit code ([`exit`]).
    pub code: i32,
    /// The server could not be reached at all (no answer, or none in time): what lets `run` and
    /// `export` fall back to the offline copy. An error the server answered with is not this (a
    /// gateway's 502, 503 or 504 without an answer of the API is: the server behind it is away).
    pub unreachable: bool,
    /// The server answered that the environment is not there or not this token's any more: its
    /// offline copy is removed.
    pub gone: bool,
}

impl CliError {
    /// A failure with `code`.
    pub fn new(code: i32, message: impl Into<String>) -> CliError {
        CliError { message: message.into(), code, unreachable: false, gone: false }
    }
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<ClientError> for CliError {
    fn from(e: ClientError) -> CliError {
        use envdesk_api::ErrorCode;
        let code = match &e {
            ClientError::Locked { .. } | ClientError::KeyNeeded { .. } | ClientError::WrongKey { .. } => exit::LOCKED,
            ClientError::Parse { .. } | ClientError::Template(_) | ClientError::SchemaViolation(_) => exit::UNUSABLE,
            ClientError::Api(a) => match a.code {
                ErrorCode::NotFound => exit::NOT_FOUND,
                ErrorCode::Unauthenticated => exit::LOCKED,
                ErrorCode::Network | ErrorCode::Timeout | ErrorCode::Internal | ErrorCode::InvalidResponse => {
                    exit::UNREACHABLE
                }
                _ => exit::FAILED,
            },
            _ => exit::FAILED,
        };
        let unreachable =
            matches!(&e, ClientError::Api(a) if matches!(a.code, ErrorCode::Network | ErrorCode::Timeout));
        let gone = matches!(&e, ClientError::Api(a) if matches!(a.code, ErrorCode::NotFound | ErrorCode::Unauthenticated | ErrorCode::InsufficientPermissions));
        let mut message = e.to_string();
        if matches!(&e, ClientError::Api(a) if a.code == ErrorCode::Unauthenticated) {
            message = format!(
                "{} The server refuses the connection's token: add the connection again in envdesk with a new one.",
                message.trim_end()
            );
        }
        CliError { unreachable, gone, ..CliError::new(code, message) }
    }
}

/// What the command line works on: the app's data directory and keychain.
pub struct Context {
    /// The app's data directory (the local vault, `settings.json` with the connections).
    pub data_dir: PathBuf,
    /// The keychain (the app's service).
    pub keys: Arc<dyn KeyStore>,
    /// Whether a passphrase may be asked for on the terminal.
    pub interactive: bool,
}

/// The app's data directory: `ENVDESK_DATA_DIR`, else `$XDG_DATA_HOME/dev.envdesk.app` (where Tauri
/// puts the app's, `app_data_dir`).
pub fn data_dir() -> Result<PathBuf, CliError> {
    if let Some(d) = std::env::var_os("ENVDESK_DATA_DIR") {
        return Ok(PathBuf::from(d));
    }
    dirs::data_dir()
        .map(|d| d.join(APP_ID))
        .ok_or_else(|| CliError::new(exit::FAILED, "No data directory: set HOME or ENVDESK_DATA_DIR."))
}

/// The app's keychain service: `ENVDESK_KEYRING_SERVICE`, else the app's identifier.
pub fn keyring_service() -> String {
    std::env::var("ENVDESK_KEYRING_SERVICE").unwrap_or_else(|_| APP_ID.to_owned())
}

/// A connection as the app stores it (`settings.json`, `connections`; its token is in the keychain).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Connection {
    /// Stable id (keychain entries use it).
    pub id: String,
    /// Display name.
    pub name: String,
    /// `local` for the local vault, else the server's base URL.
    pub url: String,
    /// Organization ULID (empty for the local vault).
    pub organization: String,
}

/// The local vault's connection id.
pub const LOCAL: &str = "local";

/// The local vault, then the app's remote connections (none when the app has no settings file yet).
pub fn connections(data_dir: &Path) -> Result<Vec<Connection>, CliError> {
    let mut out = vec![Connection {
        id: LOCAL.into(),
        name: "Local vault".into(),
        url: LOCAL.into(),
        organization: String::new(),
    }];
    let file = data_dir.join("settings.json");
    let text = match std::fs::read_to_string(&file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(CliError::new(exit::FAILED, format!("{} cannot be read: {e}", file.display()))),
    };
    out.extend(parse_connections(&text, &file)?);
    Ok(out)
}

/// The remote connections of the app's settings file `file`, whose text is `text` (the local vault's id
/// is skipped: it is always the first, and a file cannot redefine it).
pub fn parse_connections(text: &str, file: &Path) -> Result<Vec<Connection>, CliError> {
    let settings: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| CliError::new(exit::FAILED, format!("{} is not JSON: {e}", file.display())))?;
    let Some(list) = settings.get("connections") else { return Ok(Vec::new()) };
    let remotes: Vec<Connection> = serde_json::from_value(list.clone()).map_err(|e| {
        CliError::new(exit::FAILED, format!("The connections in {} cannot be read: {e}", file.display()))
    })?;
    Ok(remotes.into_iter().filter(|c| c.id != LOCAL).collect())
}

/// The connection named `which` (its id or its name, ignoring case); the local vault when `None`.
pub fn find_connection(all: &[Connection], which: Option<&str>) -> Result<Connection, CliError> {
    let which = which.unwrap_or(LOCAL);
    all.iter().find(|c| c.id == which || c.name.eq_ignore_ascii_case(which)).cloned().ok_or_else(|| {
        let names: Vec<&str> = all.iter().map(|c| c.name.as_str()).collect();
        CliError::new(exit::NOT_FOUND, format!("No connection named `{which}`. The connections: {}.", names.join(", ")))
    })
}

/// Opens the vault of `conn`. The local vault must exist already (the app creates it): a command line
/// never makes a new vault and its keys behind the user's back.
pub fn open_vault(ctx: &Context, conn: &Connection) -> Result<Vault, CliError> {
    // PBKDF2's results remembered in the keychain beside the keys they come from: a command that
    // unlocks on every start would otherwise spend ~170 ms deriving (envdesk-client `vault/memo.rs`).
    let opts = VaultOptions { idle_lock: None, remember_derived: true, ..VaultOptions::default() };
    let drafts = ctx.data_dir.join("drafts");
    let backend: Arc<dyn envdesk_api::Backend> = if conn.id == LOCAL {
        if !ctx.data_dir.join(DB_FILE).exists() {
            return Err(CliError::new(
                exit::NOT_FOUND,
                format!("There is no local vault in {} yet: open envdesk once to create it.", ctx.data_dir.display()),
            ));
        }
        let local = open_local(&ctx.data_dir, ctx.keys.as_ref(), envdesk_core::crypto::DEFAULT_ITERATIONS)?;
        Arc::new(local.backend)
    } else {
        let token =
            ctx.keys.get(&names::token(&conn.id)).map_err(|e| CliError::new(exit::FAILED, e))?.ok_or_else(|| {
                CliError::new(
                    exit::LOCKED,
                    format!(
                        "The token of `{}` is not in the keychain; add the connection again in envdesk.",
                        conn.name
                    ),
                )
            })?;
        Arc::new(
            HttpBackend::new(HttpConfig { base_url: conn.url.clone(), organization: conn.organization.clone(), token })
                .map_err(ClientError::from)?,
        )
    };
    Ok(Vault::new(backend, ctx.keys.clone(), &conn.id, drafts, opts))
}

/// An environment (or a project or target) named on the command line: `PROJECT[/TARGET[/ENVIRONMENT]]`,
/// each part a slug.
pub fn parse_path(s: &str) -> Result<NodePath, CliError> {
    let parts: Vec<&str> = s.trim_matches('/').split('/').collect();
    for p in &parts {
        if let Some(problem) = envdesk_api::slug_problem(p) {
            return Err(CliError::new(exit::USAGE, format!("`{s}` is not PROJECT[/TARGET[/ENVIRONMENT]]: {problem}")));
        }
    }
    Ok(match parts.as_slice() {
        [p] => NodePath::project(p),
        [p, t] => NodePath::target(p, t),
        [p, t, e] => NodePath::environment(p, t, e),
        _ => return Err(CliError::new(exit::USAGE, format!("`{s}` is not PROJECT[/TARGET[/ENVIRONMENT]]."))),
    })
}

/// What a `.envdesk` file says: the environment, and the connection (`None`: the local vault).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DotEnvdesk {
    /// Where it was found.
    pub file: PathBuf,
    /// `environment=PROJECT/TARGET/ENVIRONMENT`.
    pub environment: Option<String>,
    /// `connection=NAME`.
    pub connection: Option<String>,
}

/// The `.envdesk` file of `dir` or the nearest directory above it, if any — not above the home
/// directory (when `dir` is in it), and only a file of the user's own (one another user put in `/tmp`
/// must not pick the environment). It is a `.env` file (read by envdesk's own parser) with
/// `environment=` and, optionally, `connection=`; any other key is an error (a typo must not be
/// ignored).
pub fn find_dot_envdesk(dir: &Path) -> Result<Option<DotEnvdesk>, CliError> {
    let home = dirs::home_dir();
    for d in dir.ancestors() {
        let file = d.join(DOT_ENVDESK);
        if !owned_by_me(&file) {
            if home.as_deref() == Some(d) {
                break;
            }
            continue;
        }
        let text = match std::fs::read_to_string(&file) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound || e.kind() == std::io::ErrorKind::NotADirectory => {
                continue
            }
            Err(e) => return Err(CliError::new(exit::FAILED, format!("{} cannot be read: {e}", file.display()))),
        };
        return parse_dot_envdesk(&text, &file).map(Some);
    }
    Ok(None)
}

/// What the `.envdesk` file `file`, whose text is `text`, says.
pub fn parse_dot_envdesk(text: &str, file: &Path) -> Result<DotEnvdesk, CliError> {
    let doc = envdesk_core::dotenv::Document::parse(text)
        .map_err(|e| CliError::new(exit::USAGE, format!("{}: {e}", file.display())))?;
    let mut out = DotEnvdesk { file: file.to_owned(), environment: None, connection: None };
    for (k, v) in doc.vars() {
        match k.as_str() {
            "environment" => out.environment = Some(v),
            "connection" => out.connection = Some(v),
            other => {
                return Err(CliError::new(
                    exit::USAGE,
                    format!("{}: unknown setting `{other}` (it takes `environment` and `connection`)", file.display()),
                ))
            }
        }
    }
    Ok(out)
}

/// Whether `file` exists and belongs to this user.
#[cfg(unix)]
fn owned_by_me(file: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::symlink_metadata(file).is_ok_and(|m| m.uid() == nix::unistd::getuid().as_raw())
}

#[cfg(not(unix))]
fn owned_by_me(file: &Path) -> bool {
    file.exists()
}

/// Unlocks `project` from the keychain, as the app does; when its key is not there, asks on the
/// terminal (not remembered), or — without a terminal — says how to unlock it. Never waits for input
/// that cannot come.
pub async fn unlock(ctx: &Context, vault: &Vault, project: &str) -> Result<(), CliError> {
    match vault.unlock(project).await {
        Ok(_) => Ok(()),
        Err(e @ (ClientError::KeyNeeded { .. } | ClientError::WrongKey { .. })) => {
            if !ctx.interactive {
                return Err(CliError::new(
                    exit::LOCKED,
                    format!(
                        "{e} No terminal to ask for it: unlock `{project}` once in envdesk with \"Remember on this \
                         computer\" (its key then comes from the keychain), or run this command in a terminal."
                    ),
                ));
            }
            let key = Zeroizing::new(
                rpassword::prompt_password(format!("Key or passphrase of project `{project}`: "))
                    .map_err(|e| CliError::new(exit::LOCKED, format!("The passphrase could not be read: {e}")))?,
            );
            vault.unlock_with_key(project, key.trim(), false).await?;
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

/// Where `run` and `export` read an environment from, for a connection to a server (the local vault
/// is always read as it is).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The server; the offline copy, with a warning, when the server cannot be reached.
    Auto,
    /// The offline copy only (`--offline`): nothing is asked of the server.
    OfflineCopy,
    /// The server only (`--online`): failing when it cannot be reached.
    Server,
}

/// An environment read for `run` or `export`.
#[derive(Debug)]
pub struct Read {
    /// Its variables (merged, `${…}` resolved), and whether they break the schema.
    pub snapshot: Snapshot,
    /// What to tell the user on standard error (the offline copy was used; it could not be kept).
    pub warning: Option<String>,
}

/// Reads the environment `path` of `conn` for `run` and `export` (`for_export`: whether the schema
/// is checked from the local vault; from a server it always is, for the copy): every level must parse and every
/// `${…}` resolve (else exit 6 says which keys; the program would get wrong values). From a server,
/// each successful read is kept as the environment's offline copy (encrypted; see
/// `envdesk_client::vault::OfflineStore`), and that copy is used — with a warning saying how old it
/// is — when the server cannot be reached, as `source` allows.
pub async fn read_environment(
    ctx: &Context,
    conn: &Connection,
    vault: &Vault,
    path: &NodePath,
    source: Source,
    for_export: bool,
) -> Result<Read, CliError> {
    if conn.id == LOCAL {
        unlock(ctx, vault, &path.project).await?;
        return Ok(Read { snapshot: vault.snapshot(path, for_export).await?, warning: None });
    }
    let store = OfflineStore::new(&ctx.data_dir, ctx.keys.clone(), &conn.id);
    if source == Source::OfflineCopy {
        return from_copy(&store, conn, path, None);
    }
    let online = async {
        unlock(ctx, vault, &path.project).await?;
        // Checked whatever the command: the copy may serve an export later.
        Ok::<_, CliError>(vault.snapshot(path, true).await?)
    }
    .await;
    match online {
        Ok(snapshot) => {
            let warning = store
                .keep(&snapshot)
                .err()
                .map(|e| format!("the offline copy of {} could not be kept: {e}", path.display()));
            Ok(Read { snapshot, warning })
        }
        Err(e) if e.unreachable && source == Source::Auto => from_copy(&store, conn, path, Some(e)),
        Err(e) => {
            if e.gone {
                // Not there any more, or not this token's: the copy must not outlive that answer.
                let _ = store.remove(path);
            }
            Err(e)
        }
    }
}

/// The offline copy of `path`, or why there is none; `cause` is why the server was not used (`None`:
/// `--offline`).
fn from_copy(
    store: &OfflineStore,
    conn: &Connection,
    path: &NodePath,
    cause: Option<CliError>,
) -> Result<Read, CliError> {
    let copy = store.load(path);
    match (copy, cause) {
        (Ok(Some((snapshot, confirmed))), cause) => {
            let age = age(&confirmed);
            let warning = match cause {
                Some(e) => format!(
                    "{} cannot be reached ({}); using the offline copy of {} read {age}.",
                    conn.url,
                    e.message.trim_end_matches('.'),
                    path.display()
                ),
                None => format!("--offline: using the copy of {} read {age}.", path.display()),
            };
            Ok(Read { snapshot, warning: Some(warning) })
        }
        (Ok(None), Some(e)) => Err(CliError {
            message: format!("{} (There is no offline copy of {} on this computer.)", e.message, path.display()),
            ..e
        }),
        (Ok(None), None) => Err(CliError::new(
            exit::NOT_FOUND,
            format!(
                "There is no offline copy of {} from `{}` on this computer: run the command once while {} can be \
                 reached.",
                path.display(),
                conn.name,
                conn.url
            ),
        )),
        (Err(copy), Some(e)) => Err(CliError { message: format!("{} {copy}", e.message), ..e }),
        (Err(copy), None) => Err(CliError::new(exit::FAILED, copy.to_string())),
    }
}

/// How long ago an RFC 3339 time was, in words ("3 minutes ago").
pub fn age(rfc3339: &str) -> String {
    let Ok(t) = chrono::DateTime::parse_from_rfc3339(rfc3339) else { return format!("at {rfc3339}") };
    let secs = (chrono::Utc::now() - t.with_timezone(&chrono::Utc)).num_seconds().max(0);
    let (n, unit) = match secs {
        s if s < 60 => return "less than a minute ago".to_owned(),
        s if s < 3600 => (s / 60, "minute"),
        s if s < 86_400 => (s / 3600, "hour"),
        s => (s / 86_400, "day"),
    };
    format!("{n} {unit}{} ago ({rfc3339})", if n == 1 { "" } else { "s" })
}

/// The environment a child of `run` gets: the process's own, with `vars` laid over it — or under it
/// when `keep_existing` (then a variable already set in the process wins).
pub fn child_env(
    process: impl IntoIterator<Item = (std::ffi::OsString, std::ffi::OsString)>,
    vars: &envdesk_core::Vars,
    keep_existing: bool,
) -> Vec<(std::ffi::OsString, std::ffi::OsString)> {
    let mut env: BTreeMap<std::ffi::OsString, std::ffi::OsString> = process.into_iter().collect();
    for (k, v) in vars {
        let k = std::ffi::OsString::from(k);
        if keep_existing && env.contains_key(&k) {
            continue;
        }
        env.insert(k, std::ffi::OsString::from(v.as_str()));
    }
    env.into_iter().collect()
}

/// Writes `bytes` to `path`, private to the user (0600) from its creation, replacing what is there
/// only once the whole text is written (a new file beside it, renamed over it: a failed write leaves
/// the old file as it was).
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let name = path.file_name().ok_or_else(|| std::io::Error::other("not a file name"))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".envdesk-{}.tmp", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    let _ = std::fs::remove_file(&tmp);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let written = (|| {
        let mut f = opts.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// One node of `ls`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TreeNode {
    /// Slug.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// `client` or `server` (projects), else absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub managed: Option<String>,
    /// Targets of a project, environments of a target.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<TreeNode>,
}

/// The tree of the connection: projects, their targets, their environments (names only: nothing is
/// decrypted, no project is unlocked).
pub async fn tree(vault: &Vault) -> Result<Vec<TreeNode>, CliError> {
    let mut out = Vec::new();
    for p in vault.projects().await? {
        let mut targets = Vec::new();
        for t in vault.targets(&p.slug).await? {
            let envs = vault.environments(&p.slug, &t.slug).await?;
            targets.push(TreeNode {
                slug: t.slug,
                name: t.name,
                managed: None,
                children: envs
                    .into_iter()
                    .map(|e| TreeNode { slug: e.slug, name: e.name, managed: None, children: Vec::new() })
                    .collect(),
            });
        }
        let managed = p.managed.map(|m| match m {
            envdesk_client::vault::Managed::Client => "client".to_owned(),
            envdesk_client::vault::Managed::Server => "server".to_owned(),
        });
        out.push(TreeNode { slug: p.slug, name: p.name, managed, children: targets });
    }
    Ok(out)
}

/// The tree as indented text (`ls` without `--json`).
pub fn tree_text(nodes: &[TreeNode]) -> String {
    let mut out = String::new();
    for p in nodes {
        out.push_str(&p.slug);
        if let Some(m) = &p.managed {
            out.push_str(&format!("  ({m}-managed)"));
        }
        out.push('\n');
        for t in &p.children {
            out.push_str(&format!("  {}/{}\n", p.slug, t.slug));
            for e in &t.children {
                out.push_str(&format!("    {}/{}/{}\n", p.slug, t.slug, e.slug));
            }
        }
    }
    out
}

/// What a key-wise difference line shows: the key and how it changed, values only when asked for.
pub fn change_lines(changes: &[envdesk_core::diff::Change], show_values: bool) -> Vec<String> {
    use envdesk_core::diff::Change;
    changes
        .iter()
        .filter_map(|c| match c {
            Change::Added { key, value } if show_values => Some(format!("+ {key}={value}")),
            Change::Added { key, .. } => Some(format!("+ {key}")),
            Change::Removed { key, value } if show_values => Some(format!("- {key}={value}")),
            Change::Removed { key, .. } => Some(format!("- {key}")),
            Change::Changed { key, old, new } if show_values => Some(format!("~ {key}: {old} → {new}")),
            Change::Changed { key, .. } => Some(format!("~ {key}")),
            Change::Unchanged { .. } => None,
        })
        .collect()
}

/// One side of `diff`, as written on the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Side {
    /// `PATH`: the node's merged result now (its levels from the project down).
    Merged(NodePath),
    /// `PATH@level`: the node's own level now, as written.
    Level(NodePath),
    /// `PATH@rN`: the node's own level at revision N (as `history` lists it).
    Revision(NodePath, u64),
    /// `PATH@id:N`: the version of the node's own level with id N (`history` lists them), digits only.
    Version(NodePath, String),
}

impl Side {
    /// The node.
    pub fn path(&self) -> &NodePath {
        match self {
            Side::Merged(p) | Side::Level(p) | Side::Revision(p, _) | Side::Version(p, _) => p,
        }
    }
}

/// The longest version id accepted (`i64::MAX` has 19 digits; ids are positive decimal numbers).
const MAX_VERSION_ID_DIGITS: usize = 19;

/// Parses a side of `diff`: `PROJECT[/TARGET[/ENVIRONMENT]]`, optionally followed by `@level`, `@rN`
/// or `@id:N`. A bare `@N` is refused: version ids and revisions are both small numbers in a young
/// vault, and one taken for the other would compare the wrong version without a word.
pub fn parse_side(s: &str) -> Result<Side, CliError> {
    let Some((path, at)) = s.split_once('@') else { return Ok(Side::Merged(parse_path(s)?)) };
    let path = parse_path(path)?;
    let bad = || {
        CliError::new(
            exit::USAGE,
            format!(
                "`{s}`: after `@` comes `level` (the level as it is), `rN` (its revision N) or `id:N` (its version \
                 with id N); `envdesk-cli history PATH` lists both."
            ),
        )
    };
    if at == "level" {
        return Ok(Side::Level(path));
    }
    if let Some(n) = at.strip_prefix('r') {
        if n.is_empty() || n.len() > MAX_VERSION_ID_DIGITS || !n.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        return n.parse().map(|n| Side::Revision(path, n)).map_err(|_| bad());
    }
    let Some(id) = at.strip_prefix("id:") else { return Err(bad()) };
    if id.is_empty() || id.len() > MAX_VERSION_ID_DIGITS || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    match id.parse::<i64>() {
        Ok(n) if n > 0 => Ok(Side::Version(path, id.to_owned())),
        _ => Err(bad()),
    }
}

/// The keys and values of one side of `diff`, as written (templates not resolved: `${…}` is compared
/// as text, as the app's diff does).
async fn side_vars(vault: &Vault, side: &Side) -> Result<envdesk_core::Vars, CliError> {
    let parse = |text: &str, what: String| {
        envdesk_core::dotenv::Document::parse(text)
            .map(|d| d.vars())
            .map_err(|e| CliError::new(exit::UNUSABLE, format!("{what} does not parse: {e}")))
    };
    match side {
        Side::Merged(path) => {
            let mut node = vault.read_node(path).await?;
            let out = std::mem::take(&mut node.merged).into_iter().map(|m| (m.key, m.value)).collect();
            node.wipe();
            Ok(out)
        }
        Side::Level(path) => {
            let node = vault.read_node(path).await?;
            let out = match node.levels.last() {
                Some(level) => parse(&level.text, format!("The {} level of {}", level.kind.as_str(), path.display())),
                None => Ok(envdesk_core::Vars::default()),
            };
            node.wipe();
            out
        }
        Side::Revision(path, _) | Side::Version(path, _) => {
            let id = find_version(vault, side).await?;
            let version = vault.version(&path.project, &id).await?;
            let mut text = Zeroizing::new(version.text);
            let out = parse(&text, format!("Version {id} of {}", path.display()));
            zeroize::Zeroize::zeroize(&mut *text);
            out
        }
    }
}

/// The id of the version a `Revision` or `Version` side names, looked for in the level's own history
/// (so a version of another level is not taken for this one's).
async fn find_version(vault: &Vault, side: &Side) -> Result<String, CliError> {
    let path = side.path();
    // At most as many pages as any listing follows: a server claiming billions of pages is not asked
    // for each of them.
    for page in 1..=envdesk_client::vault::MAX_PAGES {
        let p = vault.history(path, page, 100).await?;
        let found = p.versions.iter().find(|v| match side {
            Side::Revision(_, n) => v.attributes.revision == Some(*n),
            Side::Version(_, id) => v.id == *id,
            _ => false,
        });
        if let Some(v) = found {
            return Ok(v.id.clone());
        }
        if p.versions.is_empty() || page >= p.meta.last_page {
            break;
        }
    }
    let which = match side {
        Side::Revision(_, n) => format!("revision {n}"),
        Side::Version(_, id) => format!("version with id {id}"),
        _ => String::new(),
    };
    Err(CliError::new(
        exit::NOT_FOUND,
        format!("The level of {} has no {which} (see `envdesk-cli history {}`).", path.display(), path.display()),
    ))
}

/// The key-wise difference of two sides of `diff` (merged nodes, levels or versions), `a` as the old
/// side.
pub async fn diff_sides(vault: &Vault, a: &Side, b: &Side) -> Result<Vec<envdesk_core::diff::Change>, CliError> {
    let va = side_vars(vault, a).await?;
    let vb = side_vars(vault, b).await?;
    let out = envdesk_core::diff::diff(&va, &vb);
    for mut v in va.into_values().chain(vb.into_values()) {
        zeroize::Zeroize::zeroize(&mut v);
    }
    Ok(out)
}

/// How a push ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Pushed {
    /// Nothing to change.
    Nothing,
    /// Declined at the preview.
    Declined,
    /// Saved as this revision; `merged` when the level had changed since the preview and the changes
    /// were merged key-wise with it (no key changed on both sides).
    Saved {
        /// The level's new revision.
        revision: Option<u64>,
        /// Merged with a change made meanwhile.
        merged: bool,
    },
}

/// Pushes a `.env` (or JSON) file into `path`'s level: its keys set (new ones appended) — or, with
/// `replace`, the file becomes the level — after `confirm` has seen the key-wise preview. The save
/// checks the level's revision; when it moved since the preview, the two are merged three-way as the
/// app does, and saved when no key changed on both sides (else nothing is written: exit 7, resolve it
/// in the app). A strict project's schema is checked first.
pub async fn push(
    vault: &Vault,
    path: &NodePath,
    bytes: &[u8],
    replace: bool,
    confirm: impl FnOnce(&[envdesk_core::diff::Change]) -> bool,
) -> Result<Pushed, CliError> {
    let p = vault.preview_import(path, bytes).await?;
    let (changes, text) =
        if replace { (&p.replace_changes, &p.replace_text) } else { (&p.merge_changes, &p.merged_text) };
    if !changes.iter().any(|c| c.is_difference()) {
        return Ok(Pushed::Nothing);
    }
    if !confirm(changes) {
        return Ok(Pushed::Declined);
    }
    vault.strict_refusal(path, text).await?;
    use envdesk_client::vault::SaveOutcome;
    match vault.write_level(path, text, p.base_revision, &p.base_text).await? {
        SaveOutcome::Saved { revision } => Ok(Pushed::Saved { revision, merged: false }),
        SaveOutcome::Conflict(c) => {
            if !c.merge.auto_merged || !c.merge.conflicts.is_empty() {
                let keys: Vec<&str> = c.merge.conflicts.iter().map(|k| k.key.as_str()).collect();
                return Err(CliError::new(
                    exit::CONFLICT,
                    if keys.is_empty() {
                        format!(
                            "{} changed since the preview and cannot be merged key by key; nothing was written. \
                             Push again, or resolve it in envdesk.",
                            path.display()
                        )
                    } else {
                        format!(
                            "{} changed since the preview, and these keys were changed on both sides: {}. Nothing was written; push again, or resolve it in envdesk.",
                            path.display(),
                            keys.join(", ")
                        )
                    },
                ));
            }
            vault.strict_refusal(path, &c.merge.text).await?;
            match vault.write_level(path, &c.merge.text, c.theirs_revision, &c.theirs_text).await? {
                SaveOutcome::Saved { revision } => Ok(Pushed::Saved { revision, merged: true }),
                SaveOutcome::Conflict(_) => Err(CliError::new(
                    exit::CONFLICT,
                    format!("{} keeps changing under this push; nothing was written. Push again.", path.display()),
                )),
            }
        }
    }
}

/// What `run --watch` compares: each level's revision and time of the node as stored (read, and the
/// decrypted text dropped at once); `None` when it cannot be read now (the server away; the project
/// not unlockable from the keychain, after a start from the offline copy).
pub async fn watched_revisions(vault: &Vault, path: &NodePath) -> Option<Vec<(Option<u64>, Option<String>)>> {
    if !vault.is_unlocked(&path.project) {
        vault.unlock(&path.project).await.ok()?;
    }
    // The levels only: a full read (parse, merge, templates) on every poll was work for nothing.
    vault.level_revisions(path).await.ok()
}
