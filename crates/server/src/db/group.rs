//! Group commit for SQLite (issue 15, throughput): the writes of this process run one at a time, as
//! before, on one connection, but a write that finds others queued behind it leaves its transaction
//! open for them, and the last of the group commits for all. Each write runs inside a savepoint of
//! the group's transaction, so one that fails (a revision conflict, a refused proof) is rolled back
//! alone and changes nothing; each caller returns only once the group's `COMMIT` is done — an
//! answer still means "durable", exactly as with one transaction per write. What a group saves is
//! the commit itself: one WAL append (and with `synchronous=full` one fsync) for many writes.
//!
//! A group ends when nobody waits, after [`MAX_WRITES`] writes or after [`MAX_AGE`], so another
//! process (the CLI) waits for the file's write lock no longer than a group lasts. When the
//! `COMMIT` fails, or a write panics, the whole group is rolled back and every write of it fails.

use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use r2d2_sqlite::rusqlite;
use r2d2_sqlite::SqliteConnectionManager;

use super::DbError;

/// Writes in one group at most.
const MAX_WRITES: u32 = 64;
/// A group's age at most, from its `BEGIN`.
const MAX_AGE: Duration = Duration::from_millis(10);

/// The writer of one SQLite database in this process.
#[derive(Default)]
pub(super) struct GroupCommit {
    state: Mutex<State>,
    /// Writers waiting for [`GroupCommit::state`].
    queued: AtomicUsize,
    /// Groups ended, and writes run, since the start (`/metrics`).
    groups: AtomicU64,
    writes: AtomicU64,
}

/// How a group ended, told to its writers (each group has its own, so waking one group's writers
/// does not make them contend with the next group's for the writer's lock).
#[derive(Default)]
struct Outcome {
    committed: Mutex<Option<bool>>,
    ended: Condvar,
}

impl Outcome {
    fn set(&self, committed: bool) {
        *self.committed.lock().unwrap_or_else(|e| e.into_inner()) = Some(committed);
        self.ended.notify_all();
    }

    fn wait(&self) -> bool {
        let mut done = self.committed.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(c) = *done {
                return c;
            }
            done = self.ended.wait(done).unwrap_or_else(|e| e.into_inner());
        }
    }
}

#[derive(Default)]
struct State {
    conn: Option<r2d2::PooledConnection<SqliteConnectionManager>>,
    open: Option<Group>,
}

struct Group {
    writes: u32,
    began: Instant,
    outcome: Arc<Outcome>,
}

impl GroupCommit {
    /// Runs `f` as one write of a group (see the module's documentation). `f` gets the writer's
    /// connection, inside a savepoint; its error (or [`DbError::Abandoned`] from `f`) rolls back
    /// only its own changes.
    pub(super) fn write<T, E: From<DbError>>(
        &self,
        pool: &r2d2::Pool<SqliteConnectionManager>,
        f: impl FnOnce(&rusqlite::Connection) -> Result<T, E>,
    ) -> Result<T, E> {
        self.queued.fetch_add(1, Ordering::SeqCst);
        let st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        self.queued.fetch_sub(1, Ordering::SeqCst);
        let mut st = st;
        if st.conn.is_none() {
            st.conn = Some(pool.get().map_err(DbError::from)?);
        }
        if st.open.is_none() {
            let conn = st.conn.as_ref().expect("the writer's connection was just set");
            conn.execute_batch("BEGIN IMMEDIATE").map_err(DbError::from)?;
            st.open = Some(Group { writes: 0, began: Instant::now(), outcome: Arc::default() });
        }
        let outcome = st.open.as_ref().map(|g| g.outcome.clone()).expect("a group is open");
        // `Err(..)` from the savepoint's own statements: the group's state is unknown, so it is
        // rolled back whole (a failed write's changes must never ride along with the others').
        let result = {
            let conn = st.conn.as_ref().expect("the writer's connection is set");
            catch_unwind(AssertUnwindSafe(|| -> Result<Result<T, E>, DbError> {
                conn.execute_batch("SAVEPOINT write")?;
                let out = f(conn);
                conn.execute_batch(if out.is_ok() { "RELEASE write" } else { "ROLLBACK TO write; RELEASE write" })?;
                Ok(out)
            }))
        };
        let result = match result {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => {
                self.end(&mut st, false);
                crate::audit::not_committed();
                return Err(e.into());
            }
            Err(panic) => {
                self.end(&mut st, false);
                drop(st);
                resume_unwind(panic);
            }
        };
        let group = st.open.as_mut().expect("a group is open");
        group.writes += 1;
        self.writes.fetch_add(1, Ordering::Relaxed);
        let last =
            self.queued.load(Ordering::SeqCst) == 0 || group.writes >= MAX_WRITES || group.began.elapsed() >= MAX_AGE;
        if last {
            self.end(&mut st, true);
        }
        drop(st);
        let out = result?;
        if outcome.wait() {
            Ok(out)
        } else {
            crate::audit::not_committed();
            Err(DbError::Io("the write's group could not be committed; nothing of it was written".into()).into())
        }
    }

