//! `project_keys`: one row per key version of a project.

use crate::db::{Conn, Row};
use crate::params;
use envdesk_api::StorageMode;

use super::{mode, Mode, Q};

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

fn key(r: &Row<'_>) -> Q<KeyRow> {
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
pub fn insert_key(c: &Conn<'_>, project: i64, k: &NewKey<'_>, now: &str) -> Q<i64> {
    c.execute(
        "UPDATE project_keys SET is_active = 0, rotated_at = ?2 WHERE project_id = ?1 AND is_active = 1",
        params![project, now],
    )?;
    c.query_one("INSERT INTO project_keys (project_id, version, managed, wrapped_key, key_check, key_check_salt, key_check_iterations, is_active, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8) RETURNING id", params![project, k.version, Mode(k.managed), k.wrapped_key, k.key_check, k.key_check_salt, k.key_check_iterations, now], |r| r.get("id"))
}

pub fn active_key(c: &Conn<'_>, project: i64) -> Q<Option<KeyRow>> {
    c.query_opt(
        &format!("SELECT {KEY_COLS} FROM project_keys WHERE project_id = ?1 AND is_active = 1"),
        params![project],
        key,
    )
}

pub fn key_version(c: &Conn<'_>, project: i64, version: i64) -> Q<Option<KeyRow>> {
    c.query_opt(
        &format!("SELECT {KEY_COLS} FROM project_keys WHERE project_id = ?1 AND version = ?2"),
        params![project, version],
        key,
    )
}

/// Active first, then by descending version.
pub fn keys(c: &Conn<'_>, project: i64) -> Q<Vec<KeyRow>> {
    c.query(
        &format!("SELECT {KEY_COLS} FROM project_keys WHERE project_id = ?1 ORDER BY is_active DESC, version DESC"),
        params![project],
        key,
    )
}

/// Every server-managed key row (wrapped under the master key), of every project.
pub fn server_keys(c: &Conn<'_>) -> Q<Vec<KeyRow>> {
    c.query(
        &format!(
            "SELECT {KEY_COLS} FROM project_keys WHERE managed = 'server' AND wrapped_key IS NOT NULL ORDER BY id"
        ),
        params![],
        key,
    )
}

pub fn set_wrapped_key(c: &Conn<'_>, id: i64, wrapped: &str) -> Q<()> {
    c.execute("UPDATE project_keys SET wrapped_key = ?2 WHERE id = ?1", params![id, wrapped])?;
    Ok(())
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
