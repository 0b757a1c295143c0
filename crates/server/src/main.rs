//! `envdesk-server`: init a database, manage tokens, serve the API.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use envdesk_server::db::DbTarget;
use envdesk_server::http::Limits;
use envdesk_server::{audit, Config, Db, MasterKey, Service, Synchronous};

#[derive(Parser)]
#[command(
    name = "envdesk-server",
    version,
    about = "envdesk's API server (the dotEnv Cloud API on SQLite or PostgreSQL)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create the database and an organization; print its id and a `*` token (shown once). Also
    /// writes a master key (mode 0600) to `--master-key-file`, by default `<db>.master-key` beside a
    /// SQLite file, which `serve` then uses by default.
    Init {
        /// A SQLite file (`PATH` or `sqlite:PATH`) or a PostgreSQL database (`postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`).
        #[arg(long, env = "ENVDESK_DB", hide_env_values = true, value_parser = DbArg)]
        db: DbTarget,
        /// Where to write the master key (needed with PostgreSQL, unless --no-master-key).
        #[arg(long, env = "ENVDESK_MASTER_KEY_FILE")]
        master_key_file: Option<PathBuf>,
        /// Organization name.
        #[arg(long, default_value = "My organization")]
        name: String,
        /// Do not write a master key (the server will then refuse server-managed projects).
        #[arg(long)]
        no_master_key: bool,
    },
    /// Copy a whole database into a new, empty one (SQLite to PostgreSQL, or back), then check that
    /// both hold the same rows (counts and a SHA-256 of every table). Stop the servers of the source
    /// first; the target then serves with the same master key.
    Migrate {
        /// The database to copy (`sqlite:PATH`, `PATH` or `postgres://…`; a URL with a password is
        /// better given in ENVDESK_MIGRATE_FROM, out of `ps` and the shell's history).
        #[arg(long, env = "ENVDESK_MIGRATE_FROM", hide_env_values = true, value_parser = DbArg)]
        from: DbTarget,
        /// The new, empty database (its schema is created; a database holding anything is refused).
        #[arg(long, env = "ENVDESK_MIGRATE_TO", hide_env_values = true, value_parser = DbArg)]
        to: DbTarget,
    },
    /// The master key.
    MasterKey {
        #[command(subcommand)]
        command: MasterKeyCommand,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Serve the API.
    Serve {
        /// A SQLite file (created if missing) or a `postgres://` URL; run `init` first to get a token.
        /// Several `serve` may share one PostgreSQL database (replicas behind a load balancer).
        #[arg(long, env = "ENVDESK_DB", hide_env_values = true, value_parser = DbArg)]
        db: DbTarget,
        /// Address to listen on.
        #[arg(long, env = "ENVDESK_LISTEN", default_value = "127.0.0.1:8787")]
        listen: String,
        /// File holding the master key (base64 of 32 bytes). `ENVDESK_MASTER_KEY` may hold it instead;
        /// with neither, `<db>.master-key` is used when it exists beside a SQLite file.
        #[arg(long, env = "ENVDESK_MASTER_KEY_FILE")]
        master_key_file: Option<PathBuf>,
        /// Lock versions older than this many days (403 version_locked).
        #[arg(long, env = "ENVDESK_RETENTION_DAYS")]
        retention_days: Option<u32>,
        /// Prune audit-log entries older than this many days (the chain stays verifiable from the
        /// first one kept). Without it, every entry is kept.
        #[arg(long, env = "ENVDESK_AUDIT_RETENTION_DAYS")]
        audit_retention_days: Option<u32>,
        /// Record nothing in the audit log (it is on by default).
        #[arg(long, env = "ENVDESK_NO_AUDIT", value_parser = clap::builder::BoolishValueParser::new())]
        no_audit: bool,
        /// Requests per organization per minute (429 beyond).
        #[arg(long, env = "ENVDESK_RATE_LIMIT")]
        rate_limit: Option<u32>,
        /// SQLite: `full` (fsync every commit) or `normal` (WAL; durable across process crashes).
        /// PostgreSQL commits as its own `synchronous_commit` says.
        #[arg(long, env = "ENVDESK_SYNCHRONOUS", default_value = "full")]
        synchronous: String,
        /// Accept `rotate-client-keys` without a proof of the current key, as upstream does (the
        /// official SDK's RotateClientKeys sends none). Without the proof, any token with `key:rotate`
        /// can replace every blob of a client-managed project.
        #[arg(long, env = "ENVDESK_ALLOW_UNPROVEN_ROTATION", value_parser = clap::builder::BoolishValueParser::new())]
        allow_unproven_rotation: bool,
        /// Failed authentications per client address per minute before the address must wait
        /// (429); 0 turns the limit off.
        #[arg(long, env = "ENVDESK_AUTH_FAILURES_PER_MINUTE", default_value_t = 30)]
        auth_failures_per_minute: u32,
        /// Do not serve encrypted reads again from memory (SQLite; see docs/deploy.md).
        #[arg(long, env = "ENVDESK_NO_READ_CACHE", value_parser = clap::builder::BoolishValueParser::new())]
        no_read_cache: bool,
        /// Open connections at most.
        #[arg(long, env = "ENVDESK_MAX_CONNECTIONS", default_value_t = 1024)]
        max_connections: usize,
        /// Requests handled at once at most (others wait).
        #[arg(long, env = "ENVDESK_MAX_IN_FLIGHT", default_value_t = 256)]
        max_in_flight: usize,
        /// Seconds a client may take to send a request's headers (or stay idle between requests).
        #[arg(long, env = "ENVDESK_HEADER_TIMEOUT", default_value_t = 10.0)]
        header_timeout: f64,
        /// Seconds a client may take to send a request's body.
        #[arg(long, env = "ENVDESK_BODY_TIMEOUT", default_value_t = 30.0)]
        body_timeout: f64,
        /// Seconds to answer a request (408 beyond).
        #[arg(long, env = "ENVDESK_REQUEST_TIMEOUT", default_value_t = 60.0)]
        request_timeout: f64,
        /// PBKDF2 iterations of new server-managed keys (600000). Debug builds only — the tests and the
        /// end-to-end run use 1000 to be quick; a release build has no such switch (issue 10, hole 15).
        #[cfg(debug_assertions)]
        #[arg(long, env = "ENVDESK_KDF_ITERATIONS", default_value_t = 600_000, hide = true)]
        kdf_iterations: u32,
    },
}

