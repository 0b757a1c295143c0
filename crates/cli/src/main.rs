//! `envdesk-cli`: envdesk in a terminal (docs/cli.md).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use envdesk_cli::{exit, CliError, Connection, Context, Source};
use envdesk_core::export::Format;

#[derive(Parser)]
#[command(
    name = "envdesk-cli",
    version,
    about = "envdesk in a terminal: the app's connections, keychain and local vault",
    after_help = "Exit codes: 0 done; 1 failed; 2 usage; 3 not found; 4 locked (no key, no terminal, or the \
                  connection's token missing or refused); 5 server unreachable or failed; 6 the environment is \
                  unusable as it is; 7 push: changed on both sides. `run` exits with the program's status (126 not \
                  executable, 127 not found). docs/cli.md has the details."
)]
struct Cli {
    /// The connection: its name or id as the app lists it (default: the local vault; `run` and
    /// `export` without --env take the `.envdesk` file's connection with its environment).
    #[arg(long, global = true, env = "ENVDESK_CONNECTION")]
    conn: Option<String>,
    #[command(subcommand)]
    command: Command,
}

/// Where `run` and `export` read from (a connection to a server; the local vault is read as it is).
#[derive(Args)]
struct SourceFlags {
    /// Use this computer's offline copy (the last read of the environment, kept encrypted) without
    /// asking the server. Server connections only (the local vault is read as it is); the copy comes
    /// from an earlier `run` or `export` that reached the server; the keychain still holds its key and
    /// the connection's token.
    #[arg(long, conflicts_with = "online")]
    offline: bool,
    /// Only the server: fail when it cannot be reached, instead of using the offline copy.
    #[arg(long)]
    online: bool,
}

