//! The SQLite database: a pool of connections (WAL, foreign keys, busy timeout), embedded migrations,
//! and one transaction per request.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use r2d2_sqlite::rusqlite::{self, Connection, TransactionBehavior};
use r2d2_sqlite::SqliteConnectionManager;

/// Pool of connections to one database file.
#[derive(Clone)]
pub struct Db {
    pool: r2d2::Pool<SqliteConnectionManager>,
    /// Writers of this process queue here, in order, instead of spinning in SQLite's busy handler
    /// (whose back-off sleeps made the write latency's tail long). Other processes (the CLI) still
    /// meet the busy timeout.
    writer: std::sync::Arc<std::sync::Mutex<()>>,
}

/// A storage failure. Never carries row contents.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// SQLite said no.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// No connection could be had.
    #[error("database pool error: {0}")]
    Pool(#[from] r2d2::Error),
    /// The request this write ran for was abandoned (it timed out, or its client went) before the
    /// write committed: it was rolled back ([`abandonable`]).
    #[error("the request was abandoned before its write committed; nothing was written")]
    Abandoned,
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

const MIGRATIONS: &[&str] = &[include_str!("migrations/0001_init.sql")];

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
    /// Opens (creating if needed) the database at `path` and applies pending migrations.
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
        let db = Db { pool, writer: Default::default() };
        db.migrate()?;
        db.start_checkpointer();
        Ok(db)
    }

    /// Checkpoints the WAL from a background thread (PASSIVE: never blocks readers or writers), so no
    /// request pays for a checkpoint; the thread ends when the last handle of the pool is dropped.
    fn start_checkpointer(&self) {
        let pool = self.pool.clone();
        let weak_writer = std::sync::Arc::downgrade(&self.writer);
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
        let mut conn = self.pool.get()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            tx.execute_batch(sql)?;
            tx.execute_batch(&format!("PRAGMA user_version = {}", i + 1))?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Runs `f` in a read transaction.
    pub fn read<T, E: From<DbError>>(&self, f: impl FnOnce(&Connection) -> Result<T, E>) -> Result<T, E> {
        let mut conn = self.pool.get().map_err(DbError::from)?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred).map_err(DbError::from)?;
        let out = f(&tx)?;
        tx.commit().map_err(DbError::from)?;
        Ok(out)
    }

    /// Runs `f` in a write transaction (`BEGIN IMMEDIATE`): committed when `f` succeeds, rolled back
    /// when it fails, so a failed request changes nothing. Rolled back too when the request it runs
    /// for was abandoned meanwhile ([`abandonable`]).
    pub fn write<T, E: From<DbError>>(&self, f: impl FnOnce(&Connection) -> Result<T, E>) -> Result<T, E> {
        let _turn = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let mut conn = self.pool.get().map_err(DbError::from)?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(DbError::from)?;
        let out = f(&tx)?;
        if abandoned() {
            return Err(DbError::Abandoned.into());
        }
        tx.commit().map_err(DbError::from)?;
        Ok(out)
    }

    /// `PRAGMA integrity_check`.
    pub fn integrity_check(&self) -> Result<String, DbError> {
        let conn = self.pool.get()?;
        Ok(conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }
}
