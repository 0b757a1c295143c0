//! `envdesk-server migrate --from A --to B`: copies a whole database (SQLite → PostgreSQL, or any
//! direction) row for row, ids kept, in one write transaction of the target; then checks, table by
//! table, that both hold the same number of rows and the same SHA-256 over every row. A target that
//! already holds anything is refused, so nothing is ever merged or overwritten.
//!
//! Blobs and wrapped keys are copied as they are: the target serves with the same master key.

use sha2::{Digest, Sha256};

use crate::db::{Conn, Db, DbError, Kind, V};

/// The columns of a table and how each is read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ty {
    Int,
    Text,
    Bytes,
}

/// Every table, parents first (foreign keys), with every column of the schema.
const TABLES: &[(&str, &[(&str, Ty)])] = &[
    (
        "organizations",
        &[
            ("id", Ty::Int),
            ("ulid", Ty::Text),
            ("name", Ty::Text),
            ("slug", Ty::Text),
            ("status", Ty::Text),
            ("created_at", Ty::Text),
            ("updated_at", Ty::Text),
        ],
    ),
    (
        "api_tokens",
        &[
            ("id", Ty::Int),
            ("organization_id", Ty::Int),
            ("name", Ty::Text),
            ("token_hash", Ty::Bytes),
            ("abilities", Ty::Text),
            ("created_at", Ty::Text),
            ("last_used_at", Ty::Text),
            ("revoked_at", Ty::Text),
        ],
    ),
    (
        "projects",
        &[
            ("id", Ty::Int),
            ("ulid", Ty::Text),
            ("organization_id", Ty::Int),
            ("name", Ty::Text),
            ("slug", Ty::Text),
            ("description", Ty::Text),
            ("secret_format", Ty::Text),
            ("storage_mode", Ty::Text),
            ("created_at", Ty::Text),
            ("updated_at", Ty::Text),
        ],
    ),
    (
        "targets",
        &[
            ("id", Ty::Int),
            ("ulid", Ty::Text),
            ("project_id", Ty::Int),
            ("name", Ty::Text),
            ("slug", Ty::Text),
            ("description", Ty::Text),
            ("created_at", Ty::Text),
            ("updated_at", Ty::Text),
        ],
    ),
    (
        "environments",
        &[
            ("id", Ty::Int),
            ("ulid", Ty::Text),
            ("target_id", Ty::Int),
            ("name", Ty::Text),
            ("slug", Ty::Text),
            ("description", Ty::Text),
            ("status", Ty::Text),
            ("is_production", Ty::Int),
            ("created_at", Ty::Text),
            ("updated_at", Ty::Text),
        ],
    ),
    (
        "project_keys",
        &[
            ("id", Ty::Int),
            ("project_id", Ty::Int),
            ("version", Ty::Int),
            ("managed", Ty::Text),
            ("wrapped_key", Ty::Text),
            ("key_check", Ty::Text),
            ("key_check_salt", Ty::Text),
            ("key_check_iterations", Ty::Int),
            ("is_active", Ty::Int),
            ("created_at", Ty::Text),
            ("rotated_at", Ty::Text),
        ],
    ),
    (
        "secrets",
        &[
            ("id", Ty::Int),
            ("ulid", Ty::Text),
            ("node", Ty::Text),
            ("project_id", Ty::Int),
            ("target_id", Ty::Int),
            ("environment_id", Ty::Int),
            ("content", Ty::Text),
            ("key_version", Ty::Int),
            ("revision", Ty::Int),
            ("updated_at", Ty::Text),
        ],
    ),
    (
        "secret_versions",
        &[
            ("id", Ty::Int),
            ("node", Ty::Text),
            ("project_id", Ty::Int),
            ("target_id", Ty::Int),
            ("environment_id", Ty::Int),
            ("action", Ty::Text),
            ("content", Ty::Text),
            ("size_bytes", Ty::Int),
            ("key_version", Ty::Int),
            ("is_client", Ty::Int),
            ("revision", Ty::Int),
            ("created_at", Ty::Text),
            ("created_by_id", Ty::Int),
            ("created_by_name", Ty::Text),
        ],
    ),
    (
        "audit_log",
        &[
            ("id", Ty::Int),
            ("at", Ty::Text),
            ("organization_id", Ty::Int),
            ("token_id", Ty::Int),
            ("token_name", Ty::Text),
            ("ability", Ty::Text),
            ("event", Ty::Text),
            ("node", Ty::Text),
            ("version", Ty::Text),
            ("outcome", Ty::Text),
            ("error", Ty::Text),
            ("client", Ty::Text),
            ("prev_hash", Ty::Text),
            ("hash", Ty::Text),
        ],
    ),
    ("audit_anchor", &[("id", Ty::Int), ("pruned_through", Ty::Int), ("hash", Ty::Text), ("mac", Ty::Text)]),
    ("server_secrets", &[("id", Ty::Int), ("audit_chain_key", Ty::Text)]),
];