impl SourceFlags {
    fn source(&self) -> Source {
        match (self.offline, self.online) {
            (true, _) => Source::OfflineCopy,
            (_, true) => Source::Server,
            _ => Source::Auto,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Runs a program with an environment's secrets added to its environment (nothing is written to
    /// disk): `envdesk-cli run --env app/backend/production -- npm start`.
    #[command(override_usage = "envdesk-cli run [OPTIONS] -- <PROGRAM> [ARGS]...")]
    Run {
        /// PROJECT/TARGET/ENVIRONMENT (default: the `.envdesk` file's `environment`).
        #[arg(long = "env", short = 'e')]
        environment: Option<String>,
        /// A variable already set in this process wins over the environment's (by default the
        /// environment's value wins).
        #[arg(long)]
        keep_existing: bool,
        /// Stay beside the program and restart it when the environment changes (checked every
        /// --watch-seconds); signals are passed on to it.
        #[arg(long)]
        watch: bool,
        /// How often --watch looks for a change.
        #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..=3600))]
        watch_seconds: u64,
        #[command(flatten)]
        source: SourceFlags,
        /// The program and its arguments.
        #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
        command: Vec<std::ffi::OsString>,
    },
    /// Writes an environment's merged variables (templates resolved) as env, json, yaml, shell or
    /// dockerfile: to a file (0600) with `-o`, else to standard output.
    #[command(visible_alias = "pull")]
    Export {
        /// PROJECT/TARGET/ENVIRONMENT (default: the `.envdesk` file's `environment`).
        #[arg(long = "env", short = 'e')]
        environment: Option<String>,
        /// env, json, yaml, shell or dockerfile.
        #[arg(long, short = 'f', default_value = "env")]
        format: String,
        /// The file to write (private to you: 0600); standard output when absent.
        #[arg(long, short = 'o')]
        output: Option<PathBuf>,
        /// Export even when the environment breaks its schema.
        #[arg(long)]
        allow_schema_errors: bool,
        #[command(flatten)]
        source: SourceFlags,
    },
    /// Lists the connection's projects, targets and environments (nothing is decrypted).
    Ls {
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
    /// Lists the versions of a level (newest first), without their contents: one tab-separated line
    /// each — rN (revision), version id, time, action, author.
    History {
        /// PROJECT[/TARGET[/ENVIRONMENT]]: its own level.
        path: String,
        /// How many (at most 100).
        #[arg(long, default_value_t = 20)]
        limit: u32,
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
    /// Compares two sides key by key, values masked unless --show-values (exits 0 whether or not they
    /// differ). A side is a node's merged result (PROJECT[/TARGET[/ENVIRONMENT]]), its own level
    /// (PATH@level), or a version of its level: PATH@rN for revision N, PATH@id:N for version id N
    /// (both as `envdesk-cli history PATH` lists them).
    Diff {
        /// The old side: PATH, PATH@level, PATH@rN or PATH@id:N.
        a: String,
        /// The new side.
        b: String,
        /// Show the values (plaintext on your terminal).
        #[arg(long)]
        show_values: bool,
        /// As JSON (keys and kinds; values only with --show-values).
        #[arg(long)]
        json: bool,
    },
    /// Sets a .env (or JSON) file's keys in a level, after a key-wise preview; the level's revision is
    /// checked, and a change made meanwhile is merged key by key.
    Push {
        /// The file to push.
        file: PathBuf,
        /// The level: PROJECT[/TARGET[/ENVIRONMENT]].
        #[arg(long)]
        to: String,
        /// The file becomes the level (keys it lacks are removed), instead of setting its keys.
        #[arg(long)]
        replace: bool,
        /// Do not ask (needed without a terminal).
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Lists the connections (the local vault and the app's).
    Connections {
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
}

fn main() {
    let cli = Cli::parse();
    let code = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => match rt.block_on(run(cli)) {
            Ok(code) => code,
            Err(e) => {
                eprintln!("envdesk-cli: {}", e.message);
                e.code
            }
        },
        Err(e) => {
            eprintln!("envdesk-cli: {e}");
            exit::FAILED
        }
    };
    std::process::exit(code);
}

fn context() -> Result<Context, CliError> {
    let keys: Arc<dyn envdesk_client::KeyStore> =
        Arc::new(envdesk_client::keychain::SessionKeychain::new(&envdesk_cli::keyring_service()));
    envdesk_client::keychain::check_store().map_err(|e| CliError::new(exit::FAILED, e))?;
    Ok(Context { data_dir: envdesk_cli::data_dir()?, keys, interactive: std::io::stdin().is_terminal() })
}

/// The keychain, the data directory, and the vault of connection `conn` (the local vault when `None`).
fn open(conn: Option<&str>) -> Result<(Context, envdesk_client::Vault), CliError> {
    let (ctx, _, vault) = open_connection(conn)?;
    Ok((ctx, vault))
}

/// [`open`], with the connection.
fn open_connection(conn: Option<&str>) -> Result<(Context, Connection, envdesk_client::Vault), CliError> {
    let ctx = context()?;
    let conn = envdesk_cli::find_connection(&envdesk_cli::connections(&ctx.data_dir)?, conn)?;
    let vault = envdesk_cli::open_vault(&ctx, &conn)?;
    Ok((ctx, conn, vault))
}

/// The warning of a read, on standard error.
fn warn(read: &envdesk_cli::Read) {
    if let Some(w) = &read.warning {
        eprintln!("envdesk-cli: {w}");
    }
}

/// The environment to use: given, else the `.envdesk` file's; with the connection the file names
/// unless one was given.
fn resolve_env(given: Option<String>, conn: Option<String>) -> Result<(String, Option<String>), CliError> {
    let cwd = std::env::current_dir().map_err(|e| CliError::new(exit::FAILED, e.to_string()))?;
    // An environment named on the command line is the local vault's unless --conn says otherwise
    // (the app's "Use in a terminal" command relies on it); the file's connection goes with the
    // file's environment only.
    if let Some(e) = given {
        if conn.is_none() {
            // Said, not guessed: the environment given is the local vault's, whatever the file here says.
            if let Ok(Some(f)) = envdesk_cli::find_dot_envdesk(&cwd) {
                if let Some(c) = f.connection {
                    eprintln!(
                        "envdesk-cli: --env without --conn reads the local vault; {} names the connection `{c}` \
                         (add --conn to use it).",
                        f.file.display()
                    );
                }
            }
        }
        return Ok((e, conn));
    }
    let file = envdesk_cli::find_dot_envdesk(&cwd)?;
    let conn = conn.or_else(|| file.as_ref().and_then(|f| f.connection.clone()));
    match file.and_then(|f| f.environment) {
        Some(e) => Ok((e, conn)),
        None => Err(CliError::new(
            exit::USAGE,
            "Which environment? Give --env PROJECT/TARGET/ENVIRONMENT, or write `environment=PROJECT/TARGET/ENVIRONMENT` \
             in a .envdesk file here.",
        )),
    }
}

async fn run(cli: Cli) -> Result<i32, CliError> {
    match cli.command {
        Command::Connections { json } => {
            let all = envdesk_cli::connections(&envdesk_cli::data_dir()?)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&all).unwrap_or_default());
            } else {
                for c in all {
                    println!("{}\t{}\t{}", c.id, c.name, c.url);
                }
            }
            Ok(0)
        }
        Command::Ls { json } => {
            let (_, vault) = open(cli.conn.as_deref())?;
            let tree = envdesk_cli::tree(&vault).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&tree).unwrap_or_default());
            } else {
                print!("{}", envdesk_cli::tree_text(&tree));
            }
            Ok(0)
        }
        Command::History { path, limit, json } => {
            let path = envdesk_cli::parse_path(&path)?;
            let (ctx, vault) = open(cli.conn.as_deref())?;
            envdesk_cli::unlock(&ctx, &vault, &path.project).await?;
            let page = vault.history(&path, 1, limit.clamp(1, 100)).await?;
            let rows: Vec<serde_json::Value> = page
                .versions
                .iter()
                .map(|v| {
                    serde_json::json!({
                        "id": v.id,
                        "revision": v.attributes.revision,
                        "created_at": v.attributes.created_at,
                        "author": v.attributes.created_by.as_ref().map(|c| c.name.clone()),
                        "action": v.attributes.action,
                    })
                })
                .collect();
            if json {
                println!("{}", serde_json::to_string_pretty(&rows).unwrap_or_default());
            } else {
                for v in &page.versions {
                    let rev = v.attributes.revision.map_or_else(|| "-".to_owned(), |r| format!("r{r}"));
                    let who = v.attributes.created_by.as_ref().map_or("", |c| c.name.as_str());
                    println!("{rev}\t{}\t{}\t{}\t{who}", v.id, v.attributes.created_at, v.attributes.action);
                }
            }
            Ok(0)
        }
        Command::Diff { a, b, show_values, json } => {
            let (sa, sb) = (envdesk_cli::parse_side(&a)?, envdesk_cli::parse_side(&b)?);
            let (ctx, vault) = open(cli.conn.as_deref())?;
            envdesk_cli::unlock(&ctx, &vault, &sa.path().project).await?;
            envdesk_cli::unlock(&ctx, &vault, &sb.path().project).await?;
            let changes = envdesk_cli::diff_sides(&vault, &sa, &sb).await?;
            if json {
                let rows: Vec<serde_json::Value> = changes
                    .iter()
                    .filter(|c| c.is_difference())
                    .map(|c| {
                        let mut v = serde_json::to_value(c).unwrap_or_default();
                        if !show_values {
                            if let Some(o) = v.as_object_mut() {
                                o.retain(|k, _| k == "kind" || k == "key");
                            }
                        }
                        v
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&rows).unwrap_or_default());
            } else {
                let lines = envdesk_cli::change_lines(&changes, show_values);
                for l in &lines {
                    println!("{l}");
                }
                if lines.is_empty() {
                    println!("No difference.");
                }
            }
            Ok(0)
        }
        Command::Push { file, to, replace, yes } => {
            let path = envdesk_cli::parse_path(&to)?;
            let bytes = read_bounded(&file)?;
            if !yes && !std::io::stdin().is_terminal() {
                return Err(CliError::new(exit::USAGE, "No terminal to confirm the push on: add --yes."));
            }
            let (ctx, vault) = open(cli.conn.as_deref())?;
            envdesk_cli::unlock(&ctx, &vault, &path.project).await?;
            let confirm = |changes: &[envdesk_core::diff::Change]| {
                for l in envdesk_cli::change_lines(changes, false) {
                    eprintln!("{l}");
                }
                if yes {
                    return true;
                }
                eprint!("Push these changes to {}? [y/N] ", path.display());
                let mut answer = String::new();
                std::io::stdin().read_line(&mut answer).is_ok() && matches!(answer.trim(), "y" | "Y" | "yes")
            };
            match envdesk_cli::push(&vault, &path, &bytes, replace, confirm).await? {
                envdesk_cli::Pushed::Nothing => {
                    eprintln!("Nothing to push: {} already holds these values.", path.display())
                }
                envdesk_cli::Pushed::Declined => {
                    eprintln!("Nothing was written.");
                    return Ok(exit::FAILED);
                }
                envdesk_cli::Pushed::Saved { revision, merged } => eprintln!(
                    "Saved {}{}{}.",
                    path.display(),
                    revision.map(|r| format!(" as revision {r}")).unwrap_or_default(),
                    if merged { ", merged with a change made meanwhile" } else { "" }
                ),
            }
            Ok(0)
        }
        Command::Export { environment, format, output, allow_schema_errors, source } => {
            let (environment, conn) = resolve_env(environment, cli.conn)?;
            let format: Format = format
                .parse()
                .map_err(|e: envdesk_core::export::ExportError| CliError::new(exit::USAGE, e.to_string()))?;
            let path = envdesk_cli::parse_path(&environment)?;
            if path.environment.is_none() {
                return Err(CliError::new(exit::USAGE, "`export` takes an environment: PROJECT/TARGET/ENVIRONMENT."));
            }
            let (ctx, conn, vault) = open_connection(conn.as_deref())?;
            let read = envdesk_cli::read_environment(&ctx, &conn, &vault, &path, source.source(), true).await?;
            warn(&read);
            if let (Some(why), false) = (&read.snapshot.schema_errors, allow_schema_errors) {
                return Err(CliError::new(
                    exit::UNUSABLE,
                    format!("{why} Add --allow-schema-errors to export it anyway."),
                ));
            }
            let bytes = zeroize::Zeroizing::new(
                envdesk_core::export::export(&read.snapshot.vars, format)
                    .map_err(|e| CliError::new(exit::UNUSABLE, e.to_string()))?
                    .into_bytes(),
            );
            match output {
                Some(file) => envdesk_cli::write_private(&file, &bytes)
                    .map_err(|e| CliError::new(exit::FAILED, format!("{} cannot be written: {e}", file.display())))?,
                None => {
                    let mut out = std::io::stdout().lock();
                    out.write_all(&bytes)
                        .and_then(|()| out.flush())
                        .map_err(|e| CliError::new(exit::FAILED, e.to_string()))?;
                }
            }
            Ok(0)
        }
        Command::Run { environment, keep_existing, watch, watch_seconds, source, command } => {
            let (environment, conn) = resolve_env(environment, cli.conn)?;
            let path = envdesk_cli::parse_path(&environment)?;
            if path.environment.is_none() {
                return Err(CliError::new(exit::USAGE, "`run` takes an environment: PROJECT/TARGET/ENVIRONMENT."));
            }
            let (ctx, conn, vault) = open_connection(conn.as_deref())?;
            let read = envdesk_cli::read_environment(&ctx, &conn, &vault, &path, source.source(), false).await?;
            warn(&read);
            if watch {
                // `--offline` asks nothing of the server, not even whether the environment changed.
                let every = (source.source() != Source::OfflineCopy).then_some(watch_seconds);
                let watch = Watch { ctx: &ctx, conn: &conn, vault: &vault, path: &path, keep_existing, every };
                return supervise(watch, read.snapshot, &command).await;
            }
            let env = envdesk_cli::child_env(std::env::vars_os(), &read.snapshot.vars, keep_existing);
            drop(read);
            drop(vault);
            Ok(exec(&command, env))
        }
    }
}