#[derive(Subcommand)]
enum MasterKeyCommand {
    /// Make a new master key, write it to --new-key-file (mode 0600; the file must not exist), and wrap
    /// every server-managed project key under it, in one transaction. Stop every server first; start
    /// them again with the new key file.
    Rotate {
        #[arg(long, env = "ENVDESK_DB", hide_env_values = true, value_parser = DbArg)]
        db: DbTarget,
        /// The current master key (default: `<db>.master-key` beside a SQLite file, or
        /// ENVDESK_MASTER_KEY).
        #[arg(long, env = "ENVDESK_MASTER_KEY_FILE")]
        master_key_file: Option<PathBuf>,
        /// Where to write the new master key.
        #[arg(long)]
        new_key_file: PathBuf,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the hash chain of the whole log; report the first entry that does not match (exit 1),
    /// or print the head hash (keep it elsewhere: removing the newest entries is seen only against it).
    Verify {
        #[arg(long, env = "ENVDESK_DB", hide_env_values = true, value_parser = DbArg)]
        db: DbTarget,
        /// The master key the server runs with (the chain is keyed with it; default as for `serve`).
        #[arg(long, env = "ENVDESK_MASTER_KEY_FILE")]
        master_key_file: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token (printed once).
    Create {
        #[arg(long, env = "ENVDESK_DB", hide_env_values = true, value_parser = DbArg)]
        db: DbTarget,
        /// Organization ULID (default: the only one).
        #[arg(long)]
        organization: Option<String>,
        /// Token name.
        #[arg(long)]
        name: String,
        /// Comma-separated abilities, or `*`.
        #[arg(long, default_value = "*")]
        abilities: String,
        /// The master key, to record the change in the audit log (default as for `serve`).
        #[arg(long, env = "ENVDESK_MASTER_KEY_FILE")]
        master_key_file: Option<PathBuf>,
    },
    /// List tokens (never their secrets).
    List {
        #[arg(long, env = "ENVDESK_DB", hide_env_values = true, value_parser = DbArg)]
        db: DbTarget,
    },
    /// Revoke a token by id.
    Revoke {
        #[arg(long, env = "ENVDESK_DB", hide_env_values = true, value_parser = DbArg)]
        db: DbTarget,
        /// Token id (from `token list`).
        id: i64,
        /// The master key, to record the change in the audit log (default as for `serve`).
        #[arg(long, env = "ENVDESK_MASTER_KEY_FILE")]
        master_key_file: Option<PathBuf>,
    },
}

/// `--db`, parsed into a [`DbTarget`]. Its own parser, so a refused value is never echoed (clap's
/// "invalid value '…'" would print a URL's password); `hide_env_values` keeps `ENVDESK_DB` out of
/// `--help` for the same reason.
#[derive(Clone)]
struct DbArg;

impl clap::builder::TypedValueParser for DbArg {
    type Value = DbTarget;
    fn parse_ref(
        &self,
        cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> std::result::Result<DbTarget, clap::Error> {
        use clap::error::ErrorKind;
        let text = value
            .to_str()
            .ok_or_else(|| clap::Error::raw(ErrorKind::InvalidUtf8, "--db is not valid UTF-8\n").with_cmd(cmd))?;
        text.parse()
            .map_err(|e: String| clap::Error::raw(ErrorKind::InvalidValue, format!("--db: {e}\n")).with_cmd(cmd))
    }
}

fn open(db: &DbTarget, sync: Synchronous, master: Option<MasterKey>, config: Config) -> Result<Service> {
    let db = Db::open_target(db, sync).with_context(|| format!("cannot open the database {db}"))?;
    let s = Service::new(db, master, config);
    api(s.check_master_key())?;
    Ok(s)
}

/// A service for a command that changes the database: with the master key when there is one (the
/// audit chain is keyed with it); refused without it when the chain is keyed, since the change could
/// not be recorded.
fn open_audited(db: &DbTarget, master_key_file: Option<PathBuf>) -> Result<Service> {
    let master = master_key(master_key_file, db)?;
    let keyless = master.is_none();
    let s = open(db, Synchronous::Full, master, Config::default())?;
    if keyless && audit::chain_is_keyed(s.db())? {
        bail!(
            "this database's audit log is keyed with its master key, and this change must be recorded there: \
             pass --master-key-file (or set ENVDESK_MASTER_KEY)"
        );
    }
    Ok(s)
}

fn api<T>(r: Result<T, envdesk_api::ApiError>) -> Result<T> {
    r.map_err(|e| anyhow::anyhow!("{}", e.message))
}

/// `<db>.master-key` beside a SQLite file; a PostgreSQL database has no such place.
fn default_master_key_file(db: &DbTarget) -> Option<PathBuf> {
    let DbTarget::Sqlite(path) = db else { return None };
    let mut name = path.as_os_str().to_owned();
    name.push(".master-key");
    Some(PathBuf::from(name))
}

fn master_key(file: Option<PathBuf>, db: &DbTarget) -> Result<Option<MasterKey>> {
    let read = |path: &std::path::Path| {
        std::fs::read_to_string(path).with_context(|| format!("cannot read the master key file {}", path.display()))
    };
    let text = match (file, std::env::var("ENVDESK_MASTER_KEY").ok()) {
        (Some(path), _) => Some(read(&path)?),
        (None, Some(env)) => Some(env),
        (None, None) => match default_master_key_file(db) {
            Some(default) if default.exists() => Some(read(&default)?),
            _ => None,
        },
    };
    text.map(|t| MasterKey::from_base64(&t).map_err(|e| anyhow::anyhow!(e))).transpose()
}

/// Writes a file only its owner can read.
fn write_private(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(path).with_context(|| format!("cannot create {}", path.display()))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir).and_then(|d| d.sync_all()).ok();
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

#[tokio::main]
async fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("ENVDESK_LOG").unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Init { db, master_key_file, name, no_master_key } => {
            let key_path = match (no_master_key, master_key_file.or_else(|| default_master_key_file(&db))) {
                (true, _) => None,
                (false, Some(path)) => Some(path),
                (false, None) => bail!(
                    "where should the master key go? Pass --master-key-file PATH (kept apart from the \
                     database and its backups), or --no-master-key for a server without server-managed projects"
                ),
            };
            {
                let s = open(&db, Synchronous::Full, None, Config::default())?;
                if !api(s.organizations())?.is_empty() {
                    bail!("{db} already has an organization; use `envdesk-server token create` for another token");
                }
            }
            if let Some(path) = &key_path {
                if !path.exists() {
                    let (_, b64) = MasterKey::generate();
                    write_private(path, b64.as_bytes())?;
                    eprintln!("master key written to {} (keep it with backups of the database)", path.display());
                }
            }
            // With the master key from here: the audit chain is keyed with it from its first entry.
            let master = match key_path {
                Some(path) => master_key(Some(path), &db)?,
                None => None,
            };
            let s = open(&db, Synchronous::Full, master, Config::default())?;
            let org = api(audit::command_line(s.db(), "organization.created", || s.create_organization(&name)))?;
            let token = api(audit::command_line(s.db(), "token.created", || {
                s.create_token_for(&org.id, "admin", &["*".to_owned()])
            }))?;
            println!("organization: {}", org.id);
            println!("token:        {}", token.token.as_str());
            eprintln!("The token is shown once; keep it somewhere safe.");
        }
        Command::Migrate { from, to } => {
            if from.to_string() == to.to_string() {
                bail!("--from and --to are the same database");
            }
            let source = Db::open_target(&from, Synchronous::Full).with_context(|| format!("cannot open {from}"))?;
            let target = Db::open_target(&to, Synchronous::Full).with_context(|| format!("cannot open {to}"))?;
            let report = envdesk_server::migrate::migrate(&source, &target)
                .with_context(|| format!("the migration from {from} to {to} failed"))?;
            println!("{:<16} {:>10}  SHA-256 (source = target)", "TABLE", "ROWS");
            for t in &report {
                println!("{:<16} {:>10}  {}", t.table, t.rows, t.sha256);
            }
            eprintln!("{from} copied to {to} and verified; serve the new database with the same master key.");
        }
        Command::MasterKey { command: MasterKeyCommand::Rotate { db, master_key_file, new_key_file } } => {
            let Some(old) = master_key(master_key_file, &db)? else {
                bail!("no current master key: pass --master-key-file (or set ENVDESK_MASTER_KEY)");
            };
            let s = open(&db, Synchronous::Full, Some(old), Config::default())?;
            let (new, b64) = MasterKey::generate();
            // On disk (synced) before any key is wrapped under it.
            write_private(&new_key_file, b64.as_bytes())?;
            match audit::command_line(s.db(), "master_key.rotated", || s.rewrap_master_key(&new)) {
                Ok(n) => {
                    println!("{n} server-managed keys wrapped under the new master key");
                    eprintln!(
                        "new master key written to {}; start every server with it (--master-key-file), and keep it with the backups",
                        new_key_file.display()
                    );
                }
                // Never removed: a commit can succeed and still be reported as failed (a connection
                // lost during COMMIT), and then only this file opens the keys.
                Err(e) => bail!(
                    "{} The new key file {} is kept: if the keys were wrapped after all, only it opens them — start a server with the old key first, and keep the new file until one of them reads a server-managed project.",
                    e.message,
                    new_key_file.display()
                ),
            }
        }
        Command::Audit { command: AuditCommand::Verify { db, master_key_file } } => {
            let master = master_key(master_key_file, &db)?;
            let db =
                Db::open_target(&db, Synchronous::Full).with_context(|| format!("cannot open the database {db}"))?;
            match &master {
                Some(m) => db.set_audit_key(api(m.audit_chain_key(&db, false))?),
                None => eprintln!("no master key: checking the chain as a server without one writes it (unkeyed)"),
            }
            let v = envdesk_server::audit::verify(&db)?;
            if let Some(p) = v.pruned_through {
                println!("entries up to id {p} were pruned by retention; the chain is checked from there");
            }
            match v.first_break {
                Some((id, why)) => {
                    println!("{} entries check out; the chain breaks at entry {id}: {why}", v.entries);
                    std::process::exit(1);
                }
                None => println!("{} entries, chain intact; head {}", v.entries, v.head),
            }
        }
        Command::Token { command } => match command {
            TokenCommand::Create { db, organization, name, abilities, master_key_file } => {
                let s = open_audited(&db, master_key_file)?;
                let org = match organization {
                    Some(o) => o,
                    None => {
                        let orgs = api(s.organizations())?;
                        match orgs.as_slice() {
                            [one] => one.id.clone(),
                            [] => bail!("no organization yet: run `envdesk-server init` first"),
                            _ => bail!("several organizations: pass --organization"),
                        }
                    }
                };
                let list: Vec<String> =
                    abilities.split(',').map(|a| a.trim().to_owned()).filter(|a| !a.is_empty()).collect();
                let t = api(audit::command_line(s.db(), "token.created", || s.create_token_for(&org, &name, &list)))?;
                println!("id:    {}", t.id);
                println!("token: {}", t.token.as_str());
            }
            TokenCommand::List { db } => {
                let s = open(&db, Synchronous::Full, None, Config::default())?;
                println!("{:<6} {:<24} {:<10} ABILITIES", "ID", "NAME", "STATUS");
                for t in api(s.tokens(None))? {
                    let status = if t.revoked_at.is_some() { "revoked" } else { "active" };
                    println!("{:<6} {:<24} {:<10} {}", t.id, t.name, status, t.abilities.join(","));
                }
            }
            TokenCommand::Revoke { db, id, master_key_file } => {
                let s = open_audited(&db, master_key_file)?;
                // Nothing to revoke is a failure, in the log as here.
                let none = || envdesk_api::ApiError::not_found(format!("API key `{id}`"));
                match audit::command_line(s.db(), "token.revoked", || {
                    s.revoke_token(id, None)?.then_some(()).ok_or_else(none)
                }) {
                    Ok(()) => println!("token {id} revoked"),
                    Err(e) if e.code == envdesk_api::ErrorCode::NotFound => bail!("no active token with id {id}"),
                    Err(e) => bail!("{}", e.message),
                }
            }
        },
        Command::Serve {
            db,
            listen,
            master_key_file,
            retention_days,
            audit_retention_days,
            no_audit,
            rate_limit,
            synchronous,
            allow_unproven_rotation,
            auth_failures_per_minute,
            no_read_cache,
            max_connections,
            max_in_flight,
            header_timeout,
            body_timeout,
            request_timeout,
            #[cfg(debug_assertions)]
            kdf_iterations,
        } => {
            #[cfg(not(debug_assertions))]
            let kdf_iterations = {
                if std::env::var_os("ENVDESK_KDF_ITERATIONS").is_some() {
                    tracing::warn!("ENVDESK_KDF_ITERATIONS is ignored: only debug builds (tests) honour it");
                }
                envdesk_core::crypto::DEFAULT_ITERATIONS
            };
            let sync = match synchronous.as_str() {
                "full" => Synchronous::Full,
                "normal" => Synchronous::Normal,
                other => bail!("--synchronous must be full or normal, not {other}"),
            };
            let secs = |name: &str, v: f64| -> Result<Duration> {
                Duration::try_from_secs_f64(v)
                    .ok()
                    .filter(|d| !d.is_zero())
                    .with_context(|| format!("--{name} must be a positive number of seconds"))
            };
            let limits = Limits {
                max_connections,
                max_in_flight,
                header_read_timeout: secs("header-timeout", header_timeout)?,
                body_timeout: secs("body-timeout", body_timeout)?,
                request_timeout: secs("request-timeout", request_timeout)?,
                auth_failures_per_minute: (auth_failures_per_minute > 0).then_some(auth_failures_per_minute),
                read_cache: !no_read_cache,
            };
            let master = master_key(master_key_file, &db)?;
            if master.is_none() {
                tracing::warn!("no master key: server-managed projects are refused (422 server_keys_unavailable)");
            }
            if allow_unproven_rotation {
                tracing::warn!(
                    "--allow-unproven-rotation: rotate-client-keys is accepted without a proof of the current key"
                );
            }
            let config = Config {
                retention_days,
                kdf_iterations,
                allow_unproven_rotation,
                audit: !no_audit,
                audit_retention_days,
            };
            let keyless = master.is_none();
            let s = Arc::new(open(&db, sync, master, config)?);
            if keyless && !no_audit && audit::chain_is_keyed(s.db())? {
                bail!(
                    "this database's audit log is keyed with its master key: start with it (--master-key-file or \
                     ENVDESK_MASTER_KEY), or with --no-audit; entries written without it would break the chain"
                );
            }
            let listener =
                tokio::net::TcpListener::bind(&listen).await.with_context(|| format!("cannot listen on {listen}"))?;
            let addr = listener.local_addr()?;
            tracing::info!(%addr, "envdesk-server listening");
            println!("listening on http://{addr}");
            let state = Arc::new(envdesk_server::http::AppState {
                service: s,
                rate: rate_limit.map(envdesk_server::http::RateLimiter::new),
            });
            let app = envdesk_server::http::router_with(state, &limits);
            envdesk_server::serve(listener, app, &limits, shutdown_signal()).await;
            tracing::info!("stopped");
        }
    }
    Ok(())
}
