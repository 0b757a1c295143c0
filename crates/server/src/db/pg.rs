//! PostgreSQL: a pool of `tokio-postgres` clients whose connections run on a small runtime of the
//! pool's own, waited on (`futures_executor::block_on`) from the blocking threads the service runs
//! on.
//!
//! Why not the synchronous `postgres` crate: each of its clients drives its connection with its own
//! runtime's `block_on`, which panics on a thread that is already inside a Tokio runtime (the CLI's
//! `main`, every `#[tokio::test]`). Here the connection tasks live on the pool's runtime, and a query
//! only sends a message and waits for the answer, which works from any thread.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use tokio_postgres::types::{IsNull, ToSql, Type};
use tokio_postgres::{Client, NoTls, Statement};

use super::{DbError, V};

/// The runtime the pool's connections run on; shut down without waiting when the pool goes (a
/// runtime dropped inside another one's context would panic).
pub(super) struct Rt(Option<tokio::runtime::Runtime>);

impl Rt {
    pub(super) fn new() -> Result<Arc<Rt>, DbError> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("envdesk-pg")
            .enable_all()
            .build()
            .map_err(|e| DbError::Io(e.to_string()))?;
        Ok(Arc::new(Rt(Some(rt))))
    }
    fn handle(&self) -> &tokio::runtime::Handle {
        self.0.as_ref().expect("the runtime lives as long as the pool").handle()
    }
}

impl Drop for Rt {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

/// A PostgreSQL failure, without what a row held: the SQLSTATE and the constraint, plus the server's
/// message only for failures to connect or authenticate (a message about a statement can quote a
/// value, e.g. `invalid input syntax for type bigint: "…"`).
#[derive(Clone)]
pub struct PgError {
    /// SQLSTATE (`23505` for a unique violation), when the server answered.
    pub code: Option<String>,
    constraint: Option<String>,
    message: String,
}

impl PgError {
    pub(super) fn from_pg(e: &tokio_postgres::Error) -> PgError {
        match e.as_db_error() {
            Some(db) => {
                let code = db.code().code().to_owned();
                // 08: connection exception, 28: invalid authorization, 3D000: no such database, 57P:
                // the server is shutting down or cannot accept connections.
                let safe =
                    code.starts_with("08") || code.starts_with("28") || code == "3D000" || code.starts_with("57P");
                PgError {
                    message: if safe { db.message().to_owned() } else { String::new() },
                    constraint: db.constraint().map(str::to_owned),
                    code: Some(code),
                }
            }
            // Not an answer of the server (I/O, a closed connection, a type we could not convert):
            // these messages name no value.
            None => PgError { code: None, constraint: None, message: e.to_string() },
        }
    }
}

impl fmt::Display for PgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.code {
            Some(code) => write!(f, "PostgreSQL error {code}")?,
            None => write!(f, "PostgreSQL client error")?,
        }
        if let Some(c) = &self.constraint {
            write!(f, " (constraint {c})")?;
        }
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        Ok(())
    }
}

impl fmt::Debug for PgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl From<tokio_postgres::Error> for DbError {
    fn from(e: tokio_postgres::Error) -> DbError {
        DbError::Pg(PgError::from_pg(&e))
    }
}

/// A pooled connection: the client, its prepared statements, and whether a transaction is open
/// (such a connection is never handed out again: r2d2 drops it, and the server rolls it back).
pub struct PgConn {
    client: Client,
    statements: HashMap<String, Statement>,
    pub(super) in_tx: bool,
}

impl PgConn {
    /// Runs one or more statements without parameters.
    pub(super) fn batch(&mut self, sql: &str) -> Result<(), DbError> {
        Ok(futures_executor::block_on(self.client.batch_execute(sql))?)
    }

    /// `ROLLBACK`; the connection is marked clean only if that worked.
    pub(super) fn rollback(&mut self) {
        if self.batch("ROLLBACK").is_ok() {
            self.in_tx = false;
        }
    }

    fn statement(&mut self, sql: &str) -> Result<Statement, DbError> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = futures_executor::block_on(self.client.prepare(&placeholders(sql)))?;
        // A bounded cache: the statements are the store's constants, but a test may run its own.
        if self.statements.len() >= 256 {
            self.statements.clear();
        }
        self.statements.insert(sql.to_owned(), s.clone());
        Ok(s)
    }

    pub(super) fn query(&mut self, sql: &str, params: &[V<'_>]) -> Result<Vec<tokio_postgres::Row>, DbError> {
        let st = self.statement(sql)?;
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        Ok(futures_executor::block_on(self.client.query(&st, &refs))?)
    }

    pub(super) fn execute(&mut self, sql: &str, params: &[V<'_>]) -> Result<u64, DbError> {
        let st = self.statement(sql)?;
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        Ok(futures_executor::block_on(self.client.execute(&st, &refs))?)
    }
}

/// SQLite's numbered parameters (`?1`) as PostgreSQL's (`$1`): the store writes its SQL once. (No
/// statement of the store has a `?` inside a string literal.)
pub(super) fn placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '?' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('$');
        } else {
            out.push(c);
        }
    }
    out
}