    /// Groups ended and writes run so far.
    pub(super) fn counts(&self) -> (u64, u64) {
        (self.groups.load(Ordering::Relaxed), self.writes.load(Ordering::Relaxed))
    }

    /// Commits (or rolls back) the open group and wakes its writers.
    fn end(&self, st: &mut MutexGuard<'_, State>, commit: bool) {
        let Some(group) = st.open.take() else { return };
        self.groups.fetch_add(1, Ordering::Relaxed);
        let conn = st.conn.as_ref().expect("a group has a connection");
        let committed = commit
            && match conn.execute_batch("COMMIT") {
                Ok(()) => true,
                Err(e) => {
                    tracing::error!(error = %e, writes = group.writes, "a group of writes could not be committed");
                    false
                }
            };
        if !committed && !conn.is_autocommit() {
            let _ = conn.execute_batch("ROLLBACK");
        }
        group.outcome.set(committed);
    }
}

#[cfg(test)]
mod tests {
    use crate::db::{Db, DbError, Synchronous, V};

    fn count(db: &Db) -> i64 {
        db.read(|c| c.query_one("SELECT COUNT(*) AS n FROM t", &[], |r| r.get::<i64>("n"))).unwrap()
    }

    /// Writers racing: the ones that fail leave nothing, every other one is there, and they were
    /// committed in fewer groups than writes.
    #[test]
    fn a_failed_write_leaves_nothing_and_the_others_commit_together() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("g.db"), Synchronous::Normal).unwrap();
        db.write(|c| c.execute_batch("CREATE TABLE t (x INTEGER NOT NULL)")).unwrap();
        let (groups_before, writes_before) = db.write_groups().unwrap();
        let threads: Vec<_> = (0..16i64)
            .map(|t| {
                let db = db.clone();
                std::thread::spawn(move || {
                    let mut ok = 0;
                    for i in 0..20i64 {
                        let x = t * 100 + i;
                        let r = db.write(|c| {
                            c.execute("INSERT INTO t (x) VALUES (?1)", &[V::Int(x)])?;
                            if t == 0 && i == 0 {
                                // The first write holds the writer while the others queue behind it.
                                std::thread::sleep(std::time::Duration::from_millis(100));
                            }
                            if x % 3 == 0 {
                                return Err(DbError::Invalid("refused"));
                            }
                            Ok(())
                        });
                        ok += i64::from(r.is_ok());
                    }
                    ok
                })
            })
            .collect();
        let ok: i64 = threads.into_iter().map(|h| h.join().unwrap()).sum();
        assert_eq!(
            ok,
            (0..16i64).flat_map(|t| (0..20).map(move |i| t * 100 + i)).filter(|x| x % 3 != 0).count() as i64
        );
        assert_eq!(count(&db), ok);
        let refused: i64 = db
            .read(|c| c.query_one("SELECT COUNT(*) AS n FROM t WHERE x % 3 = 0", &[], |r| r.get::<i64>("n")))
            .unwrap();
        assert_eq!(refused, 0, "a failed write's insert rode along with its group");
        let (groups, writes) = db.write_groups().unwrap();
        assert_eq!(writes - writes_before, 320);
        assert!(groups - groups_before < 320, "{} groups for 320 writes", groups - groups_before);
    }

    /// A write that panics takes its group down (nothing of it is committed, its other writes fail),
    /// and the writer works again after.
    #[test]
    fn a_panicking_write_rolls_its_group_back_and_the_writer_recovers() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("g.db"), Synchronous::Normal).unwrap();
        db.write(|c| c.execute_batch("CREATE TABLE t (x INTEGER NOT NULL)")).unwrap();
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        let panicking = {
            let db = db.clone();
            std::thread::spawn(move || {
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    db.write(|c| -> Result<(), DbError> {
                        c.execute("INSERT INTO t (x) VALUES (1)", &[])?;
                        started_tx.send(()).unwrap();
                        std::thread::sleep(std::time::Duration::from_millis(200));
                        panic!("a bug in a write");
                    })
                }));
            })
        };
        started_rx.recv().unwrap();
        // Queued behind the panicking write: they join its group or start the next one; none may
        // find the panicking write's row committed.
        let others: Vec<_> = (0..4i64)
            .map(|i| {
                let db = db.clone();
                std::thread::spawn(move || db.write(|c| c.execute("INSERT INTO t (x) VALUES (?1)", &[V::Int(10 + i)])))
            })
            .collect();
        panicking.join().unwrap();
        let done = others.into_iter().map(|h| h.join().unwrap()).filter(Result::is_ok).count();
        let x1: i64 =
            db.read(|c| c.query_one("SELECT COUNT(*) AS n FROM t WHERE x = 1", &[], |r| r.get::<i64>("n"))).unwrap();
        assert_eq!(x1, 0);
        assert_eq!(count(&db), done as i64);
        db.write(|c| c.execute("INSERT INTO t (x) VALUES (99)", &[])).unwrap();
        assert_eq!(count(&db), done as i64 + 1);
    }
}