/// Rows are copied in batches of this many (by id), so memory stays bounded on a large history.
const BATCH: i64 = 500;

/// A value of any column. `Debug` is not derived: values are blobs and token hashes.
enum Val {
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
    Null,
}

impl Val {
    fn v(&self) -> V<'_> {
        match self {
            Val::Int(i) => V::Int(*i),
            Val::Text(s) => V::Text(s),
            Val::Bytes(b) => V::Bytes(b),
            Val::Null => V::Null,
        }
    }
    /// Length-prefixed and tagged, so no two rows hash alike by shifting bytes between columns.
    fn hash_into(&self, h: &mut Sha256) {
        match self {
            Val::Int(i) => {
                h.update(b"i");
                h.update(i.to_be_bytes());
            }
            Val::Text(s) => {
                h.update(b"t");
                h.update((s.len() as u64).to_be_bytes());
                h.update(s.as_bytes());
            }
            Val::Bytes(b) => {
                h.update(b"b");
                h.update((b.len() as u64).to_be_bytes());
                h.update(b);
            }
            Val::Null => h.update(b"n"),
        }
    }
}

/// One table as copied and checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableReport {
    /// The table.
    pub table: &'static str,
    /// Its rows (the same on both sides).
    pub rows: u64,
    /// SHA-256 over every row in id order, hex (the same on both sides).
    pub sha256: String,
}

/// Why a migration did not happen (nothing was written) or did not check out.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    /// The target holds rows already.
    #[error("the target database is not empty ({table} has {rows} rows); migrate only into a new, empty database")]
    NotEmpty {
        /// The first table found with rows.
        table: &'static str,
        /// How many.
        rows: u64,
    },
    /// A database failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// After the copy, the two sides differ (this is a bug; the target should be dropped).
    #[error("after the copy, {table} differs: {detail}")]
    Mismatch {
        /// The table.
        table: &'static str,
        /// Counts or hashes.
        detail: String,
    },
}

fn select(table: &str, cols: &[(&str, Ty)]) -> String {
    let names: Vec<&str> = cols.iter().map(|(n, _)| *n).collect();
    format!("SELECT {} FROM {table} WHERE id > ?1 ORDER BY id LIMIT ?2", names.join(", "))
}

fn read_batch(c: &Conn<'_>, table: &str, cols: &[(&str, Ty)], after: i64) -> Result<Vec<Vec<Val>>, DbError> {
    c.query(&select(table, cols), &[V::Int(after), V::Int(BATCH)], |r| {
        cols.iter()
            .map(|(name, ty)| {
                Ok(match ty {
                    Ty::Int => r.get::<Option<i64>>(name)?.map_or(Val::Null, Val::Int),
                    Ty::Text => r.get::<Option<String>>(name)?.map_or(Val::Null, Val::Text),
                    Ty::Bytes => r.get::<Option<Vec<u8>>>(name)?.map_or(Val::Null, Val::Bytes),
                })
            })
            .collect()
    })
}

fn id_of(row: &[Val]) -> i64 {
    match row.first() {
        Some(Val::Int(i)) => *i,
        _ => i64::MAX,
    }
}

/// Row count and hash of every table of `db`.
fn fingerprint(db: &Db) -> Result<Vec<TableReport>, DbError> {
    db.read(fingerprint_in)
}

/// [`fingerprint`] inside a transaction already open (the copy's own snapshot of the source).
fn fingerprint_in(c: &Conn<'_>) -> Result<Vec<TableReport>, DbError> {
    {
        TABLES
            .iter()
            .map(|(table, cols)| {
                let mut h = Sha256::new();
                let (mut rows, mut after) = (0u64, 0i64);
                loop {
                    let batch = read_batch(c, table, cols, after)?;
                    let Some(last) = batch.last() else { break };
                    after = id_of(last);
                    for row in &batch {
                        row.iter().for_each(|v| v.hash_into(&mut h));
                        rows += 1;
                    }
                }
                let sha256 = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
                Ok(TableReport { table, rows, sha256 })
            })
            .collect()
    }
}