/// What `run --watch` watches.
struct Watch<'a> {
    ctx: &'a Context,
    conn: &'a Connection,
    vault: &'a envdesk_client::Vault,
    path: &'a envdesk_api::NodePath,
    keep_existing: bool,
    /// Seconds between two looks; `None`: no looks (`--offline`), only the signals passed on.
    every: Option<u64>,
}

/// `run --watch`: starts the program as a child and stays beside it; when the environment's revision
/// changes, stops it (SIGTERM, then SIGKILL after 10 s) and starts it again with the new variables.
/// SIGTERM and SIGHUP are passed on; SIGINT too when the program has not ended 2 s after it (a Ctrl+C on
/// the terminal reaches both already). Exits with the program's status when it ends on its own.
/// Started from the offline copy, it restarts the program once the server answers with a revision
/// other than the copy's.
#[cfg(unix)]
async fn supervise(
    w: Watch<'_>,
    first: envdesk_client::vault::Snapshot,
    command: &[std::ffi::OsString],
) -> Result<i32, CliError> {
    use nix::sys::signal::{kill, Signal};
    use nix::unistd::Pid;
    use tokio::signal::unix::{signal, SignalKind};

    let io = |e: std::io::Error| CliError::new(exit::FAILED, e.to_string());
    let (mut int, mut term, mut hup) = (
        signal(SignalKind::interrupt()).map_err(io)?,
        signal(SignalKind::terminate()).map_err(io)?,
        signal(SignalKind::hangup()).map_err(io)?,
    );
    let (program, args) = command.split_first().expect("clap requires the command");
    let mut seen = first.revisions.clone();
    let mut next = Some(first);
    loop {
        let Some(snapshot) = next.take() else { return Err(CliError::new(exit::FAILED, "no variables")) };
        let env = envdesk_cli::child_env(std::env::vars_os(), &snapshot.vars, w.keep_existing);
        drop(snapshot);
        let mut child = match tokio::process::Command::new(program).args(args).env_clear().envs(env).spawn() {
            Ok(c) => c,
            Err(e) => return Ok(not_started(program, &e)),
        };
        let pid = child.id().map(|p| Pid::from_raw(p as i32));
        let send = |s: Signal| {
            if let Some(pid) = pid {
                let _ = kill(pid, s);
            }
        };
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(w.every.unwrap_or(3600)));
        tick.tick().await;
        let changed = loop {
            tokio::select! {
                status = child.wait() => return Ok(status_code(status.map_err(io)?)),
                _ = term.recv() => send(Signal::SIGTERM),
                _ = hup.recv() => send(Signal::SIGHUP),
                _ = int.recv() => {
                    tokio::select! {
                        status = child.wait() => return Ok(status_code(status.map_err(io)?)),
                        _ = tokio::time::sleep(std::time::Duration::from_secs(2)) => send(Signal::SIGINT),
                    }
                }
                _ = tick.tick(), if w.every.is_some() => {
                    // A failed look (the server away for a moment, the project not unlocked yet after a
                    // start from the offline copy) changes nothing; the program runs on.
                    if let Some(now) = envdesk_cli::watched_revisions(w.vault, w.path).await {
                        if now != seen {
                            // The new variables first: an environment that cannot be used as it is now
                            // leaves the program running on the old ones.
                            match envdesk_cli::read_environment(w.ctx, w.conn, w.vault, w.path, Source::Server, false).await {
                                Ok(read) => {
                                    warn(&read);
                                    seen = read.snapshot.revisions.clone();
                                    break read.snapshot;
                                }
                                Err(e) => {
                                    seen = now;
                                    eprintln!(
                                        "envdesk-cli: {} changed, but {}; {} runs on as it was.",
                                        w.path.display(),
                                        e.message,
                                        program.to_string_lossy()
                                    );
                                }
                            }
                        }
                    }
                }
            }
        };
        next = Some(changed);
        eprintln!("envdesk-cli: {} changed: restarting {}", w.path.display(), program.to_string_lossy());
        send(Signal::SIGTERM);
        // A signal while it stops ends the watch instead of starting the program again.
        let stopping = tokio::time::sleep(std::time::Duration::from_secs(10));
        tokio::pin!(stopping);
        let mut quit: Option<Signal> = None;
        loop {
            tokio::select! {
                _ = child.wait() => break,
                _ = &mut stopping => {
                    send(Signal::SIGKILL);
                    let _ = child.wait().await;
                    break;
                }
                _ = term.recv() => quit = Some(Signal::SIGTERM),
                _ = hup.recv() => quit = Some(Signal::SIGHUP),
                _ = int.recv() => quit = Some(Signal::SIGINT),
            }
        }
        if let Some(signal) = quit {
            return Ok(128 + signal as i32);
        }
    }
}