/// Opens connections for r2d2.
pub(super) struct PgManager {
    pub(super) config: tokio_postgres::Config,
    pub(super) rt: Arc<Rt>,
}

impl r2d2::ManageConnection for PgManager {
    type Connection = PgConn;
    type Error = DbError;

    fn connect(&self) -> Result<PgConn, DbError> {
        let config = self.config.clone();
        let task = self.rt.handle().spawn(async move {
            let (client, connection) = config.connect(NoTls).await?;
            tokio::spawn(async move {
                // Ends when the client is dropped or the server goes; the next use of the client
                // then fails and r2d2 replaces it (`has_broken`).
                let _ = connection.await;
            });
            Ok::<_, tokio_postgres::Error>(client)
        });
        let client = futures_executor::block_on(task).map_err(|e| DbError::Io(e.to_string()))??;
        let mut conn = PgConn { client, statements: HashMap::new(), in_tx: false };
        // No request waits forever on the database: a statement (or the write lock) at most 60 s, and
        // the server ends a transaction left idle (a crashed replica's) after 60 s.
        conn.batch(
            "SET statement_timeout = '60s'; SET lock_timeout = '60s'; SET idle_in_transaction_session_timeout = '60s'",
        )?;
        Ok(conn)
    }

    fn is_valid(&self, conn: &mut PgConn) -> Result<(), DbError> {
        conn.batch("")
    }

    fn has_broken(&self, conn: &mut PgConn) -> bool {
        conn.client.is_closed() || conn.in_tx
    }
}

/// A parameter as PostgreSQL wants it for the type it inferred: integers fit `int8`, `int4` and
/// `bool` columns, booleans `bool` and integer columns (SQLite's schema stores flags as integers).
impl ToSql for V<'_> {
    fn to_sql(&self, ty: &Type, out: &mut bytes::BytesMut) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match *self {
            V::Null => Ok(IsNull::Yes),
            V::Int(i) => match *ty {
                Type::INT8 => i.to_sql(ty, out),
                Type::INT4 => i32::try_from(i)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(i)?.to_sql(ty, out),
                Type::BOOL => (i != 0).to_sql(ty, out),
                _ => Err(format!("an integer parameter where {ty} is expected").into()),
            },
            V::Bool(b) => match *ty {
                Type::BOOL => b.to_sql(ty, out),
                Type::INT8 => i64::from(b).to_sql(ty, out),
                Type::INT4 => i32::from(b).to_sql(ty, out),
                _ => Err(format!("a boolean parameter where {ty} is expected").into()),
            },
            V::Text(s) => s.to_sql_checked(ty, out),
            V::Bytes(b) => b.to_sql_checked(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    tokio_postgres::types::to_sql_checked!();
}

/// Reads an integer column of any width.
pub(super) fn int(r: &tokio_postgres::Row, name: &str) -> Result<Option<i64>, DbError> {
    let idx = r.columns().iter().position(|c| c.name() == name).ok_or(DbError::Invalid("no such column"))?;
    Ok(match *r.columns()[idx].type_() {
        Type::INT2 => r.try_get::<_, Option<i16>>(idx)?.map(i64::from),
        Type::INT4 => r.try_get::<_, Option<i32>>(idx)?.map(i64::from),
        _ => r.try_get::<_, Option<i64>>(idx)?,
    })
}

/// Reads a flag written as a boolean or as an integer (`EXISTS` is a boolean, a stored flag a
/// `bigint`).
pub(super) fn flag(r: &tokio_postgres::Row, name: &str) -> Result<bool, DbError> {
    let idx = r.columns().iter().position(|c| c.name() == name).ok_or(DbError::Invalid("no such column"))?;
    Ok(match *r.columns()[idx].type_() {
        Type::BOOL => r.try_get::<_, bool>(idx)?,
        Type::INT4 => r.try_get::<_, i32>(idx)? != 0,
        _ => r.try_get::<_, i64>(idx)? != 0,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbered_parameters_become_dollars() {
        assert_eq!(
            super::placeholders("SELECT a FROM t WHERE b = ?1 AND c = ?12"),
            "SELECT a FROM t WHERE b = $1 AND c = $12"
        );
        assert_eq!(super::placeholders("SELECT '?' || ?2"), "SELECT '?' || $2");
    }
}