/// The highest id a table ever handed out (SQLite's `sqlite_sequence`, PostgreSQL's identity), so the
/// copy never hands out an id again that the source had used (a deleted newest version's).
fn high_water(c: &Conn<'_>, table: &str) -> Result<i64, DbError> {
    let max: i64 = c.query_one(&format!("SELECT COALESCE(MAX(id), 0) AS n FROM {table}"), &[], |r| r.get("n"))?;
    let seq = match c.kind() {
        Kind::Sqlite => c
            .query_opt("SELECT seq FROM sqlite_sequence WHERE name = ?1", &[V::Text(table)], |r| r.get::<i64>("seq"))
            .unwrap_or(None),
        Kind::Postgres => c.query_opt(
            "SELECT CAST(COALESCE(pg_sequence_last_value(CAST(pg_get_serial_sequence(?1, 'id') AS regclass)), 0) AS BIGINT) AS v",
            &[V::Text(table)],
            |r| r.get::<i64>("v"),
        )?,
    };
    Ok(max.max(seq.unwrap_or(0)))
}

/// Copies every row of `from` into `to` (which must be empty), then checks both sides hold the same.
pub fn migrate(from: &Db, to: &Db) -> Result<Vec<TableReport>, MigrateError> {
    let copied = to
        .write(|dst| {
            for (table, _) in TABLES {
                let rows: i64 = dst.query_one(&format!("SELECT COUNT(*) AS n FROM {table}"), &[], |r| r.get("n"))?;
                if rows > 0 {
                    return Err(MigrateError::NotEmpty { table, rows: rows as u64 });
                }
            }
            from.read(|src| {
                for (table, cols) in TABLES {
                    let names: Vec<&str> = cols.iter().map(|(n, _)| *n).collect();
                    let marks: Vec<String> = (1..=cols.len()).map(|i| format!("?{i}")).collect();
                    let insert = format!("INSERT INTO {table} ({}) VALUES ({})", names.join(", "), marks.join(", "));
                    let mut after = 0;
                    loop {
                        let batch = read_batch(src, table, cols, after)?;
                        let Some(last) = batch.last() else { break };
                        after = id_of(last);
                        for row in &batch {
                            let params: Vec<V<'_>> = row.iter().map(Val::v).collect();
                            dst.execute(&insert, &params)?;
                        }
                    }
                    // Ids were given; the next one the database hands out must come after every id the
                    // source ever handed out.
                    if matches!(*table, "audit_anchor" | "server_secrets") {
                        continue;
                    }
                    let next = high_water(src, table)? + 1;
                    match dst.kind() {
                        Kind::Postgres => {
                            dst.query_one(
                                "SELECT setval(CAST(pg_get_serial_sequence(?1, 'id') AS regclass), ?2, false) AS v",
                                &[V::Text(table), V::Int(next)],
                                |r| r.get::<i64>("v"),
                            )?;
                        }
                        Kind::Sqlite if matches!(*table, "secret_versions" | "audit_log") => {
                            // AUTOINCREMENT tables: never an id below the source's mark.
                            if dst.execute(
                                "UPDATE sqlite_sequence SET seq = ?2 WHERE name = ?1",
                                &[V::Text(table), V::Int(next - 1)],
                            )? == 0
                            {
                                dst.execute(
                                    "INSERT INTO sqlite_sequence (name, seq) VALUES (?1, ?2)",
                                    &[V::Text(table), V::Int(next - 1)],
                                )?;
                            }
                        }
                        Kind::Sqlite => {}
                    }
                }
                // The source's fingerprint in the snapshot the copy read.
                Ok::<_, MigrateError>(fingerprint_in(src)?)
            })
        })
        .and_then(|a| Ok((a, fingerprint(to)?)))?;
    let (a, b) = copied;
    for (x, y) in a.iter().zip(&b) {
        if x != y {
            let detail = if x.rows != y.rows {
                format!("{} rows in the source, {} in the target", x.rows, y.rows)
            } else {
                "the same number of rows, but other contents".to_owned()
            };
            return Err(MigrateError::Mismatch { table: x.table, detail });
        }
    }
    Ok(a)
}
