//! `secret_versions`: every write of a level.

use super::{NodeIds, Q};
use crate::db::{Column, Conn, DbError, Row, ToV, V};
use crate::params;

/// What a version records (`secret_versions.action`, and a version's `action` on the wire).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VersionAction {
    /// The first content of a level.
    Create,
    /// A later store (also the copy of a replaced blob a client-managed rotation keeps).
    Update,
    /// A delete: the content it removed.
    Delete,
    /// A restore: the content restored.
    Restore,
    /// A key rotation: the content re-encrypted.
    Rotate,
}

impl VersionAction {
    /// `create`, `update`, `delete`, `restore` or `rotate`, as stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            VersionAction::Create => "create",
            VersionAction::Update => "update",
            VersionAction::Delete => "delete",
            VersionAction::Restore => "restore",
            VersionAction::Rotate => "rotate",
        }
    }
}

impl ToV for VersionAction {
    fn v(&self) -> V<'_> {
        V::Text(self.as_str())
    }
}

impl VersionAction {
    fn parse(s: &str) -> Q<VersionAction> {
        Ok(match s {
            "create" => VersionAction::Create,
            "update" => VersionAction::Update,
            "delete" => VersionAction::Delete,
            "restore" => VersionAction::Restore,
            "rotate" => VersionAction::Rotate,
            _ => return Err(DbError::Invalid("unknown version action")),
        })
    }
}

/// Read as its string; an unknown string is an error, never a default.
impl Column for VersionAction {
    fn sqlite(r: &r2d2_sqlite::rusqlite::Row<'_>, name: &str) -> Q<Self> {
        VersionAction::parse(&String::sqlite(r, name)?)
    }
    fn pg(r: &tokio_postgres::Row, name: &str) -> Q<Self> {
        VersionAction::parse(&String::pg(r, name)?)
    }
}

/// `Debug` leaves out hashes, wrapped keys, proofs and blobs.
#[derive(Clone)]
pub struct VersionRow {
    pub id: i64,
    pub node: String,
    pub project_id: i64,
    pub action: VersionAction,
    pub content: Option<String>,
    pub size_bytes: i64,
    pub key_version: i64,
    pub is_client: bool,
    pub revision: i64,
    pub created_at: String,
    pub created_by_id: Option<i64>,
    pub created_by_name: Option<String>,
}

const VERSION_COLS: &str =
    "id, node, project_id, action, content, size_bytes, key_version, is_client, revision, created_at, created_by_id, created_by_name";

fn version(r: &Row<'_>) -> Q<VersionRow> {
    Ok(VersionRow {
        id: r.get("id")?,
        node: r.get("node")?,
        project_id: r.get("project_id")?,
        action: r.get("action")?,
        content: r.get("content")?,
        size_bytes: r.get("size_bytes")?,
        key_version: r.get("key_version")?,
        is_client: r.get("is_client")?,
        revision: r.get("revision")?,
        created_at: r.get("created_at")?,
        created_by_id: r.get("created_by_id")?,
        created_by_name: r.get("created_by_name")?,
    })
}

pub struct NewVersion<'a> {
    pub action: VersionAction,
    pub content: Option<&'a str>,
    pub key_version: i64,
    pub is_client: bool,
    pub revision: i64,
    pub created_by: Option<(i64, &'a str)>,
}

pub fn insert_version(c: &Conn<'_>, n: &NodeIds, v: &NewVersion<'_>, now: &str) -> Q<i64> {
    let size = v.content.map_or(0, str::len) as i64;
    c.query_one("INSERT INTO secret_versions (node, project_id, target_id, environment_id, action, content, size_bytes, key_version, is_client, revision, created_at, created_by_id, created_by_name)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) RETURNING id", params![
            n.node,
            n.project,
            n.target,
            n.environment,
            v.action,
            v.content,
            size,
            v.key_version,
            v.is_client,
            v.revision,
            now,
            v.created_by.map(|c| c.0),
            v.created_by.map(|c| c.1)
        ], |r| r.get("id"))
}

