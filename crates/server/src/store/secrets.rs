//! `secrets`: one row per level ever written, and where a level sits.

use super::{env_by_id, Q};
use crate::db::{Conn, DbError, Row};
use crate::params;

/// `Debug` leaves out hashes, wrapped keys, proofs and blobs.
#[derive(Clone)]
pub struct SecretRow {
    pub id: i64,
    pub ulid: String,
    pub node: String,
    pub content: Option<String>,
    pub key_version: i64,
    pub revision: i64,
    pub updated_at: String,
}

const SECRET_COLS: &str = "id, ulid, node, content, key_version, revision, updated_at";

fn secret(r: &Row<'_>) -> Q<SecretRow> {
    Ok(SecretRow {
        id: r.get("id")?,
        ulid: r.get("ulid")?,
        node: r.get("node")?,
        content: r.get("content")?,
        key_version: r.get("key_version")?,
        revision: r.get("revision")?,
        updated_at: r.get("updated_at")?,
    })
}

pub fn secret_by_node(c: &Conn<'_>, node: &str) -> Q<Option<SecretRow>> {
    c.query_opt(&format!("SELECT {SECRET_COLS} FROM secrets WHERE node = ?1"), params![node], secret)
}

pub fn secrets_of_project(c: &Conn<'_>, project: i64) -> Q<Vec<SecretRow>> {
    c.query(&format!("SELECT {SECRET_COLS} FROM secrets WHERE project_id = ?1 ORDER BY id"), params![project], secret)
}

/// Where a level sits: its node key and the ids of its project, target and environment.
#[derive(Clone, Debug)]
pub struct NodeIds {
    pub node: String,
    pub project: i64,
    pub target: Option<i64>,
    pub environment: Option<i64>,
}

/// The ids of the level a node key (`p<id>`, `t<id>`, `e<id>`) of `project` names.
pub fn node_ids(c: &Conn<'_>, node: &str, project: i64) -> Q<NodeIds> {
    let (kind, id) = node.split_at_checked(1).ok_or(DbError::Invalid("an empty node key"))?;
    let id: i64 = id.parse().map_err(|_| DbError::Invalid("a node key is p, t or e and a number"))?;
    Ok(match kind {
        "p" => NodeIds { node: node.to_owned(), project, target: None, environment: None },
        "t" => NodeIds { node: node.to_owned(), project, target: Some(id), environment: None },
        _ => {
            let e = env_by_id(c, id)?.ok_or(DbError::NoRow)?;
            NodeIds { node: node.to_owned(), project, target: Some(e.target_id), environment: Some(id) }
        }
    })
}

/// The slugs of a node key (`p<id>`, `t<id>`, `e<id>`): `project[/target[/environment]]`; `None` when
/// the node is gone.
pub fn node_slugs(c: &Conn<'_>, node: &str) -> Q<Option<String>> {
    let (kind, id) = node.split_at_checked(1).ok_or(DbError::Invalid("an empty node key"))?;
    let id: i64 = id.parse().map_err(|_| DbError::Invalid("a node key is p, t or e and a number"))?;
    let sql = match kind {
        "p" => "SELECT p.slug AS path FROM projects p WHERE p.id = ?1",
        "t" => "SELECT p.slug || '/' || t.slug AS path FROM targets t JOIN projects p ON t.project_id = p.id WHERE t.id = ?1",
        _ => "SELECT p.slug || '/' || t.slug || '/' || e.slug AS path FROM environments e JOIN targets t ON e.target_id = t.id JOIN projects p ON t.project_id = p.id WHERE e.id = ?1",
    };
    c.query_opt(sql, params![id], |r| r.get("path"))
}

pub fn insert_secret(
    c: &Conn<'_>,
    ulid: &str,
    n: &NodeIds,
    content: Option<&str>,
    key_version: i64,
    now: &str,
) -> Q<i64> {
    c.query_one("INSERT INTO secrets (ulid, node, project_id, target_id, environment_id, content, key_version, revision, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8) RETURNING id", params![ulid, n.node, n.project, n.target, n.environment, content, key_version, now], |r| r.get("id"))
}

pub fn update_secret(c: &Conn<'_>, id: i64, content: Option<&str>, key_version: i64, now: &str) -> Q<i64> {
    c.query_one("UPDATE secrets SET content = ?2, key_version = ?3, revision = revision + 1, updated_at = ?4 WHERE id = ?1 RETURNING revision", params![id, content, key_version, now], |r| r.get("revision"))
}

pub fn delete_secret_row(c: &Conn<'_>, id: i64) -> Q<()> {
    c.execute("DELETE FROM secrets WHERE id = ?1", params![id])?;
    Ok(())
}

impl std::fmt::Debug for SecretRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretRow")
            .field("id", &self.id)
            .field("ulid", &self.ulid)
            .field("node", &self.node)
            .field("key_version", &self.key_version)
            .field("revision", &self.revision)
            .field("updated_at", &self.updated_at)
            .finish_non_exhaustive()
    }
}
