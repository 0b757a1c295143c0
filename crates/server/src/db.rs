//! The database: SQLite (a file; the zero-setup default and the app's local vault) or PostgreSQL (the
//! team server, several replicas on one database). A pool of connections, embedded migrations, and one
//! transaction per request; the store ([`crate::store`]) writes its SQL once, for both, through
//! [`Conn`].
//!
//! The two keep the same guarantees:
//! - a read sees one snapshot (SQLite's read transaction; PostgreSQL's `REPEATABLE READ READ ONLY`);
//! - writes run one at a time, and each sees every write committed before it (SQLite's
//!   `BEGIN IMMEDIATE`; on PostgreSQL a transaction-level advisory lock taken first, shared by every
//!   replica on the database, so a revision check and the write it guards cannot interleave with
//!   another writer anywhere);
//! - a write that fails, or whose request was abandoned, is rolled back whole;
//! - migrations run once, even when several replicas start together (SQLite's immediate transaction;
//!   an advisory lock on PostgreSQL).

mod group;
mod pg;

use std::cell::RefCell;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use r2d2_sqlite::rusqlite::{self, TransactionBehavior};
use r2d2_sqlite::SqliteConnectionManager;

pub use pg::PgError;

/// A pool of connections to one database, and the key of its audit chain (set once, by the service
/// that holds the master key: [`Db::set_audit_key`]).
#[derive(Clone)]
pub struct Db(Backend, Arc<std::sync::OnceLock<crate::audit::ChainKey>>);

#[derive(Clone)]
enum Backend {
    Sqlite {
        pool: r2d2::Pool<SqliteConnectionManager>,
        /// Writers of this process queue here, in order, instead of spinning in SQLite's busy
        /// handler (whose back-off sleeps made the write latency's tail long), and commit in groups
        /// ([`group`]). Other processes (the CLI) still meet the busy timeout.
        writer: Arc<group::GroupCommit>,
        /// The file, for [`Db::watch_changes`].
        path: PathBuf,
    },
    Postgres {
        pool: r2d2::Pool<pg::PgManager>,
        _rt: Arc<pg::Rt>,
    },
}

/// Which database a [`Db`] uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// Where the database is, as `--db` names it: a `postgres://` (or `postgresql://`) URL, or the path
/// of a SQLite file (optionally written `sqlite:PATH`). Parsed once, at the boundary.
#[derive(Clone)]
pub enum DbTarget {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL database.
    Postgres(Box<tokio_postgres::Config>),
}

impl FromStr for DbTarget {
    type Err = String;
    fn from_str(s: &str) -> Result<DbTarget, String> {
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            let config = tokio_postgres::Config::from_str(s)
                .map_err(|_| "not a PostgreSQL URL (postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE)".to_owned())?;
            if config.get_dbname().is_none() {
                return Err("the PostgreSQL URL names no database (postgres://USER@HOST/DATABASE)".into());
            }
            return Ok(DbTarget::Postgres(Box::new(config)));
        }
        let path = s.strip_prefix("sqlite:").unwrap_or(s);
        if path.is_empty() {
            return Err("an empty database path".into());
        }
        Ok(DbTarget::Sqlite(PathBuf::from(path)))
    }
}

/// The path, or the URL without its password (`postgres://envdesk@127.0.0.1:5432/envdesk`).
impl fmt::Display for DbTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DbTarget::Sqlite(p) => write!(f, "{}", p.display()),
            DbTarget::Postgres(c) => {
                write!(f, "postgres://")?;
                if let Some(u) = c.get_user() {
                    write!(f, "{u}@")?;
                }
                for (i, h) in c.get_hosts().iter().enumerate() {
                    if i > 0 {
                        write!(f, ",")?;
                    }
                    match h {
                        tokio_postgres::config::Host::Tcp(h) => write!(f, "{h}")?,
                        #[cfg(unix)]
                        tokio_postgres::config::Host::Unix(p) => write!(f, "{}", p.display())?,
                    }
                    if let Some(p) = c.get_ports().get(i) {
                        write!(f, ":{p}")?;
                    }
                }
                write!(f, "/{}", c.get_dbname().unwrap_or_default())
            }
        }
    }
}