pub fn versions_of_node(c: &Conn<'_>, node: &str, limit: u32, offset: u64) -> Q<(Vec<VersionRow>, u64)> {
    let total: i64 =
        c.query_one("SELECT COUNT(*) AS n FROM secret_versions WHERE node = ?1", params![node], |r| r.get("n"))?;
    let rows = c.query(
        &format!("SELECT {VERSION_COLS} FROM secret_versions WHERE node = ?1 ORDER BY id DESC LIMIT ?2 OFFSET ?3"),
        params![node, limit, offset_param(offset)],
        version,
    )?;
    Ok((rows, total as u64))
}

/// An `OFFSET` as the databases take it (a signed 64-bit integer; larger ones select nothing anyway).
pub(crate) fn offset_param(offset: u64) -> i64 {
    i64::try_from(offset).unwrap_or(i64::MAX)
}

/// A version, only if it belongs to a project of `org`.
pub fn version_in_org(c: &Conn<'_>, org: i64, id: i64) -> Q<Option<VersionRow>> {
    c.query_opt(
        &format!(
            "SELECT {} FROM secret_versions v JOIN projects p ON v.project_id = p.id WHERE v.id = ?1 AND p.organization_id = ?2",
            VERSION_COLS.split(", ").map(|c| format!("v.{c} AS {c}")).collect::<Vec<_>>().join(", ")
        ),
        params![id, org],
        version,
    )
}

pub fn count_content_versions(c: &Conn<'_>, node: &str) -> Q<u64> {
    let n: i64 = c.query_one(
        "SELECT COUNT(*) AS n FROM secret_versions WHERE node = ?1 AND content IS NOT NULL",
        params![node],
        |r| r.get("n"),
    )?;
    Ok(n as u64)
}

pub fn delete_version(c: &Conn<'_>, id: i64) -> Q<()> {
    c.execute("DELETE FROM secret_versions WHERE id = ?1", params![id])?;
    Ok(())
}

pub fn purge_node(c: &Conn<'_>, node: &str) -> Q<u64> {
    c.execute("DELETE FROM secret_versions WHERE node = ?1", params![node])
}

pub fn purge_project(c: &Conn<'_>, project: i64) -> Q<u64> {
    c.execute("DELETE FROM secret_versions WHERE project_id = ?1", params![project])
}

/// Versions of a project whose blob is under another key version than `active`.
pub fn pending_versions(c: &Conn<'_>, project: i64, active: i64, limit: u32) -> Q<(Vec<VersionRow>, u64)> {
    let total: i64 = c.query_one(
        "SELECT COUNT(*) AS n FROM secret_versions WHERE project_id = ?1 AND key_version != ?2 AND content IS NOT NULL",
        params![project, active],
        |r| r.get("n"),
    )?;
    let rows = c.query(
        &format!("SELECT {VERSION_COLS} FROM secret_versions WHERE project_id = ?1 AND key_version != ?2 AND content IS NOT NULL ORDER BY id LIMIT ?3"),
        params![project, active, limit],
        version,
    )?;
    Ok((rows, total as u64))
}

pub fn versions_of_project(c: &Conn<'_>, project: i64) -> Q<Vec<VersionRow>> {
    c.query(
        &format!(
            "SELECT {VERSION_COLS} FROM secret_versions WHERE project_id = ?1 AND content IS NOT NULL ORDER BY id"
        ),
        params![project],
        version,
    )
}

pub fn set_version_content(c: &Conn<'_>, id: i64, content: &str, key_version: i64) -> Q<()> {
    c.execute(
        "UPDATE secret_versions SET content = ?2, size_bytes = ?3, key_version = ?4 WHERE id = ?1",
        params![id, content, content.len() as i64, key_version],
    )?;
    Ok(())
}

impl std::fmt::Debug for VersionRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VersionRow")
            .field("id", &self.id)
            .field("node", &self.node)
            .field("project_id", &self.project_id)
            .field("action", &self.action)
            .field("size_bytes", &self.size_bytes)
            .field("key_version", &self.key_version)
            .field("is_client", &self.is_client)
            .field("revision", &self.revision)
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}