#[cfg(not(unix))]
async fn supervise(
    _: Watch<'_>,
    _: envdesk_client::vault::Snapshot,
    _: &[std::ffi::OsString],
) -> Result<i32, CliError> {
    Err(CliError::new(exit::USAGE, "--watch is for Unix systems."))
}

/// An exit status as a shell reports it: the code, or 128 + the signal that ended the program.
#[cfg(unix)]
fn status_code(s: std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    s.code().or_else(|| s.signal().map(|n| 128 + n)).unwrap_or(exit::FAILED)
}

/// The most a pushed file may hold (8 MiB, as the app's import).
const MAX_PUSH_BYTES: u64 = 8 << 20;

fn read_bounded(file: &std::path::Path) -> Result<zeroize::Zeroizing<Vec<u8>>, CliError> {
    let meta =
        std::fs::metadata(file).map_err(|e| CliError::new(exit::NOT_FOUND, format!("{}: {e}", file.display())))?;
    if meta.len() > MAX_PUSH_BYTES {
        return Err(CliError::new(exit::USAGE, format!("{} is larger than 8 MiB: not a .env file.", file.display())));
    }
    std::fs::read(file)
        .map(zeroize::Zeroizing::new)
        .map_err(|e| CliError::new(exit::FAILED, format!("{} cannot be read: {e}", file.display())))
}