impl fmt::Debug for DbTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DbTarget({self})")
    }
}

/// A storage failure. Never carries row contents.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// SQLite said no.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL said no.
    #[error("database error: {0}")]
    Pg(PgError),
    /// No connection could be had.
    #[error("database pool error: {0}")]
    Pool(#[from] r2d2::Error),
    /// The request this write ran for was abandoned (it timed out, or its client went) before the
    /// write committed: it was rolled back ([`abandonable`]).
    #[error("the request was abandoned before its write committed; nothing was written")]
    Abandoned,
    /// A row that had to exist did not.
    #[error("database error: no row where one was expected")]
    NoRow,
    /// A stored value did not fit its type (an unknown enum string, a malformed node key).
    #[error("database error: {0}")]
    Invalid(&'static str),
    /// The database's runtime or a connection task failed.
    #[error("database error: {0}")]
    Io(String),
}

impl DbError {
    /// A `UNIQUE` constraint refused the write (two requests raced to create the same slug).
    pub fn is_unique_violation(&self) -> bool {
        match self {
            DbError::Sqlite(rusqlite::Error::SqliteFailure(f, _)) => {
                f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
            }
            DbError::Pg(e) => e.code.as_deref() == Some("23505"),
            _ => false,
        }
    }
}

thread_local! {
    /// The abandonment flag of the request the current (blocking) thread works for.
    static ABANDONED: std::cell::RefCell<Option<Arc<AtomicBool>>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f` (on the current thread) for a request that may be abandoned: once `flag` is set, a write
/// transaction of [`Db::write`] run by `f` rolls back instead of committing (issue 10, hole 13).
///
/// The HTTP request timeout drops the request's future, but a write already running on its
/// blocking thread cannot be stopped there; the flag is checked just before `COMMIT`. A timeout
/// that fires between that check and the end of the commit (microseconds) still lets the write
/// commit after its 408, so a 408 means "unknown", never "not written".
pub fn abandonable<T>(flag: Arc<AtomicBool>, f: impl FnOnce() -> T) -> T {
    struct Reset(Option<Arc<AtomicBool>>);
    impl Drop for Reset {
        fn drop(&mut self) {
            let prev = self.0.take();
            ABANDONED.with(|a| *a.borrow_mut() = prev);
        }
    }
    let _reset = Reset(ABANDONED.with(|a| a.borrow_mut().replace(flag)));
    f()
}

fn abandoned() -> bool {
    ABANDONED.with(|a| a.borrow().as_ref().is_some_and(|f| f.load(Ordering::SeqCst)))
}

const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_init.sql"),
    include_str!("migrations/0002_audit.sql"),
    include_str!("migrations/0003_audit_anchor_mac.sql"),
    include_str!("migrations/0004_server_secrets.sql"),
];
/// The same schema in PostgreSQL's types (`bigint` identities, `bytea`, names in byte order).
const PG_MIGRATIONS: &[&str] = &[
    include_str!("migrations/pg/0001_init.sql"),
    include_str!("migrations/pg/0002_audit.sql"),
    include_str!("migrations/pg/0003_audit_anchor_mac.sql"),
    include_str!("migrations/pg/0004_server_secrets.sql"),
];

/// The advisory lock every PostgreSQL write transaction takes first (one writer at a time on the
/// database, across replicas), and the one migrations take.
const PG_WRITE_LOCK: i64 = 0x656e_7664_6573_6b00; // "envdesk\0"
const PG_MIGRATE_LOCK: i64 = 0x656e_7664_6573_6b01;

/// How durable a commit is: `Full` fsyncs every commit; `Normal` (WAL) may lose the last commits on a
/// power cut but never corrupts, and survives a process crash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Synchronous {
    /// `PRAGMA synchronous=FULL`.
    #[default]
    Full,
    /// `PRAGMA synchronous=NORMAL`.
    Normal,
}

impl Db {
    /// Opens (creating if needed) the SQLite database at `path` and applies pending migrations.
    pub fn open(path: &Path, sync: Synchronous) -> Result<Db, DbError> {
        let sync_pragma = match sync {
            Synchronous::Full => "FULL",
            Synchronous::Normal => "NORMAL",
        };
        let manager = SqliteConnectionManager::file(path).with_init(move |c| {
            c.busy_timeout(std::time::Duration::from_secs(10))?;
            c.set_prepared_statement_cache_capacity(128);
            c.execute_batch(&format!(
                "PRAGMA journal_mode=WAL; PRAGMA synchronous={sync_pragma}; PRAGMA foreign_keys=ON; PRAGMA wal_autocheckpoint=0;"
            ))
        });
        // One connection up front (it switches a new file to WAL, which needs the file to itself); the
        // others open on demand. Eight opened at once raced for that switch ("database is locked"),
        // and r2d2's retries held the app's start-up for ~400 ms.
        let pool = r2d2::Pool::builder().max_size(8).min_idle(Some(1)).build(manager)?;
        let db = Db(Backend::Sqlite { pool, writer: Default::default(), path: path.to_owned() }, Default::default());
        db.migrate()?;
        db.start_checkpointer();
        Ok(db)
    }

    /// Connects to the PostgreSQL database `config` names (a pool of at most `max_size`
    /// connections) and applies pending migrations. Fails at once, naming the cause, when the
    /// server cannot be reached or refuses the login.
    pub fn connect(config: &tokio_postgres::Config, max_size: u32) -> Result<Db, DbError> {
        let mut config = config.clone();
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(std::time::Duration::from_secs(10));
        }
        let rt = pg::Rt::new()?;
        let manager = pg::PgManager { config, rt: rt.clone() };
        // One connection now, so a wrong URL or password is said at start, not on the first request.
        let first = r2d2::ManageConnection::connect(&manager)?;
        drop(first);
        let pool = r2d2::Pool::builder()
            .max_size(max_size.max(1))
            .min_idle(Some(1))
            .connection_timeout(std::time::Duration::from_secs(10))
            .build(manager)?;
        let db = Db(Backend::Postgres { pool, _rt: rt }, Default::default());
        db.migrate()?;
        Ok(db)
    }

    /// Opens what `target` names: [`Db::open`] or [`Db::connect`] (16 connections).
    pub fn open_target(target: &DbTarget, sync: Synchronous) -> Result<Db, DbError> {
        match target {
            DbTarget::Sqlite(path) => Db::open(path, sync),
            DbTarget::Postgres(config) => Db::connect(config, 16),
        }
    }

    /// Keys the audit chain of this database (the first key set stays).
    pub fn set_audit_key(&self, key: crate::audit::ChainKey) {
        let _ = self.1.set(key);
    }

    /// The audit chain's key ([`crate::audit::UNKEYED`] until one is set).
    pub fn audit_key(&self) -> &crate::audit::ChainKey {
        self.1.get().unwrap_or(&crate::audit::UNKEYED)
    }

    /// The pool's use (for `/metrics`).
    pub fn pool_use(&self) -> crate::metrics::PoolUse {
        let (state, max) = match &self.0 {
            Backend::Sqlite { pool, .. } => (pool.state(), pool.max_size()),
            Backend::Postgres { pool, .. } => (pool.state(), pool.max_size()),
        };
        crate::metrics::PoolUse { open: state.connections, idle: state.idle_connections, max }
    }

    /// Write groups ended and writes run by this process (SQLite; `None` on PostgreSQL), for
    /// `/metrics`.
    pub fn write_groups(&self) -> Option<(u64, u64)> {
        match &self.0 {
            Backend::Sqlite { writer, .. } => Some(writer.counts()),
            Backend::Postgres { .. } => None,
        }
    }

    /// A watch on every commit to this database, by any connection of any process (SQLite only:
    /// `None` on PostgreSQL). See [`ChangeWatch`].
    pub fn watch_changes(&self) -> Option<ChangeWatch> {
        let Backend::Sqlite { path, .. } = &self.0 else { return None };
        let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = rusqlite::Connection::open_with_flags(path, flags).ok()?;
        // Never wait: a busy file (a WAL recovery) reads as "unknown", and the caller takes the slow
        // path.
        conn.busy_timeout(std::time::Duration::ZERO).ok()?;
        Some(ChangeWatch(std::sync::Mutex::new(conn)))
    }

    /// Which database this is.
    pub fn kind(&self) -> Kind {
        match self.0 {
            Backend::Sqlite { .. } => Kind::Sqlite,
            Backend::Postgres { .. } => Kind::Postgres,
        }
    }

    /// Checkpoints the WAL from a background thread (PASSIVE: never blocks readers or writers), so no
    /// request pays for a checkpoint; the thread ends when the last handle of the pool is dropped.
    fn start_checkpointer(&self) {
        let Backend::Sqlite { pool, writer, .. } = &self.0 else { return };
        let pool = pool.clone();
        let weak_writer = Arc::downgrade(writer);
        std::thread::Builder::new()
            .name("wal-checkpoint".into())
            .spawn(move || loop {
                std::thread::sleep(std::time::Duration::from_millis(250));
                if weak_writer.strong_count() == 0 {
                    return;
                }
                if let Ok(conn) = pool.get() {
                    let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                }
            })
            .ok();
    }

    fn migrate(&self) -> Result<(), DbError> {
        match &self.0 {
            Backend::Sqlite { pool, .. } => {
                let mut conn = pool.get()?;
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
                for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
                    tx.execute_batch(sql)?;
                    tx.execute_batch(&format!("PRAGMA user_version = {}", i + 1))?;
                }
                tx.commit()?;
                Ok(())
            }
            Backend::Postgres { pool, .. } => {
                let mut conn = pool.get()?;
                conn.in_tx = true;
                conn.batch(&format!(
                    "BEGIN; SELECT pg_advisory_xact_lock({PG_MIGRATE_LOCK});
                     CREATE TABLE IF NOT EXISTS envdesk_schema (version BIGINT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now());"
                ))?;
                {
                    let c = Conn(ConnInner::Pg(RefCell::new(&mut conn)));
                    let version =
                        c.query_one("SELECT COALESCE(MAX(version), 0) AS v FROM envdesk_schema", &[], |r| {
                            r.get::<i64>("v")
                        })?;
                    for (i, sql) in PG_MIGRATIONS.iter().enumerate().skip(version as usize) {
                        c.execute_batch(sql)?;
                        c.execute("INSERT INTO envdesk_schema (version) VALUES (?1)", &[V::Int(i as i64 + 1)])?;
                    }
                }
                conn.batch("COMMIT")?;
                conn.in_tx = false;
                Ok(())
            }
        }
    }

    /// Runs `f` in a read transaction (one snapshot).
    pub fn read<T, E: From<DbError>>(&self, f: impl FnOnce(&Conn<'_>) -> Result<T, E>) -> Result<T, E> {
        match &self.0 {
            Backend::Sqlite { pool, .. } => {
                let mut conn = pool.get().map_err(DbError::from)?;
                let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred).map_err(DbError::from)?;
                let out = f(&Conn(ConnInner::Sqlite(&tx)))?;
                tx.commit().map_err(DbError::from)?;
                Ok(out)
            }
            Backend::Postgres { pool, .. } => {
                pg_transaction(pool, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", None, f)
            }
        }
    }

    /// Runs `f` in a write transaction: committed when `f` succeeds, rolled back when it fails, so a
    /// failed request changes nothing. Rolled back too when the request it runs for was abandoned
    /// meanwhile ([`abandonable`]). One writer at a time (see the module's documentation).
    pub fn write<T, E: From<DbError>>(&self, f: impl FnOnce(&Conn<'_>) -> Result<T, E>) -> Result<T, E> {
        match &self.0 {
            Backend::Sqlite { pool, writer, .. } => writer.write(pool, |tx| {
                let conn = Conn(ConnInner::Sqlite(tx));
                let out = f(&conn)?;
                crate::audit::before_commit(&conn, self.audit_key()).inspect_err(|_| crate::audit::not_committed())?;
                if abandoned() {
                    crate::audit::not_committed();
                    return Err(DbError::Abandoned.into());
                }
                Ok(out)
            }),
            Backend::Postgres { pool, .. } => {
                // READ COMMITTED named (a database's default could be REPEATABLE READ, whose snapshot
                // would be taken before the lock is granted): every statement after the lock sees
                // every write committed before it.
                pg_transaction(
                    pool,
                    &format!(
                        "BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE; SELECT pg_advisory_xact_lock({PG_WRITE_LOCK})"
                    ),
                    Some(self.audit_key()),
                    f,
                )
            }
        }
    }

    /// Whether this database can serve: reachable, and its schema at the version this server was
    /// built for (`/readyz`). The error says which is not the case.
    pub fn ready(&self) -> Result<(), String> {
        let (sql, column, want) = match self.kind() {
            Kind::Sqlite => ("PRAGMA user_version", "user_version", MIGRATIONS.len()),
            Kind::Postgres => ("SELECT COALESCE(MAX(version), 0) AS v FROM envdesk_schema", "v", PG_MIGRATIONS.len()),
        };
        let have = self.read(|c| c.query_one(sql, &[], |r| r.get::<i64>(column))).map_err(|e| {
            // The details (a PostgreSQL login message names users and hosts) go to the log only.
            tracing::error!(error = %e, "readiness: the database cannot be read");
            "the database cannot be read (the server's log says why)".to_owned()
        })?;
        if have != want as i64 {
            return Err(format!("the database schema is at version {have}; this server needs version {want}"));
        }
        Ok(())
    }

    /// SQLite's `PRAGMA integrity_check` (`ok` when the file is sound). PostgreSQL checks its own
    /// pages; there this is an error.
    pub fn integrity_check(&self) -> Result<String, DbError> {
        match &self.0 {
            Backend::Sqlite { pool, .. } => {
                let conn = pool.get()?;
                Ok(conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
            }
            Backend::Postgres { .. } => Err(DbError::Invalid("integrity_check is SQLite's")),
        }
    }
}

/// SQLite's `PRAGMA data_version` on a connection of its own, which never writes: the number
/// changes whenever any other connection — the pool's, or another process's such as the CLI's
/// `token revoke` — commits a change to the file. Reading it takes a microsecond or two (the WAL
/// index's header, in shared memory), so a cache of answers can be checked against every commit
/// on every request ([`crate::hot`]).
pub struct ChangeWatch(std::sync::Mutex<rusqlite::Connection>);

impl ChangeWatch {
    /// The current data version; `None` when it cannot be read right now.
    pub fn version(&self) -> Option<i64> {
        let conn = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let mut stmt = conn.prepare_cached("PRAGMA data_version").ok()?;
        stmt.query_row([], |r| r.get(0)).ok()
    }
}

/// One PostgreSQL transaction: `begin`, `f`, then `COMMIT` (or `ROLLBACK` when `f` fails, or when a
/// write's request was abandoned). A connection whose transaction could not be closed is dropped by
/// the pool, never reused (`PgConn::in_tx`); so is one left by a panic in `f`.
fn pg_transaction<T, E: From<DbError>>(
    pool: &r2d2::Pool<pg::PgManager>,
    begin: &str,
    write: Option<&crate::audit::ChainKey>,
    f: impl FnOnce(&Conn<'_>) -> Result<T, E>,
) -> Result<T, E> {
    let mut conn = pool.get().map_err(DbError::from)?;
    conn.in_tx = true;
    conn.batch(begin)?;
    let out = {
        let c = Conn(ConnInner::Pg(RefCell::new(&mut conn)));
        f(&c).and_then(|v| {
            if let Some(key) = write {
                crate::audit::before_commit(&c, key)?;
            }
            Ok(v)
        })
    };
    match out {
        Ok(v) if !(write.is_some() && abandoned()) => match conn.batch("COMMIT") {
            Ok(()) => {
                conn.in_tx = false;
                Ok(v)
            }
            Err(e) => {
                crate::audit::not_committed();
                Err(e.into())
            }
        },
        Ok(_) => {
            conn.rollback();
            crate::audit::not_committed();
            Err(DbError::Abandoned.into())
        }
        Err(e) => {
            conn.rollback();
            crate::audit::not_committed();
            Err(e)
        }
    }
}

/// A connection inside a transaction of [`Db::read`] or [`Db::write`]: the store's only way to the
/// database. SQL is written once, in SQLite's dialect with numbered parameters (`?1`), in the subset
/// both databases read alike; the store names every column it reads (`AS`).
pub struct Conn<'a>(ConnInner<'a>);

enum ConnInner<'a> {
    Sqlite(&'a rusqlite::Connection),
    Pg(RefCell<&'a mut pg::PgConn>),
}

impl Conn<'_> {
    /// Which database this is.
    pub fn kind(&self) -> Kind {
        match self.0 {
            ConnInner::Sqlite(_) => Kind::Sqlite,
            ConnInner::Pg(_) => Kind::Postgres,
        }
    }

    /// Every row `sql` selects, each read by `f`.
    pub fn query<T>(
        &self,
        sql: &str,
        params: &[V<'_>],
        mut f: impl FnMut(&Row<'_>) -> Result<T, DbError>,
    ) -> Result<Vec<T>, DbError> {
        match &self.0 {
            ConnInner::Sqlite(c) => {
                let mut st = c.prepare_cached(sql)?;
                let mut rows = st.query(rusqlite::params_from_iter(params.iter()))?;
                let mut out = Vec::new();
                while let Some(r) = rows.next()? {
                    out.push(f(&Row(RowInner::Sqlite(r)))?);
                }
                Ok(out)
            }
            ConnInner::Pg(c) => {
                let rows = c.borrow_mut().query(sql, params)?;
                rows.iter().map(|r| f(&Row(RowInner::Pg(r)))).collect()
            }
        }
    }

    /// The first row `sql` selects, if any.
    pub fn query_opt<T>(
        &self,
        sql: &str,
        params: &[V<'_>],
        f: impl FnOnce(&Row<'_>) -> Result<T, DbError>,
    ) -> Result<Option<T>, DbError> {
        match &self.0 {
            ConnInner::Sqlite(c) => {
                let mut st = c.prepare_cached(sql)?;
                let mut rows = st.query(rusqlite::params_from_iter(params.iter()))?;
                rows.next()?.map(|r| f(&Row(RowInner::Sqlite(r)))).transpose()
            }
            ConnInner::Pg(c) => {
                let rows = c.borrow_mut().query(sql, params)?;
                rows.first().map(|r| f(&Row(RowInner::Pg(r)))).transpose()
            }
        }
    }

    /// The first row `sql` selects; [`DbError::NoRow`] when there is none.
    pub fn query_one<T>(
        &self,
        sql: &str,
        params: &[V<'_>],
        f: impl FnOnce(&Row<'_>) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        self.query_opt(sql, params, f)?.ok_or(DbError::NoRow)
    }

    /// Runs one statement; the number of rows it changed.
    pub fn execute(&self, sql: &str, params: &[V<'_>]) -> Result<u64, DbError> {
        match &self.0 {
            ConnInner::Sqlite(c) => {
                Ok(c.prepare_cached(sql)?.execute(rusqlite::params_from_iter(params.iter()))? as u64)
            }
            ConnInner::Pg(c) => c.borrow_mut().execute(sql, params),
        }
    }

    /// Runs statements without parameters (the dialect is the database's own).
    pub fn execute_batch(&self, sql: &str) -> Result<(), DbError> {
        match &self.0 {
            ConnInner::Sqlite(c) => Ok(c.execute_batch(sql)?),
            ConnInner::Pg(c) => c.borrow_mut().batch(sql),
        }
    }
}

/// A row of a [`Conn::query`]: columns are read by name.
pub struct Row<'r>(RowInner<'r>);

enum RowInner<'r> {
    Sqlite(&'r rusqlite::Row<'r>),
    Pg(&'r tokio_postgres::Row),
}

impl Row<'_> {
    /// The value of the column named `name`.
    pub fn get<T: Column>(&self, name: &str) -> Result<T, DbError> {
        match &self.0 {
            RowInner::Sqlite(r) => T::sqlite(r, name),
            RowInner::Pg(r) => T::pg(r, name),
        }
    }
}

/// A type a column is read as.
pub trait Column: Sized {
    #[doc(hidden)]
    fn sqlite(r: &rusqlite::Row<'_>, name: &str) -> Result<Self, DbError>;
    #[doc(hidden)]
    fn pg(r: &tokio_postgres::Row, name: &str) -> Result<Self, DbError>;
}

macro_rules! plain_columns {
    ($($t:ty),*) => {$(
        impl Column for $t {
            fn sqlite(r: &rusqlite::Row<'_>, name: &str) -> Result<Self, DbError> {
                Ok(r.get(name)?)
            }
            fn pg(r: &tokio_postgres::Row, name: &str) -> Result<Self, DbError> {
                Ok(r.try_get(name)?)
            }
        }
    )*};
}
plain_columns!(String, Option<String>, Vec<u8>, Option<Vec<u8>>);

/// An integer: PostgreSQL's `bigint`, or an `integer` or `smallint` (a literal, a count of another
/// type) widened; SQLite's integers are 64-bit.
impl Column for Option<i64> {
    fn sqlite(r: &rusqlite::Row<'_>, name: &str) -> Result<Self, DbError> {
        Ok(r.get(name)?)
    }
    fn pg(r: &tokio_postgres::Row, name: &str) -> Result<Self, DbError> {
        pg::int(r, name)
    }
}

impl Column for i64 {
    fn sqlite(r: &rusqlite::Row<'_>, name: &str) -> Result<Self, DbError> {
        Ok(r.get(name)?)
    }
    fn pg(r: &tokio_postgres::Row, name: &str) -> Result<Self, DbError> {
        pg::int(r, name)?.ok_or(DbError::Invalid("an integer column is NULL"))
    }
}

/// A flag: SQLite stores integers; PostgreSQL's `EXISTS` is a boolean, a stored flag a `bigint`.
impl Column for bool {
    fn sqlite(r: &rusqlite::Row<'_>, name: &str) -> Result<Self, DbError> {
        Ok(r.get(name)?)
    }
    fn pg(r: &tokio_postgres::Row, name: &str) -> Result<Self, DbError> {
        pg::flag(r, name)
    }
}

/// A statement parameter. `Debug` shows the kind only: parameters carry blobs and token hashes.
#[derive(Clone, Copy)]
pub enum V<'a> {
    /// An integer.
    Int(i64),
    /// Text.
    Text(&'a str),
    /// Bytes.
    Bytes(&'a [u8]),
    /// A flag.
    Bool(bool),
    /// `NULL`.
    Null,
}

impl fmt::Debug for V<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            V::Int(_) => "Int(..)",
            V::Text(_) => "Text(..)",
            V::Bytes(_) => "Bytes(..)",
            V::Bool(_) => "Bool(..)",
            V::Null => "Null",
        })
    }
}

impl rusqlite::ToSql for V<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::ToSqlOutput;
        Ok(match *self {
            V::Int(i) => ToSqlOutput::from(i),
            V::Text(s) => ToSqlOutput::from(s),
            V::Bytes(b) => ToSqlOutput::from(b),
            V::Bool(b) => ToSqlOutput::from(b),
            V::Null => ToSqlOutput::from(rusqlite::types::Null),
        })
    }
}

/// What can be a [`V`] (`params!` calls it on each argument).
pub trait ToV {
    /// This value as a parameter.
    fn v(&self) -> V<'_>;
}

impl ToV for i64 {
    fn v(&self) -> V<'_> {
        V::Int(*self)
    }
}
impl ToV for u32 {
    fn v(&self) -> V<'_> {
        V::Int(i64::from(*self))
    }
}
impl ToV for bool {
    fn v(&self) -> V<'_> {
        V::Bool(*self)
    }
}
impl ToV for str {
    fn v(&self) -> V<'_> {
        V::Text(self)
    }
}
impl ToV for String {
    fn v(&self) -> V<'_> {
        V::Text(self)
    }
}
impl ToV for [u8] {
    fn v(&self) -> V<'_> {
        V::Bytes(self)
    }
}
impl ToV for Vec<u8> {
    fn v(&self) -> V<'_> {
        V::Bytes(self)
    }
}
impl<T: ToV + ?Sized> ToV for &T {
    fn v(&self) -> V<'_> {
        (**self).v()
    }
}
impl<T: ToV> ToV for Option<T> {
    fn v(&self) -> V<'_> {
        self.as_ref().map_or(V::Null, ToV::v)
    }
}

/// The parameters of a statement: `params![id, name, description]`.
#[macro_export]
macro_rules! params {
    ($($x:expr),* $(,)?) => {
        &[$($crate::db::ToV::v(&$x)),*] as &[$crate::db::V<'_>]
    };
}
