//! `project_keys`: one row per key version of a project.

use envdesk_api::StorageMode;
use r2d2_sqlite::rusqlite::{params, Connection, OptionalExtension, Row};

use super::{mode, Mode, Q, R};

/// `Debug` leaves out hashes, wrapped keys, proofs and blobs.
#[derive(Clone)]
pub struct KeyRow {
    pub id: i64,
    pub project_id: i64,
    pub version: i64,
    pub managed: StorageMode,
    pub wrapped_key: Option<String>,
    pub key_check: Option<String>,
    pub key_check_salt: Option<String>,
    pub key_check_iterations: Option<i64>,
    pub is_active: bool,
    pub created_at: String,
    pub rotated_at: Option<String>,
}

const KEY_COLS: &str = "id, project_id, version, managed, wrapped_key, key_check, key_check_salt, key_check_iterations, is_active, created_at, rotated_at";

fn key(r: &Row<'_>) -> R<KeyRow> {
    Ok(KeyRow {
        id: r.get("id")?,
        project_id: r.get("project_id")?,
        version: r.get("version")?,
        managed: mode(r, "managed")?,
        wrapped_key: r.get("wrapped_key")?,
        key_check: r.get("key_check")?,
        key_check_salt: r.get("key_check_salt")?,
        key_check_iterations: r.get("key_check_iterations")?,
        is_active: r.get("is_active")?,
        created_at: r.get("created_at")?,
        rotated_at: r.get("rotated_at")?,
    })
}

pub struct NewKey<'a> {
    pub version: i64,
    pub managed: StorageMode,
    pub wrapped_key: Option<&'a str>,
    pub key_check: Option<&'a str>,
    pub key_check_salt: Option<&'a str>,
    pub key_check_iterations: Option<i64>,
}

/// Inserts a new active key version, retiring the previous active one (frozen from then on).
pub fn insert_key(c: &Connection, project: i64, k: &NewKey<'_>, now: &str) -> Q<i64> {
    c.prepare_cached("UPDATE project_keys SET is_active = 0, rotated_at = ?2 WHERE project_id = ?1 AND is_active = 1")?
        .execute(params![project, now])?;
    c.prepare_cached("INSERT INTO project_keys (project_id, version, managed, wrapped_key, key_check, key_check_salt, key_check_iterations, is_active, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8)")?.execute(params![project, k.version, Mode(k.managed), k.wrapped_key, k.key_check, k.key_check_salt, k.key_check_iterations, now])?;
    Ok(c.last_insert_rowid())
}

pub fn active_key(c: &Connection, project: i64) -> Q<Option<KeyRow>> {
    Ok(c.prepare_cached(&format!("SELECT {KEY_COLS} FROM project_keys WHERE project_id = ?1 AND is_active = 1"))?
        .query_row([project], key)
        .optional()?)
}

pub fn key_version(c: &Connection, project: i64, version: i64) -> Q<Option<KeyRow>> {
    Ok(c.prepare_cached(&format!("SELECT {KEY_COLS} FROM project_keys WHERE project_id = ?1 AND version = ?2"))?
        .query_row(params![project, version], key)
        .optional()?)
}

/// Active first, then by descending version.
pub fn keys(c: &Connection, project: i64) -> Q<Vec<KeyRow>> {
    let mut st = c.prepare_cached(&format!(
        "SELECT {KEY_COLS} FROM project_keys WHERE project_id = ?1 ORDER BY is_active DESC, version DESC"
    ))?;
    let rows = st.query_map([project], key)?;
    Ok(rows.collect::<R<Vec<_>>>()?)
}

impl std::fmt::Debug for KeyRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRow")
            .field("id", &self.id)
            .field("project_id", &self.project_id)
            .field("version", &self.version)
            .field("managed", &self.managed)
            .field("key_check_iterations", &self.key_check_iterations)
            .field("is_active", &self.is_active)
            .field("created_at", &self.created_at)
            .field("rotated_at", &self.rotated_at)
            .finish_non_exhaustive()
    }
}