/// Replaces this process with the program (Unix): its exit status and the signals sent to it are its
/// own, and nothing of envdesk stays running. Returns only when it could not be started.
#[cfg(unix)]
fn exec(command: &[std::ffi::OsString], env: Vec<(std::ffi::OsString, std::ffi::OsString)>) -> i32 {
    use std::os::unix::process::CommandExt;
    let (program, args) = command.split_first().expect("clap requires the command");
    let err = std::process::Command::new(program).args(args).env_clear().envs(env).exec();
    not_started(program, &err)
}

/// Says why the program could not be started; the exit code a shell would give (127 not found, 126
/// not executable).
fn not_started(program: &std::ffi::OsStr, err: &std::io::Error) -> i32 {
    eprintln!("envdesk-cli: {} could not be started: {err}", program.to_string_lossy());
    match err.kind() {
        std::io::ErrorKind::NotFound => exit::NOT_FOUND_PROGRAM,
        _ => exit::NOT_EXECUTABLE,
    }
}

/// Elsewhere: runs the program and exits with its status.
#[cfg(not(unix))]
fn exec(command: &[std::ffi::OsString], env: Vec<(std::ffi::OsString, std::ffi::OsString)>) -> i32 {
    let (program, args) = command.split_first().expect("clap requires the command");
    match std::process::Command::new(program).args(args).env_clear().envs(env).status() {
        Ok(s) => s.code().unwrap_or(exit::FAILED),
        Err(err) => not_started(program, &err),
    }
}
